/* Unit tests: the layout cache.  The kernel-like fixture is compiled here;
 * every question its truth file asks (plus absent types, members and
 * enumerators) gets the same answer from the DWARF, from a fresh cache and
 * from the cache saved by that run, the last without opening the DWARF.
 * Damaged and hostile cache files are refused whole, and rewritten.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cache-environment.h"
#include "core/cache-path.h"
#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"
#include "debuginfo/layout-cache.h"
#include "fixture.h"
#include "tap.h"

static char tmpdir[] = "/tmp/kinspect-layout-cache.XXXXXX";
static char object[4096], truth[4096], cache_path[4096];
static const uint8_t build_id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

#define MAX_QUESTIONS 1024

struct question {
	char kind; /* 's'izeof, 'm'ember, 'h'as_member, 'l'ength, 'e'num */
	char type[256], path[256];
};

/* One answer, comparable: numbers and the error's code and text. */
struct reply {
	uint64_t v[6];
	int code;
	char message[512];
};

static struct question questions[MAX_QUESTIONS];
static int nr_questions;


static bool build_fixture(void)
{
	const char *srcdir = fixture_srcdir(), *cc = fixture_cc();
	if (!mkdtemp(tmpdir))
		return false;
	snprintf(object, sizeof(object), "%s/kernel-like.o", tmpdir);
	snprintf(truth, sizeof(truth), "%s/truth.txt", tmpdir);
	snprintf(cache_path, sizeof(cache_path), "%s/cache/kinspect/layouts/x.cache", tmpdir);
	return run("%s -std=gnu11 -g -O0 -c '%s/tests/fixtures-src/kernel-like.c' -o '%s'", cc, srcdir, object) == 0 &&
	       run("%s -O0 '%s/tests/fixtures-src/kernel-like-truth.c' -o '%s/truth' && '%s/truth' >'%s'", cc,
		   srcdir, tmpdir, tmpdir, truth) == 0;
}

static void add_question(char kind, const char *type, const char *path)
{
	if (nr_questions == MAX_QUESTIONS)
		return;
	struct question *q = &questions[nr_questions++];
	q->kind = kind;
	snprintf(q->type, sizeof(q->type), "%s", type);
	snprintf(q->path, sizeof(q->path), "%s", path);
}

static void load_questions(void)
{
	FILE *f = fopen(truth, "r");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *fld[5] = { 0 };
		int n = 0;
		for (char *p = line; p && n < 5; n++) {
			fld[n] = p;
			if ((p = strchr(p, '|')))
				*p++ = '\0';
		}
		if (n >= 2 && strcmp(fld[0], "size") == 0)
			add_question('s', fld[1], "");
		else if (n >= 3 && (strcmp(fld[0], "member") == 0 || strcmp(fld[0], "bits") == 0)) {
			add_question('m', fld[1], fld[2]);
			add_question('h', fld[1], fld[2]);
		} else if (n >= 3 && strcmp(fld[0], "len") == 0)
			add_question('l', fld[1], fld[2]);
		else if (n >= 2 && strcmp(fld[0], "enum") == 0)
			add_question('e', fld[1], "");
	}
	if (f)
		fclose(f);
	/* What a kernel may lack, and questions that are wrong. */
	add_question('s', "struct no_such_type", "");
	add_question('m', "struct module", "no_such_member");
	add_question('m', "struct module", "list.no_such_member");
	add_question('h', "struct module", "no_such_member");
	add_question('h', "struct no_such_type", "x");
	add_question('m', "struct no_such_type", "x");
	add_question('l', "struct module", "num_syms");
	add_question('m', "struct module", "num_syms.x");
	add_question('m', "struct module", "mem[");
	add_question('e', "NO_SUCH_ENUMERATOR", "");
}

static void ask(struct kinspect_dwarf_types *types, const struct question *q, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	struct kinspect_error *err = NULL;
	struct kinspect_dwarf_member m = { 0 };
	bool has = false;
	int64_t value = 0;
	switch (q->kind) {
	case 's': err = kinspect_dwarf_types_sizeof(types, q->type, &r->v[0]); break;
	case 'l': err = kinspect_dwarf_types_array_length(types, q->type, q->path, &r->v[0]); break;
	case 'h':
		err = kinspect_dwarf_types_has_member(types, q->type, q->path, &has);
		r->v[0] = has;
		break;
	case 'e':
		err = kinspect_dwarf_types_enum_value(types, q->type, &value);
		r->v[0] = (uint64_t)value;
		break;
	case 'm':
		err = kinspect_dwarf_types_member(types, q->type, q->path, &m);
		r->v[0] = m.offset;
		r->v[1] = m.size;
		r->v[2] = m.bit_offset;
		r->v[3] = m.bit_size;
		r->v[4] = m.is_array;
		r->v[5] = m.array_length;
		break;
	}
	if (err) {
		char *s = kinspect_error_string(err);
		r->code = (int)kinspect_error_code(err);
		snprintf(r->message, sizeof(r->message), "%s", s ? s : "?");
		free(s);
		kinspect_error_destroy(err);
	}
}

static struct kinspect_dwarf_types *open_cached(bool load)
{
	struct kinspect_layout_cache *cache;
	struct kinspect_dwarf_types *types = NULL;
	struct kinspect_error *err = kinspect_layout_cache_create(cache_path, build_id, sizeof(build_id), &cache);
	if (!err && load)
		err = kinspect_layout_cache_load(cache);
	if (err) {
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
		return NULL;
	}
	err = kinspect_dwarf_types_create_lazy(object, cache, &types);
	kinspect_error_destroy(err);
	return types;
}

/* Every question answered by TYPES as in WANT. */
static bool same_answers(struct kinspect_dwarf_types *types, const struct reply *want, const char *what)
{
	int bad = 0;
	for (int i = 0; i < nr_questions; i++) {
		struct reply got;
		ask(types, &questions[i], &got);
		if (memcmp(got.v, want[i].v, sizeof(got.v)) != 0 || got.code != want[i].code ||
		    strcmp(got.message, want[i].message) != 0) {
			if (bad++ < 5)
				printf("#   %s: %c %s %s: got code %d \"%s\" v0 %" PRIu64 ", want code %d \"%s\" v0 %" PRIu64
				       "\n",
				       what, questions[i].kind, questions[i].type, questions[i].path, got.code, got.message,
				       got.v[0], want[i].code, want[i].message, want[i].v[0]);
		}
	}
	return ok(bad == 0, "%s: %d questions, %d different answers", what, nr_questions, bad);
}

static uint8_t *read_file(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(1 << 20);
	*ret_size = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	return buf;
}

static bool write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	bool done = f && fwrite(data, 1, size, f) == size;
	return f && fclose(f) == 0 && done;
}

static void set_checksum(uint8_t *data, size_t size)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < size - 8; i++)
		h = (h ^ data[i]) * UINT64_C(1099511628211);
	for (int i = 0; i < 8; i++)
		data[size - 8 + i] = (uint8_t)(h >> (8 * i));
}

/* Loading DATA is refused (error, no answer kept) unless ACCEPTABLE. */
static int load_refused(const uint8_t *data, size_t size)
{
	struct kinspect_layout_cache *cache;
	struct kinspect_error *err = kinspect_layout_cache_create(NULL, build_id, sizeof(build_id), &cache);
	if (err) {
		kinspect_error_destroy(err);
		return -1;
	}
	err = kinspect_layout_cache_load_buffer(cache, data, size);
	int refused = err && kinspect_layout_cache_count(cache) == 0;
	kinspect_error_destroy(err);
	kinspect_layout_cache_destroy(cache);
	return refused;
}

static void test_damaged_files(const uint8_t *good, size_t size)
{
	uint8_t *copy = malloc(size);
	int accepted = 0, checked = 0;
	/* Torn writes: every shorter prefix. */
	for (size_t n = 0; n < size; n++, checked++)
		accepted += load_refused(good, n) != 1;
	ok(accepted == 0, "every truncation (%d) refused", checked);
	/* Bit rot: every byte flipped, checksum left alone. */
	accepted = checked = 0;
	for (size_t i = 0; i < size; i++, checked++) {
		memcpy(copy, good, size);
		copy[i] ^= 0x41;
		accepted += load_refused(copy, size) != 1;
	}
	ok(accepted == 0, "every flipped byte (%d) refused", checked);
	/* Hostile: every byte of the header and first entries set to extreme
	 * values with a correct checksum.  Whatever is accepted must read back
	 * (ASan checks the bounds); refused files keep nothing. */
	int refused = 0;
	checked = 0;
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	for (size_t i = 0; i + 8 < size && i < 400; i++) {
		for (size_t v = 0; v < sizeof(values); v++, checked++) {
			memcpy(copy, good, size);
			copy[i] = values[v];
			set_checksum(copy, size);
			refused += load_refused(copy, size) == 1;
		}
	}
	ok(refused > checked / 2, "hostile files with valid checksums: %d of %d refused, none crashed", refused,
	   checked);
	/* Another build-id, another version. */
	struct kinspect_layout_cache *other;
	uint8_t other_id[20] = { 1 };
	struct kinspect_error *err = kinspect_layout_cache_create(NULL, other_id, sizeof(other_id), &other);
	if (!err)
		err = kinspect_layout_cache_load_buffer(other, good, size);
	ok(err && kinspect_layout_cache_count(other) == 0, "a cache of another build-id is refused");
	kinspect_error_destroy(err);
	kinspect_layout_cache_destroy(other);
	memcpy(copy, good, size);
	copy[8] = KINSPECT_LAYOUT_CACHE_VERSION + 1;
	set_checksum(copy, size);
	ok(load_refused(copy, size) == 1, "a cache of another format version is refused");
	free(copy);
}

/* "--write-seed FILE": write the fixture's cache to FILE (for the fuzzer). */
static int write_seed(const char *file)
{
	snprintf(cache_path, sizeof(cache_path), "%s", file);
	struct kinspect_dwarf_types *types = open_cached(false);
	struct reply r;
	for (int i = 0; types && i < nr_questions; i++)
		ask(types, &questions[i], &r);
	struct kinspect_error *err = types ? kinspect_dwarf_types_save_cache(types) : &kinspect_error_nomem;
	kinspect_dwarf_types_destroy(types);
	run("rm -rf '%s'", tmpdir);
	if (err)
		kinspect_error_fputs(err, stderr);
	kinspect_error_destroy(err);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (!build_fixture()) {
		printf("Bail out! cannot compile the fixture\n");
		return 1;
	}
	load_questions();
	if (argc == 3 && strcmp(argv[1], "--write-seed") == 0)
		return write_seed(argv[2]);
	ok(nr_questions > 100, "%d questions", nr_questions);
	static struct reply want[MAX_QUESTIONS];

	struct kinspect_dwarf_types *types = NULL;
	struct kinspect_error *err = kinspect_dwarf_types_create(object, &types);
	if (!ok(!err, "fixture opens")) {
		kinspect_error_fputs(err, stdout);
		return 1;
	}
	for (int i = 0; i < nr_questions; i++)
		ask(types, &questions[i], &want[i]);
	kinspect_dwarf_types_destroy(types);

	/* Cold: answers from the DWARF, remembered. */
	types = open_cached(true);
	ok(types && !kinspect_dwarf_types_opened(types), "a lazy handle does not open the DWARF");
	same_answers(types, want, "cold, caching");
	ok(kinspect_dwarf_types_opened(types), "cold: the DWARF was opened");
	err = kinspect_dwarf_types_save_cache(types);
	ok(!err, "cache saved");
	kinspect_error_destroy(err);
	kinspect_dwarf_types_destroy(types);
	struct stat st = { 0 };
	int stat_status = stat(cache_path, &st);
	ok(stat_status == 0 && st.st_size > 0, "cache file written (%lld bytes)", (long long)st.st_size);
	char tmp_left[8192];
	snprintf(tmp_left, sizeof(tmp_left), "ls %s/cache/kinspect/layouts | grep -qv '^x.cache$'", tmpdir);
	ok(run("%s", tmp_left) != 0, "no temporary file left beside it");

	/* Warm: every answer from the file, the DWARF never opened. */
	types = open_cached(true);
	same_answers(types, want, "warm");
	ok(types && !kinspect_dwarf_types_opened(types), "warm: the DWARF was not opened");
	struct timespec before = st.st_mtim;
	usleep(10000);
	err = types ? kinspect_dwarf_types_save_cache(types) : NULL;
	ok(!err && stat(cache_path, &st) == 0 && st.st_mtim.tv_nsec == before.tv_nsec &&
		   st.st_mtim.tv_sec == before.tv_sec,
	   "warm: nothing new, the file is not rewritten");
	kinspect_error_destroy(err);
	kinspect_dwarf_types_destroy(types);

	size_t size = 0;
	uint8_t *good = read_file(cache_path, &size);
	ok(good && load_refused(good, size) == 0, "the saved file loads");
	if (good)
		test_damaged_files(good, size);

	/* A corrupt file on disk: ignored, answered from DWARF, rewritten. */
	if (good) {
		good[size / 2] ^= 0xff;
		write_file(cache_path, good, size);
		good[size / 2] ^= 0xff;
	}
	struct kinspect_layout_cache *cache;
	err = kinspect_layout_cache_create(cache_path, build_id, sizeof(build_id), &cache);
	struct kinspect_error *load_err = err ? NULL : kinspect_layout_cache_load(cache);
	ok(!err && load_err && kinspect_error_code(load_err) == KINSPECT_ERROR_FORMAT &&
		   kinspect_layout_cache_count(cache) == 0,
	   "a corrupt cache file is refused on load");
	kinspect_error_destroy(load_err);
	types = NULL;
	if (!err)
		err = kinspect_dwarf_types_create_lazy(object, cache, &types);
	if (types) {
		same_answers(types, want, "after a corrupt cache");
		ok(kinspect_dwarf_types_opened(types), "after a corrupt cache: from the DWARF");
		kinspect_error_destroy(kinspect_dwarf_types_save_cache(types));
		kinspect_dwarf_types_destroy(types);
	}
	kinspect_error_destroy(err);
	types = open_cached(true);
	ok(types != NULL, "the rewritten cache loads");
	if (types) {
		same_answers(types, want, "rewritten cache");
		ok(!kinspect_dwarf_types_opened(types), "rewritten cache: the DWARF was not opened");
		kinspect_dwarf_types_destroy(types);
	}
	free(good);

	/* The same build-id at another path: cached "absent" answers name the
	 * file this run opened. */
	char moved[4200];
	snprintf(moved, sizeof(moved), "%s/moved.o", tmpdir);
	run("cp '%s' '%s'", object, moved);
	struct kinspect_layout_cache *moved_cache = NULL;
	err = kinspect_layout_cache_create(cache_path, build_id, sizeof(build_id), &moved_cache);
	if (!err)
		err = kinspect_layout_cache_load(moved_cache);
	types = NULL;
	if (!err)
		err = kinspect_dwarf_types_create_lazy(moved, moved_cache, &types);
	uint64_t size_ignored;
	struct kinspect_error *absent = types ? kinspect_dwarf_types_sizeof(types, "struct no_such_type", &size_ignored)
					      : NULL;
	char *msg = absent ? kinspect_error_string(absent) : NULL;
	ok(msg && strstr(msg, moved) && !strstr(msg, object) && !kinspect_dwarf_types_opened(types) &&
		   kinspect_error_code(absent) == KINSPECT_ERROR_NOT_FOUND,
	   "a cached absence names this run's file: %s", msg ? msg : "(none)");
	free(msg);
	kinspect_error_destroy(absent);
	kinspect_error_destroy(err);
	kinspect_dwarf_types_destroy(types);

	/* No cache directory set: no path, nothing written.  The front ends'
	 * default follows XDG_CACHE_HOME, else HOME; relative ones are ignored. */
	char *path = NULL;
	kinspect_error_destroy(kinspect_cache_set_dir(NULL));
	kinspect_error_destroy(kinspect_layout_cache_path((const uint8_t *)"\x01\xab", 2, &path));
	ok(!path, "no path without a cache directory");
	setenv("XDG_CACHE_HOME", "/x/cache", 1);
	char *dir = cli_cache_dir_from_environment();
	ok(dir && strcmp(dir, "/x/cache/kinspect") == 0, "default under XDG_CACHE_HOME: %s", dir ? dir : "(none)");
	kinspect_error_destroy(kinspect_cache_set_dir(dir));
	free(dir);
	kinspect_error_destroy(kinspect_layout_cache_path((const uint8_t *)"\x01\xab", 2, &path));
	ok(path && strcmp(path, "/x/cache/kinspect/layouts/01ab.cache") == 0, "path in the cache directory: %s",
	   path ? path : "(none)");
	free(path);
	setenv("XDG_CACHE_HOME", "relative", 1);
	setenv("HOME", "/home/u", 1);
	dir = cli_cache_dir_from_environment();
	ok(dir && strcmp(dir, "/home/u/.cache/kinspect") == 0, "default under HOME: %s", dir ? dir : "(none)");
	free(dir);
	setenv("KINSPECT_NO_CACHE", "1", 1);
	ok(!cli_cache_reuse_from_environment(), "no speed-up caches with KINSPECT_NO_CACHE=1");
	kinspect_cache_set_reuse(false);
	kinspect_error_destroy(kinspect_cache_set_dir("/x/cache/kinspect"));
	kinspect_error_destroy(kinspect_layout_cache_path((const uint8_t *)"\x01\xab", 2, &path));
	ok(!path && !kinspect_cache_enabled(), "no layout cache path with them off");
	kinspect_error_destroy(kinspect_cache_file("ko", "x.ko", &path));
	ok(path && strcmp(path, "/x/cache/kinspect/ko/x.ko") == 0, "module copies still go to the directory: %s",
	   path ? path : "(none)");
	free(path);
	kinspect_cache_set_reuse(true);
	unsetenv("KINSPECT_NO_CACHE");
	kinspect_error_destroy(kinspect_cache_set_dir(NULL));

	run("rm -rf '%s'", tmpdir);
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
