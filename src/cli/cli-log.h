/* The CLI's diagnostics on standard error ("kinspect: warning: ..."),
 * filtered by -v and -q, and the library's, which come through the
 * session's log function (kinspect_options) in the same form.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_LOG_H
#define KINSPECT_CLI_LOG_H

#include <kinspect/error.h>

/* The levels, as kinspect_options' LOG numbers them. */
enum cli_log_level {
	CLI_LOG_ERROR,
	CLI_LOG_WARNING,
	CLI_LOG_INFO,
	CLI_LOG_DEBUG,
};

/* Messages above LEVEL are dropped; the default is CLI_LOG_WARNING. */
void cli_log_set_level(enum cli_log_level level);
enum cli_log_level cli_log_level(void);

/* "kinspect: LEVEL: message" and a newline.  An error is also noted as
 * the last failure (cli_note_error(): -x --json's error lines). */
void cli_log(enum cli_log_level level, const char *fmt, ...) KINSPECT_PRINTF(2, 3);

/* ERR's whole chain as an error line (not noted: cli_fail() does that). */
void cli_log_error(const struct kinspect_error *err);

/* The sessions' log function (kinspect_options.log): the library has
 * filtered by level already; ARG is unused. */
void cli_log_library(void *arg, int level, const char *msg);

#define cli_warn(...) cli_log(CLI_LOG_WARNING, __VA_ARGS__)
#define cli_info(...) cli_log(CLI_LOG_INFO, __VA_ARGS__)

#endif /* KINSPECT_CLI_LOG_H */
