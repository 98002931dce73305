/* Decoding a struct page and the folio it belongs to: head and tail pages,
 * order, flags, mapping (anonymous, file with its inode and name, slab
 * cache), index, reference and map counts.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_FOLIO_H
#define KINSPECT_FOLIO_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/page.h> /* enum kinspect_mapping_kind */

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"
#include "linux/page-flags.h"
#include "linux/page.h"

#define KINSPECT_FOLIO_PATH_MAX 512
#define KINSPECT_FOLIO_NAME_MAX 64

struct kinspect_page {
	uint64_t page; /* the struct page looked at */
	uint64_t pfn, phys, virt; /* its frame, physical and direct-map address */
	uint64_t flags;           /* page->flags of this page */
	uint64_t folio;           /* the folio's (head page's) struct page */
	uint64_t folio_pfn;
	uint64_t folio_flags;
	/* What FLAGS means (see kinspect_page_flags_decode()); FLAGS_NOT_FLAGS
	 * are bits of it that are no flags (the folio order byte). */
	enum kinspect_page_flags_role flags_role;
	uint64_t flags_not_flags;
	/* Large folios: the second page's flags word (_flags_1), its
	 * non-flag bits, and flags that change what other bits mean. */
	uint64_t second_flags, second_not_flags;
	bool anon, swapbacked;
	bool tail;  /* PAGE is a tail page of FOLIO */
	bool large; /* the folio has more than one page (PG_head) */
	unsigned int order;
	uint64_t nr_pages;
	/* The type from page_type (buddy, slab, table, ...) or NULL. */
	const char *type;
	uint32_t page_type;
	int64_t refcount; /* the folio's _refcount */
	/* _mapcount + 1 of this page; invalid when the word is a page type. */
	bool has_mapcount;
	int64_t mapcount;
	/* The same of the folio's head page (equal to the above unless TAIL). */
	bool folio_has_mapcount;
	int64_t folio_mapcount;
	const char *folio_type;
	uint32_t folio_page_type;
	/* Large folios: mappings of the whole folio (_entire_mapcount + 1)
	 * and of any of its pages (_large_mapcount + 1), when the kernel has
	 * the counters. */
	bool has_entire_mapcount, has_large_mapcount;
	int64_t entire_mapcount, large_mapcount;
	uint64_t mapping; /* raw, low bits included */
	enum kinspect_mapping_kind mapping_kind;
	uint64_t index;
	/* KINSPECT_MAPPING_FILE: the inode and what can be read about it. */
	uint64_t inode, ino;
	char fs_type[KINSPECT_FOLIO_NAME_MAX]; /* "tmpfs", "ext4", or "" */
	char path[KINSPECT_FOLIO_PATH_MAX];    /* within its file system, or "" */
	/* KINSPECT_MAPPING_SLAB */
	uint64_t slab_cache;
	char slab_cache_name[KINSPECT_FOLIO_NAME_MAX];
};

struct kinspect_folio_decoder;

/* A decoder for the kernel described by TYPES, with memory map MAP, reading
 * MEM (both must outlive it). */
struct kinspect_error *kinspect_folio_decoder_create(struct kinspect_dwarf_types *types,
						     const struct kinspect_memory_map *map,
						     const struct kinspect_memory *mem,
						     struct kinspect_folio_decoder **ret);
void kinspect_folio_decoder_destroy(struct kinspect_folio_decoder *dec);

/* The flag names the decoder uses. */
const struct kinspect_page_flag_names *kinspect_folio_decoder_flag_names(const struct kinspect_folio_decoder *dec);

/* Decode the struct page at PAGE into *RET.  A PAGE outside the page array
 * is KINSPECT_ERROR_INVALID_ARGUMENT; memory that cannot be read a fault
 * error; a compound_head that points nowhere sensible
 * KINSPECT_ERROR_FORMAT.  The file name and slab cache name are best
 * effort: unreadable ones stay empty. */
struct kinspect_error *kinspect_folio_decode(struct kinspect_folio_decoder *dec, uint64_t page,
					     struct kinspect_page *ret);

/* "anon", "file", ... */
const char *kinspect_mapping_kind_name(enum kinspect_mapping_kind kind);

#endif /* KINSPECT_FOLIO_H */
