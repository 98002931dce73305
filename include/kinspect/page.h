/* Pages and folios of a kernel session: one struct page decoded with the
 * folio it belongs to (head and tail pages, order, flags by the kernel's
 * own names, page type, mapping with its file or slab cache, index and
 * counts), found by its address, its page frame number, a physical
 * address or a kernel virtual address it backs.  Layouts and flag names
 * come from the vmlinux's DWARF, the memory map from the running kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PUBLIC_PAGE_H
#define KINSPECT_PUBLIC_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the address given to kinspect_kernel_page_info() names. */
enum kinspect_page_address_kind {
	KINSPECT_PAGE_AT_PAGE, /* the address of a struct page of the page array */
	KINSPECT_PAGE_AT_PFN,  /* a page frame number */
	KINSPECT_PAGE_AT_PHYS, /* a physical address: the page holding it */
	KINSPECT_PAGE_AT_VIRT, /* a kernel virtual address: the page backing it */
};

/* KINSPECT_PAGE_AT_VIRT: translate by walking the kernel's page tables
 * even in the direct map (where subtraction would do). */
#define KINSPECT_PAGE_WALK 0x1u

/* What page->mapping points to. */
enum kinspect_mapping_kind {
	KINSPECT_MAPPING_NONE,    /* NULL */
	KINSPECT_MAPPING_ANON,    /* an anon_vma (PAGE_MAPPING_ANON) */
	KINSPECT_MAPPING_KSM,     /* a KSM stable node (ANON | MOVABLE) */
	KINSPECT_MAPPING_MOVABLE, /* movable_operations of a driver's page */
	KINSPECT_MAPPING_FILE,    /* an address_space: page cache or shmem */
	KINSPECT_MAPPING_SLAB,    /* a slab page: the word is not a mapping */
};

/* The flags words of a decoded page: their bits mean different things
 * (the kernel's PF_* policies in include/linux/page-flags.h). */
enum kinspect_page_word {
	/* page->flags of the page described (the head page for a folio). */
	KINSPECT_PAGE_WORD_PAGE,
	/* The folio's flags: its head page's word, every flag. */
	KINSPECT_PAGE_WORD_FOLIO,
	/* A large folio's second page's word (_flags_1): the folio's
	 * second-page flags, since v6.6 after the order byte.  All zero in a
	 * folio of one page. */
	KINSPECT_PAGE_WORD_SECOND,
};

/* One struct page decoded, with its folio: the caller's, freed with
 * kinspect_page_info_destroy().  Strings it returns belong to it. */
struct kinspect_page_info;

/* Decode the struct page that ADDR names (as KIND says; FLAGS:
 * KINSPECT_PAGE_WALK or 0) into *RET: the page itself is described, a
 * tail page with its folio's head.  KINSPECT_ERROR_INVALID_ARGUMENT for
 * unknown FLAGS or KIND, a frame beyond the kernel's max_pfn or an address that is no struct page
 * of the array; a KINSPECT_ERROR_FAULT error carrying ADDR for a virtual
 * address that is unmapped or not canonical; KINSPECT_ERROR_FORMAT for a
 * compound_head or order that points nowhere sensible.  The file name and
 * slab cache name are best effort (empty when unreadable).  On a live
 * target the session's gdbstub stays in physical mode between physical
 * reads from then on (two round trips fewer each; the session restores
 * the mode it found when it ends). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_page_info(struct kinspect_kernel *kernel,
								 enum kinspect_page_address_kind kind, uint64_t addr,
								 unsigned int flags, struct kinspect_page_info **ret);

/* The same, describing the folio: the head page of the page ADDR names
 * (kinspect_page_info_from() is that page). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_folio_info(struct kinspect_kernel *kernel,
								  enum kinspect_page_address_kind kind, uint64_t addr,
								  unsigned int flags, struct kinspect_page_info **ret);

/* Accepts NULL. */
KINSPECT_EXPORT void kinspect_page_info_destroy(struct kinspect_page_info *info);

/* Whether INFO describes a folio (kinspect_kernel_folio_info()). */
KINSPECT_EXPORT bool kinspect_page_info_is_folio(const struct kinspect_page_info *info);

/* The page described: its struct page, frame number, physical address
 * and direct-map address. */
KINSPECT_EXPORT uint64_t kinspect_page_info_address(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_pfn(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_phys(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_virt(const struct kinspect_page_info *info);

/* The struct page the address named (the page described unless a folio
 * was asked for), whether it is a tail page, and its index in its folio
 * (0 for a head or single page). */
KINSPECT_EXPORT uint64_t kinspect_page_info_from(const struct kinspect_page_info *info);
KINSPECT_EXPORT bool kinspect_page_info_from_tail(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_from_index(const struct kinspect_page_info *info);

/* For KINSPECT_PAGE_AT_VIRT: how the address was translated ("direct
 * map", "page walk" or "kernel image"; static), the virtual address in
 * *RET_VIRT and the physical address it maps in *RET_PHYS.  NULL (and
 * nothing written) for the other kinds. */
KINSPECT_EXPORT const char *kinspect_page_info_translation(const struct kinspect_page_info *info,
							   uint64_t *ret_virt, uint64_t *ret_phys);

/* The flags word WORD. */
KINSPECT_EXPORT uint64_t kinspect_page_info_flags(const struct kinspect_page_info *info,
						  enum kinspect_page_word word);

/* The flags set in WORD by name, without "PG_" ("locked", "lru"), in bit
 * order, INDEX below kinspect_page_info_nr_flag_names(): aliases are
 * named where the page's kind gives them their meaning (anon_exclusive in
 * anonymous pages, swapcache in swap-backed ones), a tail page's word only
 * with the flags a tail page keeps. */
KINSPECT_EXPORT size_t kinspect_page_info_nr_flag_names(const struct kinspect_page_info *info,
							enum kinspect_page_word word);
KINSPECT_EXPORT const char *kinspect_page_info_flag_name(const struct kinspect_page_info *info,
							 enum kinspect_page_word word, size_t index);

/* The bits of WORD set below kinspect_page_info_nr_pageflags() that name
 * no flag there: in a head page's word bits the kernel has no name for,
 * in a tail page's (KINSPECT_PAGE_WORD_SECOND, or KINSPECT_PAGE_WORD_PAGE
 * of a tail page) flags that only the head page holds. */
KINSPECT_EXPORT uint64_t kinspect_page_info_flags_unnamed(const struct kinspect_page_info *info,
							  enum kinspect_page_word word);

/* The bits of WORD that are the folio order, not flags (the low byte of a
 * second page's word since v6.6), or 0. */
KINSPECT_EXPORT uint64_t kinspect_page_info_flags_order_bits(const struct kinspect_page_info *info,
							     enum kinspect_page_word word);

/* How many low bits of a flags word are flags (__NR_PAGEFLAGS), and the
 * rest of WORD shifted down: section, node and zone numbers (and LRU
 * generation, cpupid). */
KINSPECT_EXPORT unsigned int kinspect_page_info_nr_pageflags(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_flags_high(const struct kinspect_page_info *info,
						       enum kinspect_page_word word);

/* The page type of the page described ("buddy", "slab", "table", ...)
 * from its page_type word (enum pagetype, since v6.9), or NULL; and the
 * word itself. */
KINSPECT_EXPORT const char *kinspect_page_info_type(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint32_t kinspect_page_info_page_type(const struct kinspect_page_info *info);

/* _mapcount + 1 of the page described in *RET; false (nothing written)
 * when the word holds a page type instead. */
KINSPECT_EXPORT bool kinspect_page_info_mapcount(const struct kinspect_page_info *info, int64_t *ret);

/* A large folio's mappings of the whole folio (_entire_mapcount + 1) and
 * of any of its pages (_large_mapcount + 1, since v6.10) in *RET; false
 * (nothing written) for a single page or a kernel without the counter. */
KINSPECT_EXPORT bool kinspect_page_info_entire_mapcount(const struct kinspect_page_info *info, int64_t *ret);
KINSPECT_EXPORT bool kinspect_page_info_large_mapcount(const struct kinspect_page_info *info, int64_t *ret);

/* The folio's _refcount. */
KINSPECT_EXPORT int64_t kinspect_page_info_refcount(const struct kinspect_page_info *info);

/* The folio: its head page's struct page and frame number. */
KINSPECT_EXPORT uint64_t kinspect_page_info_folio(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_folio_pfn(const struct kinspect_page_info *info);

/* Whether the page described is a tail page (never for a folio), and
 * whether the folio has more than one page (PG_head). */
KINSPECT_EXPORT bool kinspect_page_info_tail(const struct kinspect_page_info *info);
KINSPECT_EXPORT bool kinspect_page_info_large(const struct kinspect_page_info *info);

/* The folio's order, pages (1 << order) and bytes. */
KINSPECT_EXPORT unsigned int kinspect_page_info_order(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_nr_pages(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_size(const struct kinspect_page_info *info);

/* The bytes from the start of the page described to the end of its folio:
 * how much of memory from kinspect_page_info_phys() belongs to it. */
KINSPECT_EXPORT uint64_t kinspect_page_info_extent(const struct kinspect_page_info *info);

/* The folio's mapping word (raw, low bits included), what it points to,
 * and that in words ("none", "anon", "ksm", "movable", "file", "slab";
 * static). */
KINSPECT_EXPORT uint64_t kinspect_page_info_mapping(const struct kinspect_page_info *info);
KINSPECT_EXPORT enum kinspect_mapping_kind kinspect_page_info_mapping_kind(const struct kinspect_page_info *info);
KINSPECT_EXPORT const char *kinspect_page_info_mapping_name(const struct kinspect_page_info *info);

/* KINSPECT_MAPPING_ANON and _KSM: the anon_vma (or stable node) the
 * mapping points to; 0 otherwise. */
KINSPECT_EXPORT uint64_t kinspect_page_info_anon_vma(const struct kinspect_page_info *info);

/* KINSPECT_MAPPING_FILE: the inode's address and number, its file
 * system's type ("ext4", "tmpfs") and its path within that file system
 * (through the inode's dentry); 0 or "" otherwise or when unreadable. */
KINSPECT_EXPORT uint64_t kinspect_page_info_inode(const struct kinspect_page_info *info);
KINSPECT_EXPORT uint64_t kinspect_page_info_ino(const struct kinspect_page_info *info);
KINSPECT_EXPORT const char *kinspect_page_info_fs_type(const struct kinspect_page_info *info);
KINSPECT_EXPORT const char *kinspect_page_info_path(const struct kinspect_page_info *info);

/* KINSPECT_MAPPING_SLAB: the struct kmem_cache and its name; 0 or ""
 * otherwise or when unreadable. */
KINSPECT_EXPORT uint64_t kinspect_page_info_slab_cache(const struct kinspect_page_info *info);
KINSPECT_EXPORT const char *kinspect_page_info_slab_cache_name(const struct kinspect_page_info *info);

/* The folio's index in its mapping (in pages; meaningless for slab). */
KINSPECT_EXPORT uint64_t kinspect_page_info_index(const struct kinspect_page_info *info);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_PUBLIC_PAGE_H */
