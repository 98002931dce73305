/* The CLI's diagnostics on standard error (see cli-log.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "cli/cli-log.h"
#include "cli/cli.h"

static enum cli_log_level log_level = CLI_LOG_WARNING;

static const char *const level_names[] = {
	[CLI_LOG_ERROR] = "error",
	[CLI_LOG_WARNING] = "warning",
	[CLI_LOG_INFO] = "info",
	[CLI_LOG_DEBUG] = "debug",
};

void cli_log_set_level(enum cli_log_level level)
{
	log_level = level;
}

enum cli_log_level cli_log_level(void)
{
	return log_level;
}

void cli_log(enum cli_log_level level, const char *fmt, ...)
{
	va_list ap;
	if (level == CLI_LOG_ERROR) {
		char msg[512];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		cli_note_error(msg);
	}
	if (level > log_level)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "kinspect: %s: ", level_names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_log_error(const struct kinspect_error *err)
{
	fputs("kinspect: error: ", stderr);
	kinspect_error_fputs(err, stderr);
}

void cli_log_library(void *arg, int level, const char *msg)
{
	(void)arg;
	if (level < CLI_LOG_ERROR || level > CLI_LOG_DEBUG)
		level = CLI_LOG_DEBUG;
	if (level == CLI_LOG_ERROR)
		cli_note_error(msg);
	fprintf(stderr, "kinspect: %s: %s\n", level_names[level], msg);
}
