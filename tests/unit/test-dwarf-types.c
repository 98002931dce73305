/* Unit tests: DWARF type layouts.  The fixture tests/fixtures-src/kernel-like.c
 * is compiled with $CC -g -c here, and every layout is checked against what
 * kernel-like-truth.c, built from the same header, prints with offsetof and
 * sizeof.  Damaged copies of the object must give errors, not crashes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"
#include "fixture.h"
#include "tap.h"
#include "error-is.h"

static char tmpdir[] = "/tmp/kinspect-dwarf-types.XXXXXX";
static char object[4096], executable[4096], truth[4096];


static bool build_fixture(void)
{
	const char *srcdir = fixture_srcdir(), *cc = fixture_cc();
	if (!mkdtemp(tmpdir))
		return false;
	snprintf(object, sizeof(object), "%s/kernel-like.o", tmpdir);
	snprintf(truth, sizeof(truth), "%s/truth.txt", tmpdir);
	/* Also linked, as a vmlinux is: DWARF used in place, not relocated.
	 * Optional: not every toolchain links without a C library. */
	snprintf(executable, sizeof(executable), "%s/kernel-like", tmpdir);
	if (run("%s -std=gnu11 -g -O0 -no-pie -nostdlib -Wl,-e,0 '%s/tests/fixtures-src/kernel-like.c' -o '%s' 2>/dev/null", cc,
		srcdir, executable) != 0)
		executable[0] = '\0';
	return run("%s -std=gnu11 -g -O0 -c '%s/tests/fixtures-src/kernel-like.c' -o '%s'", cc, srcdir, object) == 0 &&
	       run("%s -std=gnu11 -O0 '%s/tests/fixtures-src/kernel-like-truth.c' -o '%s/truth' && '%s/truth' >'%s'", cc,
		   srcdir, tmpdir, tmpdir, truth) == 0;
}

/* Split LINE at '|' into at most MAX fields. */
static int split_fields(char *line, char **fields, int max)
{
	int n = 0;
	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; n < max;) {
		fields[n++] = p;
		p = strchr(p, '|');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

/* Each fact the compiler printed, asked again through DWARF. */
static void test_against_compiler(struct kinspect_dwarf_types *types)
{
	FILE *f = fopen(truth, "r");
	if (!ok(f != NULL, "truth file readable"))
		return;
	char line[1024];
	int facts = 0;
	while (fgets(line, sizeof(line), f)) {
		char *fld[5];
		int n = split_fields(line, fld, 5);
		char name[1200];
		struct kinspect_error *err = NULL;
		facts++;
		if (n == 3 && strcmp(fld[0], "size") == 0) {
			uint64_t size = 0;
			err = kinspect_dwarf_types_sizeof(types, fld[1], &size);
			snprintf(name, sizeof(name), "sizeof(%s)", fld[1]);
			if (ok(!err, "%s found", name))
				is_int(size, strtoll(fld[2], NULL, 0), name);
		} else if (n == 5 && strcmp(fld[0], "member") == 0) {
			struct kinspect_dwarf_member m;
			err = kinspect_dwarf_types_member(types, fld[1], fld[2], &m);
			snprintf(name, sizeof(name), "%s.%s", fld[1], fld[2]);
			if (ok(!err, "%s found", name)) {
				is_int(m.offset, strtoll(fld[3], NULL, 0), "  offset");
				is_int(m.size, strtoll(fld[4], NULL, 0), "  size");
				is_int(m.bit_size, 0, "  not a bit-field");
			}
			bool has = false;
			struct kinspect_error *has_err = kinspect_dwarf_types_has_member(types, fld[1], fld[2], &has);
			ok(!has_err && has, "  has_member");
			kinspect_error_destroy(has_err);
		} else if (n == 5 && strcmp(fld[0], "bits") == 0) {
			struct kinspect_dwarf_member m;
			err = kinspect_dwarf_types_member(types, fld[1], fld[2], &m);
			snprintf(name, sizeof(name), "bit-field %s.%s", fld[1], fld[2]);
			if (ok(!err, "%s found", name)) {
				is_int(m.bit_offset, strtoll(fld[3], NULL, 0), "  bit offset");
				is_int(m.bit_size, strtoll(fld[4], NULL, 0), "  bit size");
				is_int(m.offset, strtoll(fld[3], NULL, 0) / 8, "  byte of the first bit");
			}
		} else if (n == 4 && strcmp(fld[0], "len") == 0) {
			uint64_t len = 0;
			err = kinspect_dwarf_types_array_length(types, fld[1], fld[2], &len);
			snprintf(name, sizeof(name), "length of %s.%s", fld[1], fld[2]);
			if (ok(!err, "%s found", name))
				is_int(len, strtoll(fld[3], NULL, 0), name);
		} else if (n == 3 && strcmp(fld[0], "enum") == 0) {
			int64_t value = 0;
			err = kinspect_dwarf_types_enum_value(types, fld[1], &value);
			snprintf(name, sizeof(name), "enumerator %s", fld[1]);
			if (ok(!err, "%s found", name))
				is_int(value, strtoll(fld[2], NULL, 0), name);
		} else {
			ok(false, "truth line understood: %s", fld[0]);
		}
		if (err)
			kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
	}
	fclose(f);
	ok(facts > 100, "compiler printed %d facts", facts);
}

static struct kinspect_error *count_member(const char *name, const struct kinspect_dwarf_member *m, void *arg)
{
	int *count = arg;
	if (strcmp(name, "folioq") == 0 && m->offset != 16)
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "folioq at %" PRIu64, m->offset);
	(*count)++;
	return NULL;
}

struct walk_check {
	struct kinspect_dwarf_types *types;
	const char *type;
	int members, mismatches;
};

/* What the walk reports for a member equals what a lookup by name gives. */
static struct kinspect_error *check_walked(const char *name, const struct kinspect_dwarf_member *walked, void *arg)
{
	struct walk_check *c = arg;
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(c->types, c->type, name, &m);
	if (err)
		return err;
	c->members++;
	if (memcmp(&m, walked, sizeof(m)) != 0) {
		printf("#   %s.%s: walk says %" PRIu64 "/%" PRIu64 "+%" PRIu32 ", lookup %" PRIu64 "/%" PRIu64
		       "+%" PRIu32 "\n",
		       c->type, name, walked->offset, walked->bit_offset, walked->bit_size, m.offset, m.bit_offset,
		       m.bit_size);
		c->mismatches++;
	}
	return NULL;
}

static void test_walk(struct kinspect_dwarf_types *types)
{
	static const struct {
		const char *type;
		int members;
	} want[] = {
		{ "struct module", 12 }, { "struct page", 10 }, { "struct folio", 10 },
		{ "struct module_memory", 6 }, { "union kl_word", 2 }, { "module_t", 12 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct walk_check c = { types, want[i].type, 0, 0 };
		struct kinspect_error *err = kinspect_dwarf_types_for_each_member(types, want[i].type, check_walked, &c);
		ok(!err && c.members == want[i].members && c.mismatches == 0,
		   "walk of %s: %d members (want %d), %d differ from lookups", want[i].type, c.members,
		   want[i].members, c.mismatches);
		if (err)
			kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
	}
	struct kinspect_error *err = kinspect_dwarf_types_for_each_member(types, "u64", check_walked, NULL);
	error_is(err, KINSPECT_ERROR_INVALID_ARGUMENT, "not a struct or union", "walk of a scalar");
}

struct enum_check {
	char names[8][32];
	int64_t values[8];
	int n;
};

static struct kinspect_error *collect_enumerator(const char *name, int64_t value, void *arg)
{
	struct enum_check *c = arg;
	if (c->n < 8) {
		snprintf(c->names[c->n], sizeof(c->names[c->n]), "%s", name);
		c->values[c->n] = value;
	}
	c->n++;
	return NULL;
}

static void test_enumerators(struct kinspect_dwarf_types *types)
{
	struct enum_check c = { .n = 0 };
	struct kinspect_error *err = kinspect_dwarf_types_for_each_enumerator(types, "enum pageflags", collect_enumerator, &c);
	ok(!err && c.n == 4, "enum pageflags: %d enumerators (want 4)", c.n);
	kinspect_error_destroy(err);
	static const char *const want_names[] = { "PG_locked", "PG_writeback", "PG_referenced", "__NR_PAGEFLAGS" };
	static const int64_t want_values[] = { 0, 1, 2, 40 };
	for (int i = 0; i < 4 && i < c.n; i++)
		ok(strcmp(c.names[i], want_names[i]) == 0 && c.values[i] == want_values[i],
		   "enumerator %d in declaration order: %s = %lld", i, c.names[i], (long long)c.values[i]);
	c.n = 0;
	err = kinspect_dwarf_types_for_each_enumerator(types, "enum kl_big", collect_enumerator, &c);
	ok(!err && c.n == 1 && c.values[0] == 0xfffffff0, "unsigned enumerator beyond INT_MAX read unsigned");
	kinspect_error_destroy(err);
	error_is(kinspect_dwarf_types_for_each_enumerator(types, "struct module", collect_enumerator, &c),
		 KINSPECT_ERROR_INVALID_ARGUMENT, "not an enumeration", "enumerators of a struct");
	error_is(kinspect_dwarf_types_for_each_enumerator(types, "enum no_such_kl", collect_enumerator, &c),
		 KINSPECT_ERROR_NOT_FOUND, "enum no_such_kl", "enumerators of a missing enum");
}

static void test_details(struct kinspect_dwarf_types *types)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err;
	uint64_t len = 1, size;
	bool has = true;

	/* Flexible array: length 0, no size, at the end of the struct. */
	err = kinspect_dwarf_types_member(types, "struct module", "pages", &m);
	if (ok(!err, "flexible array member found")) {
		ok(m.is_array && m.array_length == 0 && m.size == 0, "flexible array: length 0, size 0");
		kinspect_dwarf_types_sizeof(types, "struct module", &size);
		is_int(m.offset, size, "flexible array sits at the end");
	}
	kinspect_error_destroy(err);
	err = kinspect_dwarf_types_array_length(types, "struct module", "pages", &len);
	ok(!err && len == 0, "array_length of a flexible array is 0");
	kinspect_error_destroy(err);
	err = kinspect_dwarf_types_member(types, "struct module", "grid[1]", &m);
	ok(!err && m.is_array && m.array_length == 4, "indexing one dimension leaves an array of 4");
	kinspect_error_destroy(err);

	error_is(kinspect_dwarf_types_member(types, "struct iov_iter", "bogus", &m), KINSPECT_ERROR_NOT_FOUND,
		 "struct iov_iter has no member bogus", "missing member names type and member");
	error_is(kinspect_dwarf_types_member(types, "struct module", "mem[0].bogus", &m), KINSPECT_ERROR_NOT_FOUND,
		 "struct module has no member mem[0].bogus (mem[0] has no bogus)", "missing nested member");
	error_is(kinspect_dwarf_types_member(types, "struct no_such_kl", "x", &m), KINSPECT_ERROR_NOT_FOUND,
		 "struct no_such_kl", "missing type named");
	error_is(kinspect_dwarf_types_sizeof(types, "kl_opaque_t", &size), KINSPECT_ERROR_NOT_FOUND,
		 "struct kl_opaque is declared but never defined", "typedef of an undefined struct");
	error_is(kinspect_dwarf_types_sizeof(types, "struct kl_opaque", &size), KINSPECT_ERROR_NOT_FOUND,
		 "no complete definition of struct kl_opaque", "declarations are not definitions");
	error_is(kinspect_dwarf_types_enum_value(types, "NO_SUCH_KL_ENUMERATOR", &(int64_t){ 0 }),
		 KINSPECT_ERROR_NOT_FOUND, "no enumerator NO_SUCH_KL_ENUMERATOR", "missing enumerator");
	error_is(kinspect_dwarf_types_member(types, "struct module", "name.x", &m), KINSPECT_ERROR_INVALID_ARGUMENT,
		 "struct module: name is not a struct or union", "member of an array");
	error_is(kinspect_dwarf_types_member(types, "u64", "x", &m), KINSPECT_ERROR_INVALID_ARGUMENT,
		 "u64 is not a struct or union", "member of a scalar");
	error_is(kinspect_dwarf_types_member(types, "struct module", "list.next.prev", &m),
		 KINSPECT_ERROR_INVALID_ARGUMENT, "list.next is not a struct or union", "pointers are not followed");
	error_is(kinspect_dwarf_types_member(types, "struct module", "state[0]", &m),
		 KINSPECT_ERROR_INVALID_ARGUMENT, "not an array", "index of a non-array");
	error_is(kinspect_dwarf_types_member(types, "struct module", "mem[x]", &m), KINSPECT_ERROR_INVALID_ARGUMENT,
		 "bad array index", "bad index");
	error_is(kinspect_dwarf_types_member(types, "struct module", "list..next", &m),
		 KINSPECT_ERROR_INVALID_ARGUMENT, "bad member designator", "empty member name");
	error_is(kinspect_dwarf_types_array_length(types, "struct module", "state", &len),
		 KINSPECT_ERROR_INVALID_ARGUMENT, "not an array", "array_length of a scalar");

	err = kinspect_dwarf_types_has_member(types, "struct iov_iter", "bogus", &has);
	ok(!err && !has, "has_member: missing member is false");
	kinspect_error_destroy(err);
	has = true;
	err = kinspect_dwarf_types_has_member(types, "struct no_such_kl", "x", &has);
	ok(!err && !has, "has_member: missing type is false, not an error");
	kinspect_error_destroy(err);
	error_is(kinspect_dwarf_types_has_member(types, "struct module", "mem[", &has),
		 KINSPECT_ERROR_INVALID_ARGUMENT, NULL, "has_member: a bad path is an error");
	/* Asked twice: the cached answer is the same. */
	err = kinspect_dwarf_types_has_member(types, "struct no_such_kl", "x", &has);
	ok(!err && !has, "has_member: cached miss");
	kinspect_error_destroy(err);

	int count = 0;
	err = kinspect_dwarf_types_for_each_member(types, "struct iov_iter", count_member, &count);
	ok(!err && count == 12, "for_each_member walks into anonymous members (%d)", count);
	kinspect_error_destroy(err);
}

/* Misses leave a filter behind: later misses and hits must still be right. */
static void test_after_misses(void)
{
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_dwarf_types_create(object, &types);
	if (!ok(!err, "reopen the fixture"))
		return;
	uint64_t size = 0;
	int64_t value = 0;
	const char *missing[] = { "struct kl_missing_a", "struct kl_missing_b", "struct list_head_x" };
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		error_is(kinspect_dwarf_types_sizeof(types, missing[i], &size), KINSPECT_ERROR_NOT_FOUND, missing[i],
			 "miss after miss");
	err = kinspect_dwarf_types_sizeof(types, "struct list_head", &size);
	ok(!err && size == 2 * sizeof(void *), "hit after misses");
	kinspect_error_destroy(err);
	err = kinspect_dwarf_types_sizeof(types, "struct folio_batch", &size);
	ok(!err && size > 0, "another hit after misses");
	kinspect_error_destroy(err);
	error_is(kinspect_dwarf_types_enum_value(types, "KL_MISSING", &value), KINSPECT_ERROR_NOT_FOUND, "KL_MISSING",
		 "enumerator miss");
	error_is(kinspect_dwarf_types_enum_value(types, "KL_MISSING_TOO", &value), KINSPECT_ERROR_NOT_FOUND,
		 "KL_MISSING_TOO", "enumerator miss after miss");
	err = kinspect_dwarf_types_enum_value(types, "ITER_FOLIOQ", &value);
	ok(!err && value == 5, "enumerator hit after misses");
	kinspect_error_destroy(err);
	err = kinspect_dwarf_types_enum_value(types, "MODULE_STATE_GOING", &value);
	ok(!err && value == 2, "another enumerator hit after misses");
	kinspect_error_destroy(err);
	kinspect_dwarf_types_destroy(types);
}

static void test_open_errors(void)
{
	struct kinspect_dwarf_types *types = NULL;
	error_is(kinspect_dwarf_types_create("/no/such/vmlinux", &types), KINSPECT_ERROR_OS, "/no/such/vmlinux",
		 "missing file");
	char path[4200];
	snprintf(path, sizeof(path), "%s/not-elf", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("not an ELF file\n", f);
	fclose(f);
	error_is(kinspect_dwarf_types_create(path, &types), KINSPECT_ERROR_FORMAT, NULL, "not ELF");
	snprintf(path, sizeof(path), "%s/truth", tmpdir);
	error_is(kinspect_dwarf_types_create(path, &types), KINSPECT_ERROR_FORMAT, "no usable DWARF",
		 "ELF without DWARF");
}

/* The file offset and size of OBJECT's .debug_info. */
static bool find_debug_info(const char *path, uint64_t *ret_offset, uint64_t *ret_size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	size_t shstrndx;
	bool found = false;
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr shdr;
			const char *name;
			if (gelf_getshdr(scn, &shdr) && (name = elf_strptr(elf, shstrndx, shdr.sh_name)) &&
			    strcmp(name, ".debug_info") == 0) {
				*ret_offset = shdr.sh_offset;
				*ret_size = shdr.sh_size;
				found = true;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* A copy of the object with LEN bytes at OFFSET of .debug_info replaced. */
static bool damaged_copy(const char *copy, uint64_t info_offset, uint64_t offset, const void *bytes, size_t len)
{
	if (run("cp '%s' '%s'", object, copy) != 0)
		return false;
	int fd = open(copy, O_WRONLY);
	bool done = fd >= 0 && pwrite(fd, bytes, len, (off_t)(info_offset + offset)) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	return done;
}

/* Every question asked of a damaged file; only crashes (and sanitizer or
 * valgrind reports) fail.  Returns how many questions got errors. */
static int ask_everything(const char *path)
{
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_dwarf_types_create(path, &types);
	if (err) {
		kinspect_error_destroy(err);
		return 1;
	}
	int errors = 0;
	struct kinspect_dwarf_member m;
	uint64_t u;
	int64_t s;
	bool b;
	const char *members[][2] = {
		{ "struct module", "mem[3].delta" },   { "struct iov_iter", "__ubuf_iovec.iov_len" },
		{ "struct folio", "__page_1.dma_addr" }, { "struct module", "grid[2][1]" },
		{ "module_t", "packed.hi" },            { "struct folio_queue", "vec.folios[30]" },
	};
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		err = kinspect_dwarf_types_member(types, members[i][0], members[i][1], &m);
		errors += err != NULL;
		kinspect_error_destroy(err);
		err = kinspect_dwarf_types_has_member(types, members[i][0], members[i][1], &b);
		kinspect_error_destroy(err);
	}
	const char *sizes[] = { "struct module", "u64", "struct page", "union kl_word" };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		err = kinspect_dwarf_types_sizeof(types, sizes[i], &u);
		errors += err != NULL;
		kinspect_error_destroy(err);
	}
	err = kinspect_dwarf_types_enum_value(types, "KL_BIG", &s);
	errors += err != NULL;
	kinspect_error_destroy(err);
	err = kinspect_dwarf_types_array_length(types, "struct module", "grid", &u);
	errors += err != NULL;
	kinspect_error_destroy(err);
	kinspect_dwarf_types_destroy(types);
	return errors;
}

static void test_damaged(void)
{
	uint64_t info_offset = 0, info_size = 0;
	if (!ok(find_debug_info(object, &info_offset, &info_size), "fixture has .debug_info"))
		return;
	char copy[4200];
	snprintf(copy, sizeof(copy), "%s/damaged.o", tmpdir);

	/* A unit header with DWARF version 0x99. */
	static const uint8_t bad_version[2] = { 0x99, 0x00 };
	struct kinspect_dwarf_types *types;
	if (ok(damaged_copy(copy, info_offset, 4, bad_version, 2), "damaged copy written")) {
		struct kinspect_error *err = kinspect_dwarf_types_create(copy, &types);
		uint64_t size;
		if (!err) {
			err = kinspect_dwarf_types_sizeof(types, "struct module", &size);
			kinspect_dwarf_types_destroy(types);
		}
		error_is(err, KINSPECT_ERROR_FORMAT, NULL, "a bad unit header is a format error");
	}

	/* The body of the unit overwritten: every question fails cleanly. */
	uint8_t junk[256];
	memset(junk, 0xff, sizeof(junk));
	size_t junk_len = info_size - 12 < sizeof(junk) ? info_size - 12 : sizeof(junk);
	if (ok(damaged_copy(copy, info_offset, 12, junk, junk_len), "damaged copy written"))
		ok(ask_everything(copy) > 0, "junk DIEs give errors");

	/* Bytes changed all over the section: anything but a crash. */
	int trials = 0, failures = 0;
	unsigned int seed = 1;
	for (uint64_t offset = 0; offset < info_size; offset += 1 + info_size / 300) {
		uint8_t bytes[3];
		for (size_t i = 0; i < sizeof(bytes); i++) {
			seed = seed * 1103515245u + 12345u;
			bytes[i] = (uint8_t)(seed >> 16);
		}
		size_t n = info_size - offset < sizeof(bytes) ? info_size - offset : sizeof(bytes);
		if (!damaged_copy(copy, info_offset, offset, bytes, n))
			break;
		failures += ask_everything(copy) > 0;
		trials++;
	}
	ok(trials >= 250, "%d damaged copies read without crashing (%d with errors)", trials, failures);
}

int main(void)
{
	if (!build_fixture()) {
		/* A compiler is a build prerequisite: failing to use it
		 * is a failure of the test, never a reason to skip it. */
		printf("1..1\nnot ok 1 - cannot compile the fixture with $CC\n");
		return 1;
	}
	struct kinspect_dwarf_types *types = NULL;
	struct kinspect_error *err = kinspect_dwarf_types_create(object, &types);
	if (ok(!err, "open the fixture's DWARF")) {
		test_against_compiler(types);
		test_details(types);
		test_walk(types);
		test_enumerators(types);
		kinspect_dwarf_types_destroy(types);
	} else {
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
	}
	if (executable[0]) {
		err = kinspect_dwarf_types_create(executable, &types);
		if (ok(!err, "open the linked fixture's DWARF")) {
			test_against_compiler(types);
			kinspect_dwarf_types_destroy(types);
		} else {
			kinspect_error_fputs(err, stdout);
			kinspect_error_destroy(err);
		}
	}
	test_after_misses();
	test_open_errors();
	test_damaged();
	run("rm -rf '%s'", tmpdir);
	return tap_done();
}
