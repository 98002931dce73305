/* Diagnostics on stderr.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/log.h"

static enum kinspect_log_level log_level = KINSPECT_LOG_WARNING;

void kinspect_log_set_level(enum kinspect_log_level level)
{
	log_level = level;
}

enum kinspect_log_level kinspect_log_get_level(void)
{
	return log_level;
}

static const char *const level_names[] = {
	[KINSPECT_LOG_ERROR] = "error",
	[KINSPECT_LOG_WARNING] = "warning",
	[KINSPECT_LOG_INFO] = "info",
	[KINSPECT_LOG_DEBUG] = "debug",
};

void kinspect_log(enum kinspect_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kinspect: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void kinspect_log_error(const struct kinspect_error *err)
{
	fputs("kinspect: error: ", stderr);
	kinspect_error_fputs(err, stderr);
}
