/* Diagnostics on stderr, filtered by verbosity (-v, -q).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LOG_H
#define KINSPECT_LOG_H

#include <kinspect/error.h>

enum kinspect_log_level {
	KINSPECT_LOG_ERROR,
	KINSPECT_LOG_WARNING,
	KINSPECT_LOG_INFO,
	KINSPECT_LOG_DEBUG,
};

/* Messages above LEVEL are dropped; the default is KINSPECT_LOG_WARNING. */
void kinspect_log_set_level(enum kinspect_log_level level);
enum kinspect_log_level kinspect_log_get_level(void);

/* "kinspect: warning: ..." and friends, with a newline added. */
void kinspect_log(enum kinspect_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* HOOK gets the text of every error-level message, shown or not (the
 * CLI's -x --json error lines); NULL for none. */
void kinspect_log_set_error_hook(void (*hook)(const char *msg));

/* FN gets every message shown (level at most the level set) instead of
 * standard error: a library user's log function.  NULL restores stderr. */
void kinspect_log_set_sink(void (*fn)(enum kinspect_log_level level, const char *msg));

/* ERR's whole chain as an error line. */
void kinspect_log_error(const struct kinspect_error *err);

#define kinspect_warn(...) kinspect_log(KINSPECT_LOG_WARNING, __VA_ARGS__)
#define kinspect_info(...) kinspect_log(KINSPECT_LOG_INFO, __VA_ARGS__)
#define kinspect_debug(...) kinspect_log(KINSPECT_LOG_DEBUG, __VA_ARGS__)

#endif /* KINSPECT_LOG_H */
