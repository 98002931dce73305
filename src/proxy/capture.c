/* Capturing a monitor command's output (see capture.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "proxy/capture.h"

struct kinspect_error *proxy_capture_begin(struct proxy_capture *c)
{
	*c = (struct proxy_capture){ .fd = -1, .saved_out = -1, .saved_err = -1 };
	fflush(stdout);
	fflush(stderr);
	/* A file, not a pipe: the command may write more than a pipe holds
	 * before anyone reads it. */
	c->fd = memfd_create("kinspect-monitor", MFD_CLOEXEC);
	if (c->fd < 0)
		return kinspect_error_os(errno, NULL, "monitor: cannot capture the output");
	c->saved_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
	c->saved_err = fcntl(2, F_DUPFD_CLOEXEC, 3);
	if (c->saved_out < 0 || c->saved_err < 0 || dup2(c->fd, 1) < 0 || dup2(c->fd, 2) < 0) {
		int e = errno;
		char *ignored;
		size_t len;
		kinspect_error_destroy(proxy_capture_end(c, &ignored, &len));
		free(ignored);
		return kinspect_error_os(e, NULL, "monitor: cannot capture the output");
	}
	return NULL;
}

static void put_back(int saved, int fd)
{
	if (saved >= 0) {
		dup2(saved, fd);
		close(saved);
	}
}

struct kinspect_error *proxy_capture_end(struct proxy_capture *c, char **ret, size_t *ret_len)
{
	fflush(stdout);
	fflush(stderr);
	put_back(c->saved_out, 1);
	put_back(c->saved_err, 2);
	/* stdout may have seen EPIPE or ENOSPC nowhere: the command's own
	 * failure, not the next one's. */
	clearerr(stdout);
	clearerr(stderr);
	*ret = NULL;
	*ret_len = 0;
	if (c->fd < 0)
		return NULL;
	off_t size = lseek(c->fd, 0, SEEK_END);
	static const char cut[] = "\n[kinspect: output cut at 16 MiB]\n";
	size_t keep = size < 0 ? 0 : (size_t)size > PROXY_CAPTURE_MAX ? PROXY_CAPTURE_MAX : (size_t)size;
	char *buf = malloc(keep + sizeof(cut));
	if (!buf) {
		close(c->fd);
		return &kinspect_error_nomem;
	}
	size_t got = 0;
	while (got < keep) {
		ssize_t n = pread(c->fd, buf + got, keep - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(c->fd);
	c->fd = -1;
	if (size > 0 && (size_t)size > keep) {
		memcpy(buf + got, cut, sizeof(cut) - 1);
		got += sizeof(cut) - 1;
	}
	buf[got] = '\0';
	*ret = buf;
	*ret_len = got;
	return NULL;
}
