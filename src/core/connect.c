/* Bounded connects to unix and TCP sockets named as users name them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/connect.h"
#include "core/error-priv.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait until FD's connect finishes; an error, or a timeout past DEADLINE. */
static struct kinspect_error *finish_connect(const char *what, const char *spec, int fd, int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return kinspect_error_create(KINSPECT_ERROR_TIMEOUT, "%s %s: cannot connect within %d ms", what,
						     spec, timeout_ms);
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		int r = poll(&pfd, 1, left_ms > 0x7fffffff ? 0x7fffffff : (int)left_ms);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return kinspect_error_os(errno, NULL, "%s %s: poll", what, spec);
	}
	int so_error = 0;
	socklen_t so_len = sizeof(so_error);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) < 0)
		so_error = errno;
	return so_error ? kinspect_error_os(so_error, NULL, "%s %s: cannot connect", what, spec) : NULL;
}

static struct kinspect_error *connect_addr(const char *what, const char *spec, const struct sockaddr *addr,
					   socklen_t addrlen, int family, int timeout_ms, int *ret)
{
	_cleanup_close_ int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kinspect_error_os(errno, NULL, "%s %s: socket", what, spec);
	if (connect(fd, addr, addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			return kinspect_error_os(errno, NULL, "%s %s: cannot connect", what, spec);
		struct kinspect_error *err = finish_connect(what, spec, fd, timeout_ms);
		if (err)
			return err;
	}
	if (family != AF_UNIX) {
		/* Small packets in lock step: Nagle would add delays. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	*ret = no_cleanup_fd(fd);
	return NULL;
}

struct kinspect_error *kinspect_connect(const char *what, const char *spec, bool bare_path, int timeout_ms, int *ret)
{
	const char *colon = strrchr(spec, ':');
	bool unix_prefix = strncmp(spec, "unix:", 5) == 0;
	if (unix_prefix || (bare_path && (strchr(spec, '/') || !colon))) {
		const char *path = unix_prefix ? spec + 5 : spec;
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (!*path || strlen(path) >= sizeof(sun.sun_path))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s %s: bad socket path", what,
						     spec);
		strcpy(sun.sun_path, path);
		return connect_addr(what, spec, (struct sockaddr *)&sun, sizeof(sun), AF_UNIX, timeout_ms, ret);
	}
	/* HOST:PORT, [IPV6]:PORT */
	if (!colon || !colon[1] || colon == spec)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s '%s': expected HOST:PORT or unix:PATH",
					     what, spec);
	const char *h = spec;
	size_t hlen = (size_t)(colon - spec);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	_cleanup_free_ char *host = strndup(h, hlen);
	if (!host)
		return &kinspect_error_nomem;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;
	int r = getaddrinfo(host, colon + 1, &hints, &res);
	if (r != 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s %s: cannot resolve: %s", what, spec,
					     gai_strerror(r));
	struct kinspect_error *err = NULL;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		kinspect_error_destroy(err);
		err = connect_addr(what, spec, ai->ai_addr, ai->ai_addrlen, ai->ai_family, timeout_ms, ret);
		if (!err)
			break;
	}
	freeaddrinfo(res);
	return err;
}
