/* One bound on everything kinspect inflates (see decompress-bound.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "core/error-priv.h"
#include "debuginfo/decompress-bound.h"

/* zlib's deflate cannot do better than about 1032:1 (RFC 1951's longest
 * match, 258 bytes, in one bit or so); a header that claims more is not
 * a zlib stream.  Slack for the stream's own header and a tiny input. */
#define ZLIB_RATIO_MAX 1032
#define ZLIB_SLACK 4096

/* Not every elf.h has zstd's number yet (binutils 2.40, elfutils 0.189). */
#ifndef ELFCOMPRESS_ZSTD
#define ELFCOMPRESS_ZSTD 2
#endif

static uint64_t limit = KINSPECT_DECOMPRESS_MAX_DEFAULT;

void kinspect_decompress_set_limit(uint64_t bytes)
{
	limit = bytes ? bytes : KINSPECT_DECOMPRESS_MAX_DEFAULT;
}

uint64_t kinspect_decompress_limit(void)
{
	return limit;
}

/* What section SHDR (named NAME) declares it inflates to, from its own
 * header: SHF_COMPRESSED's Elf64_Chdr, or .zdebug's "ZLIB" and a
 * big-endian 64-bit size.  0 for a section that is not compressed. */
static struct kinspect_error *declared_size(Elf_Scn *scn, const GElf_Shdr *shdr, const char *name, const char *path,
					    uint64_t *ret, bool *ret_zlib)
{
	*ret = 0;
	*ret_zlib = true;
	if (shdr->sh_type == SHT_NOBITS)
		return NULL;
	if (shdr->sh_flags & SHF_COMPRESSED) {
		GElf_Chdr chdr;
		if (!gelf_getchdr(scn, &chdr))
			return kinspect_error_file(path, "section %s: damaged compression header: %s", name,
						   elf_errmsg(-1));
		if (chdr.ch_type != ELFCOMPRESS_ZLIB && chdr.ch_type != ELFCOMPRESS_ZSTD)
			return kinspect_error_file(path, "section %s: compression type %u is not zlib (1) or zstd (2)",
						   name, chdr.ch_type);
		*ret = chdr.ch_size;
		*ret_zlib = chdr.ch_type == ELFCOMPRESS_ZLIB;
		return NULL;
	}
	if (strncmp(name, ".zdebug", 7) != 0)
		return NULL;
	Elf_Data *data = elf_rawdata(scn, NULL);
	if (!data || !data->d_buf || data->d_size < 12 || memcmp(data->d_buf, "ZLIB", 4) != 0)
		return kinspect_error_file(path, "section %s: no \"ZLIB\" header of a .zdebug section", name);
	const uint8_t *p = (const uint8_t *)data->d_buf + 4;
	for (int i = 0; i < 8; i++)
		*ret = *ret << 8 | p[i];
	return NULL;
}

struct kinspect_error *kinspect_elf_check_compressed(Elf *elf, const char *path)
{
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL; /* libdw gives its own error for a file without sections */
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (!(name = elf_strptr(elf, shstrndx, shdr.sh_name)))
			name = "(unnamed)";
		uint64_t size;
		bool zlib;
		struct kinspect_error *err = declared_size(scn, &shdr, name, path, &size, &zlib);
		if (err)
			return err;
		if (size > limit)
			return kinspect_error_file(path,
						   "section %s would decompress to %" PRIu64 " bytes, past the limit "
						   "of %" PRIu64 " MiB (--max-module-size)",
						   name, size, limit >> 20);
		if (zlib && size && (size - ZLIB_SLACK) / ZLIB_RATIO_MAX > shdr.sh_size && size > ZLIB_SLACK)
			return kinspect_error_file(path,
						   "section %s: %" PRIu64 " compressed bytes cannot inflate to the %" PRIu64
						   " its header declares (damaged header or a decompression bomb)",
						   name, (uint64_t)shdr.sh_size, size);
	}
	return NULL;
}
