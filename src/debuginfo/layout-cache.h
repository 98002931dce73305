/* The answers of the DWARF type queries (sizeof, member, enumerator) kept
 * on disk per vmlinux build-id, so that a second run answers without
 * opening the DWARF.  A cache file is checked (format version, build-id,
 * checksum, every length and value bounded) before one answer of it is
 * used; a file that fails any check is ignored and rewritten.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LAYOUT_CACHE_H
#define KINSPECT_LAYOUT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "debuginfo/dwarf-types.h"

/* Bumped whenever the file layout or the meaning of an answer changes. */
#define KINSPECT_LAYOUT_CACHE_VERSION 1

struct kinspect_layout_cache;

enum kinspect_layout_query {
	KINSPECT_LAYOUT_SIZEOF = 1,
	KINSPECT_LAYOUT_MEMBER = 2,
	KINSPECT_LAYOUT_ENUM = 3,
};

/* One answer.  ERROR_CODE 0 means answered (VALUE for sizeof and
 * enumerators, MEMBER for members); otherwise the query failed with that
 * code (KINSPECT_ERROR_NOT_FOUND: the type, member or enumerator is absent;
 * KINSPECT_ERROR_INVALID_ARGUMENT) and ERROR_MESSAGE says how. */
struct kinspect_layout_answer {
	enum kinspect_error_code error_code;
	const char *error_message;
	uint64_t value;
	struct kinspect_dwarf_member member;
};

/* The cache file for BUILD_ID (LEN bytes) in *RET, malloc()ed:
 * $XDG_CACHE_HOME/kinspect/layouts/<hex>.cache, ~/.cache when
 * XDG_CACHE_HOME is unset or not absolute.  NULL in *RET (and no error) if
 * there is no home to put it in. */
struct kinspect_error *kinspect_layout_cache_path(const uint8_t *build_id, size_t len, char **ret);

/* A new, empty cache for BUILD_ID that saves to PATH (may be NULL: never
 * saved, as for fuzzing). */
struct kinspect_error *kinspect_layout_cache_create(const char *path, const uint8_t *build_id, size_t len,
						    struct kinspect_layout_cache **ret);

/* Load the answers of the file at the cache's path.  A missing file is no
 * error; a file that is not a valid cache of this build-id and version is
 * KINSPECT_ERROR_FORMAT, and then nothing of it was taken. */
struct kinspect_error *kinspect_layout_cache_load(struct kinspect_layout_cache *cache);

/* The same from SIZE bytes at DATA (the file's contents). */
struct kinspect_error *kinspect_layout_cache_load_buffer(struct kinspect_layout_cache *cache, const void *data,
							 size_t size);

/* The answer to QUERY about KEY (type or enumerator name) and PATH (member
 * path, "" otherwise), or NULL.  Owned by CACHE. */
const struct kinspect_layout_answer *kinspect_layout_cache_find(struct kinspect_layout_cache *cache,
								enum kinspect_layout_query query, const char *key,
								const char *path);

/* Remember ANSWER (strings are copied). */
struct kinspect_error *kinspect_layout_cache_add(struct kinspect_layout_cache *cache,
						 enum kinspect_layout_query query, const char *key, const char *path,
						 const struct kinspect_layout_answer *answer);

/* The answers in the cache. */
size_t kinspect_layout_cache_count(const struct kinspect_layout_cache *cache);

/* Write the cache to its path if answers were added since it was loaded:
 * a temporary file in the same directory, renamed over the old one, so a
 * reader sees the old file or the new one, never half of one. */
struct kinspect_error *kinspect_layout_cache_save(struct kinspect_layout_cache *cache);

/* Free CACHE without saving; accepts NULL. */
void kinspect_layout_cache_destroy(struct kinspect_layout_cache *cache);

#endif /* KINSPECT_LAYOUT_CACHE_H */
