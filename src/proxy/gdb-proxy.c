/* The gdb proxy's public calls (include/kinspect/gdb-proxy.h): its options
 * turned into the engine's (proxy.h), and --listen's accept of one gdb,
 * with its loopback-only default.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kinspect/gdb-proxy.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "libkinspect/kernel-priv.h"
#include "proxy/proxy.h"

void kinspect_gdb_proxy_options_init(struct kinspect_gdb_proxy_options *options)
{
	*options = (struct kinspect_gdb_proxy_options){ .size = sizeof(*options), .track_modules = true };
}

/* OPTIONS as this version knows them in *RET, its session's in *RET_SESSION
 * (the process-wide parts of which are applied: the proxy's messages follow
 * its log level even before, or without, a session). */
static struct kinspect_error *copy_options(const struct kinspect_gdb_proxy_options *options,
					   struct kinspect_gdb_proxy_options *ret, struct kinspect_options *ret_session)
{
	kinspect_gdb_proxy_options_init(ret);
	if (!options || options->size < sizeof(size_t) || options->size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "gdb proxy options of %zu bytes: fill them with kinspect_gdb_proxy_options_init()",
					     options ? options->size : 0);
	memcpy(ret, options, options->size < sizeof(*ret) ? options->size : sizeof(*ret));
	struct kinspect_error *err = kinspect_options_copy(ret->session, ret_session);
	if (err)
		return err;
	if (ret_session->timeout_ms <= 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "timeout of %d ms",
					     ret_session->timeout_ms);
	kinspect_options_apply_process_wide(ret_session);
	return NULL;
}

struct kinspect_error *kinspect_gdb_proxy_serve(const struct kinspect_gdb_proxy_options *options, int in_fd,
						int out_fd)
{
	struct kinspect_gdb_proxy_options o;
	struct kinspect_options s;
	struct kinspect_error *err = copy_options(options, &o, &s);
	if (err)
		return err;
	if (!o.qemu)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "no QEMU gdbstub given");
	struct kinspect_proxy_options p = {
		.qemu = o.qemu,
		.vmlinux_path = s.vmlinux,
		.module_dirs = s.module_dirs,
		.nr_module_dirs = s.nr_module_dirs,
		.timeout_ms = s.timeout_ms,
		.cache_dir = s.cache_dir,
		.session_flags = s.flags,
		.private_socket = o.private_socket,
		.socket_path = o.socket_path,
		.is_monitor_command = o.is_monitor_command,
		.run_command = o.run_command,
		.run_command_arg = o.run_command_arg,
		.track_modules = o.track_modules,
		.quit = o.quit,
	};
	return kinspect_proxy_run(&p, in_fd, out_fd);
}

static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

/* Whoever connects can read and write guest memory and registers and
 * resume or stop the VM, with no authentication: so an empty HOST means
 * loopback, and any other address is the caller's explicit choice, warned
 * about. */
struct kinspect_error *kinspect_gdb_proxy_accept(const struct kinspect_gdb_proxy_options *options,
						 const char *spec, int *ret_fd)
{
	struct kinspect_gdb_proxy_options o;
	struct kinspect_options s;
	struct kinspect_error *err = copy_options(options, &o, &s);
	if (err)
		return err;
	const char *colon = spec ? strrchr(spec, ':') : NULL;
	if (!colon || !colon[1])
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--listen %s: expected HOST:PORT",
					     spec ? spec : "(none)");
	_cleanup_free_ char *host = strndup(spec, (size_t)(colon - spec));
	if (!host)
		return &kinspect_error_nomem;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int r = getaddrinfo(*host ? host : "127.0.0.1", colon + 1, &hints, &res);
	if (r != 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--listen %s: %s", spec, gai_strerror(r));
	_cleanup_close_ int lfd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd >= 0)
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, res->ai_addr, res->ai_addrlen) < 0 || listen(lfd, 1) < 0) {
		int e = errno;
		freeaddrinfo(res);
		return kinspect_error_os(e, NULL, "cannot listen on %s", spec);
	}
	bool loopback = is_loopback(res->ai_addr);
	freeaddrinfo(res);
	if (!loopback)
		kinspect_log(KINSPECT_LOG_WARNING,
			     "gdb-proxy: --listen %s is not a loopback address: anyone who can reach it can read "
			     "and write guest memory and control the VM, with no authentication",
			     spec);
	kinspect_log(KINSPECT_LOG_WARNING, "gdb-proxy: waiting for gdb on %s (target remote %s)",
		     *host ? spec : "127.0.0.1", *host ? spec : "127.0.0.1");
	int fd;
	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR && !(o.quit && *o.quit));
	if (fd < 0 && o.quit && *o.quit)
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "interrupted while waiting for gdb on %s", spec);
	if (fd < 0)
		return kinspect_error_os(errno, NULL, "accept on %s", spec);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*ret_fd = fd;
	return NULL;
}
