/* Unit tests of finding and opening module files: '-'/'_' name
 * equivalence, the recursive search and its depth bound, .ko.xz and
 * .ko.zst decompressed in memory, corrupt compressed files (a clear error,
 * never a crash), the build-id check, the plain copy for gdb, and DWARF
 * relocated to given section addresses.  The "module" is a relocatable
 * object with a build-id linked here with $CC -r (as the kernel links
 * modules); the compressed copies are made in process.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dwarf.h>
#include <gelf.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

#include "core/cache-path.h"
#include "debuginfo/module-debuginfo.h"
#include "debuginfo/module-file.h"
#include "fixture.h"
#include "tap.h"

static char tmpdir[] = "/tmp/kinspect-module-file.XXXXXX";
static char original[4096];
static uint8_t *image;
static size_t image_size;

static const char source[] = "int module_counter = 3;\n"
			     "int exported_function(int x, long y) { return x + (int)y + module_counter; }\n";


static char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_of(const char *fmt, ...)
{
	static char buf[8][4096];
	static int next;
	char rel[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	char *p = buf[next++ % 8];
	snprintf(p, 4096, "%s/%s", tmpdir, rel);
	return p;
}

static bool write_file(const char *path, const void *data, size_t len)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	if (run("mkdir -p '%s'", dir) != 0)
		return false;
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool good = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && good;
}

static bool read_file(const char *path, uint8_t **ret, size_t *ret_size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	*ret = malloc(n > 0 ? (size_t)n : 1);
	*ret_size = (size_t)n;
	bool good = *ret && fread(*ret, 1, *ret_size, f) == *ret_size;
	fclose(f);
	return good;
}

static bool build_fixture(void)
{
	const char *cc = getenv("CC");
	if (!cc || !*cc)
		cc = "cc";
	if (!mkdtemp(tmpdir))
		return false;
	snprintf(original, sizeof(original), "%s/original.ko", tmpdir);
	return write_file(path_of("mod.c"), source, strlen(source)) &&
	       run("%s -std=gnu11 -g -O0 -c '%s' -o '%s'", cc, path_of("mod.c"), path_of("mod.o")) == 0 &&
	       run("%s -r -nostdlib -Wl,--build-id=sha1 '%s' -o '%s'", cc, path_of("mod.o"), original) == 0 &&
	       read_file(original, &image, &image_size);
}

static void xz_compress(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = lzma_stream_buffer_bound(len), pos = 0;
	*out = malloc(cap);
	if (lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, in, len, *out, &pos, cap) != LZMA_OK)
		pos = 0;
	*out_len = pos;
}

/* With a checksum, as the zstd program writes by default. */
static void zstd_compress(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len);
	*out = malloc(cap);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
	size_t n = ZSTD_compress2(cctx, *out, cap, in, len);
	ZSTD_freeCCtx(cctx);
	*out_len = ZSTD_isError(n) ? 0 : n;
}

static void error_is(struct kinspect_error *err, enum kinspect_error_code code, const char *want, const char *what)
{
	char *s = err ? kinspect_error_string(err) : NULL;
	if (!ok(err && kinspect_error_code(err) == code && (!want || (s && strstr(s, want))), "%s", what))
		printf("#   got %s (code %d), want code %d with \"%s\"\n", s ? s : "success",
		       err ? (int)kinspect_error_code(err) : -1, (int)code, want ? want : "");
	else
		printf("#   %s\n", s);
	free(s);
	kinspect_error_destroy(err);
}

static void test_names(void)
{
	static const struct {
		const char *file, *name;
		bool match;
	} cases[] = {
		{ "9pnet_virtio.ko", "9pnet_virtio", true },   { "9pnet-virtio.ko.xz", "9pnet_virtio", true },
		{ "9pnet_virtio.ko.zst", "9pnet-virtio", true }, { "qemu-fw_cfg.ko", "qemu_fw-cfg", true },
		{ "loop.ko.gz", "loop", false },               { "loop.ko.xz.bak", "loop", false },
		{ "loop2.ko", "loop", false },                 { "lo.ko", "loop", false },
		{ "loop.o", "loop", false },                   { "loop", "loop", false },
		{ ".ko", "", true },                           { "Loop.ko", "loop", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(kinspect_module_file_name_matches(cases[i].file, cases[i].name) == cases[i].match, "%s %s %s",
		   cases[i].file, cases[i].match ? "is" : "is not", cases[i].name);
	ok(kinspect_module_name_equal("nf_conntrack-ftp", "nf-conntrack_ftp"), "'-' and '_' are one character");
	ok(!kinspect_module_name_equal("loop", "loop_"), "a longer name differs");
}

/* Open FILE's build-id and image and compare them with the original. */
static void check_same(struct kinspect_module_file *file, const char *what)
{
	size_t size;
	const void *bytes = kinspect_module_file_image(file, &size);
	ok(size == image_size && memcmp(bytes, image, size) == 0, "%s: image equals the original .ko", what);
	bool text = false;
	for (size_t i = 0; i < kinspect_module_file_nr_alloc_sections(file); i++)
		text |= strcmp(kinspect_module_file_alloc_section(file, i, NULL), ".text") == 0;
	ok(text, "%s: .text among %zu ALLOC sections", what, kinspect_module_file_nr_alloc_sections(file));
}

static void test_find(const uint8_t *build_id, size_t build_id_len)
{
	uint8_t *xz, *zst;
	size_t xz_len, zst_len;
	xz_compress(image, image_size, &xz, &xz_len);
	zstd_compress(image, image_size, &zst, &zst_len);
	ok(xz_len && zst_len, "compressed copies made (%zu and %zu bytes of %zu)", xz_len, zst_len, image_size);
	write_file(path_of("mods/a/b/plain-mod.ko"), image, image_size);
	write_file(path_of("mods/c/xz_mod.ko.xz"), xz, xz_len);
	write_file(path_of("mods/zst-mod.ko.zst"), zst, zst_len);
	write_file(path_of("mods/zst-mod.txt"), "x", 1);

	/* path_of() reuses its buffers: keep copies. */
	char *empty = strdup(path_of("empty")), *mods = strdup(path_of("mods"));
	const char *dirs[] = { empty, mods };
	run("mkdir -p '%s'", dirs[0]);
	static const char *const names[] = { "plain_mod", "xz-mod", "zst_mod" };
	for (size_t i = 0; i < 3; i++) {
		struct kinspect_module_file *file = NULL;
		struct kinspect_error *err =
			kinspect_module_file_find(dirs, 2, names[i], build_id, build_id_len, &file);
		if (!ok(!err, "find %s with its build-id", names[i])) {
			error_is(err, KINSPECT_ERROR_OTHER, NULL, "(the error)");
			continue;
		}
		const uint8_t *id;
		size_t id_len = kinspect_module_file_build_id(file, &id);
		ok(id_len == build_id_len && memcmp(id, build_id, id_len) == 0, "%s: build-id", names[i]);
		check_same(file, names[i]);
		kinspect_module_file_destroy(file);
	}

	/* A file with another build-id is refused, and the error says why. */
	uint8_t other[20];
	memcpy(other, build_id, sizeof(other));
	other[0] ^= 0xff;
	struct kinspect_module_file *file = NULL;
	error_is(kinspect_module_file_find(dirs, 2, "xz_mod", other, sizeof(other), &file), KINSPECT_ERROR_NOT_FOUND,
		 "build-id mismatch", "a build-id mismatch is NOT_FOUND naming the file");
	error_is(kinspect_module_file_find(dirs, 2, "nope", NULL, 0, &file), KINSPECT_ERROR_NOT_FOUND,
		 "no nope.ko, .ko.xz or .ko.zst under", "a missing module is NOT_FOUND");
	const char *missing[] = { path_of("no-such-dir") }; /* used at once */
	error_is(kinspect_module_file_find(missing, 1, "nope", NULL, 0, &file), KINSPECT_ERROR_OS,
		 "no-such-dir", "a missing directory is an OS error naming it");

	/* -m may name the file itself. */
	const char *direct[] = { path_of("mods/c/xz_mod.ko.xz") };
	struct kinspect_error *err = kinspect_module_file_find(direct, 1, "xz_mod", NULL, 0, &file);
	if (ok(!err, "-m naming a .ko.xz file"))
		kinspect_module_file_destroy(file);
	kinspect_error_destroy(err);

	/* The search stops KINSPECT_MODULE_SEARCH_DEPTH levels down. */
	char deep[4096] = "deep";
	for (int i = 0; i < KINSPECT_MODULE_SEARCH_DEPTH + 1; i++)
		strcat(deep, "/d");
	strcat(deep, "/deep_mod.ko");
	write_file(path_of("%s", deep), image, image_size);
	const char *deep_dirs[] = { path_of("deep") };
	error_is(kinspect_module_file_find(deep_dirs, 1, "deep_mod", NULL, 0, &file), KINSPECT_ERROR_NOT_FOUND,
		 "no deep_mod.ko", "nothing is found below the depth bound");

	/* The plain copy gdb reads: the file itself, or a decompressed copy
	 * named by build-id in the cache, written once. */
	kinspect_error_destroy(kinspect_cache_set_dir(path_of("cache/kinspect")));
	const char *plain = NULL;
	err = kinspect_module_file_open(path_of("mods/a/b/plain-mod.ko"), &file);
	if (ok(!err, "open the plain .ko")) {
		ok(!kinspect_module_file_plain_path(file, &plain) &&
			   strcmp(plain, path_of("mods/a/b/plain-mod.ko")) == 0,
		   "a plain .ko is its own plain path");
		kinspect_module_file_destroy(file);
	}
	kinspect_error_destroy(err);
	char hex[41];
	kinspect_build_id_hex(build_id, 20, hex);
	for (int round = 0; round < 2; round++) {
		err = kinspect_module_file_open(path_of("mods/zst-mod.ko.zst"), &file);
		if (!ok(!err, "open the .ko.zst (%d)", round))
			break;
		err = kinspect_module_file_plain_path(file, &plain);
		uint8_t *copy = NULL;
		size_t copy_size = 0;
		ok(!err && strcmp(plain, path_of("cache/kinspect/ko/%s.ko", hex)) == 0 &&
			   read_file(plain, &copy, &copy_size) && copy_size == image_size &&
			   memcmp(copy, image, image_size) == 0,
		   "round %d: the plain copy is cache/kinspect/ko/BUILD-ID.ko with the decompressed bytes", round);
		free(copy);
		kinspect_error_destroy(err);
		kinspect_module_file_destroy(file);
	}
	ok(run("test -z \"$(ls -A '%s' | grep -v '\\.ko$')\"", path_of("cache/kinspect/ko")) == 0,
	   "no temporary file is left in the cache");
	free(xz);
	free(zst);
	free(empty);
	free(mods);
}

static void test_corrupt(void)
{
	uint8_t *xz, *zst;
	size_t xz_len, zst_len;
	xz_compress(image, image_size, &xz, &xz_len);
	zstd_compress(image, image_size, &zst, &zst_len);
	static const char not_elf[] = "this is not an ELF file\n";
	uint8_t *xz_text, *zst_text;
	size_t xz_text_len, zst_text_len;
	xz_compress((const uint8_t *)not_elf, sizeof(not_elf), &xz_text, &xz_text_len);
	zstd_compress((const uint8_t *)not_elf, sizeof(not_elf), &zst_text, &zst_text_len);

	write_file(path_of("bad/truncated.ko.xz"), xz, xz_len / 2);
	xz[xz_len / 2] ^= 0x55;
	write_file(path_of("bad/flipped.ko.xz"), xz, xz_len);
	write_file(path_of("bad/truncated.ko.zst"), zst, zst_len / 2);
	zst[zst_len / 2] ^= 0x55;
	write_file(path_of("bad/flipped.ko.zst"), zst, zst_len);
	/* Without a checksum a flipped byte decompresses to a damaged ELF. */
	uint8_t *plain_zst = malloc(ZSTD_compressBound(image_size));
	size_t plain_zst_len = ZSTD_compress(plain_zst, ZSTD_compressBound(image_size), image, image_size, 3);
	if (!ZSTD_isError(plain_zst_len)) {
		for (size_t i = plain_zst_len / 4; i < plain_zst_len / 2; i++)
			plain_zst[i] ^= 0x55;
		write_file(path_of("bad/unchecked.ko.zst"), plain_zst, plain_zst_len);
	}
	free(plain_zst);
	static const uint8_t zstd_garbage[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 };
	write_file(path_of("bad/garbage.ko.zst"), zstd_garbage, sizeof(zstd_garbage));
	static const uint8_t xz_header_only[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	write_file(path_of("bad/header.ko.xz"), xz_header_only, sizeof(xz_header_only));
	write_file(path_of("bad/text.ko.xz"), xz_text, xz_text_len);
	write_file(path_of("bad/text.ko.zst"), zst_text, zst_text_len);
	write_file(path_of("bad/text.ko"), not_elf, sizeof(not_elf));
	write_file(path_of("bad/empty.ko"), "", 0);
	write_file(path_of("bad/truncated.ko"), image, image_size / 2);

	static const struct {
		const char *file, *want;
		enum kinspect_error_code code;
	} cases[] = {
		{ "truncated.ko.xz", "xz: compressed data is truncated", KINSPECT_ERROR_FORMAT },
		{ "flipped.ko.xz", "xz: ", KINSPECT_ERROR_FORMAT },
		{ "truncated.ko.zst", "zstd: compressed data is truncated", KINSPECT_ERROR_FORMAT },
		{ "flipped.ko.zst", "zstd: ", KINSPECT_ERROR_FORMAT },
		{ "unchecked.ko.zst", "unchecked.ko.zst: ", KINSPECT_ERROR_FORMAT },
		{ "garbage.ko.zst", "zstd: ", KINSPECT_ERROR_FORMAT },
		{ "header.ko.xz", "xz: ", KINSPECT_ERROR_FORMAT },
		{ "text.ko.xz", "not an ELF file", KINSPECT_ERROR_FORMAT },
		{ "text.ko.zst", "not an ELF file", KINSPECT_ERROR_FORMAT },
		{ "text.ko", "not an ELF file", KINSPECT_ERROR_FORMAT },
		{ "empty.ko", "empty file", KINSPECT_ERROR_FORMAT },
		{ "truncated.ko", "truncated", KINSPECT_ERROR_FORMAT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kinspect_module_file *file = NULL;
		char *path = path_of("bad/%s", cases[i].file);
		struct kinspect_error *err = kinspect_module_file_open(path, &file);
		char what[256];
		snprintf(what, sizeof(what), "%s: a clear error", cases[i].file);
		error_is(err, cases[i].code, cases[i].want, what);
		if (!err)
			kinspect_module_file_destroy(file);
	}
	/* Found by the search, a corrupt file's error is the answer. */
	const char *dirs[] = { path_of("bad") }; /* used at once */
	struct kinspect_module_file *file = NULL;
	error_is(kinspect_module_file_find(dirs, 1, "flipped", NULL, 0, &file), KINSPECT_ERROR_FORMAT,
		 "module flipped: ", "a corrupt candidate's error names the module and the file");
	free(xz);
	free(zst);
	free(xz_text);
	free(zst_text);
}

/* The st_value of symbol NAME in the original, or -1. */
static int64_t symbol_value(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || !shdr.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < shdr.sh_size / shdr.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n =
				gelf_getsym(data, (int)i, &sym) ? elf_strptr(elf, shdr.sh_link, sym.st_name) : NULL;
			if (n && strcmp(n, name) == 0)
				return (int64_t)sym.st_value;
		}
	}
	return -1;
}

static void test_debuginfo(void)
{
	struct kinspect_module_file *file = NULL;
	struct kinspect_error *err = kinspect_module_file_open(path_of("mods/c/xz_mod.ko.xz"), &file);
	if (!ok(!err, "open for DWARF")) {
		error_is(err, KINSPECT_ERROR_OTHER, NULL, "(the error)");
		return;
	}
	const struct kinspect_section_address sections[] = {
		{ ".text", 0xffffffffc0401000ULL },
		{ ".data", 0xffffffffc0402000ULL },
	};
	struct kinspect_module_debuginfo *md = NULL;
	err = kinspect_module_debuginfo_create(file, "xz_mod", sections, 2, &md);
	if (ok(!err, "relocated DWARF")) {
		uint64_t address, bias;
		Dwarf_Die die;
		int64_t value = symbol_value(kinspect_module_file_elf(file), "exported_function");
		err = kinspect_module_debuginfo_function(md, "exported_function", &address, &die);
		ok(!err && value >= 0 && address == sections[0].address + (uint64_t)value,
		   "exported_function's entry is .text's address + its st_value (0x%llx)", (unsigned long long)address);
		kinspect_error_destroy(err);
		Dwarf_Die child;
		char params[64] = "";
		if (dwarf_child(&die, &child) == 0) {
			do {
				Dwarf_Attribute attr;
				const char *n = dwarf_formstring(dwarf_attr_integrate(&child, DW_AT_name, &attr));
				if (dwarf_tag(&child) == DW_TAG_formal_parameter && n)
					strncat(params, n, sizeof(params) - strlen(params) - 2), strcat(params, ",");
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		is_str(params, "x,y,", "parameter names from the subprogram DIE (DW_FORM_strp relocated)");
		ok(kinspect_module_debuginfo_dwarf(md, &bias) && bias == 0, "the bias of a module is 0");
		error_is(kinspect_module_debuginfo_function(md, "nope", &address, &die), KINSPECT_ERROR_NOT_FOUND,
			 "has no function nope", "an unknown function is NOT_FOUND");
	} else {
		kinspect_error_destroy(err);
	}
	kinspect_module_debuginfo_destroy(md);
	kinspect_module_file_destroy(file);
}

int main(void)
{
	test_names();
	if (!ok(build_fixture(), "fixture module built with $CC -r --build-id in %s", tmpdir))
		return tap_done();
	struct kinspect_module_file *file = NULL;
	struct kinspect_error *err = kinspect_module_file_open(original, &file);
	const uint8_t *id = NULL;
	size_t id_len = 0;
	if (ok(!err, "open the fixture .ko")) {
		id_len = kinspect_module_file_build_id(file, &id);
		ok(id_len == 20, "it has a 20-byte build-id");
		check_same(file, "plain");
	}
	kinspect_error_destroy(err);
	uint8_t build_id[20] = { 0 };
	if (id_len == 20)
		memcpy(build_id, id, 20);
	kinspect_module_file_destroy(file);
	test_find(build_id, sizeof(build_id));
	test_corrupt();
	test_debuginfo();
	free(image);
	run("rm -rf '%s'", tmpdir);
	return tap_done();
}
