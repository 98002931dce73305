/* struct page and struct folio decoding.
 *
 * Layouts come from DWARF; which counter holds what is chosen by the
 * members the kernel has:
 * - struct folio exists since v5.16 (commit 7b230db3b8d3 "mm: Introduce
 *   struct folio"); it overlays the head page and, for large folios, the
 *   tail pages after it.
 * - A tail page has bit 0 of page->compound_head set; the rest points to
 *   the head.  Linux 7.x renamed it compound_info ("mm: rename
 *   page->compound_head to compound_info", the HugeTLB vmemmap rework) and,
 *   with CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP and a power-of-2 struct page,
 *   stores a mask instead: head = tail & (info & ~1), the mask being
 *   GENMASK(63, order + log2(sizeof(struct page))).  A mask is told from a
 *   pointer by its form (ones, then zeros).
 * - page->index became page->__folio_index in 7.x (struct folio keeps
 *   "index").
 * - The folio order: page[1].compound_order in struct page until v6.3
 *   (commit 1c5509be58f6 "mm: remove 'First tail page' members from struct
 *   page"), folio->_folio_order (v6.1 to v6.5), the low byte of
 *   folio->_flags_1 since v6.6 (commit ebc1baf5c9b4 "mm: free up a word in
 *   the first tail page").  _folio_order is tried first: 6.1 also has
 *   _flags_1, a plain flags word there.
 * - The mapcount of a whole large folio: folio->_total_mapcount in 6.1
 *   (read by folio_entire_mapcount()), folio->_entire_mapcount since v6.2
 *   (the "mm,thp,rmap" rework); folio->_large_mapcount (every mapping of
 *   any page) since v6.10 (commit 05c5323b2a34 "mm: track mapcount of large
 *   folios in single value").
 * - Slab pages: PG_slab until v6.10 (commit 46df8e73a4a3 "mm: free up
 *   PG_slab"), then a page type; struct slab (v5.17) overlays the folio.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/folio.h"
#include "linux/module-sections.h"

/* include/linux/page-flags.h: the low bits of page->mapping say what it
 * points to (#defines, stable since v2.6: not in DWARF). */
#define PAGE_MAPPING_ANON 0x1ULL
#define PAGE_MAPPING_MOVABLE 0x2ULL
#define PAGE_MAPPING_FLAGS 0x3ULL
/* No folio has more pages than this (1 GiB PUD folios are order 18). */
#define FOLIO_ORDER_MAX 30
/* Directory levels followed from a file's dentry up to its root. */
#define PATH_DEPTH_MAX 64
#define NAME_LEN_MAX 255
/* Enough for sizeof(struct folio) (192 bytes in v6.12). */
#define FOLIO_STRUCT_MAX 1024

struct field {
	uint64_t offset, size;
	bool present;
};

struct kinspect_folio_decoder {
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory_map *map;
	const struct kinspect_memory *mem;
	struct kinspect_page_flag_names names;
	int head_bit, slab_bit, swapbacked_bit;
	uint64_t folio_size;
	/* struct page */
	struct field flags, compound_head, mapping, index, refcount, mapcount, page_type, compound_order;
	/* struct folio */
	struct field folio_order, flags_1, entire_mapcount, large_mapcount;
	/* Looked up on first use: some of these types lie late in the DWARF
	 * (struct slab, struct kmem_cache: 0.15 s each) or are missing
	 * (enum pagetype before v6.9: a scan of all of it). */
	bool types_loaded, files_loaded, slabs_loaded;
	struct field as_host, inode_ino, inode_sb, inode_dentry, sb_type, fstype_name;
	struct field dentry_alias, dentry_parent, dentry_name_len, dentry_name;
	struct field slab_cache, cache_name;
};

static struct kinspect_error *get_field(struct kinspect_dwarf_types *types, const char *type, const char *path,
					bool optional, struct field *ret)
{
	bool has = true;
	struct kinspect_error *err;
	if (optional && (err = kinspect_dwarf_types_has_member(types, type, path, &has)))
		return err;
	ret->present = has;
	if (!has)
		return NULL;
	struct kinspect_dwarf_member m;
	if ((err = kinspect_dwarf_types_member(types, type, path, &m)))
		return err;
	if (m.size == 0 || m.size > 8 || m.bit_size)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s.%s is %" PRIu64 " bytes, not a word", type,
					     path, m.size);
	ret->offset = m.offset;
	ret->size = m.size;
	return NULL;
}

struct kinspect_error *kinspect_folio_decoder_create(struct kinspect_dwarf_types *types,
						     const struct kinspect_memory_map *map,
						     const struct kinspect_memory *mem,
						     struct kinspect_folio_decoder **ret)
{
	struct kinspect_folio_decoder *d = calloc(1, sizeof(*d));
	if (!d)
		return &kinspect_error_nomem;
	d->types = types;
	d->map = map;
	d->mem = mem;
	struct kinspect_error *err = kinspect_page_flag_names_init(types, &d->names);
	if (err) {
		free(d);
		return err;
	}
	d->head_bit = kinspect_page_flag_bit(&d->names, "head");
	d->slab_bit = kinspect_page_flag_bit(&d->names, "slab");
	d->swapbacked_bit = kinspect_page_flag_bit(&d->names, "swapbacked");
	const struct {
		const char *type, *path;
		bool optional;
		struct field *field;
	} fields[] = {
		{ "struct page", "flags", false, &d->flags },
		{ "struct page", "compound_head", true, &d->compound_head },
		{ "struct page", "mapping", false, &d->mapping },
		{ "struct page", "index", true, &d->index },
		{ "struct page", "_refcount", false, &d->refcount },
		{ "struct page", "_mapcount", false, &d->mapcount },
		{ "struct page", "page_type", true, &d->page_type },
		{ "struct page", "compound_order", true, &d->compound_order },
		{ "struct folio", "_folio_order", true, &d->folio_order },
		{ "struct folio", "_flags_1", true, &d->flags_1 },
		{ "struct folio", "_entire_mapcount", true, &d->entire_mapcount },
		{ "struct folio", "_large_mapcount", true, &d->large_mapcount },
	};
	for (size_t i = 0; !err && i < sizeof(fields) / sizeof(fields[0]); i++)
		err = get_field(types, fields[i].type, fields[i].path, fields[i].optional, fields[i].field);
	if (!err && !d->compound_head.present)
		err = get_field(types, "struct page", "compound_info", false, &d->compound_head);
	if (!err && !d->index.present)
		err = get_field(types, "struct page", "__folio_index", false, &d->index);
	/* 6.1 calls the whole-folio mapcount _total_mapcount (see above). */
	if (!err && !d->entire_mapcount.present)
		err = get_field(types, "struct folio", "_total_mapcount", true, &d->entire_mapcount);
	if (!err && (err = kinspect_dwarf_types_sizeof(types, "struct folio", &d->folio_size)) &&
	    kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		/* Before v5.16: the head page and its first tail pages. */
		kinspect_error_destroy(err);
		err = NULL;
		d->folio_size = 3 * map->page_struct_size;
	}
	if (!err && (d->folio_size < map->page_struct_size || d->folio_size > FOLIO_STRUCT_MAX))
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "sizeof(struct folio) is %" PRIu64, d->folio_size);
	if (err) {
		kinspect_folio_decoder_destroy(d);
		return kinspect_error_wrap(err, "page and folio layouts");
	}
	*ret = d;
	return NULL;
}

void kinspect_folio_decoder_destroy(struct kinspect_folio_decoder *d)
{
	if (!d)
		return;
	kinspect_page_flag_names_deinit(&d->names);
	free(d);
}

const struct kinspect_page_flag_names *kinspect_folio_decoder_flag_names(const struct kinspect_folio_decoder *d)
{
	return &d->names;
}

static uint64_t load(const uint8_t *buf, const struct field *f)
{
	return kinspect_load_le(buf + f->offset, f->size);
}

/* The head page of the tail page at PAGE whose compound_head (or 7.x
 * compound_info) is INFO, bit 0 set: a pointer to the head plus one, or a
 * mask GENMASK(63, shift) | 1 (see the top of this file). */
static uint64_t head_of_tail(uint64_t page, uint64_t info)
{
	uint64_t value = info & ~1ULL;
	uint64_t low = ~value + 1; /* 1 << shift for a mask */
	if (value && (low & (low - 1)) == 0 && low >= 64)
		return page & value;
	return value;
}

/* A pointer-sized field of the object at ADDR. */
static struct kinspect_error *read_field(struct kinspect_folio_decoder *d, uint64_t addr, const struct field *f,
					 uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read(d->mem, addr + f->offset, buf, f->size);
	if (!err)
		*ret = kinspect_load_le(buf, f->size);
	return err;
}

/* Several fields of the object at ADDR in one read of the bytes they span
 * (one round trip on a live target instead of N); field by field when
 * they lie too far apart. */
#define SPAN_MAX 512
static struct kinspect_error *read_fields(struct kinspect_folio_decoder *d, uint64_t addr,
					  const struct field *const *fields, uint64_t *values, size_t n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		lo = fields[i]->offset < lo ? fields[i]->offset : lo;
		hi = fields[i]->offset + fields[i]->size > hi ? fields[i]->offset + fields[i]->size : hi;
	}
	if (hi - lo > SPAN_MAX) {
		for (size_t i = 0; i < n; i++) {
			struct kinspect_error *err = read_field(d, addr, fields[i], &values[i]);
			if (err)
				return err;
		}
		return NULL;
	}
	uint8_t buf[SPAN_MAX];
	struct kinspect_error *err = kinspect_memory_read(d->mem, addr + lo, buf, hi - lo);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		values[i] = kinspect_load_le(buf + fields[i]->offset - lo, fields[i]->size);
	return NULL;
}

static bool test_bit(uint64_t word, int bit)
{
	return bit >= 0 && bit < 64 && (word >> bit) & 1;
}

/* The path of DENTRY within its file system, built from its d_parent chain
 * (bounded); "" if any of it cannot be read. */
static void read_path(struct kinspect_folio_decoder *d, uint64_t dentry, char *out, size_t size)
{
	char path[KINSPECT_FOLIO_PATH_MAX];
	size_t start = sizeof(path) - 1;
	path[start] = '\0';
	out[0] = '\0';
	for (int depth = 0; depth < PATH_DEPTH_MAX; depth++) {
		const struct field *fields[] = { &d->dentry_parent, &d->dentry_name_len, &d->dentry_name };
		uint64_t v[3];
		struct kinspect_error *err = read_fields(d, dentry, fields, v, 3);
		if (err) {
			kinspect_error_destroy(err);
			return;
		}
		uint64_t parent = v[0], len = v[1], name = v[2];
		if (parent == dentry || parent == 0)
			break; /* the root: its name is "/" */
		char component[NAME_LEN_MAX + 1];
		if (len == 0 || len > NAME_LEN_MAX || len + 1 > start)
			return;
		if ((err = kinspect_memory_read(d->mem, name, component, len))) {
			kinspect_error_destroy(err);
			return;
		}
		start -= len;
		memcpy(path + start, component, len);
		path[--start] = '/';
		dentry = parent;
	}
	if (start == sizeof(path) - 1)
		return;
	snprintf(out, size, "%s", path + start);
}

static struct kinspect_error *load_file_fields(struct kinspect_folio_decoder *d)
{
	if (d->files_loaded)
		return NULL;
	const struct {
		const char *type, *path;
		struct field *field;
	} fields[] = {
		{ "struct address_space", "host", &d->as_host },
		{ "struct inode", "i_ino", &d->inode_ino },
		{ "struct inode", "i_sb", &d->inode_sb },
		{ "struct inode", "i_dentry.first", &d->inode_dentry },
		{ "struct super_block", "s_type", &d->sb_type },
		{ "struct file_system_type", "name", &d->fstype_name },
		{ "struct dentry", "d_parent", &d->dentry_parent },
		{ "struct dentry", "d_name.len", &d->dentry_name_len },
		{ "struct dentry", "d_name.name", &d->dentry_name },
	};
	struct kinspect_error *err = NULL;
	for (size_t i = 0; !err && i < sizeof(fields) / sizeof(fields[0]); i++)
		err = get_field(d->types, fields[i].type, fields[i].path, false, fields[i].field);
	/* Only the offset of d_alias matters: an hlist_node, its first word.
	 * It sat in the union d_u until "dcache: make d_u anonymous" (v6.16
	 * era); since then the union is anonymous. */
	if (!err && !(err = get_field(d->types, "struct dentry", "d_u.d_alias.next", true, &d->dentry_alias)) &&
	    !d->dentry_alias.present)
		err = get_field(d->types, "struct dentry", "d_alias.next", false, &d->dentry_alias);
	d->files_loaded = !err;
	return err ? kinspect_error_wrap(err, "file layouts") : NULL;
}

static struct kinspect_error *load_slab_fields(struct kinspect_folio_decoder *d)
{
	if (d->slabs_loaded)
		return NULL;
	struct kinspect_error *err = get_field(d->types, "struct slab", "slab_cache", true, &d->slab_cache);
	if (!err)
		err = get_field(d->types, "struct kmem_cache", "name", true, &d->cache_name);
	d->slabs_loaded = !err;
	return err ? kinspect_error_wrap(err, "slab layouts") : NULL;
}

/* Inode, file system type and path of a page-cache mapping. */
static struct kinspect_error *decode_file(struct kinspect_folio_decoder *d, struct kinspect_page *p)
{
	uint64_t inode, fstype, fsname;
	struct kinspect_error *err = load_file_fields(d);
	if (err)
		return err;
	const struct field *fields[] = { &d->inode_ino, &d->inode_sb, &d->inode_dentry };
	uint64_t v[3];
	if ((err = read_field(d, p->mapping, &d->as_host, &inode)) || !inode ||
	    (err = read_fields(d, inode, fields, v, 3))) {
		kinspect_error_destroy(err);
		return NULL;
	}
	uint64_t ino = v[0], sb = v[1], first = v[2];
	p->inode = inode;
	p->ino = ino;
	if (sb && !(err = read_field(d, sb, &d->sb_type, &fstype)) && fstype &&
	    !(err = read_field(d, fstype, &d->fstype_name, &fsname)) && fsname)
		err = kinspect_read_string(d->mem, fsname, p->fs_type, sizeof(p->fs_type));
	if (err)
		p->fs_type[0] = '\0';
	kinspect_error_destroy(err);
	/* Any of the inode's names (hard links have several). */
	if (first)
		read_path(d, first - d->dentry_alias.offset, p->path, sizeof(p->path));
	return NULL;
}

static struct kinspect_error *decode_slab(struct kinspect_folio_decoder *d, struct kinspect_page *p)
{
	uint64_t cache, name;
	struct kinspect_error *err = load_slab_fields(d);
	if (err)
		return err;
	if (!d->slab_cache.present || !d->cache_name.present ||
	    (err = read_field(d, p->folio, &d->slab_cache, &cache)) || !cache) {
		kinspect_error_destroy(err);
		return NULL;
	}
	p->slab_cache = cache;
	if ((err = read_field(d, cache, &d->cache_name, &name)) || !name ||
	    (err = kinspect_read_string(d->mem, name, p->slab_cache_name, sizeof(p->slab_cache_name))))
		p->slab_cache_name[0] = '\0';
	kinspect_error_destroy(err);
	return NULL;
}

/* The type in the page_type word, and whether the word is a mapcount. */
static struct kinspect_error *decode_type(struct kinspect_folio_decoder *d, const uint8_t *buf,
					  struct kinspect_page *p)
{
	int32_t mapcount = (int32_t)load(buf, &d->mapcount);
	p->page_type = d->page_type.present ? (uint32_t)load(buf, &d->page_type) : (uint32_t)mapcount;
	p->mapcount = (int64_t)mapcount + 1;
	/* Every scheme keeps types far below -1 as a mapcount: the top bit
	 * set (PAGE_TYPE_BASE, or PGTY_* >= 0xf0 in the top byte). */
	p->has_mapcount = mapcount >= -1;
	if (p->has_mapcount)
		return NULL;
	if (!d->types_loaded) {
		struct kinspect_error *err = kinspect_page_type_names_load(d->types, &d->names);
		if (err)
			return kinspect_error_wrap(err, "page types");
		d->types_loaded = true;
	}
	p->type = kinspect_page_type_name(&d->names, p->page_type);
	return NULL;
}

struct kinspect_error *kinspect_folio_decode(struct kinspect_folio_decoder *d, uint64_t page,
					     struct kinspect_page *ret)
{
	const struct kinspect_memory_map *map = d->map;
	struct kinspect_page p = { .page = page };
	struct kinspect_error *err = kinspect_page_to_pfn(map, page, &p.pfn);
	if (err)
		return err;
	p.phys = p.pfn << kinspect_arch()->page_shift;
	p.virt = kinspect_pfn_to_virt(map, p.pfn);

	uint8_t buf[FOLIO_STRUCT_MAX];
	if ((err = kinspect_memory_read(d->mem, page, buf, map->page_struct_size)))
		return kinspect_error_wrap(err, "struct page at 0x%" PRIx64 " (pfn 0x%" PRIx64 ")", page, p.pfn);
	p.flags = load(buf, &d->flags);
	if ((err = decode_type(d, buf, &p)))
		return err;
	uint64_t head = load(buf, &d->compound_head);
	p.folio = page;
	p.folio_pfn = p.pfn;
	if (head & 1) {
		p.tail = true;
		p.folio = head_of_tail(page, head);
		if ((err = kinspect_page_to_pfn(map, p.folio, &p.folio_pfn)) || p.folio_pfn >= p.pfn) {
			kinspect_error_destroy(err);
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "struct page at 0x%" PRIx64 ": compound_head 0x%" PRIx64
						     " does not point to a head page before it",
						     page, head);
		}
	}
	bool large = p.tail || test_bit(p.flags, d->head_bit);
	/* The whole struct folio for a large one; its first page otherwise. */
	uint64_t size = large ? d->folio_size : map->page_struct_size;
	if (p.tail || size > map->page_struct_size) {
		if ((err = kinspect_memory_read(d->mem, p.folio, buf, size)))
			return kinspect_error_wrap(err, "struct folio at 0x%" PRIx64, p.folio);
	}
	p.folio_flags = load(buf, &d->flags);
	if (p.tail && !test_bit(p.folio_flags, d->head_bit))
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "struct page at 0x%" PRIx64 ": its head 0x%" PRIx64 " is not a head page",
					     page, p.folio);
	p.large = large;
	if (large) {
		uint64_t order;
		if (d->folio_order.present)
			order = load(buf, &d->folio_order);
		else if (d->flags_1.present)
			order = load(buf, &d->flags_1) & 0xff;
		else if (d->compound_order.present)
			order = load(buf + map->page_struct_size, &d->compound_order);
		else
			return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "no member holds the folio order");
		if (order == 0 || order > FOLIO_ORDER_MAX)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "folio at 0x%" PRIx64 ": order %" PRIu64 " is not a large folio's",
						     p.folio, order);
		p.order = (unsigned int)order;
		if (p.pfn - p.folio_pfn >= 1ULL << order)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "struct page at 0x%" PRIx64 ": outside its head's folio 0x%" PRIx64
						     " of order %u",
						     page, p.folio, p.order);
		if (d->entire_mapcount.present) {
			p.has_entire_mapcount = true;
			p.entire_mapcount = (int64_t)(int32_t)load(buf, &d->entire_mapcount) + 1;
		}
		if (d->large_mapcount.present) {
			p.has_large_mapcount = true;
			p.large_mapcount = (int64_t)(int32_t)load(buf, &d->large_mapcount) + 1;
		}
	}
	p.nr_pages = 1ULL << p.order;
	p.refcount = (int32_t)load(buf, &d->refcount);
	p.index = load(buf, &d->index);
	p.mapping = load(buf, &d->mapping);
	struct kinspect_page head_page = { 0 };
	if ((err = decode_type(d, buf, &head_page)))
		return err;
	p.folio_has_mapcount = head_page.has_mapcount;
	p.folio_mapcount = head_page.mapcount;
	p.folio_type = head_page.type;
	p.folio_page_type = head_page.page_type;
	/* v6.12 types a whole folio (slab, hugetlb) on its head only. */
	if (p.tail && !p.type)
		p.type = head_page.type;

	if (test_bit(p.folio_flags, d->slab_bit) || (p.folio_type && strcmp(p.folio_type, "slab") == 0)) {
		/* struct slab overlays the folio: no mapping or index. */
		p.mapping_kind = KINSPECT_MAPPING_SLAB;
		err = decode_slab(d, &p);
	} else if (!p.mapping) {
		p.mapping_kind = KINSPECT_MAPPING_NONE;
	} else if ((p.mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_FLAGS) {
		p.mapping_kind = KINSPECT_MAPPING_KSM;
	} else if (p.mapping & PAGE_MAPPING_ANON) {
		p.mapping_kind = KINSPECT_MAPPING_ANON;
	} else if (p.mapping & PAGE_MAPPING_MOVABLE) {
		p.mapping_kind = KINSPECT_MAPPING_MOVABLE;
	} else {
		p.mapping_kind = KINSPECT_MAPPING_FILE;
		err = decode_file(d, &p);
	}
	if (err)
		return err;
	p.anon = p.mapping_kind == KINSPECT_MAPPING_ANON || p.mapping_kind == KINSPECT_MAPPING_KSM;
	p.swapbacked = test_bit(p.folio_flags, d->swapbacked_bit);
	/* Since v6.6 the second page's flags word starts with the order. */
	uint64_t order_byte = !d->folio_order.present && d->flags_1.present ? 0xff : 0;
	p.flags_role = !p.tail                     ? KINSPECT_PAGE_FLAGS_FOLIO
		       : p.pfn == p.folio_pfn + 1 ? KINSPECT_PAGE_FLAGS_SECOND
						  : KINSPECT_PAGE_FLAGS_TAIL;
	p.flags_not_flags = p.flags_role == KINSPECT_PAGE_FLAGS_SECOND ? order_byte : 0;
	if (large && d->folio_size >= 2 * map->page_struct_size) {
		p.second_flags = kinspect_load_le(buf + map->page_struct_size + d->flags.offset, d->flags.size);
		p.second_not_flags = order_byte;
	}
	*ret = p;
	return NULL;
}

const char *kinspect_mapping_kind_name(enum kinspect_mapping_kind kind)
{
	switch (kind) {
	case KINSPECT_MAPPING_ANON: return "anon";
	case KINSPECT_MAPPING_KSM: return "ksm";
	case KINSPECT_MAPPING_MOVABLE: return "movable";
	case KINSPECT_MAPPING_FILE: return "file";
	case KINSPECT_MAPPING_SLAB: return "slab";
	default: return "none";
	}
}
