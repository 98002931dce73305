/* libFuzzer harness for the bounded decompression of .ko.xz and .ko.zst
 * (src/debuginfo/module-file.c) and the ELF checks after it: the input is
 * written to a memory file and opened as a module file, as it is when it
 * starts with the xz or zstd magic, else twice, behind each magic.  The
 * limit is 4 MiB (kinspect_decompress_set_limit()), so a bomb must be
 * refused after at most that much output, fast and in little memory (the
 * test's -timeout and -rss_limit_mb catch a slow or greedy refusal); an
 * image that opens is at most the limit and an x86-64 ET_REL whose build-id
 * and sections can be read back.
 *
 * FUZZ_WRITE_SEEDS=DIR FUZZ_SEED_ELF=FILE writes seeds (FILE compressed
 * with xz and zstd (with and without the size in zstd's frame header),
 * with a signature-like trailer, and bombs: 8 MiB of
 * zeros, and FILE's ELF header followed by 8 MiB of zeros) and exits;
 * FUZZ_DECOMPRESS_VERBOSE=1 prints what each open gave.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang). */
#include "config.h"

#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "debuginfo/decompress-bound.h"
#include "debuginfo/module-file.h"

#define LIMIT (4ULL << 20)
#define BOMB (8U << 20)

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static void write_seed(const char *dir, const char *name, const void *data, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

static void write_compressed(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	size_t cap = size + size / 2 + 65536, pos = 0;
	uint8_t *out = malloc(cap);
	char seed[256];
	if (!out || lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, data, size, out, &pos, cap) != LZMA_OK) {
		fprintf(stderr, "xz failed for %s\n", name);
		exit(1);
	}
	snprintf(seed, sizeof(seed), "%s.ko.xz", name);
	write_seed(dir, seed, out, pos);
	size_t n = ZSTD_compress(out, cap, data, size, 19);
	if (ZSTD_isError(n)) {
		fprintf(stderr, "zstd failed for %s\n", name);
		exit(1);
	}
	snprintf(seed, sizeof(seed), "%s.ko.zst", name);
	write_seed(dir, seed, out, n);
	/* Without the size in the frame header, so that only the streamed
	 * bound can stop it. */
	ZSTD_CCtx *c = ZSTD_createCCtx();
	if (!c || ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0)) ||
	    ZSTD_isError(n = ZSTD_compress2(c, out, cap, data, size))) {
		fprintf(stderr, "zstd failed for %s\n", name);
		exit(1);
	}
	ZSTD_freeCCtx(c);
	snprintf(seed, sizeof(seed), "%s-nosize.ko.zst", name);
	write_seed(dir, seed, out, n);
	free(out);
}

static void write_seeds(const char *dir, const char *elf_path)
{
	FILE *f = elf_path ? fopen(elf_path, "rb") : NULL;
	static uint8_t elf[1 << 20];
	size_t size = f ? fread(elf, 1, sizeof(elf), f) : 0;
	if (!f || size < 64 || size == sizeof(elf)) {
		fprintf(stderr, "cannot read a small ELF from FUZZ_SEED_ELF\n");
		exit(1);
	}
	fclose(f);
	write_compressed(dir, "tiny", elf, size);
	/* A signed module's trailer (scripts/sign-file.c): some bytes, then
	 * the marker. */
	static const char marker[] = "~Module signature appended~\n";
	uint8_t *signed_ko = calloc(1, size + 64 + sizeof(marker));
	if (!signed_ko)
		exit(1);
	memcpy(signed_ko, elf, size);
	memcpy(signed_ko + size + 64, marker, sizeof(marker) - 1);
	write_compressed(dir, "signed", signed_ko, size + 64 + sizeof(marker) - 1);
	free(signed_ko);
	uint8_t *bomb = calloc(1, BOMB);
	if (!bomb)
		exit(1);
	write_compressed(dir, "zeros", bomb, BOMB);
	memcpy(bomb, elf, 64);
	write_compressed(dir, "header-then-zeros", bomb, BOMB);
	free(bomb);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");
	if (seeds)
		write_seeds(seeds, getenv("FUZZ_SEED_ELF"));
	kinspect_decompress_set_limit(LIMIT);
	return 0;
}

static void try_open(const uint8_t *magic, size_t magic_size, const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz.ko", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if ((magic_size && write(fd, magic, magic_size) != (ssize_t)magic_size) ||
	    (size && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct kinspect_module_file *file;
	struct kinspect_error *err = kinspect_module_file_open(path, &file);
	if (getenv("FUZZ_DECOMPRESS_VERBOSE"))
		fprintf(stderr, "%s\n", err ? kinspect_error_message(err) : "opened");
	if (err) {
		if (!kinspect_error_message(err) || !*kinspect_error_message(err))
			abort();
		kinspect_error_destroy(err);
		close(fd);
		return;
	}
	size_t image_size;
	const void *image = kinspect_module_file_image(file, &image_size);
	if (!image || image_size > LIMIT || image_size < 64)
		abort();
	Elf *elf = kinspect_module_file_elf(file);
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		abort();
	const uint8_t *id;
	size_t id_len = kinspect_module_file_build_id(file, &id);
	if (id_len > 64)
		abort();
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < id_len; i++)
		sum ^= id[i];
	kinspect_module_file_destroy(file);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if ((size >= sizeof(xz_magic) && memcmp(data, xz_magic, sizeof(xz_magic)) == 0) ||
	    (size >= sizeof(zstd_magic) && memcmp(data, zstd_magic, sizeof(zstd_magic)) == 0)) {
		try_open(NULL, 0, data, size);
		return 0;
	}
	try_open(xz_magic, sizeof(xz_magic), data, size);
	try_open(zstd_magic, sizeof(zstd_magic), data, size);
	return 0;
}
