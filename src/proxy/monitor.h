/* "monitor" (qRcmd) in the proxy: kinspect's own commands run as a child
 * kinspect process pointed at the proxy's private socket, its output going
 * back to gdb as console packets; anything else is QEMU's.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_PROXY_MONITOR_H
#define KINSPECT_PROXY_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <kinspect/error.h>

#include "proxy/proxy.h"

/* The command line of a qRcmd packet ("qRcmd,HEX"), decoded, in *RET
 * (malloc()ed, NUL-terminated). */
struct kinspect_error *proxy_monitor_decode(const char *packet, size_t len, char **ret);

/* Whether LINE is for kinspect, and then its words (a NULL-terminated,
 * malloc()ed array of pointers into the malloc()ed *RET_BUF).  "kinspect
 * CMD ..." is always kinspect's, "qemu CMD ..." never; "info" with words
 * after it is QEMU's "info SUBCOMMAND". */
bool proxy_monitor_is_kinspect(const struct kinspect_proxy_options *opts, const char *line, char ***ret_words,
			       char **ret_buf);

/* Start "EXE -t unix:SOCKET [-k VMLINUX] [-m DIR]... --keep-stopped WORDS"
 * with stdout and stderr on a pipe: *RET_PID and the pipe's read end in
 * *RET_FD. */
struct kinspect_error *proxy_monitor_spawn(const struct kinspect_proxy_options *opts, const char *socket_path,
					   char **words, pid_t *ret_pid, int *ret_fd);

#endif /* KINSPECT_PROXY_MONITOR_H */
