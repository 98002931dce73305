/* Diagnostics on stderr.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"

static enum kinspect_log_level log_level = KINSPECT_LOG_WARNING;
static void (*error_hook)(const char *msg);
static void (*sink)(enum kinspect_log_level level, const char *msg);

void kinspect_log_set_sink(void (*fn)(enum kinspect_log_level level, const char *msg))
{
	sink = fn;
}

void kinspect_log_set_error_hook(void (*hook)(const char *msg))
{
	error_hook = hook;
}

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
	va_list ap;
	char msg[512];
	if ((level == KINSPECT_LOG_ERROR && error_hook) || (sink && level <= log_level)) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (level == KINSPECT_LOG_ERROR && error_hook)
			error_hook(msg);
	}
	if (level > log_level)
		return;
	if (sink) {
		sink(level, msg);
		return;
	}
	va_start(ap, fmt);
	fprintf(stderr, "kinspect: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void kinspect_log_error(const struct kinspect_error *err)
{
	if (sink) {
		char *msg = kinspect_error_string(err);
		sink(KINSPECT_LOG_ERROR, msg ? msg : "out of memory");
		free(msg);
		return;
	}
	fputs("kinspect: error: ", stderr);
	kinspect_error_fputs(err, stderr);
}
