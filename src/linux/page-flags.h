/* Names of page flags and page types, from the kernel's own enumerations
 * in its DWARF (enum pageflags, enum pagetype).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PAGE_FLAGS_H
#define KINSPECT_PAGE_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "debuginfo/dwarf-types.h"

#define KINSPECT_PAGE_FLAGS_MAX 64
#define KINSPECT_PAGE_TYPES_MAX 32

struct kinspect_page_flag_names {
	/* page->flags bits below NR are flags: NAMES[bit] without the "PG_"
	 * prefix, the first name the enumeration gives the bit (aliases such
	 * as PG_swapcache for PG_owner_priv_1 come after __NR_PAGEFLAGS).
	 * Bits from NR up hold the section, node and zone numbers. */
	unsigned int nr;
	char *names[KINSPECT_PAGE_FLAGS_MAX];
	/* Bits of the aliases that mean something else in some pages:
	 * PG_anon_exclusive (anonymous pages), PG_swapcache (swap-backed
	 * ones), and the flags a large folio keeps in its second page
	 * (PG_has_hwpoisoned, PG_large_rmappable, PG_partially_mapped,
	 * PG_double_map); -1 where the kernel has no such name. */
	int anon_exclusive_bit, swapcache_bit;
	int second_page_bits[4];
	const char *second_page_names[4];

	/* Page types (enum pagetype), when the kernel has the enumeration:
	 * since v6.12 (commit 4ffca5a96678 "mm: support only one page_type per
	 * page") a value PGTY_x in the top byte of page->page_type; from v6.9
	 * to v6.11 a bit PG_x that is clear under PAGE_TYPE_BASE.  Before,
	 * page types were #defines, which DWARF does not carry. */
	enum { KINSPECT_PAGE_TYPES_NONE, KINSPECT_PAGE_TYPES_BITS, KINSPECT_PAGE_TYPES_BYTE } type_scheme;
	unsigned int nr_types;
	struct {
		char *name; /* without "PGTY_"/"PG_" */
		uint32_t value;
	} types[KINSPECT_PAGE_TYPES_MAX];
	uint32_t type_base; /* PAGE_TYPE_BASE for the bit scheme */
};

/* Fill *RET's flag names from TYPES (enum pageflags); free with
 * kinspect_page_flag_names_deinit(). */
struct kinspect_error *kinspect_page_flag_names_init(struct kinspect_dwarf_types *types,
						     struct kinspect_page_flag_names *ret);

/* Add the page type names (enum pagetype) to NAMES.  Separate because a
 * kernel without the enumeration costs a scan of all of its DWARF: call it
 * only once a page_type word holds a type. */
struct kinspect_error *kinspect_page_type_names_load(struct kinspect_dwarf_types *types,
						     struct kinspect_page_flag_names *names);
void kinspect_page_flag_names_deinit(struct kinspect_page_flag_names *names);

/* Which page of a folio a flags word belongs to: its bits mean different
 * things (include/linux/page-flags.h, the PF_* policies). */
enum kinspect_page_flags_role {
	/* The head or only page: every flag, aliases by the page's kind. */
	KINSPECT_PAGE_FLAGS_FOLIO,
	/* The first tail page: the folio's second-page flags (its _flags_1) and
	 * per-page ones; since v6.6 the low byte is the folio order. */
	KINSPECT_PAGE_FLAGS_SECOND,
	/* A later tail page: only the per-page flags (hwpoison,
	 * anon_exclusive); the rest is on the head. */
	KINSPECT_PAGE_FLAGS_TAIL,
};

#define KINSPECT_PAGE_FLAG_NAMES_MAX 64

/* The names of the flags set in FLAGS, a page->flags word in ROLE, of a
 * folio that is ANON and/or SWAPBACKED; bits of NOT_FLAGS (the order byte)
 * are skipped.  Stores up to KINSPECT_PAGE_FLAG_NAMES_MAX names (owned by
 * NAMES) in RET and returns how many; *RET_UNNAMED gets the set bits below
 * nr that have no meaning in ROLE. */
unsigned int kinspect_page_flags_decode(const struct kinspect_page_flag_names *names, uint64_t flags,
					enum kinspect_page_flags_role role, bool anon, bool swapbacked,
					uint64_t not_flags, const char **ret, uint64_t *ret_unnamed);

/* The bit of flag NAME ("slab", "head"), or -1 if the kernel has none. */
int kinspect_page_flag_bit(const struct kinspect_page_flag_names *names, const char *name);

/* The page type PAGE_TYPE (the page_type word of struct page) says, or
 * NULL for none (then the word is the mapcount) or no way to tell. */
const char *kinspect_page_type_name(const struct kinspect_page_flag_names *names, uint32_t page_type);

#endif /* KINSPECT_PAGE_FLAGS_H */
