/* The private socket for second clients (see second.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "proxy/second.h"

struct kinspect_error *proxy_second_listen(const char *path, int *ret_fd, char **ret_path, char **ret_dir)
{
	_cleanup_free_ char *dir = NULL, *sock = NULL;
	if (path) {
		sock = strdup(path);
	} else {
		const char *base = getenv("XDG_RUNTIME_DIR");
		if (!base || !*base || strlen(base) > 60)
			base = "/tmp";
		if (asprintf(&dir, "%s/kinspect-proxy.XXXXXX", base) < 0)
			return &kinspect_error_nomem;
		if (!mkdtemp(dir))
			return kinspect_error_os(errno, dir, "cannot create a directory for the proxy's socket");
		if (asprintf(&sock, "%s/gdbstub.sock", dir) < 0)
			sock = NULL;
	}
	if (!sock)
		return &kinspect_error_nomem;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(sun.sun_path))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "socket path too long: %s", sock);
	strcpy(sun.sun_path, sock);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kinspect_error_os(errno, NULL, "socket");
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 4) < 0) {
		struct kinspect_error *err = kinspect_error_os(errno, sock, "cannot listen on %s", sock);
		if (dir)
			rmdir(dir);
		return err;
	}
	*ret_fd = no_cleanup_fd(fd);
	*ret_path = no_cleanup_ptr(sock);
	*ret_dir = no_cleanup_ptr(dir);
	return NULL;
}

static bool is(const char *d, size_t len, const char *packet)
{
	return len == strlen(packet) && memcmp(d, packet, len) == 0;
}

static bool starts(const char *d, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(d, prefix, n) == 0;
}

/* Whether D is all hex digits and commas (the arguments of "m" and "p"). */
static bool hex_args(const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)d[i]) && d[i] != ',')
			return false;
	}
	return len > 0;
}

/* The packets a second client may have relayed: what kinspect's own client
 * (src/target/gdbstub.c) sends to read a stopped VM, nothing else.  An
 * allowlist, because anything unlisted may resume the VM under gdb (c, s,
 * vCont), kill QEMU (k, vKill), change gdb's breakpoints (Z, z) or memory
 * and registers (M, X, G, P), select gdb's continue thread (Hc) or reach
 * QEMU's monitor (qRcmd), and QEMU grows new packets.  "Hg" and the memory
 * mode are put back by the proxy before gdb's next packet (*DIRTY). */
static bool allowed(const char *d, size_t len)
{
	if (len == 0)
		return false;
	switch (d[0]) {
	case 'm': /* mADDR,LEN */
	case 'p': /* pREGNUM */
		return hex_args(d + 1, len - 1);
	case 'g':
		return len == 1;
	case 'H':
		return len > 2 && d[1] == 'g';
	case 'q':
		return starts(d, len, "qSupported") || starts(d, len, "qXfer:features:read:") ||
		       is(d, len, "qfThreadInfo") || is(d, len, "qsThreadInfo") || is(d, len, "qqemu.PhyMemMode");
	case 'Q':
		return is(d, len, "Qqemu.PhyMemMode:0") || is(d, len, "Qqemu.PhyMemMode:1");
	default:
		return false;
	}
}

struct kinspect_error *proxy_second_packet(struct kinspect_gdbstub *gs, struct proxy_link *link, const char *data,
					   size_t len, bool *dirty, struct kinspect_error **ret_qemu_err)
{
	*ret_qemu_err = NULL;
	if (len >= 1 && data[0] == 'D') {
		/* Detaching from the proxy leaves gdb's session alone. */
		return proxy_link_send_str(link, "OK");
	}
	if (len == 1 && data[0] == '?' && !kinspect_gdbstub_is_running(gs)) {
		/* The stop query is answered here: relayed, QEMU would drop
		 * every breakpoint, gdb's and the proxy's.  A second client is
		 * only served while the VM is stopped. */
		return proxy_link_send_str(link, "S05");
	}
	if (kinspect_gdbstub_is_running(gs) || !allowed(data, len)) {
		/* E01: what QEMU says to a bad request.  While the VM runs
		 * nothing can be read. */
		return proxy_link_send_str(link, "E01");
	}
	const char *reply;
	size_t reply_len;
	*dirty = true;
	*ret_qemu_err = kinspect_gdbstub_exchange(gs, data, len, NULL, NULL, &reply, &reply_len);
	if (*ret_qemu_err)
		return NULL;
	return proxy_link_send(link, reply, reply_len);
}
