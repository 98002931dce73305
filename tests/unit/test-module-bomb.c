/* Unit tests of bounded decompression of .ko.xz and .ko.zst (issue 14): a
 * small file that inflates to 4 GiB of zeros fails at once, with little
 * memory, naming zstd and the limit; the same without a size in the frame
 * header; an ELF header followed by far more data than its section headers
 * describe; the limit settable; a real module (the ELF made here) still
 * opens, signature-like trailer included.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "debuginfo/decompress-bound.h"
#include "debuginfo/module-file.h"
#include "fixture.h"
#include "tap.h"

static char tmpdir[] = "/tmp/kinspect-module-bomb.XXXXXX";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static bool write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	bool good = f && fwrite(data, 1, size, f) == size;
	if (f && fclose(f) != 0)
		good = false;
	return good;
}

/* PREFIX then ZEROS zero bytes, zstd-compressed into PATH; the frame says
 * its size when PLEDGED. */
static bool zstd_file(const char *path, const void *prefix, size_t prefix_size, uint64_t zeros, bool pledged)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
	if (pledged)
		ZSTD_CCtx_setPledgedSrcSize(c, prefix_size + zeros);
	size_t out_cap = ZSTD_CStreamOutSize();
	static uint8_t zero_block[1 << 20];
	uint8_t *out = malloc(out_cap);
	FILE *f = fopen(path, "wb");
	bool good = c && out && f;
	uint64_t left = zeros;
	bool first = true;
	while (good) {
		ZSTD_inBuffer in;
		if (first && prefix_size)
			in = (ZSTD_inBuffer){ prefix, prefix_size, 0 };
		else
			in = (ZSTD_inBuffer){ zero_block, left < sizeof(zero_block) ? (size_t)left : sizeof(zero_block), 0 };
		if (!first || !prefix_size)
			left -= in.size;
		first = false;
		ZSTD_EndDirective mode = left == 0 && !(first && prefix_size) ? ZSTD_e_end : ZSTD_e_continue;
		size_t r;
		do {
			ZSTD_outBuffer o = { out, out_cap, 0 };
			r = ZSTD_compressStream2(c, &o, &in, mode);
			if (ZSTD_isError(r) || fwrite(out, 1, o.pos, f) != o.pos)
				good = false;
		} while (good && (mode == ZSTD_e_end ? r != 0 : in.pos < in.size));
		if (mode == ZSTD_e_end)
			break;
	}
	if (f && fclose(f) != 0)
		good = false;
	free(out);
	ZSTD_freeCCtx(c);
	return good;
}

static bool xz_file(const char *path, const void *prefix, size_t prefix_size, uint64_t zeros)
{
	size_t size = prefix_size + (size_t)zeros;
	uint8_t *in = calloc(1, size), *out = malloc(size / 2 + 4096);
	bool good = in && out;
	size_t out_pos = 0;
	if (good) {
		if (prefix_size)
			memcpy(in, prefix, prefix_size);
		good = lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, in, size, out, &out_pos, size / 2 + 4096) ==
		       LZMA_OK;
	}
	good = good && write_file(path, out, out_pos);
	free(in);
	free(out);
	return good;
}

/* A minimal x86-64 ET_REL: header, section headers at 0x40 (null,
 * .shstrtab, .text), names, 16 bytes of .text.  Its bytes end at 0x40 +
 * 3 * 64 + 32. */
static size_t make_elf(uint8_t *image)
{
	memset(image, 0, 512);
	memcpy(image, "\177ELF\2\1\1", 7);
	fixture_put16(image + 0x10, 1);  /* ET_REL */
	fixture_put16(image + 0x12, 62); /* EM_X86_64 */
	fixture_put16(image + 0x14, 1);
	fixture_put64(image + 0x28, 0x40); /* e_shoff */
	fixture_put16(image + 0x34, 64);   /* e_ehsize */
	fixture_put16(image + 0x3a, 64);   /* e_shentsize */
	fixture_put16(image + 0x3c, 3);    /* e_shnum */
	fixture_put16(image + 0x3e, 1);    /* e_shstrndx */
	size_t data = 0x40 + 3 * 64;
	static const char names[] = "\0.shstrtab\0.text";
	memcpy(image + data, names, sizeof(names));
	uint8_t *sh = image + 0x40 + 64;
	fixture_put16(sh + 0, 1);
	sh[4] = 3; /* SHT_STRTAB */
	fixture_put64(sh + 24, data);
	fixture_put64(sh + 32, sizeof(names));
	sh += 64;
	fixture_put16(sh + 0, 11);
	sh[4] = 1;            /* SHT_PROGBITS */
	fixture_put64(sh + 8, 2 | 4); /* SHF_ALLOC | SHF_EXECINSTR */
	fixture_put64(sh + 24, data + 16 + 4);
	fixture_put64(sh + 32, 12);
	memset(image + data + 20, 0x90, 12);
	return data + 32;
}

static char *path(const char *name)
{
	static char buf[4][4200];
	static int next;
	char *p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", tmpdir, name);
	return p;
}

/* Open PATH, expecting a failure whose message has every one of WANT
 * (NULL-terminated), within SECONDS and MIB of new peak memory. */
static void expect_failure(const char *label, const char *file, double seconds, long mib, const char *const *want)
{
	long rss0 = max_rss_kib();
	double t0 = now();
	struct kinspect_module_file *mf = NULL;
	struct kinspect_error *err = kinspect_module_file_open(file, &mf);
	double t = now() - t0;
	long grown = (max_rss_kib() - rss0) / 1024;
	char *msg = err ? kinspect_error_string(err) : NULL;
	ok(err != NULL, "%s: refused", label);
	printf("#   %s (%.2f s, peak +%ld MiB)\n", msg ? msg : "(opened)", t, grown);
	for (const char *const *w = want; *w; w++)
		ok(msg && strstr(msg, *w), "%s: the error says '%s'", label, *w);
	ok(t < seconds, "%s: within %.0f s (%.2f s)", label, seconds, t);
	ok(grown < mib, "%s: peak memory grew by less than %ld MiB (%ld)", label, mib, grown);
	free(msg);
	kinspect_error_destroy(err);
	kinspect_module_file_destroy(mf);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	uint8_t elf[512];
	size_t elf_size = make_elf(elf);

	/* The file: 4 GiB of zeros, the size in the frame header. */
	ok(zstd_file(path("bomb.ko.zst"), NULL, 0, 4ULL << 30, true), "4 GiB of zeros as zstd with its size");
	expect_failure("4 GiB zstd, size known", path("bomb.ko.zst"), 2, 32,
		       (const char *const[]){ "bomb.ko.zst", "zstd", "the limit", "536870912", NULL });

	/* The same without a size in the frame: streamed, in a small buffer. */
	ok(zstd_file(path("nosize.ko.zst"), NULL, 0, 1ULL << 30, false), "1 GiB of zeros as zstd, no size");
	expect_failure("1 GiB zstd, no size", path("nosize.ko.zst"), 10, 32,
		       (const char *const[]){ "nosize.ko.zst", "zstd", "more than 536870912 bytes", "limit", NULL });

	/* A module's ELF header, then 256 MiB its section headers do not
	 * describe: refused after the first bytes past the headers. */
	ok(zstd_file(path("padded.ko.zst"), elf, elf_size, 256ULL << 20, false), "an ELF and 256 MiB of zeros");
	expect_failure("ELF + 256 MiB", path("padded.ko.zst"), 5, 32,
		       (const char *const[]){ "padded.ko.zst", "zstd", "its ELF headers describe", NULL });

	/* xz, with the limit lowered to 1 MiB: 8 MiB of zeros. */
	kinspect_decompress_set_limit(1 << 20);
	ok(kinspect_decompress_limit() == 1 << 20, "the limit is settable");
	ok(xz_file(path("bomb.ko.xz"), NULL, 0, 8 << 20), "8 MiB of zeros as xz");
	expect_failure("8 MiB xz over a 1 MiB limit", path("bomb.ko.xz"), 5, 32,
		       (const char *const[]){ "bomb.ko.xz", "xz", "more than 1048576 bytes", NULL });
	kinspect_decompress_set_limit(0);
	ok(kinspect_decompress_limit() == KINSPECT_DECOMPRESS_MAX_DEFAULT, "0 restores 512 MiB");

	/* Compressed data that is no ELF and small: named as such. */
	ok(zstd_file(path("text.ko.zst"), "hello, world\n", 13, 0, true), "13 bytes of text as zstd");
	expect_failure("text", path("text.ko.zst"), 2, 32,
		       (const char *const[]){ "zstd-compressed data is not an ELF file", NULL });

	/* Real modules still open, with a signature-like trailer too. */
	uint8_t signed_elf[512 + 600];
	memcpy(signed_elf, elf, elf_size);
	memset(signed_elf + elf_size, 0x5a, 572);
	memcpy(signed_elf + elf_size + 572, "~Module signature appended~\n", 28);
	const struct {
		const char *name;
		const void *data;
		size_t size;
		bool xz;
	} good[] = {
		{ "good.ko.zst", elf, elf_size, false },
		{ "good.ko.xz", elf, elf_size, true },
		{ "signed.ko.zst", signed_elf, elf_size + 600, false },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bool made = good[i].xz ? xz_file(path(good[i].name), good[i].data, good[i].size, 0)
				       : zstd_file(path(good[i].name), good[i].data, good[i].size, 0, true);
		struct kinspect_module_file *mf = NULL;
		struct kinspect_error *err = made ? kinspect_module_file_open(path(good[i].name), &mf) : NULL;
		char *msg = err ? kinspect_error_string(err) : NULL;
		size_t size = 0;
		if (mf)
			kinspect_module_file_image(mf, &size);
		if (!ok(made && !err && mf && size == good[i].size, "%s opens (%zu bytes)", good[i].name, size))
			printf("#   %s\n", msg ? msg : "-");
		ok(mf && kinspect_module_file_nr_alloc_sections(mf) == 1, "%s: its one ALLOC section", good[i].name);
		free(msg);
		kinspect_error_destroy(err);
		kinspect_module_file_destroy(mf);
	}

	char cmd[4300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ok(system(cmd) == 0, "cleaned up");
	return tap_done();
}
