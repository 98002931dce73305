/* Unit tests that compile C fixtures at run time: the shell command
 * runner and where the sources and the compiler are (top_srcdir and CC from
 * the test environment, as make check sets them).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_TEST_FIXTURE_H
#define KINSPECT_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* system() of the formatted command; its status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static int run(const char *fmt, ...)
{
	char cmd[16384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static inline const char *fixture_srcdir(void)
{
	const char *srcdir = getenv("top_srcdir");
	return srcdir && *srcdir ? srcdir : "..";
}

static inline const char *fixture_cc(void)
{
	const char *cc = getenv("CC");
	return cc && *cc ? cc : "cc";
}

#endif /* KINSPECT_TEST_FIXTURE_H */
