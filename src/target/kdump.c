/* kdump-compressed dumps (see kdump.h).  Layout (makedumpfile's
 * diskdump_mod.h, QEMU's include/sysemu/dump.h): block 0 the disk-dump
 * header, then sub_hdr_size blocks of kdump sub-header, bitmap_blocks
 * blocks of two bitmaps (pages that exist, pages dumped), an array of page
 * descriptors (one per dumped page, in pfn order) and the page data.
 * The flattened form precedes it with a 4 KiB "makedumpfile" header and
 * stores it as big-endian (offset, size) records.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#ifdef HAVE_SNAPPY
#include <snappy-c.h>
#endif

#include "arch/arch.h"
#include "core/error-priv.h"
#include "target/kdump.h"

#define KDUMP_SIGNATURE "KDUMP   "
#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_HEADER_SIZE 4096
/* DiskDumpHeader64 (packed) */
#define HDR_VERSION 8
#define HDR_BLOCK_SIZE 428
#define HDR_SUB_HDR_SIZE 432
#define HDR_BITMAP_BLOCKS 436
#define HDR_MAX_MAPNR 440
#define HDR_SIZE 464
/* KdumpSubHeader64 (packed) */
#define SUB_OFFSET_NOTE 48
#define SUB_NOTE_SIZE 56
#define SUB_MAX_MAPNR_64 96
#define SUB_SIZE 104
/* PageDescriptor */
#define DESC_SIZE 24
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_ZSTD 0x20

/* Bounds for hostile files. */
#define MAX_RECORDS (1u << 24)
#define MAX_NOTES (16u << 20)
#define MAX_BLOCK_SIZE (64u << 10)
/* Bits counted per rank entry of the dumped-pages bitmap. */
#define RANK_BITS 512

struct record {
	uint64_t offset, size, position; /* logical offset, length, file position */
};

struct kinspect_kdump {
	const char *path;
	const uint8_t *map;
	uint64_t size;
	bool flat;
	struct record *records;
	size_t nr_records;
	uint32_t block_size;
	uint64_t max_mapnr;
	uint8_t *dumped;     /* bitmap 2: pages present in the dump */
	uint64_t *rank;      /* dumped pages before each RANK_BITS-bit chunk */
	uint64_t desc_offset;
	uint8_t *notes;
	size_t notes_len;
	uint32_t compression; /* of the first compressed page seen, for the format name */
	char format[48];
	/* The last page decompressed. */
	uint64_t page_pfn;
	uint8_t *page;
	uint8_t *scratch;
};

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static uint64_t load_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

bool kinspect_kdump_detect(const uint8_t *map, uint64_t size)
{
	return (size >= 8 && memcmp(map, KDUMP_SIGNATURE, 8) == 0) ||
	       (size >= 16 && memcmp(map, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)) == 0);
}

/* LEN bytes at logical OFFSET of the disk-dump image. */
static struct kinspect_error *read_at(const struct kinspect_kdump *kd, uint64_t offset, void *buf, uint64_t len)
{
	if (!kd->flat) {
		if (offset > kd->size || len > kd->size - offset)
			return kinspect_error_file(kd->path, "truncated: %llu bytes at %llu lie past its end",
						   (unsigned long long)len, (unsigned long long)offset);
		memcpy(buf, kd->map + offset, len);
		return NULL;
	}
	uint8_t *out = buf;
	while (len) {
		/* The last record starting at or before OFFSET. */
		size_t lo = 0, hi = kd->nr_records;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (kd->records[mid].offset <= offset)
				lo = mid + 1;
			else
				hi = mid;
		}
		const struct record *r = lo ? &kd->records[lo - 1] : NULL;
		if (!r || offset - r->offset >= r->size)
			return kinspect_error_file(kd->path, "flattened dump has no data for offset %llu",
						   (unsigned long long)offset);
		uint64_t n = r->size - (offset - r->offset);
		if (n > len)
			n = len;
		memcpy(out, kd->map + r->position + (offset - r->offset), n);
		out += n;
		offset += n;
		len -= n;
	}
	return NULL;
}

static int compare_records(const void *a, const void *b)
{
	const struct record *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Index the (offset, size) records of a flattened file. */
static struct kinspect_error *index_records(struct kinspect_kdump *kd)
{
	if (kd->size < FLAT_HEADER_SIZE)
		return kinspect_error_file(kd->path, "truncated flattened dump header");
	size_t cap = 0;
	uint64_t pos = FLAT_HEADER_SIZE;
	for (;;) {
		if (kd->size - pos < 16)
			return kinspect_error_file(kd->path, "truncated: the flattened dump ends without its end marker");
		uint64_t offset = load_be64(kd->map + pos), size = load_be64(kd->map + pos + 8);
		pos += 16;
		if (offset == UINT64_MAX)
			break; /* END_FLAG_FLAT_HEADER */
		if (offset >> 62 || size > kd->size - pos)
			return kinspect_error_file(kd->path, "flattened record at byte %llu: %llu bytes at offset %llu do "
						   "not fit the file", (unsigned long long)(pos - 16),
						   (unsigned long long)size, (unsigned long long)offset);
		if (kd->nr_records == MAX_RECORDS)
			return kinspect_error_file(kd->path, "more than %u flattened records", MAX_RECORDS);
		if (kd->nr_records == cap) {
			cap = cap ? 2 * cap : 1024;
			struct record *r = realloc(kd->records, cap * sizeof(*r));
			if (!r)
				return &kinspect_error_nomem;
			kd->records = r;
		}
		if (size)
			kd->records[kd->nr_records++] = (struct record){ offset, size, pos };
		pos += size;
	}
	if (kd->nr_records)
		qsort(kd->records, kd->nr_records, sizeof(*kd->records), compare_records);
	for (size_t i = 1; i < kd->nr_records; i++) {
		if (kd->records[i].offset < kd->records[i - 1].offset + kd->records[i - 1].size)
			return kinspect_error_file(kd->path, "flattened records overlap at offset %llu",
						   (unsigned long long)kd->records[i].offset);
	}
	return NULL;
}

static struct kinspect_error *parse_headers(struct kinspect_kdump *kd)
{
	uint8_t hdr[HDR_SIZE], sub[SUB_SIZE];
	struct kinspect_error *err = read_at(kd, 0, hdr, sizeof(hdr));
	if (err)
		return err;
	if (memcmp(hdr, KDUMP_SIGNATURE, 8) != 0)
		return kinspect_error_file(kd->path, "no KDUMP signature");
	uint32_t version = (uint32_t)load_le(hdr + HDR_VERSION, 4);
	kd->block_size = (uint32_t)load_le(hdr + HDR_BLOCK_SIZE, 4);
	uint32_t sub_blocks = (uint32_t)load_le(hdr + HDR_SUB_HDR_SIZE, 4);
	uint32_t bitmap_blocks = (uint32_t)load_le(hdr + HDR_BITMAP_BLOCKS, 4);
	if (kd->block_size < 1024 || kd->block_size > MAX_BLOCK_SIZE || (kd->block_size & (kd->block_size - 1)))
		return kinspect_error_file(kd->path, "kdump block size %u is not a page size", kd->block_size);
	if (kd->block_size != kinspect_arch()->page_size)
		return kinspect_error_file(kd->path, "kdump block size %u: only %s's %" PRIu64 " KiB pages are read",
					   kd->block_size, kinspect_arch()->name, kinspect_arch()->page_size / 1024);
	if (version < 4 || sub_blocks == 0 || bitmap_blocks == 0 || bitmap_blocks % 2 || bitmap_blocks > (1u << 20))
		return kinspect_error_file(kd->path, "kdump header version %u, %u sub-header and %u bitmap blocks: "
					   "not a dump kinspect reads", version, sub_blocks, bitmap_blocks);
	if ((err = read_at(kd, kd->block_size, sub, sizeof(sub))))
		return err;
	kd->max_mapnr = version >= 6 ? load_le(sub + SUB_MAX_MAPNR_64, 8) : load_le(hdr + HDR_MAX_MAPNR, 4);
	uint64_t bitmap_len = (uint64_t)bitmap_blocks * kd->block_size / 2;
	if (kd->max_mapnr == 0 || kd->max_mapnr > bitmap_len * 8)
		return kinspect_error_file(kd->path, "kdump: %llu pages do not fit bitmaps of %llu bytes",
					   (unsigned long long)kd->max_mapnr, (unsigned long long)bitmap_len);
	uint64_t bitmap_offset = (uint64_t)kd->block_size * (1 + sub_blocks);
	kd->desc_offset = bitmap_offset + 2 * bitmap_len;
	kd->dumped = malloc(bitmap_len);
	size_t nr_ranks = (size_t)(kd->max_mapnr / RANK_BITS + 1);
	kd->rank = calloc(nr_ranks, sizeof(*kd->rank));
	kd->page = malloc(kd->block_size);
	kd->scratch = malloc(kd->block_size);
	if (!kd->dumped || !kd->rank || !kd->page || !kd->scratch)
		return &kinspect_error_nomem;
	if ((err = read_at(kd, bitmap_offset + bitmap_len, kd->dumped, bitmap_len)))
		return err;
	uint64_t count = 0;
	for (uint64_t pfn = 0; pfn < kd->max_mapnr; pfn += 8) {
		if (pfn % RANK_BITS == 0)
			kd->rank[pfn / RANK_BITS] = count;
		count += (uint64_t)__builtin_popcount(kd->dumped[pfn / 8]);
	}
	kd->page_pfn = UINT64_MAX;
	/* The notes: the QEMU CPU state, NT_PRSTATUS and VMCOREINFO. */
	uint64_t note_offset = load_le(sub + SUB_OFFSET_NOTE, 8), note_size = load_le(sub + SUB_NOTE_SIZE, 8);
	if (note_size > MAX_NOTES)
		return kinspect_error_file(kd->path, "kdump notes of %llu bytes", (unsigned long long)note_size);
	if (note_size) {
		if (!(kd->notes = malloc(note_size)))
			return &kinspect_error_nomem;
		if ((err = read_at(kd, note_offset, kd->notes, note_size)))
			return kinspect_error_wrap(err, "kdump notes");
		kd->notes_len = note_size;
	}
	return NULL;
}

struct kinspect_error *kinspect_kdump_open(const char *path, const uint8_t *map, uint64_t size,
					   struct kinspect_kdump **ret)
{
	struct kinspect_kdump *kd = calloc(1, sizeof(*kd));
	if (!kd)
		return &kinspect_error_nomem;
	kd->path = path;
	kd->map = map;
	kd->size = size;
	kd->flat = size >= 16 && memcmp(map, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)) == 0;
	struct kinspect_error *err = kd->flat ? index_records(kd) : NULL;
	if (!err)
		err = parse_headers(kd);
	if (err) {
		kinspect_kdump_destroy(kd);
		return err;
	}
	*ret = kd;
	return NULL;
}

void kinspect_kdump_destroy(struct kinspect_kdump *kd)
{
	if (!kd)
		return;
	free(kd->records);
	free(kd->dumped);
	free(kd->rank);
	free(kd->notes);
	free(kd->page);
	free(kd->scratch);
	free(kd);
}

const uint8_t *kinspect_kdump_notes(const struct kinspect_kdump *kd, size_t *ret_len)
{
	*ret_len = kd->notes_len;
	return kd->notes;
}

const char *kinspect_kdump_format(struct kinspect_kdump *kd)
{
	static const struct {
		uint32_t flag;
		const char *name;
	} names[] = { { DUMP_DH_COMPRESSED_ZLIB, "zlib" }, { DUMP_DH_COMPRESSED_LZO, "lzo" },
		      { DUMP_DH_COMPRESSED_SNAPPY, "snappy" }, { DUMP_DH_COMPRESSED_ZSTD, "zstd" } };
	const char *name = "uncompressed pages so far";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (kd->compression & names[i].flag)
			name = names[i].name;
	}
	snprintf(kd->format, sizeof(kd->format), "kdump-%s%s", name, kd->flat ? ", flattened" : "");
	return kd->format;
}

/* Decompress SIZE bytes IN with method FLAGS into one page OUT. */
static struct kinspect_error *decompress(struct kinspect_kdump *kd, uint32_t flags, const uint8_t *in, uint32_t size,
					 uint8_t *out, uint64_t pfn)
{
	size_t page = kd->block_size;
	if (flags & DUMP_DH_COMPRESSED_ZLIB) {
		uLongf n = page;
		if (uncompress(out, &n, in, size) == Z_OK && n == page)
			return NULL;
	} else if (flags & DUMP_DH_COMPRESSED_LZO) {
#ifdef HAVE_LZO
		lzo_uint n = page;
		if (lzo1x_decompress_safe(in, size, out, &n, NULL) == LZO_E_OK && n == page)
			return NULL;
#else
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "%s: pages compressed with LZO: kinspect was "
					     "built without liblzo2", kd->path);
#endif
	} else if (flags & DUMP_DH_COMPRESSED_SNAPPY) {
#ifdef HAVE_SNAPPY
		size_t n = page;
		if (snappy_uncompress((const char *)in, size, (char *)out, &n) == SNAPPY_OK && n == page)
			return NULL;
#else
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "%s: pages compressed with snappy: kinspect "
					     "was built without libsnappy", kd->path);
#endif
	} else {
		return kinspect_error_file(kd->path, "page %llu: compression flags 0x%x are not known",
					   (unsigned long long)pfn, flags);
	}
	return kinspect_error_file(kd->path, "page %llu does not decompress to %zu bytes", (unsigned long long)pfn,
				   page);
}

/* Make kd->page hold page PFN. */
static struct kinspect_error *load_page(struct kinspect_kdump *kd, uint64_t pfn)
{
	if (kd->page_pfn == pfn)
		return NULL;
	if (pfn >= kd->max_mapnr || !(kd->dumped[pfn / 8] & (1u << (pfn % 8))))
		return kinspect_error_fault(pfn * kd->block_size, "%s: physical page 0x%llx is not in the dump",
					    kd->path, (unsigned long long)pfn);
	uint64_t index = kd->rank[pfn / RANK_BITS];
	for (uint64_t p = pfn - pfn % RANK_BITS; p < pfn; p += 8) {
		uint8_t bits = kd->dumped[p / 8];
		if (p + 8 > pfn)
			bits &= (uint8_t)((1u << (pfn - p)) - 1);
		index += (uint64_t)__builtin_popcount(bits);
	}
	uint8_t desc[DESC_SIZE];
	struct kinspect_error *err = read_at(kd, kd->desc_offset + index * DESC_SIZE, desc, sizeof(desc));
	if (err)
		return kinspect_error_wrap(err, "descriptor of page 0x%llx", (unsigned long long)pfn);
	uint64_t offset = load_le(desc, 8);
	uint32_t size = (uint32_t)load_le(desc + 8, 4), flags = (uint32_t)load_le(desc + 12, 4);
	if (size == 0 || size > kd->block_size)
		return kinspect_error_file(kd->path, "page 0x%llx: %u stored bytes", (unsigned long long)pfn, size);
	kd->page_pfn = UINT64_MAX;
	if (size == kd->block_size && !(flags & (DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO |
						  DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD))) {
		err = read_at(kd, offset, kd->page, size);
	} else {
		kd->compression |= flags;
		err = read_at(kd, offset, kd->scratch, size);
		if (!err)
			err = decompress(kd, flags, kd->scratch, size, kd->page, pfn);
	}
	if (err)
		return err;
	kd->page_pfn = pfn;
	return NULL;
}

struct kinspect_error *kinspect_kdump_read_phys(struct kinspect_kdump *kd, uint64_t paddr, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t pfn = paddr / kd->block_size, off = paddr % kd->block_size;
		size_t n = kd->block_size - off < len ? (size_t)(kd->block_size - off) : len;
		struct kinspect_error *err = load_page(kd, pfn);
		if (err)
			return err;
		memcpy(out, kd->page + off, n);
		out += n;
		paddr += n;
		len -= n;
	}
	return NULL;
}
