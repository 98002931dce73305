/* The on-disk layout cache.  File format (all integers little-endian):
 *
 *   "KINSPLC\n"  u32 version  u32 build-id length  build-id bytes
 *   u32 number of entries, then each entry:
 *     u8 query  u8 0  u16 error code (0: answered)
 *     u16 key length  u16 path length  u16 message length
 *     5 x u64 values (sizeof/enumerator: value; member: offset, size,
 *                     bit_offset, bit_size | is_array << 32, array_length)
 *     key, path, message bytes (no NUL)
 *   u64 FNV-1a of everything before it
 *
 * The checksum catches a torn or bit-rotten file; every field is checked
 * besides, so that a file written by anyone else cannot make the reader
 * overrun or hand out an impossible layout.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache-path.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/layout-cache.h"

#define MAGIC "KINSPLC\n"
#define MAGIC_LEN 8
#define BUILD_ID_MAX 64
/* Far above what a kernel needs (a few hundred answers); bounds a hostile
 * file's demands. */
#define MAX_FILE_SIZE (UINT64_C(16) << 20)
#define MAX_STRING 4095
#define ENTRY_FIXED (1 + 1 + 2 + 2 + 2 + 2 + 5 * 8)
#define BUCKETS 256
/* A bit-field is never wider than its 64-byte storage unit (as dwarf-types.c). */
#define MAX_BIT_SIZE (64 * 8)

struct entry {
	struct entry *next;
	enum kinspect_layout_query query;
	char *key, *path, *message;
	struct kinspect_layout_answer answer;
};

struct kinspect_layout_cache {
	char *path;
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_len;
	struct entry *buckets[BUCKETS];
	/* In insertion order, for saving. */
	struct entry **all;
	size_t count, capacity;
	bool dirty;
};

static uint64_t fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}

static size_t bucket_of(enum kinspect_layout_query query, const char *key, const char *path)
{
	uint64_t h = fnv1a((const uint8_t *)key, strlen(key)) ^ ((uint64_t)query << 56);
	h = (h ^ fnv1a((const uint8_t *)path, strlen(path))) * UINT64_C(1099511628211);
	return (size_t)(h % BUCKETS);
}

struct kinspect_error *kinspect_layout_cache_path(const uint8_t *build_id, size_t len, char **ret)
{
	return kinspect_cache_path("layouts", build_id, len, "cache", ret);
}

struct kinspect_error *kinspect_layout_cache_create(const char *path, const uint8_t *build_id, size_t len,
						    struct kinspect_layout_cache **ret)
{
	if (len == 0 || len > BUILD_ID_MAX)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "build-id of %zu bytes", len);
	struct kinspect_layout_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return &kinspect_error_nomem;
	if (path && !(c->path = strdup(path))) {
		free(c);
		return &kinspect_error_nomem;
	}
	memcpy(c->build_id, build_id, len);
	c->build_id_len = len;
	*ret = c;
	return NULL;
}

static void free_entry(struct entry *e)
{
	free(e->key);
	free(e->path);
	free(e->message);
	free(e);
}

/* Forget every answer (a file that failed a check half-way). */
static void clear(struct kinspect_layout_cache *c)
{
	for (size_t i = 0; i < c->count; i++)
		free_entry(c->all[i]);
	c->count = 0;
	memset(c->buckets, 0, sizeof(c->buckets));
}

void kinspect_layout_cache_destroy(struct kinspect_layout_cache *c)
{
	if (!c)
		return;
	clear(c);
	free(c->all);
	free(c->path);
	free(c);
}

size_t kinspect_layout_cache_count(const struct kinspect_layout_cache *c)
{
	return c->count;
}

const struct kinspect_layout_answer *kinspect_layout_cache_find(struct kinspect_layout_cache *c,
								enum kinspect_layout_query query, const char *key,
								const char *path)
{
	for (struct entry *e = c->buckets[bucket_of(query, key, path)]; e; e = e->next) {
		if (e->query == query && strcmp(e->key, key) == 0 && strcmp(e->path, path) == 0)
			return &e->answer;
	}
	return NULL;
}

static char *copy_string(const char *s, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

/* Add an entry with strings of the given lengths; a repeated question keeps
 * its first answer. */
static struct kinspect_error *add(struct kinspect_layout_cache *c, enum kinspect_layout_query query,
				  const char *key, size_t key_len, const char *path, size_t path_len,
				  const char *message, size_t message_len, const struct kinspect_layout_answer *answer)
{
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		return &kinspect_error_nomem;
	e->query = query;
	e->key = copy_string(key, key_len);
	e->path = copy_string(path, path_len);
	e->message = answer->error_code ? copy_string(message, message_len) : NULL;
	if (!e->key || !e->path || (answer->error_code && !e->message)) {
		free_entry(e);
		return &kinspect_error_nomem;
	}
	if (kinspect_layout_cache_find(c, query, e->key, e->path)) {
		free_entry(e);
		return NULL;
	}
	if (c->count == c->capacity) {
		size_t capacity = c->capacity ? 2 * c->capacity : 64;
		struct entry **all = realloc(c->all, capacity * sizeof(*all));
		if (!all) {
			free_entry(e);
			return &kinspect_error_nomem;
		}
		c->all = all;
		c->capacity = capacity;
	}
	e->answer = *answer;
	e->answer.error_message = e->message;
	size_t b = bucket_of(query, e->key, e->path);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->all[c->count++] = e;
	return NULL;
}

static bool valid_error_code(uint64_t code)
{
	return code == 0 || code == KINSPECT_ERROR_NOT_FOUND || code == KINSPECT_ERROR_INVALID_ARGUMENT;
}

/* What a member answer may hold: what dwarf-types.c can produce. */
static bool valid_member(const struct kinspect_dwarf_member *m)
{
	if (m->bit_size > MAX_BIT_SIZE || m->offset != m->bit_offset / 8)
		return false;
	return m->is_array || m->array_length == 0;
}

struct kinspect_error *kinspect_layout_cache_add(struct kinspect_layout_cache *c, enum kinspect_layout_query query,
						 const char *key, const char *path,
						 const struct kinspect_layout_answer *answer)
{
	size_t key_len = strlen(key), path_len = strlen(path);
	const char *message = answer->error_code ? answer->error_message : "";
	size_t message_len = message ? strlen(message) : 0;
	/* What the file cannot hold is simply not cached. */
	if (key_len == 0 || key_len > MAX_STRING || path_len > MAX_STRING || !valid_error_code(answer->error_code) ||
	    (answer->error_code && !message))
		return NULL;
	if (message_len > MAX_STRING)
		message_len = MAX_STRING;
	if (query == KINSPECT_LAYOUT_MEMBER && !answer->error_code && !valid_member(&answer->member))
		return NULL;
	size_t before = c->count;
	struct kinspect_error *err = add(c, query, key, key_len, path, path_len, message, message_len, answer);
	if (c->count != before)
		c->dirty = true;
	return err;
}

/* --- reading -------------------------------------------------------------- */

struct reader {
	const uint8_t *p, *end;
	bool bad;
};

static const uint8_t *take(struct reader *r, size_t len)
{
	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->p;
	r->p += len;
	return p;
}

static uint64_t take_le(struct reader *r, size_t len)
{
	const uint8_t *p = take(r, len);
	uint64_t v = 0;
	for (size_t i = 0; p && i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static struct kinspect_error *bad_file(struct kinspect_layout_cache *c, const char *why)
{
	clear(c);
	return kinspect_error_file(c->path ? c->path : "layout cache", "not a valid layout cache: %s", why);
}

static struct kinspect_error *read_entry(struct kinspect_layout_cache *c, struct reader *r)
{
	uint64_t query = take_le(r, 1), pad = take_le(r, 1), code = take_le(r, 2);
	uint64_t key_len = take_le(r, 2), path_len = take_le(r, 2), message_len = take_le(r, 2);
	uint64_t v[5];
	for (int i = 0; i < 5; i++)
		v[i] = take_le(r, 8);
	const char *key = (const char *)take(r, key_len);
	const char *path = (const char *)take(r, path_len);
	const char *message = (const char *)take(r, message_len);
	if (r->bad)
		return bad_file(c, "truncated entry");
	if (query < KINSPECT_LAYOUT_SIZEOF || query > KINSPECT_LAYOUT_ENUM || pad != 0 || !valid_error_code(code))
		return bad_file(c, "bad entry header");
	if (key_len == 0 || key_len > MAX_STRING || path_len > MAX_STRING || message_len > MAX_STRING ||
	    memchr(key, '\0', key_len) || memchr(path, '\0', path_len) || memchr(message, '\0', message_len) ||
	    (code == 0) != (message_len == 0) || (query != KINSPECT_LAYOUT_MEMBER && path_len != 0))
		return bad_file(c, "bad entry strings");
	struct kinspect_layout_answer a = { .error_code = (enum kinspect_error_code)code, .value = v[0] };
	if (query == KINSPECT_LAYOUT_MEMBER) {
		a.value = 0;
		a.member = (struct kinspect_dwarf_member){
			.offset = v[0],
			.size = v[1],
			.bit_offset = v[2],
			.bit_size = (uint32_t)v[3],
			.is_array = (v[3] >> 32) != 0,
			.array_length = v[4],
		};
		if ((v[3] >> 32) > 1 || (code == 0 && !valid_member(&a.member)) ||
		    (code != 0 && (v[0] | v[1] | v[2] | v[3] | v[4])))
			return bad_file(c, "bad member entry");
	} else if (v[1] | v[2] | v[3] | v[4] || (code != 0 && v[0])) {
		return bad_file(c, "bad value entry");
	}
	size_t before = c->count;
	struct kinspect_error *err = add(c, (enum kinspect_layout_query)query, key, key_len, path, path_len, message,
					 message_len, &a);
	if (err) {
		clear(c);
		return err;
	}
	if (c->count == before)
		return bad_file(c, "repeated entry");
	return NULL;
}

struct kinspect_error *kinspect_layout_cache_load_buffer(struct kinspect_layout_cache *c, const void *data,
							 size_t size)
{
	clear(c);
	if (size > MAX_FILE_SIZE)
		return bad_file(c, "too large");
	if (size < MAGIC_LEN + 4 + 4 + 4 + 8)
		return bad_file(c, "truncated");
	const uint8_t *bytes = data;
	uint64_t sum = 0;
	for (int i = 0; i < 8; i++)
		sum |= (uint64_t)bytes[size - 8 + i] << (8 * i);
	if (sum != fnv1a(bytes, size - 8))
		return bad_file(c, "checksum mismatch (torn or corrupted file)");
	struct reader r = { bytes, bytes + size - 8, false };
	const uint8_t *magic = take(&r, MAGIC_LEN);
	if (!magic || memcmp(magic, MAGIC, MAGIC_LEN) != 0)
		return bad_file(c, "bad magic");
	uint64_t version = take_le(&r, 4);
	if (version != KINSPECT_LAYOUT_CACHE_VERSION)
		return bad_file(c, "other format version");
	uint64_t id_len = take_le(&r, 4);
	const uint8_t *id = id_len <= BUILD_ID_MAX ? take(&r, id_len) : NULL;
	if (!id || id_len != c->build_id_len || memcmp(id, c->build_id, id_len) != 0)
		return bad_file(c, "for another build-id");
	uint64_t n = take_le(&r, 4);
	if (r.bad || n > (uint64_t)(r.end - r.p) / ENTRY_FIXED)
		return bad_file(c, "bad number of entries");
	for (uint64_t i = 0; i < n; i++) {
		struct kinspect_error *err = read_entry(c, &r);
		if (err)
			return err;
	}
	if (r.p != r.end)
		return bad_file(c, "trailing bytes");
	c->dirty = false;
	return NULL;
}

struct kinspect_error *kinspect_layout_cache_load(struct kinspect_layout_cache *c)
{
	if (!c->path)
		return NULL;
	struct stat st;
	const char *why;
	_cleanup_close_ int fd = kinspect_cache_open(c->path, &st, &why);
	if (fd < 0 && why)
		return bad_file(c, why);
	if (fd < 0)
		return errno == ENOENT ? NULL : kinspect_error_os(errno, c->path, "cannot open layout cache");
	if ((uint64_t)st.st_size > MAX_FILE_SIZE)
		return bad_file(c, "too large");
	size_t size = (size_t)st.st_size;
	_cleanup_free_ uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return &kinspect_error_nomem;
	size_t done = 0;
	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return kinspect_error_os(errno, c->path, "cannot read layout cache");
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return kinspect_layout_cache_load_buffer(c, buf, done);
}

/* --- writing -------------------------------------------------------------- */

struct writer {
	uint8_t *buf;
	size_t len, capacity;
	bool failed;
};

static void put(struct writer *w, const void *p, size_t len)
{
	if (w->failed)
		return;
	if (w->capacity - w->len < len) {
		size_t capacity = w->capacity ? w->capacity : 4096;
		while (capacity - w->len < len)
			capacity *= 2;
		uint8_t *buf = realloc(w->buf, capacity);
		if (!buf) {
			w->failed = true;
			return;
		}
		w->buf = buf;
		w->capacity = capacity;
	}
	memcpy(w->buf + w->len, p, len);
	w->len += len;
}

static void put_le(struct writer *w, uint64_t v, size_t len)
{
	uint8_t b[8];
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, len);
}

static void put_entry(struct writer *w, const struct entry *e)
{
	const struct kinspect_layout_answer *a = &e->answer;
	size_t key_len = strlen(e->key), path_len = strlen(e->path), message_len = e->message ? strlen(e->message) : 0;
	put_le(w, e->query, 1);
	put_le(w, 0, 1);
	put_le(w, a->error_code, 2);
	put_le(w, key_len, 2);
	put_le(w, path_len, 2);
	put_le(w, message_len, 2);
	if (e->query == KINSPECT_LAYOUT_MEMBER && !a->error_code) {
		put_le(w, a->member.offset, 8);
		put_le(w, a->member.size, 8);
		put_le(w, a->member.bit_offset, 8);
		put_le(w, a->member.bit_size | (uint64_t)a->member.is_array << 32, 8);
		put_le(w, a->member.array_length, 8);
	} else {
		put_le(w, a->error_code ? 0 : a->value, 8);
		for (int i = 0; i < 4; i++)
			put_le(w, 0, 8);
	}
	put(w, e->key, key_len);
	put(w, e->path, path_len);
	put(w, e->message ? e->message : "", message_len);
}

struct kinspect_error *kinspect_layout_cache_save(struct kinspect_layout_cache *c)
{
	if (!c->path || !c->dirty)
		return NULL;
	struct writer w = { 0 };
	put(&w, MAGIC, MAGIC_LEN);
	put_le(&w, KINSPECT_LAYOUT_CACHE_VERSION, 4);
	put_le(&w, c->build_id_len, 4);
	put(&w, c->build_id, c->build_id_len);
	put_le(&w, c->count, 4);
	for (size_t i = 0; i < c->count; i++)
		put_entry(&w, c->all[i]);
	if (!w.failed)
		put_le(&w, fnv1a(w.buf, w.len), 8);
	_cleanup_free_ uint8_t *buf = w.buf;
	if (w.failed)
		return &kinspect_error_nomem;

	struct kinspect_error *err = kinspect_cache_write(c->path, buf, w.len, 0600);
	if (err)
		return kinspect_error_wrap(err, "layout cache");
	c->dirty = false;
	return NULL;
}
