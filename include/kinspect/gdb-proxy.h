/* The gdb proxy: gdb's remote target, between gdb and QEMU's gdbstub.  It
 * relays every packet and adds what a kernel needs: the KASLR slide
 * (qOffsets), the loaded modules as gdb "libraries" (qXfer:libraries:read),
 * kept current with breakpoints of its own that gdb never sees, the
 * caller's commands behind gdb's "monitor", and a private socket where
 * another client reaches the guest while gdb holds QEMU's connection.
 *
 * Whoever talks to the proxy can read and write guest memory and registers
 * and resume or stop the VM, with no authentication: give it only a
 * connection you trust (stdin/stdout of a gdb you started, or
 * kinspect_gdb_proxy_accept()'s loopback socket).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_GDB_PROXY_H
#define KINSPECT_GDB_PROXY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a gdb session is served.  Fill with kinspect_gdb_proxy_options_init(),
 * then set what differs: SIZE lets later versions add fields compatibly.
 * Nothing is copied: what the pointers name must live until the call that
 * takes the options returns. */
struct kinspect_gdb_proxy_options {
	size_t size;
	/* QEMU's gdbstub: HOST:PORT, [IPV6]:PORT or unix:PATH (required). */
	const char *qemu;
	/* The proxy's kernel session on its QEMU connection (see kernel.h):
	 * its vmlinux (NULL: a plain relay, nothing added), module
	 * directories (none: no modules as libraries, no tracking), cache
	 * directory, timeout (also of every exchange with gdb), flags, and
	 * its LOG and LOG_LEVEL, which the proxy's own diagnostics (the
	 * socket path, the slide, module counts at level 2) follow too.
	 * NULL: kinspect_options_init()'s defaults. */
	const struct kinspect_options *session;
	/* Listen on a private socket for another client of the guest
	 * ("kinspect -t unix:PATH"), which the proxy serves between gdb's
	 * packets while the guest is stopped (default false). */
	bool private_socket;
	/* Where that socket goes; NULL (the default): a fresh directory under
	 * $XDG_RUNTIME_DIR or /tmp, removed at the end. */
	const char *socket_path;
	/* Plant breakpoints of the proxy's own to follow modules loaded and
	 * removed while gdb is attached (default true; only with module
	 * directories). */
	bool track_modules;
	/* "monitor CMD ..." in gdb calls RUN_COMMAND(KERNEL, ARGC, ARGV,
	 * RUN_COMMAND_ARG) with ARGV = CMD ... (NULL-terminated, the
	 * proxy's) when IS_MONITOR_COMMAND(CMD) says CMD is the caller's and
	 * CMD is on the proxy's allowlist (commands that only read the stopped
	 * guest: info, sym, read, lsmod, bt, ps, iov-iter, xarray, page, folio,
	 * print), with only that command's own options and within bounds
	 * (1024 bytes, 16 words of 256 bytes); "kinspect CMD ..." forces the
	 * caller's, "qemu CMD ..." QEMU's, and "info SUBCOMMAND" is QEMU's.
	 * KERNEL is the proxy's session (the caller must not destroy it).
	 * What RUN_COMMAND writes to standard output and error (descriptors 1
	 * and 2, up to 16 MiB) goes to gdb's console; its return value is
	 * ignored.  Refused commands get a line saying why; other monitor
	 * commands go to QEMU.  No RUN_COMMAND: the caller's commands are
	 * answered with a line saying they are not available. */
	bool (*is_monitor_command)(const char *name);
	int (*run_command)(struct kinspect_kernel *kernel, int argc, char **argv, void *arg);
	void *run_command_arg;
	/* When *QUIT becomes non-zero (a signal handler sets it), the session
	 * ends within a second, cleaned up as when gdb goes away, and a wait
	 * in kinspect_gdb_proxy_accept() ends with an error.  NULL: none. */
	const volatile sig_atomic_t *quit;
};

/* OPTIONS with SIZE set and every default. */
KINSPECT_EXPORT void kinspect_gdb_proxy_options_init(struct kinspect_gdb_proxy_options *options);

/* Serve one gdb session, gdb's packets read from IN_FD and answers written
 * to OUT_FD (the same descriptor for a socket; 0 and 1 are fine: they are
 * duplicated out of the way of RUN_COMMAND's output), until gdb detaches
 * or goes away, *OPTIONS->QUIT is set, or QEMU goes away (an error then).
 * Unless gdb detached, the proxy's own breakpoints are removed at the end
 * and the VM is left running if gdb left it running or it ran before the
 * proxy came.  The descriptors stay the caller's.  A caller that lets gdb
 * go away should ignore SIGPIPE. */
KINSPECT_EXPORT struct kinspect_error *kinspect_gdb_proxy_serve(const struct kinspect_gdb_proxy_options *options,
								int in_fd, int out_fd);

/* Wait for one gdb on TCP at LISTEN ("HOST:PORT"; an empty HOST, ":PORT",
 * is 127.0.0.1) and return its connection in *RET_FD (the caller's to
 * close(), close-on-exec), for kinspect_gdb_proxy_serve().  There is no
 * authentication: an address that is not loopback is the caller's explicit
 * choice, and is warned about through OPTIONS->SESSION's LOG.  Errors: a
 * malformed or unresolvable LISTEN, a socket that cannot be bound, *QUIT
 * set while waiting. */
KINSPECT_EXPORT struct kinspect_error *kinspect_gdb_proxy_accept(const struct kinspect_gdb_proxy_options *options,
								 const char *listen, int *ret_fd);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_GDB_PROXY_H */
