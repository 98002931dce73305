/* Where kinspect keeps what it computed once per build-id:
 * DIR/KIND/BUILD-ID.SUFFIX, DIR being the one cache directory of the
 * process, which only a front end sets (kinspect_cache_set_dir(), from the
 * session's options): the library itself reads no environment and writes
 * no file unless a cache directory was named.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CACHE_PATH_H
#define KINSPECT_CACHE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <kinspect/error.h>

/* The path in *RET (malloc()ed), or NULL without an error when there is no
 * usable cache directory or build-id, or the speed-up caches are off. */
struct kinspect_error *kinspect_cache_path(const char *kind, const uint8_t *build_id, size_t len, const char *suffix,
					   char **ret);

/* DIR/KIND/NAME in *RET (malloc()ed), or NULL without an error when no
 * cache directory is set. */
struct kinspect_error *kinspect_cache_file(const char *kind, const char *name, char **ret);

/* Set the cache directory of the process (copied), or turn caching off
 * with NULL, the default. */
struct kinspect_error *kinspect_cache_set_dir(const char *dir);
const char *kinspect_cache_dir(void);

/* Whether the speed-up caches (layouts, symbol indexes: per build-id, by
 * kinspect_cache_path()) are read and written; on by default.  Off, only
 * the copies of module files that gdb needs still go to the directory. */
void kinspect_cache_set_reuse(bool on);

/* Whether a cache directory is set and its speed-up caches are used. */
bool kinspect_cache_enabled(void);

/* Write SIZE bytes of DATA to PATH atomically (a temporary file in the same
 * directory, renamed), creating the directories up to it; the file gets
 * MODE (0600 for private data, 0644 for files other tools read). */
struct kinspect_error *kinspect_cache_write(const char *path, const void *data, size_t size, unsigned int mode);

/* Open cached file PATH for reading if it can be trusted: a regular file
 * (not a link, FIFO or device), ours, with no group or other permission,
 * as kinspect_cache_write() leaves them.  Else -1, with *WHY saying what
 * is wrong with it, or NULL when there is no such file (or it cannot be
 * opened).  *RET_ST gets its status. */
int kinspect_cache_open(const char *path, struct stat *ret_st, const char **why);

/* Whether PATH is a regular file of ours, private (no group or other
 * permission), holding exactly SIZE bytes equal to DATA: what a derived
 * file (a module copy) is checked against before it is handed on, since a
 * size alone says nothing of a file damaged or replaced in place. */
bool kinspect_cache_file_matches(const char *path, const void *data, size_t size);

/* Make PATH hold DATA: nothing when it already does
 * (kinspect_cache_file_matches()), else written as by
 * kinspect_cache_write() with mode 0600. */
struct kinspect_error *kinspect_cache_store(const char *path, const void *data, size_t size);

#endif /* KINSPECT_CACHE_PATH_H */
