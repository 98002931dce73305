/* Opening input files.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "core/file.h"

struct kinspect_error *kinspect_open_input(const char *path, const char *what, int *ret_fd, uint64_t *ret_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		int errnum = errno;
		if (fd >= 0)
			close(fd);
		return kinspect_error_os(errnum, path, "cannot open %s", what);
	}
	struct kinspect_error *err = NULL;
	if (!S_ISREG(st.st_mode))
		err = kinspect_error_file(path, "not a regular file");
	else if (st.st_size == 0)
		err = kinspect_error_file(path, "empty file");
	if (err) {
		close(fd);
		return err;
	}
	*ret_fd = fd;
	*ret_size = (uint64_t)st.st_size;
	return NULL;
}

struct kinspect_error *kinspect_read_all(int fd, const char *path, void *buf, uint64_t size)
{
	uint8_t *p = buf;
	for (uint64_t done = 0; done < size;) {
		ssize_t n = pread(fd, p + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kinspect_error_os(errno, path, "cannot read file");
		if (n == 0)
			return kinspect_error_file(path, "file shrank while being read");
		done += (uint64_t)n;
	}
	return NULL;
}
