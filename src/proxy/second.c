/* The private socket for second clients (see second.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

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

/* Packets a second client must not send through: they would resume the VM
 * under gdb, drop gdb's breakpoints ("?" does in QEMU) or kill QEMU. */
static bool refused(const char *d, size_t len)
{
	if (len == 0)
		return false;
	switch (d[0]) {
	case 'c': case 'C': case 's': case 'S': case 'k': case '?': case 'Z': case 'z': case 'R': case 'r':
	case 'i': case 'I': case 'A': case 'G': case 'P': case 'M': case 'X':
		return true;
	case 'v':
		return len > 5 && memcmp(d, "vCont", 5) == 0 && d[5] == ';';
	case 'Q':
		/* Only the memory mode (the client restores it). */
		return !(len > 17 && memcmp(d, "Qqemu.PhyMemMode:", 17) == 0);
	case 'q':
		/* Its monitor would reach QEMU's HMP behind gdb's back. */
		return len >= 5 && memcmp(d, "qRcmd", 5) == 0;
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
	if (kinspect_gdbstub_is_running(gs) || refused(data, len)) {
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
