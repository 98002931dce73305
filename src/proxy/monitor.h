/* "monitor" (qRcmd) in the proxy: which lines are kinspect's own commands
 * (run in the proxy's process on its kernel session, their output going
 * back to gdb as console packets), which are refused, and which are QEMU's.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_MONITOR_H
#define KINSPECT_PROXY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include <kinspect/error.h>

#include "proxy/proxy.h"

/* The command line of a qRcmd packet ("qRcmd,HEX"), decoded, in *RET
 * (malloc()ed, NUL-terminated). */
struct kinspect_error *proxy_monitor_decode(const char *packet, size_t len, char **ret);

/* Bounds of a kinspect command line under "monitor". */
#define PROXY_MONITOR_MAX_LINE 1024
#define PROXY_MONITOR_MAX_LINE_TEXT "1024"
#define PROXY_MONITOR_MAX_WORDS 16
#define PROXY_MONITOR_MAX_WORDS_TEXT "16"
#define PROXY_MONITOR_MAX_WORD 256
#define PROXY_MONITOR_MAX_WORD_TEXT "256"

enum proxy_monitor_kind {
	PROXY_MONITOR_QEMU,     /* for QEMU's monitor */
	PROXY_MONITOR_KINSPECT, /* a kinspect command to run */
	PROXY_MONITOR_REFUSED,  /* kinspect's, but not allowed: WHY says so */
};

/* Whose LINE is.  "kinspect CMD ..." is always kinspect's, "qemu CMD ..."
 * never; "info" with words after it is QEMU's "info SUBCOMMAND"; a bare
 * "CMD ..." is kinspect's when CMD is one of its commands.  kinspect's run
 * only when CMD is on monitor's allowlist (commands that read the stopped
 * guest), with only that command's own options, within the bounds above;
 * otherwise PROXY_MONITOR_REFUSED with one line (ending in a newline) in
 * WHY.  For PROXY_MONITOR_KINSPECT, *RET_WORDS is a NULL-terminated,
 * malloc()ed array of pointers into the malloc()ed *RET_BUF, the command
 * name first. */
enum proxy_monitor_kind proxy_monitor_classify(const struct kinspect_proxy_options *opts, const char *line,
					       char ***ret_words, char **ret_buf, char *why, size_t why_size);

#endif /* KINSPECT_PROXY_MONITOR_H */
