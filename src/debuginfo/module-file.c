/* Finding and opening a module's .ko: the recursive search under the -m
 * directories, decompression of .ko.xz and .ko.zst in memory, the build-id
 * check that keeps a wrong file from giving wrong symbols, and the plain
 * copy gdb needs for compressed files.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "arch/arch.h"
#include "core/cache-path.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/file.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/module-file.h"

#define BUILD_ID_MAX 64

struct alloc_section {
	const char *name; /* in the ELF string table */
	uint64_t size;
};

struct kinspect_module_file {
	char *path;
	/* The ELF image: the file mapped, or the decompressed bytes. */
	uint8_t *image;
	size_t image_size;
	bool mapped, compressed;
	Elf *elf;
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_len;
	struct alloc_section *alloc;
	size_t nr_alloc;
	char *plain_path;
};

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

bool kinspect_module_name_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '-' ? '_' : *a, cb = *b == '-' ? '_' : *b;
		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

bool kinspect_module_file_name_matches(const char *file_name, const char *name)
{
	static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst" };
	size_t len = strlen(file_name), name_len = strlen(name);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t suffix_len = strlen(suffixes[i]);
		if (len != name_len + suffix_len || strcmp(file_name + name_len, suffixes[i]) != 0)
			continue;
		size_t j = 0;
		while (j < name_len && (file_name[j] == name[j] || ((file_name[j] == '-' || file_name[j] == '_') &&
								    (name[j] == '-' || name[j] == '_'))))
			j++;
		return j == name_len;
	}
	return false;
}

void kinspect_build_id_hex(const uint8_t *id, size_t len, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = digits[id[i] >> 4];
		buf[2 * i + 1] = digits[id[i] & 15];
	}
	buf[2 * len] = '\0';
}

/* --- bounded decompression ------------------------------------------------ */

static const char *lzma_message(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR: return "out of memory";
	case LZMA_MEMLIMIT_ERROR: return "needs too much memory";
	case LZMA_FORMAT_ERROR: return "not in xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_DATA_ERROR: return "compressed data is corrupt";
	case LZMA_BUF_ERROR: return "compressed data is truncated";
	default: return "xz decoder error";
	}
}

/* One xz or zstd stream, decoded piece by piece into buffers the caller
 * sizes, so that no more is ever inflated than the caller asked for. */
struct inflater {
	const char *path;
	const char *format; /* "xz" or "zstd", for messages */
	bool xz;
	lzma_stream strm;
	ZSTD_DCtx *zstd;
	ZSTD_inBuffer in;
	size_t zstd_hint; /* ZSTD_decompressStream()'s last answer: 0 at a frame's end */
	bool end;         /* the compressed data is all decoded */
	uint64_t total;   /* bytes produced so far */
};

static struct kinspect_error *inflater_init(struct inflater *d, const char *path, bool xz, const uint8_t *in,
					    size_t in_size)
{
	*d = (struct inflater){ .path = path, .format = xz ? "xz" : "zstd", .xz = xz, .strm = LZMA_STREAM_INIT };
	if (xz) {
		/* Modules are compressed with small dictionaries; 256 MiB of
		 * decoder memory is far more than any needs. */
		lzma_ret lr = lzma_stream_decoder(&d->strm, 256ULL << 20, LZMA_CONCATENATED);
		if (lr != LZMA_OK)
			return kinspect_error_file(path, "xz: %s", lzma_message(lr));
		d->strm.next_in = in;
		d->strm.avail_in = in_size;
		return NULL;
	}
	d->zstd = ZSTD_createDCtx();
	if (!d->zstd)
		return &kinspect_error_nomem;
	d->in = (ZSTD_inBuffer){ in, in_size, 0 };
	d->zstd_hint = 1;
	return NULL;
}

static void inflater_deinit(struct inflater *d)
{
	if (d->xz)
		lzma_end(&d->strm);
	ZSTD_freeDCtx(d->zstd);
}

/* Decode into OUT until it holds WANT bytes or the data ends; *GOT is how
 * many came. */
static struct kinspect_error *inflate_some(struct inflater *d, uint8_t *out, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want && !d->end) {
		if (d->xz) {
			d->strm.next_out = out + *got;
			d->strm.avail_out = want - *got;
			lzma_ret lr = lzma_code(&d->strm, LZMA_FINISH);
			*got = want - d->strm.avail_out;
			if (lr == LZMA_STREAM_END)
				d->end = true;
			else if (lr != LZMA_OK)
				return kinspect_error_file(d->path, "xz: %s", lzma_message(lr));
			else if (d->strm.avail_in == 0 && d->strm.avail_out != 0)
				return kinspect_error_file(d->path, "xz: %s", lzma_message(LZMA_BUF_ERROR));
		} else {
			ZSTD_outBuffer output = { out, want, *got };
			size_t r = ZSTD_decompressStream(d->zstd, &output, &d->in);
			*got = output.pos;
			if (ZSTD_isError(r))
				return kinspect_error_file(d->path, "zstd: %s", ZSTD_getErrorName(r));
			d->zstd_hint = r;
			if (r == 0 && d->in.pos == d->in.size)
				d->end = true; /* the last frame is complete */
			else if (d->in.pos == d->in.size && output.pos < output.size)
				return kinspect_error_file(d->path, "zstd: compressed data is truncated");
		}
	}
	d->total += *got;
	return NULL;
}

/* Whether anything follows in the stream (decoded into a small scratch
 * buffer and dropped). */
static struct kinspect_error *inflate_more(struct inflater *d, bool *ret)
{
	uint8_t scratch[64];
	size_t got;
	struct kinspect_error *err = inflate_some(d, scratch, sizeof(scratch), &got);
	*ret = got > 0;
	return err;
}

static struct kinspect_error *over_limit(const struct inflater *d, uint64_t limit)
{
	return kinspect_error_file(d->path,
				   "%s: decompresses to more than %" PRIu64 " bytes, the limit for a module "
				   "(--max-module-size)",
				   d->format, limit);
}

/* Decode the rest of a stream that is no module, to tell "too big" from
 * "not ELF": bounded by LIMIT, in a small buffer. */
static struct kinspect_error *not_elf(struct inflater *d, uint64_t limit)
{
	uint8_t scratch[64 << 10];
	while (!d->end && d->total <= limit) {
		size_t got;
		struct kinspect_error *err = inflate_some(d, scratch, sizeof(scratch), &got);
		if (err)
			return err;
	}
	if (d->total > limit)
		return over_limit(d, limit);
	return kinspect_error_file(d->path, "%s-compressed data is not an ELF file", d->format);
}

/* Make *BUF hold SIZE bytes (it holds *CAPACITY). */
static struct kinspect_error *reserve(uint8_t **buf, size_t *capacity, uint64_t size)
{
	if (size <= *capacity)
		return NULL;
	if (size > SIZE_MAX)
		return &kinspect_error_nomem;
	uint8_t *p = realloc(*buf, (size_t)size);
	if (!p)
		return &kinspect_error_nomem;
	*buf = p;
	*capacity = (size_t)size;
	return NULL;
}

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The end of the last section's bytes, from the NR headers of ENTSIZE bytes
 * at TABLE (ELF64 little-endian, checked by the caller). */
static uint64_t sections_end(const uint8_t *table, uint64_t nr, uint64_t entsize)
{
	uint64_t end = 0;
	for (uint64_t i = 0; i < nr; i++) {
		const uint8_t *sh = table + i * entsize;
		uint32_t type = (uint32_t)le(sh + 4, 4);
		uint64_t offset = le(sh + 24, 8), size = le(sh + 32, 8);
		if (type == SHT_NOBITS)
			continue;
		uint64_t e = offset + size < offset ? UINT64_MAX : offset + size;
		if (e > end)
			end = e;
	}
	return end;
}

/* Room after the ELF image for a module signature (a few hundred bytes). */
#define SIGNATURE_SLACK (64u << 10)

/* Decode until *OUT holds BOUND bytes (it holds *SIZE) or the data ends.
 * The buffer grows by doubling, so a stream that ends early costs no more
 * memory than it produced. */
static struct kinspect_error *fill(struct inflater *d, uint8_t **out, size_t *capacity, size_t *size,
				   uint64_t bound)
{
	while (!d->end && *size < bound) {
		uint64_t step = *size < 4096 ? 4096 : (uint64_t)*size * 2;
		if (step > bound)
			step = bound;
		size_t got;
		struct kinspect_error *err = reserve(out, capacity, step);
		if (!err)
			err = inflate_some(d, *out + *size, (size_t)(step - *size), &got);
		if (err)
			return err;
		*size += got;
	}
	return NULL;
}

/* Decompress IN (xz or zstd) into *RET, bounded twice: by the sizes the
 * image's own ELF header and section headers give, so that a stream going
 * on past its ELF image is refused as soon as those bytes are out, and by
 * the absolute limit (kinspect_decompress_limit()).  The ELF header
 * comes first, then the section header table, then the sections up to the
 * furthest one. */
static struct kinspect_error *decompress(const char *path, bool xz, const uint8_t *in, size_t in_size,
					 uint8_t **ret, size_t *ret_size)
{
	uint64_t limit = kinspect_decompress_limit();
	if (!xz) {
		/* A frame header may say its size: refused before any work. */
		unsigned long long content = ZSTD_getFrameContentSize(in, in_size);
		if (content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR && content > limit)
			return kinspect_error_file(path,
						   "zstd: decompresses to %llu bytes, more than %" PRIu64
						   ", the limit for a module (--max-module-size)",
						   content, limit);
	}
	struct inflater d;
	struct kinspect_error *err = inflater_init(&d, path, xz, in, in_size);
	if (err)
		return err;
	_cleanup_free_ uint8_t *out = NULL;
	size_t capacity = 0, size = 0;
	uint64_t table_end = 0, described = 0;
	/* The ELF header. */
	err = fill(&d, &out, &capacity, &size, 64);
	if (!err && (size < 6 || memcmp(out, "\177ELF", 4) != 0))
		err = not_elf(&d, limit);
	if (!err && size == 64 && memcmp(out, "\177ELF\2\1", 6) == 0) {
		uint64_t shoff = le(out + 0x28, 8), entsize = le(out + 0x3a, 2), shnum = le(out + 0x3c, 2);
		if (shnum && entsize >= 64) {
			if (shoff > limit || shnum * entsize > limit - shoff)
				err = kinspect_error_file(path,
							  "%s: its ELF header puts the section headers past %" PRIu64
							  " bytes, the limit for a module (--max-module-size)",
							  d.format, limit);
			else
				table_end = shoff + shnum * entsize;
		}
		/* The section headers, then every section's bytes. */
		if (!err && table_end && !(err = fill(&d, &out, &capacity, &size, table_end)) &&
		    size == table_end) {
			uint64_t end = sections_end(out + shoff, shnum, entsize);
			if (end > limit)
				err = kinspect_error_file(path,
							  "%s: its section headers describe %" PRIu64
							  " bytes, more than %" PRIu64
							  ", the limit for a module (--max-module-size)",
							  d.format, end, limit);
			else
				described = end > table_end ? end : table_end;
		}
		/* Signed modules carry their signature after the ELF image
		 * (scripts/sign-file.c: PKCS#7, a struct module_signature and
		 * the "~Module signature appended~" marker). */
		if (!err && described) {
			uint64_t bound = described + SIGNATURE_SLACK;
			err = fill(&d, &out, &capacity, &size, bound < limit ? bound : limit);
		}
	}
	/* No usable header (a 32-bit or big-endian ELF, extended section
	 * numbering): only the limit bounds it, and scan_elf() judges. */
	if (!err && !described)
		err = fill(&d, &out, &capacity, &size, limit);
	bool more = false;
	if (!err && !d.end)
		err = inflate_more(&d, &more);
	if (!err && more)
		err = described && size < limit
			      ? kinspect_error_file(path,
						    "%s: decompresses to more than the %" PRIu64
						    " bytes its ELF headers describe (and %u for a signature)",
						    d.format, described, SIGNATURE_SLACK)
			      : over_limit(&d, limit);
	inflater_deinit(&d);
	if (err)
		return err;
	*ret_size = size;
	*ret = no_cleanup_ptr(out);
	return NULL;
}

/* Read the whole (compressed) file FD into memory. */
static struct kinspect_error *slurp(const char *path, int fd, uint64_t size, uint8_t **ret)
{
	if (size > kinspect_decompress_limit())
		return kinspect_error_file(path, "%" PRIu64 " bytes is more than %" PRIu64
					   ", the limit for a module (--max-module-size)", size, kinspect_decompress_limit());
	_cleanup_free_ uint8_t *buf = malloc(size);
	if (!buf)
		return &kinspect_error_nomem;
	struct kinspect_error *err = kinspect_read_all(fd, path, buf, size);
	if (err)
		return err;
	*ret = no_cleanup_ptr(buf);
	return NULL;
}

/* Fill FILE->image from the file at FILE->path. */
static struct kinspect_error *load_image(struct kinspect_module_file *file)
{
	_cleanup_close_ int fd = -1;
	uint64_t size;
	struct kinspect_error *err = kinspect_open_input(file->path, "module file", &fd, &size);
	if (err)
		return err;
	uint8_t magic[6] = { 0 };
	if (pread(fd, magic, sizeof(magic), 0) < 0)
		return kinspect_error_os(errno, file->path, "cannot read module file");
	bool xz = memcmp(magic, xz_magic, sizeof(xz_magic)) == 0;
	bool zstd = memcmp(magic, zstd_magic, sizeof(zstd_magic)) == 0;
	if (!xz && !zstd) {
		if (size > SIZE_MAX)
			return kinspect_error_file(file->path, "too large to map");
		void *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return kinspect_error_os(errno, file->path, "cannot map module file");
		file->image = map;
		file->image_size = size;
		file->mapped = true;
		return NULL;
	}
	_cleanup_free_ uint8_t *raw = NULL;
	if ((err = slurp(file->path, fd, size, &raw)))
		return err;
	file->compressed = true;
	return decompress(file->path, xz, raw, size, &file->image, &file->image_size);
}

static struct kinspect_error *elf_error(const struct kinspect_module_file *file, const char *what)
{
	return kinspect_error_file(file->path, "%s: %s", what, elf_errmsg(-1));
}

static void note_build_id(struct kinspect_module_file *file, Elf_Data *data)
{
	GElf_Nhdr nhdr;
	size_t offset = 0, name_off, desc_off;
	while (offset < data->d_size && (offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) == 0 && nhdr.n_descsz > 0 &&
		    nhdr.n_descsz <= BUILD_ID_MAX) {
			memcpy(file->build_id, (const char *)data->d_buf + desc_off, nhdr.n_descsz);
			file->build_id_len = nhdr.n_descsz;
			return;
		}
	}
}

/* Check that the image is a relocatable ELF file of the architecture whose sections lie
 * inside it, and collect the build-id and the SHF_ALLOC sections. */
static struct kinspect_error *scan_elf(struct kinspect_module_file *file)
{
	/* elf_errno() is libelf's last error of any earlier call (of another
	 * file too): clear it, so that the check at the end sees only ours. */
	(void)elf_errno();
	file->elf = elf_memory((char *)file->image, file->image_size);
	if (!file->elf)
		return elf_error(file, "cannot read ELF");
	if (elf_kind(file->elf) != ELF_K_ELF)
		return kinspect_error_file(file->path, "not an ELF file, nor xz or zstd compressed");
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(file->elf, &ehdr))
		return elf_error(file, "bad ELF header");
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != kinspect_arch()->elf_machine)
		return kinspect_error_file(file->path, "not an %s ELF file", kinspect_arch()->name);
	if (ehdr.e_type != ET_REL)
		return kinspect_error_file(file->path, "ELF type %u is not a kernel module (ET_REL)", ehdr.e_type);
	/* libelf gives a table that lies past the end of a memory image as
	 * no sections at all, not as an error: check it here. */
	if (ehdr.e_shoff > file->image_size || ehdr.e_shnum == 0 || ehdr.e_shentsize < sizeof(Elf64_Shdr) ||
	    (uint64_t)ehdr.e_shnum * ehdr.e_shentsize > file->image_size - ehdr.e_shoff)
		return kinspect_error_file(file->path, "truncated: the section headers end at byte %" PRIu64
					   " but the ELF image has %zu",
					   (uint64_t)ehdr.e_shoff + (uint64_t)ehdr.e_shnum * ehdr.e_shentsize, file->image_size);
	size_t shstrndx, shnum;
	if (elf_getshdrstrndx(file->elf, &shstrndx) != 0 || elf_getshdrnum(file->elf, &shnum) != 0)
		return elf_error(file, "bad section headers");
	file->alloc = calloc(shnum ? shnum : 1, sizeof(*file->alloc));
	if (!file->alloc)
		return &kinspect_error_nomem;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(file->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			return elf_error(file, "bad section header");
		const char *name = elf_strptr(file->elf, shstrndx, shdr.sh_name);
		if (!name)
			return elf_error(file, "bad section name");
		if (shdr.sh_type != SHT_NOBITS &&
		    (shdr.sh_offset > file->image_size || shdr.sh_size > file->image_size - shdr.sh_offset))
			return kinspect_error_file(file->path, "truncated: section %s ends at byte %" PRIu64
						   " but the ELF image has %zu", name,
						   (uint64_t)(shdr.sh_offset + shdr.sh_size), file->image_size);
		if ((shdr.sh_flags & SHF_ALLOC) && file->nr_alloc < shnum)
			file->alloc[file->nr_alloc++] = (struct alloc_section){ name, shdr.sh_size };
		if (shdr.sh_type == SHT_NOTE && file->build_id_len == 0) {
			Elf_Data *data = elf_getdata(scn, NULL);
			if (!data)
				return elf_error(file, "cannot read note section");
			note_build_id(file, data);
		}
	}
	/* A section libelf could not read ends the loop above early. */
	int e = elf_errno();
	if (e != 0)
		return kinspect_error_file(file->path, "bad section headers: %s", elf_errmsg(e));
	return NULL;
}

struct kinspect_error *kinspect_module_file_open(const char *path, struct kinspect_module_file **ret)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "libelf: %s", elf_errmsg(-1));
	struct kinspect_module_file *file = calloc(1, sizeof(*file));
	if (!file)
		return &kinspect_error_nomem;
	struct kinspect_error *err = NULL;
	file->path = strdup(path);
	if (!file->path)
		err = &kinspect_error_nomem;
	if (!err)
		err = load_image(file);
	if (!err)
		err = scan_elf(file);
	if (err) {
		kinspect_module_file_destroy(file);
		return err;
	}
	*ret = file;
	return NULL;
}

void kinspect_module_file_destroy(struct kinspect_module_file *file)
{
	if (!file)
		return;
	elf_end(file->elf);
	if (file->mapped)
		munmap(file->image, file->image_size);
	else
		free(file->image);
	free(file->alloc);
	free(file->plain_path);
	free(file->path);
	free(file);
}

const char *kinspect_module_file_path(const struct kinspect_module_file *file)
{
	return file->path;
}

Elf *kinspect_module_file_elf(const struct kinspect_module_file *file)
{
	return file->elf;
}

const void *kinspect_module_file_image(const struct kinspect_module_file *file, size_t *ret_size)
{
	*ret_size = file->image_size;
	return file->image;
}

size_t kinspect_module_file_build_id(const struct kinspect_module_file *file, const uint8_t **ret)
{
	*ret = file->build_id;
	return file->build_id_len;
}

size_t kinspect_module_file_nr_alloc_sections(const struct kinspect_module_file *file)
{
	return file->nr_alloc;
}

const char *kinspect_module_file_alloc_section(const struct kinspect_module_file *file, size_t i, uint64_t *size)
{
	if (i >= file->nr_alloc)
		return NULL;
	if (size)
		*size = file->alloc[i].size;
	return file->alloc[i].name;
}

/* --- the plain copy for gdb ------------------------------------------------ */

/* A name for a file without build-id: FNV-1a of its bytes. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

struct kinspect_error *kinspect_module_file_plain_path(struct kinspect_module_file *file, const char **ret)
{
	if (!file->compressed) {
		*ret = file->path;
		return NULL;
	}
	if (file->plain_path) {
		*ret = file->plain_path;
		return NULL;
	}
	char name[2 * BUILD_ID_MAX + 32];
	if (file->build_id_len) {
		kinspect_build_id_hex(file->build_id, file->build_id_len, name);
	} else {
		snprintf(name, sizeof(name), "no-build-id-%016" PRIx64,
			 fnv1a(file->image, file->image_size));
	}
	strcat(name, ".ko");
	_cleanup_free_ char *path = NULL;
	struct kinspect_error *err = kinspect_cache_file("ko", name, &path);
	if (err)
		return err;
	if (!path)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
					     "no cache directory for decompressed modules: set XDG_CACHE_HOME or HOME");
	/* Checked by content, not size: a damaged copy is rewritten. */
	if ((err = kinspect_cache_store(path, file->image, file->image_size)))
		return kinspect_error_wrap(err, "decompressed module");
	file->plain_path = no_cleanup_ptr(path);
	*ret = file->plain_path;
	return NULL;
}

/* --- the search ------------------------------------------------------------ */

struct candidate {
	char *path;
	size_t dir_index;
	unsigned int depth;
};

struct search {
	const char *name;
	struct candidate *found;
	size_t nr_found, capacity;
	size_t entries;
	bool too_many;
};

static struct kinspect_error *add_candidate(struct search *s, const char *path, size_t dir_index,
					    unsigned int depth)
{
	if (s->nr_found == s->capacity) {
		size_t n = s->capacity ? 2 * s->capacity : 4;
		struct candidate *p = realloc(s->found, n * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		s->found = p;
		s->capacity = n;
	}
	char *copy = strdup(path);
	if (!copy)
		return &kinspect_error_nomem;
	s->found[s->nr_found++] = (struct candidate){ copy, dir_index, depth };
	return NULL;
}

static struct kinspect_error *scan_dir(struct search *s, const char *dir, size_t dir_index, unsigned int depth)
{
	DIR *d = opendir(dir);
	if (!d) {
		/* The top directory must exist; unreadable subdirectories are skipped. */
		return depth == 0 ? kinspect_error_os(errno, dir, "cannot read module directory") : NULL;
	}
	struct kinspect_error *err = NULL;
	struct dirent *e;
	while (!err && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (++s->entries > KINSPECT_MODULE_SEARCH_ENTRIES) {
			s->too_many = true;
			break;
		}
		bool matches = kinspect_module_file_name_matches(e->d_name, s->name);
		/* Directories are only entered when they are not symlinks, so a
		 * link back up (the "build" and "source" links of /lib/modules)
		 * cannot loop. */
		bool is_dir = e->d_type == DT_DIR, is_file = e->d_type == DT_REG || e->d_type == DT_LNK;
		if (!matches && !is_dir && e->d_type != DT_UNKNOWN)
			continue;
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			err = &kinspect_error_nomem;
			break;
		}
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;
			if (lstat(path, &st) != 0)
				continue;
			is_dir = S_ISDIR(st.st_mode);
			is_file = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode);
		}
		if (is_file && matches)
			err = add_candidate(s, path, dir_index, depth);
		else if (is_dir && depth + 1 < KINSPECT_MODULE_SEARCH_DEPTH)
			err = scan_dir(s, path, dir_index, depth + 1);
	}
	closedir(d);
	return err;
}

static int compare_candidates(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->dir_index != y->dir_index)
		return x->dir_index < y->dir_index ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* DIRS as one string for messages. */
static char *join_dirs(const char *const *dirs, size_t nr_dirs)
{
	size_t len = 1;
	for (size_t i = 0; i < nr_dirs; i++)
		len += strlen(dirs[i]) + 2;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < nr_dirs; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, dirs[i]);
	}
	return s;
}

struct kinspect_error *kinspect_module_file_find(const char *const *dirs, size_t nr_dirs, const char *name,
						 const uint8_t *want_build_id, size_t want_build_id_len,
						 struct kinspect_module_file **ret)
{
	struct search s = { .name = name };
	struct kinspect_error *err = NULL;
	for (size_t i = 0; i < nr_dirs && !err && !s.too_many; i++) {
		struct stat st;
		const char *base = strrchr(dirs[i], '/');
		base = base ? base + 1 : dirs[i];
		/* -m may name a .ko file itself. */
		if (stat(dirs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (kinspect_module_file_name_matches(base, name))
				err = add_candidate(&s, dirs[i], i, 0);
		} else {
			err = scan_dir(&s, dirs[i], i, 0);
		}
	}
	if (!err && s.too_many)
		err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					    "searching module %s: more than %d directory entries under the module "
					    "directories; give a narrower -m", name, KINSPECT_MODULE_SEARCH_ENTRIES);
	if (!err && s.nr_found)
		qsort(s.found, s.nr_found, sizeof(*s.found), compare_candidates);

	/* The first candidate that opens and has the wanted build-id wins; the
	 * others are remembered for the error message. */
	struct kinspect_error *open_err = NULL;
	_cleanup_free_ char *mismatch = NULL;
	size_t nr_mismatch = 0;
	for (size_t i = 0; !err && i < s.nr_found; i++) {
		struct kinspect_module_file *file;
		struct kinspect_error *e = kinspect_module_file_open(s.found[i].path, &file);
		if (e) {
			kinspect_error_destroy(open_err);
			open_err = e;
			continue;
		}
		const uint8_t *id;
		size_t id_len = kinspect_module_file_build_id(file, &id);
		if (want_build_id_len &&
		    (id_len != want_build_id_len || memcmp(id, want_build_id, want_build_id_len) != 0)) {
			if (!mismatch) {
				char hex[2 * BUILD_ID_MAX + 1] = "none";
				if (id_len)
					kinspect_build_id_hex(id, id_len, hex);
				if (asprintf(&mismatch, "%s has build-id %s", s.found[i].path, hex) < 0)
					mismatch = NULL;
			}
			nr_mismatch++;
			kinspect_module_file_destroy(file);
			continue;
		}
		*ret = file;
		goto out;
	}
	if (!err && nr_mismatch) {
		char want[2 * BUILD_ID_MAX + 1];
		kinspect_build_id_hex(want_build_id, want_build_id_len, want);
		err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
					    "module %s: build-id mismatch: %s%s, the loaded module has %s; "
					    "refusing a file that would give wrong symbols", name,
					    mismatch ? mismatch : "a file", nr_mismatch > 1 ? " (and others)" : "",
					    want);
	} else if (!err && open_err) {
		err = kinspect_error_wrap(no_cleanup_ptr(open_err), "module %s", name);
	} else if (!err) {
		_cleanup_free_ char *joined = join_dirs(dirs, nr_dirs);
		err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s: no %s.ko, .ko.xz or .ko.zst under %s",
					    name, name, joined ? joined : "the module directories");
	}
out:
	kinspect_error_destroy(open_err);
	for (size_t i = 0; i < s.nr_found; i++)
		free(s.found[i].path);
	free(s.found);
	return err;
}
