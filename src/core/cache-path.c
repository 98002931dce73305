/* Per-build-id cache files (see cache-path.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache-path.h"
#include "core/cleanup.h"
#include "core/error-priv.h"

#define BUILD_ID_MAX 64

/* The one cache directory of the process (see kinspect_cache_set_dir()),
 * and whether the speed-up caches in it are used. */
static char *cache_dir;
static bool reuse = true;

void kinspect_cache_set_reuse(bool on)
{
	reuse = on;
}

struct kinspect_error *kinspect_cache_path(const char *kind, const uint8_t *build_id, size_t len, const char *suffix,
					   char **ret)
{
	*ret = NULL;
	if (len == 0 || len > BUILD_ID_MAX || !reuse)
		return NULL;
	char hex[2 * BUILD_ID_MAX + 1];
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", build_id[i]);
	char name[2 * BUILD_ID_MAX + 32];
	snprintf(name, sizeof(name), "%s.%.16s", hex, suffix);
	return kinspect_cache_file(kind, name, ret);
}


struct kinspect_error *kinspect_cache_set_dir(const char *dir)
{
	char *copy = NULL;
	if (dir && !(copy = strdup(dir)))
		return &kinspect_error_nomem;
	free(cache_dir);
	cache_dir = copy;
	return NULL;
}

const char *kinspect_cache_dir(void)
{
	return cache_dir;
}

struct kinspect_error *kinspect_cache_file(const char *kind, const char *name, char **ret)
{
	*ret = NULL;
	if (!cache_dir)
		return NULL;
	if (asprintf(ret, "%s/%s/%s", cache_dir, kind, name) < 0) {
		*ret = NULL;
		return &kinspect_error_nomem;
	}
	return NULL;
}

bool kinspect_cache_enabled(void)
{
	return cache_dir != NULL && reuse;
}

/* mkdir -p of the directories above PATH, new ones private (0700): cached
 * files say what runs in a guest.  The directory that holds PATH is made
 * 0700 when it is ours and more open (one made by an older kinspect). */
static struct kinspect_error *make_parents(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return &kinspect_error_nomem;
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return kinspect_error_os(errno, dir, "cannot create cache directory");
		*p = '/';
	}
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		struct stat st;
		if (stat(dir, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077) && chmod(dir, 0700) != 0)
			return kinspect_error_os(errno, dir, "cannot make the cache directory private");
	}
	return NULL;
}

int kinspect_cache_open(const char *path, struct stat *ret_st, const char **why)
{
	*why = NULL;
	/* O_NONBLOCK: a FIFO planted there would block the open forever
	 * (fuzz-cache); it is then refused below, not a regular file. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP)
			*why = "a symbolic link";
		return -1;
	}
	if (fstat(fd, ret_st) != 0)
		*why = "cannot be examined";
	else if (!S_ISREG(ret_st->st_mode))
		*why = "not a regular file";
	else if (ret_st->st_uid != geteuid())
		*why = "owned by another user";
	else if (ret_st->st_mode & 077)
		*why = "open to other users (mode is not 0600)";
	if (*why) {
		close(fd);
		return -1;
	}
	return fd;
}

bool kinspect_cache_file_matches(const char *path, const void *data, size_t size)
{
	struct stat st;
	const char *why;
	_cleanup_close_ int fd = kinspect_cache_open(path, &st, &why);
	if (fd < 0 || (uint64_t)st.st_size != size)
		return false;
	const uint8_t *p = data;
	uint8_t buf[64 << 10];
	for (size_t done = 0; done < size;) {
		size_t want = size - done < sizeof(buf) ? size - done : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || memcmp(buf, p + done, (size_t)n) != 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

struct kinspect_error *kinspect_cache_store(const char *path, const void *data, size_t size)
{
	/* The directory first: a right copy found in a directory others can
	 * write would be trusted while anyone could swap it (fuzz-cache). */
	struct kinspect_error *err = make_parents(path);
	if (err)
		return err;
	if (kinspect_cache_file_matches(path, data, size))
		return NULL;
	return kinspect_cache_write(path, data, size, 0600);
}

static struct kinspect_error *write_all(int fd, const uint8_t *p, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kinspect_error_os(n < 0 ? errno : EIO, path, "cannot write cache file");
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

struct kinspect_error *kinspect_cache_write(const char *path, const void *data, size_t size, unsigned int mode)
{
	struct kinspect_error *err = make_parents(path);
	if (err)
		return err;
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return &kinspect_error_nomem;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return kinspect_error_os(errno, tmp, "cannot create cache file");
	err = write_all(fd, data, size, tmp);
	if (!err && fchmod(fd, (mode_t)mode) != 0)
		err = kinspect_error_os(errno, tmp, "cannot set the mode of a cache file");
	if (close(fd) != 0 && !err)
		err = kinspect_error_os(errno, tmp, "cannot write cache file");
	if (!err && rename(tmp, path) != 0)
		err = kinspect_error_os(errno, path, "cannot rename cache file into place");
	if (err)
		unlink(tmp);
	return err;
}
