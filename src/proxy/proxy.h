/* The gdb proxy: sits between gdb and QEMU's gdbstub, relays every packet,
 * and adds what the kernel needs: the KASLR slide (qOffsets), the modules as
 * gdb "libraries" (qXfer:libraries:read) kept current with breakpoints of
 * its own, kinspect commands behind "monitor" (run in-process on the
 * proxy's kernel session), and a private socket where another kinspect
 * CLI reaches the guest while gdb holds the connection.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_H
#define KINSPECT_PROXY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <kinspect/error.h>
#include <kinspect/kernel.h>

struct kinspect_proxy_options {
	const char *qemu;         /* HOST:PORT or unix:PATH of QEMU's gdbstub */
	const char *vmlinux_path; /* may be NULL: a plain relay then */
	const char *const *module_dirs;
	size_t nr_module_dirs;
	int timeout_ms;
	/* The proxy's kernel session (kinspect_options): its cache directory
	 * (NULL: nothing kept) and flags (KINSPECT_NO_DERIVED_CACHES, ...). */
	const char *cache_dir;
	unsigned int session_flags;
	/* Listen on the private socket for another kinspect client. */
	bool private_socket;
	/* Where it goes; NULL: a fresh directory under $XDG_RUNTIME_DIR or
	 * /tmp. */
	const char *socket_path;
	/* Unused: monitor commands no longer run a program.  Kept so that
	 * callers that set it build. */
	const char *exe;
	/* "monitor CMD ..." calls RUN_COMMAND(KERNEL, ARGC, ARGV, ARG) with
	 * ARGV = CMD ... (NULL-terminated) when CMD is on monitor's allowlist
	 * (monitor.h) and IS_MONITOR_COMMAND(CMD) says so, KERNEL being the
	 * proxy's session on its QEMU connection; what it writes to standard
	 * output and error goes to gdb's console.  Other monitor commands go
	 * to QEMU.  No RUN_COMMAND: kinspect's commands are answered with a
	 * line saying they are not available. */
	bool (*is_monitor_command)(const char *name);
	int (*run_command)(struct kinspect_kernel *kernel, int argc, char **argv, void *arg);
	void *run_command_arg;
	bool track_modules; /* plant breakpoints to follow insmod/rmmod */
	/* Set by a signal handler (SIGTERM, SIGHUP, SIGINT): the session ends
	 * within a second, cleaned up as when gdb goes away.  May be NULL. */
	const volatile sig_atomic_t *quit;
};

/* Serve one gdb session on IN_FD/OUT_FD until gdb detaches or goes away,
 * *OPTS->QUIT is set, or QEMU goes away (an error then).  Unless gdb
 * detached, the proxy's own breakpoints are removed at the end and the VM
 * is left running if gdb left it running or it ran before the proxy came. */
struct kinspect_error *kinspect_proxy_run(const struct kinspect_proxy_options *opts, int in_fd, int out_fd);

#endif /* KINSPECT_PROXY_H */
