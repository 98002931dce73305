/* Pages and folios of a session (see kinspect/page.h): how an address
 * given leads to a struct page (pfn, physical, virtual by subtraction or
 * page walk), which flags word is read in which role, and what the page
 * described is (the page, or its folio's head) live here, for every front
 * end, on the decoder of src/linux/folio.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include <kinspect/page.h>

#include "core/error-priv.h"
#include "arch/arch.h"
#include "libkinspect/kernel-priv.h"
#include "linux/folio.h"
#include "linux/page-flags.h"
#include "linux/page.h"

/* The architecture's base pages (the memory map's frames). */
#define PAGE_SHIFT (kinspect_arch()->page_shift)

#define NR_WORDS 3

struct word {
	uint64_t flags, order_bits, unnamed;
	unsigned int nr_names;
	const char *names[KINSPECT_PAGE_FLAG_NAMES_MAX]; /* owned by the decoder */
};

struct kinspect_page_info {
	/* The decoder reads through MAP and owns the flag and type names. */
	struct kinspect_memory_map map;
	struct kinspect_folio_decoder *dec;
	struct kinspect_page p;
	bool folio;
	unsigned int nr_pageflags;
	bool translated;
	uint64_t virt_given, phys_given;
	enum kinspect_translation how;
	struct word words[NR_WORDS];
};

/* The struct page that ADDR names (as KIND says) in *RET. */
static struct kinspect_error *resolve(struct kinspect_page_info *info, const struct kinspect_memory *mem,
				      enum kinspect_page_address_kind kind, uint64_t addr, unsigned int flags,
				      uint64_t *ret)
{
	struct kinspect_memory_map *map = &info->map;
	struct kinspect_error *err;
	uint64_t pfn;
	switch (kind) {
	case KINSPECT_PAGE_AT_PAGE:
		if ((err = kinspect_page_to_pfn(map, addr, &pfn)))
			return err;
		*ret = addr;
		return NULL;
	case KINSPECT_PAGE_AT_PFN:
		return kinspect_pfn_to_page(map, addr, ret);
	case KINSPECT_PAGE_AT_PHYS:
		return kinspect_pfn_to_page(map, addr >> PAGE_SHIFT, ret);
	case KINSPECT_PAGE_AT_VIRT:
		if ((err = kinspect_virt_to_phys(map, mem, addr, flags & KINSPECT_PAGE_WALK, &info->phys_given,
						 &info->how)))
			return kinspect_error_wrap(err, "translate 0x%" PRIx64, addr);
		info->translated = true;
		info->virt_given = addr;
		if ((err = kinspect_pfn_to_page(map, info->phys_given >> PAGE_SHIFT, ret)))
			return kinspect_error_wrap(err, "0x%" PRIx64 " maps physical 0x%" PRIx64, addr, info->phys_given);
		return NULL;
	}
	return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "address kind %d: no such kind", (int)kind);
}

/* Name the flags of WORD, whose bits mean what ROLE says. */
static void decode_word(struct kinspect_page_info *info, enum kinspect_page_word word, uint64_t flags,
			enum kinspect_page_flags_role role, uint64_t not_flags)
{
	const struct kinspect_page_flag_names *names = kinspect_folio_decoder_flag_names(info->dec);
	struct word *w = &info->words[word];
	w->flags = flags;
	w->order_bits = flags & not_flags;
	w->nr_names = kinspect_page_flags_decode(names, flags, role, info->p.anon, info->p.swapbacked, not_flags,
						 w->names, &w->unnamed);
}

static struct kinspect_error *decode(struct kinspect_kernel *k, enum kinspect_page_address_kind kind, uint64_t addr,
				     unsigned int flags, bool folio, struct kinspect_page_info **ret)
{
	/* Unknown flags are refused, so that later ones cannot be ignored. */
	if (flags & ~KINSPECT_PAGE_WALK)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "page flags 0x%x: unknown bits 0x%x", flags,
					     flags & ~KINSPECT_PAGE_WALK);
	const struct kinspect_kaslr *kaslr;
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
	if (!err)
		err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err)
		return err;
	/* Page walks and contents are physical reads: one mode switch for
	 * all of them instead of two per read.  The session is the stub's
	 * only user (the proxy puts gdb's own mode back itself). */
	struct kinspect_gdbstub *gs = kinspect_kernel_gdbstub(k);
	if (gs)
		kinspect_gdbstub_set_lazy_phymem(gs, true);
	struct kinspect_page_info *info = calloc(1, sizeof(*info));
	if (!info)
		return &kinspect_error_nomem;
	info->folio = folio;
	uint64_t page;
	if ((err = kinspect_memory_map_read(types, vmlinux, kaslr->slide, mem, &info->map)))
		err = kinspect_error_wrap(err, "the kernel's memory map");
	else if (!(err = resolve(info, mem, kind, addr, flags, &page)) &&
		 !(err = kinspect_folio_decoder_create(types, &info->map, mem, &info->dec)))
		err = kinspect_folio_decode(info->dec, page, &info->p);
	if (err) {
		kinspect_page_info_destroy(info);
		return err;
	}
	const struct kinspect_page *p = &info->p;
	info->nr_pageflags = kinspect_folio_decoder_flag_names(info->dec)->nr;
	if (folio)
		decode_word(info, KINSPECT_PAGE_WORD_PAGE, p->folio_flags, KINSPECT_PAGE_FLAGS_FOLIO, 0);
	else
		decode_word(info, KINSPECT_PAGE_WORD_PAGE, p->flags, p->flags_role, p->flags_not_flags);
	decode_word(info, KINSPECT_PAGE_WORD_FOLIO, p->folio_flags, KINSPECT_PAGE_FLAGS_FOLIO, 0);
	if (p->large)
		decode_word(info, KINSPECT_PAGE_WORD_SECOND, p->second_flags, KINSPECT_PAGE_FLAGS_SECOND,
			    p->second_not_flags);
	*ret = info;
	return NULL;
}

struct kinspect_error *kinspect_kernel_page_info(struct kinspect_kernel *k, enum kinspect_page_address_kind kind,
						 uint64_t addr, unsigned int flags, struct kinspect_page_info **ret)
{
	return decode(k, kind, addr, flags, false, ret);
}

struct kinspect_error *kinspect_kernel_folio_info(struct kinspect_kernel *k, enum kinspect_page_address_kind kind,
						  uint64_t addr, unsigned int flags, struct kinspect_page_info **ret)
{
	return decode(k, kind, addr, flags, true, ret);
}

void kinspect_page_info_destroy(struct kinspect_page_info *info)
{
	if (!info)
		return;
	kinspect_folio_decoder_destroy(info->dec);
	free(info);
}

bool kinspect_page_info_is_folio(const struct kinspect_page_info *info)
{
	return info->folio;
}

uint64_t kinspect_page_info_address(const struct kinspect_page_info *info)
{
	return info->folio ? info->p.folio : info->p.page;
}

uint64_t kinspect_page_info_pfn(const struct kinspect_page_info *info)
{
	return info->folio ? info->p.folio_pfn : info->p.pfn;
}

uint64_t kinspect_page_info_phys(const struct kinspect_page_info *info)
{
	return kinspect_page_info_pfn(info) << PAGE_SHIFT;
}

uint64_t kinspect_page_info_virt(const struct kinspect_page_info *info)
{
	return kinspect_pfn_to_virt(&info->map, kinspect_page_info_pfn(info));
}

uint64_t kinspect_page_info_from(const struct kinspect_page_info *info)
{
	return info->p.page;
}

bool kinspect_page_info_from_tail(const struct kinspect_page_info *info)
{
	return info->p.tail;
}

uint64_t kinspect_page_info_from_index(const struct kinspect_page_info *info)
{
	return info->p.pfn - info->p.folio_pfn;
}

const char *kinspect_page_info_translation(const struct kinspect_page_info *info, uint64_t *ret_virt,
					   uint64_t *ret_phys)
{
	if (!info->translated)
		return NULL;
	*ret_virt = info->virt_given;
	*ret_phys = info->phys_given;
	return kinspect_translation_name(info->how);
}

/* WORD's record; out-of-range words read as the empty third one of a
 * single page. */
static const struct word *word_of(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	static const struct word none;
	return (unsigned int)word < NR_WORDS ? &info->words[word] : &none;
}

uint64_t kinspect_page_info_flags(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	return word_of(info, word)->flags;
}

size_t kinspect_page_info_nr_flag_names(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	return word_of(info, word)->nr_names;
}

const char *kinspect_page_info_flag_name(const struct kinspect_page_info *info, enum kinspect_page_word word,
					 size_t index)
{
	const struct word *w = word_of(info, word);
	return index < w->nr_names ? w->names[index] : NULL;
}

uint64_t kinspect_page_info_flags_unnamed(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	return word_of(info, word)->unnamed;
}

uint64_t kinspect_page_info_flags_order_bits(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	return word_of(info, word)->order_bits;
}

unsigned int kinspect_page_info_nr_pageflags(const struct kinspect_page_info *info)
{
	return info->nr_pageflags;
}

uint64_t kinspect_page_info_flags_high(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	return info->nr_pageflags >= 64 ? 0 : word_of(info, word)->flags >> info->nr_pageflags;
}

const char *kinspect_page_info_type(const struct kinspect_page_info *info)
{
	return info->folio ? info->p.folio_type : info->p.type;
}

uint32_t kinspect_page_info_page_type(const struct kinspect_page_info *info)
{
	return info->folio ? info->p.folio_page_type : info->p.page_type;
}

bool kinspect_page_info_mapcount(const struct kinspect_page_info *info, int64_t *ret)
{
	if (!(info->folio ? info->p.folio_has_mapcount : info->p.has_mapcount))
		return false;
	*ret = info->folio ? info->p.folio_mapcount : info->p.mapcount;
	return true;
}

bool kinspect_page_info_entire_mapcount(const struct kinspect_page_info *info, int64_t *ret)
{
	if (!info->p.has_entire_mapcount)
		return false;
	*ret = info->p.entire_mapcount;
	return true;
}

bool kinspect_page_info_large_mapcount(const struct kinspect_page_info *info, int64_t *ret)
{
	if (!info->p.has_large_mapcount)
		return false;
	*ret = info->p.large_mapcount;
	return true;
}

int64_t kinspect_page_info_refcount(const struct kinspect_page_info *info)
{
	return info->p.refcount;
}

uint64_t kinspect_page_info_folio(const struct kinspect_page_info *info)
{
	return info->p.folio;
}

uint64_t kinspect_page_info_folio_pfn(const struct kinspect_page_info *info)
{
	return info->p.folio_pfn;
}

bool kinspect_page_info_tail(const struct kinspect_page_info *info)
{
	return !info->folio && info->p.tail;
}

bool kinspect_page_info_large(const struct kinspect_page_info *info)
{
	return info->p.large;
}

unsigned int kinspect_page_info_order(const struct kinspect_page_info *info)
{
	return info->p.order;
}

uint64_t kinspect_page_info_nr_pages(const struct kinspect_page_info *info)
{
	return info->p.nr_pages;
}

uint64_t kinspect_page_info_size(const struct kinspect_page_info *info)
{
	return info->p.nr_pages << PAGE_SHIFT;
}

uint64_t kinspect_page_info_extent(const struct kinspect_page_info *info)
{
	return (info->p.folio_pfn + info->p.nr_pages - kinspect_page_info_pfn(info)) << PAGE_SHIFT;
}

uint64_t kinspect_page_info_mapping(const struct kinspect_page_info *info)
{
	return info->p.mapping;
}

enum kinspect_mapping_kind kinspect_page_info_mapping_kind(const struct kinspect_page_info *info)
{
	return info->p.mapping_kind;
}

const char *kinspect_page_info_mapping_name(const struct kinspect_page_info *info)
{
	return kinspect_mapping_kind_name(info->p.mapping_kind);
}

uint64_t kinspect_page_info_anon_vma(const struct kinspect_page_info *info)
{
	enum kinspect_mapping_kind kind = info->p.mapping_kind;
	/* The low two bits are PAGE_MAPPING_ANON and _MOVABLE. */
	return kind == KINSPECT_MAPPING_ANON || kind == KINSPECT_MAPPING_KSM ? info->p.mapping & ~(uint64_t)3 : 0;
}

uint64_t kinspect_page_info_inode(const struct kinspect_page_info *info)
{
	return info->p.mapping_kind == KINSPECT_MAPPING_FILE ? info->p.inode : 0;
}

uint64_t kinspect_page_info_ino(const struct kinspect_page_info *info)
{
	return info->p.mapping_kind == KINSPECT_MAPPING_FILE ? info->p.ino : 0;
}

const char *kinspect_page_info_fs_type(const struct kinspect_page_info *info)
{
	return info->p.fs_type;
}

const char *kinspect_page_info_path(const struct kinspect_page_info *info)
{
	return info->p.path;
}

uint64_t kinspect_page_info_slab_cache(const struct kinspect_page_info *info)
{
	return info->p.slab_cache;
}

const char *kinspect_page_info_slab_cache_name(const struct kinspect_page_info *info)
{
	return info->p.slab_cache_name;
}

uint64_t kinspect_page_info_index(const struct kinspect_page_info *info)
{
	return info->p.index;
}
