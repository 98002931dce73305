/* .ko copies gdb can place, and show in "info sharedlibrary" (see gdb-ko.h).
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
#include "core/file.h"
#include "proxy/gdb-ko.h"

/* ELF64 little-endian offsets (elf.h's Elf64_Ehdr / Elf64_Shdr). */
#define EHDR_SIZE 64
#define E_SHOFF 0x28
#define E_SHENTSIZE 0x3a
#define E_SHNUM 0x3c
#define E_SHSTRNDX 0x3e
#define SH_NAME 0
#define SH_FLAGS 8
#define SH_ADDR 16
#define SH_OFFSET 0x18
#define SH_SIZE 0x20
#define SHDR_SIZE 64
#define SHF_ALLOC_FLAG 2
/* Bigger .ko files are not modules. */
#define MAX_KO_SIZE (512ULL << 20)

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Zero sh_addr of the ALLOC sections of IMAGE; how many were not zero. */
static size_t zero_alloc_addresses(uint8_t *image, size_t size)
{
	if (size < EHDR_SIZE || memcmp(image, "\177ELF\2\1", 6) != 0)
		return 0;
	uint64_t shoff = le(image + E_SHOFF, 8), entsize = le(image + E_SHENTSIZE, 2), n = le(image + E_SHNUM, 2);
	if (entsize < SHDR_SIZE || shoff > size || n > (size - shoff) / entsize)
		return 0;
	size_t changed = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *sh = image + shoff + i * entsize;
		if ((le(sh + SH_FLAGS, 8) & SHF_ALLOC_FLAG) && le(sh + SH_ADDR, 8)) {
			memset(sh + SH_ADDR, 0, 8);
			changed++;
		}
	}
	return changed;
}

static bool is_named(const char *name, const char *const *names, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

/* Make the ALLOC sections of IMAGE named in EMPTY empty; how many were not. */
static size_t empty_sections(uint8_t *image, size_t size, const char *const *empty, size_t nr_empty)
{
	if (!nr_empty || size < EHDR_SIZE || memcmp(image, "\177ELF\2\1", 6) != 0)
		return 0;
	uint64_t shoff = le(image + E_SHOFF, 8), entsize = le(image + E_SHENTSIZE, 2), n = le(image + E_SHNUM, 2);
	uint64_t strndx = le(image + E_SHSTRNDX, 2);
	if (entsize < SHDR_SIZE || shoff > size || n > (size - shoff) / entsize || strndx >= n)
		return 0;
	const uint8_t *strsh = image + shoff + strndx * entsize;
	uint64_t stroff = le(strsh + SH_OFFSET, 8), strsize = le(strsh + SH_SIZE, 8);
	if (stroff > size || strsize > size - stroff || strsize == 0 || image[stroff + strsize - 1] != '\0')
		return 0;
	size_t changed = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *sh = image + shoff + i * entsize;
		uint64_t name = le(sh + SH_NAME, 4);
		if (!(le(sh + SH_FLAGS, 8) & SHF_ALLOC_FLAG) || name >= strsize || !le(sh + SH_SIZE, 8))
			continue;
		if (is_named((const char *)image + stroff + name, empty, nr_empty)) {
			memset(sh + SH_SIZE, 0, 8);
			changed++;
		}
	}
	return changed;
}

struct kinspect_error *proxy_gdb_ko(const char *path, const char *name, const uint8_t *build_id,
				    size_t build_id_len, char **ret)
{
	return proxy_gdb_ko_emptied(path, name, build_id, build_id_len, NULL, 0, ret);
}

struct kinspect_error *proxy_gdb_ko_emptied(const char *path, const char *name, const uint8_t *build_id,
					    size_t build_id_len, const char *const *empty, size_t nr_empty,
					    char **ret)
{
	_cleanup_close_ int fd = -1;
	uint64_t size;
	struct kinspect_error *err = kinspect_open_input(path, "cannot open module", &fd, &size);
	if (err)
		return err;
	if (size > MAX_KO_SIZE)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: too big for a module", path);
	_cleanup_free_ uint8_t *image = malloc(size);
	if (!image)
		return &kinspect_error_nomem;
	if ((err = kinspect_read_all(fd, path, image, size)))
		return err;
	size_t emptied = empty_sections(image, size, empty, nr_empty);
	if (zero_alloc_addresses(image, size) == 0 && emptied == 0) {
		*ret = strdup(path);
		return *ret ? NULL : &kinspect_error_nomem;
	}
	char id[2 * 64 + 1] = "";
	for (size_t i = 0; i < build_id_len && i < 64; i++)
		snprintf(id + 2 * i, 3, "%02x", build_id[i]);
	if (!build_id_len)
		snprintf(id, sizeof(id), "size%llu", (unsigned long long)size);
	/* A directory per set of emptied sections, named by the FNV-1a hash
	 * of their names in order: the file keeps the module's name. */
	char kind[32] = "gdb-ko";
	if (emptied) {
		uint32_t h = 2166136261u;
		for (size_t i = 0; i < nr_empty; i++) {
			for (const char *c = empty[i]; ; c++) {
				h = (h ^ (uint8_t)*c) * 16777619u;
				if (!*c)
					break;
			}
		}
		snprintf(kind, sizeof(kind), "gdb-ko/e%08x", h);
	}
	_cleanup_free_ char *file_name = NULL, *copy = NULL;
	if (asprintf(&file_name, "%s-%s.ko", name, id) < 0)
		return &kinspect_error_nomem;
	if ((err = kinspect_cache_file(kind, file_name, &copy)))
		return err;
	if (!copy)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no HOME or XDG_CACHE_HOME for the .ko cache");
	/* The name carries the source's build-id; the content is compared
	 * with what would be written, so a copy damaged, truncated or replaced
	 * in place is never handed to gdb: it is rewritten (atomically, 0600). */
	if ((err = kinspect_cache_store(copy, image, size)))
		return kinspect_error_wrap(err, "the copy of %s for gdb", path);
	*ret = no_cleanup_ptr(copy);
	return NULL;
}
