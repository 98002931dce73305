/* Unit tests that compile C fixtures at run time: the shell command
 * runner and where the sources and the compiler are (top_srcdir and CC from
 * the test environment, as make check sets them).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_TEST_FIXTURE_H
#define KINSPECT_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Little-endian stores, for ELF images built byte by byte. */
static inline void fixture_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void fixture_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

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
