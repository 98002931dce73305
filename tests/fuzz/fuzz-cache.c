/* libFuzzer harness for the gdb-ko cache (src/proxy/gdb-ko.c, whose copy
 * is kept by kinspect_cache_store() in src/core/cache-path.c): the input
 * is a source .ko and what a hostile or damaged cache holds where its copy
 * goes: nothing, a file of any mode with any bytes (or the right bytes
 * with some flipped, or cut short), a symlink (to a file outside, or
 * dangling), a hard link to a file outside, a directory, a FIFO, a socket;
 * and the cache directory itself absent, open to all, a file, or a
 * symlink.  Checked against an oracle written here from gdb-ko.h: a source
 * whose ALLOC sections all have sh_addr 0 is given as it is; otherwise the
 * path given is a regular file of ours, not a symlink, not readable by
 * group or others, in a directory closed to them, holding exactly the
 * source with those sh_addr zeroed; or the call fails.  Never a hang; a
 * file outside the cache is never written through a link; no temporary
 * file is left behind.
 *
 * Its state is the cache's few file types and modes times the bytes of two
 * files; the source's ELF header and section table are what the mutations
 * reach beyond the unit test (tests/unit/test-proxy-security.c).
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang). */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cache-path.h"
#include "proxy/gdb-ko.h"

/* Short, as the root directory is, so that a socket's path fits in sun_path. */
static const uint8_t build_id[8] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };
static char root[64], source[128], victim[128], victim_dir[128], dir[192], copy[320];
static const char victim_bytes[] = "a file outside the cache\n";

/* FUZZ_WRITE_SEEDS=DIR FUZZ_SEED_ELF=FILE: seeds for every state from
 * FILE, a relocatable ELF, with its ALLOC sections' sh_addr set. */
static void write_seeds(const char *out, const char *elf_path);

static void die(const char *what)
{
	fprintf(stderr, "fuzz-cache: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const void *data, size_t size, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || fchmod(fd, mode) != 0 || close(fd) != 0)
		die(path);
}

static void remove_dir_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char p[512];
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (unlink(p) != 0 && rmdir(p) != 0) {
			chmod(p, 0700);
			remove_dir_entries(p);
			rmdir(p);
		}
	}
	closedir(d);
}

static void remove_root(void)
{
	remove_dir_entries(root);
	rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");
	if (seeds)
		write_seeds(seeds, getenv("FUZZ_SEED_ELF"));
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/fuzz-cache.XXXXXX", tmp && tmp[0] == '/' && strlen(tmp) <= 40 ? tmp : "/tmp");
	if (!mkdtemp(root))
		die("mkdtemp");
	atexit(remove_root);
	/* The cache: ROOT/kinspect/gdb-ko/NAME-BUILDID.ko. */
	char cache_dir[sizeof(root) + 16];
	snprintf(cache_dir, sizeof(cache_dir), "%s/kinspect", root);
	if (kinspect_cache_set_dir(cache_dir))
		die("kinspect_cache_set_dir");
	snprintf(source, sizeof(source), "%s/source.ko", root);
	snprintf(victim, sizeof(victim), "%s/victim", root);
	snprintf(victim_dir, sizeof(victim_dir), "%s/victim-dir", root);
	snprintf(dir, sizeof(dir), "%s/kinspect/gdb-ko", root);
	char id[2 * sizeof(build_id) + 1];
	for (size_t i = 0; i < sizeof(build_id); i++)
		snprintf(id + 2 * i, 3, "%02x", build_id[i]);
	snprintf(copy, sizeof(copy), "%s/mod-%s.ko", dir, id);
	return 0;
}

static uint64_t get(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n); /* little-endian, as the x86-64 ELF is */
	return v;
}

/* The oracle's copy: IMAGE with sh_addr of its ALLOC sections zeroed, per
 * the ELF64 layout of elf.h; how many it zeroed. */
static size_t expected_copy(uint8_t *image, size_t size)
{
	if (size < sizeof(Elf64_Ehdr) || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_CLASS] != ELFCLASS64 ||
	    image[EI_DATA] != ELFDATA2LSB)
		return 0;
	uint64_t shoff = get(image + offsetof(Elf64_Ehdr, e_shoff), 8);
	uint64_t entsize = get(image + offsetof(Elf64_Ehdr, e_shentsize), 2);
	uint64_t shnum = get(image + offsetof(Elf64_Ehdr, e_shnum), 2);
	if (entsize < sizeof(Elf64_Shdr) || shoff > size || shnum * entsize > size - shoff)
		return 0;
	size_t n = 0;
	for (uint64_t i = 0; i < shnum; i++) {
		uint8_t *sh = image + shoff + i * entsize;
		if ((get(sh + offsetof(Elf64_Shdr, sh_flags), 8) & SHF_ALLOC) &&
		    get(sh + offsetof(Elf64_Shdr, sh_addr), 8)) {
			memset(sh + offsetof(Elf64_Shdr, sh_addr), 0, 8);
			n++;
		}
	}
	return n;
}

static bool file_holds(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	uint8_t *buf = malloc(size + 1);
	ssize_t n = buf ? read(fd, buf, size + 1) : -1;
	bool same = n == (ssize_t)size && memcmp(buf, data, size) == 0;
	free(buf);
	close(fd);
	return same;
}

enum copy_state { NONE, FILE_BYTES, FILE_DAMAGED, SYMLINK, DANGLING, HARDLINK, DIRECTORY, FIFO, SOCKET, NR_STATES };
enum dir_state { DIR_PRIVATE, DIR_OPEN, DIR_ABSENT, DIR_FILE, DIR_SYMLINK, NR_DIR_STATES };

/* The cache as the input says: the copy's place in STATE, mode MODE, with
 * BYTES (for FILE_DAMAGED: XORed over the right copy RIGHT, cut to
 * CUT bytes short). */
static void plant(enum dir_state ds, enum copy_state cs, mode_t mode, const uint8_t *bytes, size_t size,
		  const uint8_t *right, size_t right_size, size_t cut)
{
	char parent[128];
	snprintf(parent, sizeof(parent), "%s/kinspect", root);
	mkdir(parent, 0700);
	switch (ds) {
	case DIR_PRIVATE:
	case DIR_OPEN:
		if (mkdir(dir, 0700) != 0 || chmod(dir, ds == DIR_OPEN ? 0777 : 0700) != 0)
			die(dir);
		break;
	case DIR_ABSENT:
		return;
	case DIR_FILE:
		write_file(dir, "x", 1, 0600);
		return;
	case DIR_SYMLINK:
		if (mkdir(victim_dir, 0755) != 0 || symlink(victim_dir, dir) != 0)
			die(dir);
		break;
	default:
		abort();
	}
	switch (cs) {
	case NONE:
		break;
	case FILE_BYTES:
		write_file(copy, bytes, size, mode);
		break;
	case FILE_DAMAGED: {
		uint8_t *b = malloc(right_size ? right_size : 1);
		if (!b)
			die("malloc");
		memcpy(b, right, right_size);
		for (size_t i = 0; i < size && i < right_size; i++)
			b[i] ^= bytes[i];
		write_file(copy, b, right_size - (cut < right_size ? cut : right_size), mode);
		free(b);
		break;
	}
	case SYMLINK:
		if (symlink(victim, copy) != 0)
			die(copy);
		break;
	case DANGLING:
		if (symlink("no-such-file", copy) != 0)
			die(copy);
		break;
	case HARDLINK:
		if (link(victim, copy) != 0)
			die(copy);
		break;
	case DIRECTORY:
		if (mkdir(copy, mode | 0700) != 0)
			die(copy);
		break;
	case FIFO:
		if (mkfifo(copy, mode) != 0)
			die(copy);
		break;
	case SOCKET: {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", copy);
		if (fd < 0 || strlen(copy) >= sizeof(sun.sun_path) || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			die(copy); /* the root directory is short enough */
		close(fd);
		break;
	}
	default:
		abort();
	}
}

/* No temporary file of kinspect_cache_write() ("COPY.XXXXXX") is left. */
static void check_no_temporary(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	const char *base = strrchr(copy, '/') + 1;
	size_t n = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, base, n) == 0 && e->d_name[n] == '.')
			abort();
	}
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Byte 0: the copy's state (enum copy_state) and the directory's
 * (enum dir_state); byte 1: the copy's mode (bits 0-7: rwxrwxrw of 0777);
 * byte 2: for a damaged copy, how many bytes short; bytes 3-4: the length
 * of the source .ko; then the source, then the bytes of the planted copy. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 5)
		return 0;
	enum copy_state cs = data[0] % NR_STATES;
	enum dir_state ds = (data[0] / NR_STATES) % NR_DIR_STATES;
	mode_t mode = (mode_t)(data[1] << 1) & 0777;
	size_t cut = data[2] % 4;
	size_t source_size = data[3] | (size_t)data[4] << 8;
	data += 5, size -= 5;
	if (source_size > size)
		source_size = size;
	const uint8_t *planted = data + source_size;
	size_t planted_size = size - source_size;

	remove_dir_entries(root);
	write_file(victim, victim_bytes, sizeof(victim_bytes) - 1, 0644);
	write_file(source, data, source_size, 0644);
	uint8_t *right = malloc(source_size ? source_size : 1);
	if (!right)
		return 0;
	memcpy(right, data, source_size);
	size_t changed = expected_copy(right, source_size);
	plant(ds, cs, mode, planted, planted_size, right, source_size, cut);

	char *ret = NULL;
	struct kinspect_error *err = proxy_gdb_ko(source, "mod", build_id, sizeof(build_id), &ret);
	if (err) {
		/* Only a source that is empty, or a place the copy cannot be
		 * put (a directory there, the cache directory a file). */
		bool blocked = ds == DIR_FILE || (cs == DIRECTORY && ds != DIR_ABSENT);
		if (ret || (source_size && !(changed && blocked)))
			abort();
		kinspect_error_destroy(err);
	} else if (!changed) {
		if (!ret || strcmp(ret, source) != 0)
			abort();
	} else {
		struct stat st, dst;
		if (!ret || strcmp(ret, copy) != 0 || lstat(ret, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid() || (st.st_mode & 077) || stat(dir, &dst) != 0 || (dst.st_mode & 077) ||
		    !file_holds(ret, right, source_size))
			abort();
	}
	if (!file_holds(victim, victim_bytes, sizeof(victim_bytes) - 1))
		abort(); /* written through a link */
	check_no_temporary();
	free(ret);
	free(right);
	return 0;
}

static void write_seed(const char *out, uint8_t state, uint8_t mode, const uint8_t *ko, size_t ko_size,
		       const uint8_t *planted, size_t planted_size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/state-%u-mode-%o-%s", out, state, (unsigned int)mode << 1,
		 planted[0] ? "right" : "zeros");
	FILE *f = fopen(path, "wb");
	uint8_t head[5] = { state, mode, 0, (uint8_t)ko_size, (uint8_t)(ko_size >> 8) };
	if (!f || fwrite(head, 1, 5, f) != 5 || fwrite(ko, 1, ko_size, f) != ko_size ||
	    fwrite(planted, 1, planted_size, f) != planted_size || fclose(f) != 0)
		die(path);
}

static void write_seeds(const char *out, const char *elf_path)
{
	static uint8_t ko[65536];
	FILE *f = elf_path ? fopen(elf_path, "rb") : NULL;
	size_t size = f ? fread(ko, 1, sizeof(ko), f) : 0;
	if (!f || size < sizeof(Elf64_Ehdr) || size == sizeof(ko))
		die("FUZZ_SEED_ELF (a small relocatable ELF)");
	fclose(f);
	/* Give every ALLOC section an address, as Debian 6.12's .data has. */
	Elf64_Ehdr eh;
	memcpy(&eh, ko, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_shnum && eh.e_shoff + (i + 1) * sizeof(Elf64_Shdr) <= size; i++) {
		Elf64_Shdr sh;
		memcpy(&sh, ko + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_flags & SHF_ALLOC)
			sh.sh_addr = 0x1000 * (i + 1);
		memcpy(ko + eh.e_shoff + i * sizeof(sh), &sh, sizeof(sh));
	}
	uint8_t *right = malloc(size);
	if (!right)
		die("malloc");
	memcpy(right, ko, size);
	expected_copy(right, size);
	static const uint8_t zeros[4096];
	for (uint8_t s = 0; s < NR_STATES * NR_DIR_STATES; s++) {
		/* The right copy, planted with group-readable (0640 >> 1)
		 * and private (0600 >> 1) modes; zeros of the same size. */
		write_seed(out, s, 0640 >> 1, ko, size, right, size);
		if (s % NR_STATES == FILE_BYTES) {
			write_seed(out, s, 0600 >> 1, ko, size, right, size);
			write_seed(out, s, 0600 >> 1, ko, size, zeros, size < sizeof(zeros) ? size : sizeof(zeros));
		}
	}
	free(right);
	exit(0);
}
