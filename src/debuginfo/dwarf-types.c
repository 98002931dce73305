/* Type layouts from DWARF.  A vmlinux has no .debug_names or .gdb_index
 * (Debian's 6.1 and 6.12 images have neither), and indexing ~200 MB of
 * .debug_info costs seconds, so a lookup walks the top-level DIEs of one
 * compilation unit after another until it meets a complete definition, and
 * remembers the answer (found or not) by name.  Probing for what a kernel
 * lacks is common (struct folio_queue before 6.12), and each miss reads all
 * of the DWARF; so a scan that misses leaves behind a Bloom filter of every
 * name of its kind it passed, and later misses of that kind cost nothing.
 * With a layout cache (layout-cache.c) the DWARF is opened only for the
 * first question the cache cannot answer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/dwarf-types-priv.h"
#include "debuginfo/layout-cache.h"

#define CACHE_BUCKETS 256
#define MAX_DEPTH KINSPECT_DWARF_MAX_DEPTH
#define MAX_DIMS KINSPECT_DWARF_MAX_DIMS
/* 2^21 bits (256 KiB) per kind: about 1% false positives at 200,000 names. */
#define BLOOM_BITS (UINT64_C(1) << 21)
#define BLOOM_HASHES 4
/* A scan gives back the file pages of .debug_info it has passed this often. */
#define RELEASE_EVERY (UINT64_C(32) << 20)

enum lookup_kind {
	LOOKUP_STRUCT,
	LOOKUP_UNION,
	LOOKUP_ENUM,
	/* A typedef or a base type. */
	LOOKUP_PLAIN,
	LOOKUP_ENUMERATOR,
	/* A global variable's definition, and failing that its declaration
	 * (symbols the linker script defines, such as jiffies, have only one). */
	LOOKUP_VARIABLE,
	LOOKUP_VARIABLE_DECL,
	LOOKUP_KINDS,
};

struct cache_entry {
	struct cache_entry *next;
	enum lookup_kind kind;
	bool found;
	/* The type's DIE, or the enumerator's value. */
	Dwarf_Off die_offset;
	int64_t value;
	char name[];
};

struct kinspect_dwarf_types {
	char *path;
	Dwfl *dwfl;
	Dwarf *dwarf;
	struct cache_entry *cache[CACHE_BUCKETS];
	/* Per kind: the names of all complete definitions, once a scan of that
	 * kind has run to the end (BLOOM_COMPLETE). */
	uint64_t *bloom[LOOKUP_KINDS];
	bool bloom_complete[LOOKUP_KINDS];
	/* .debug_info as mapped from the file, if it is used in place (NULL
	 * for relocated or decompressed data). */
	const char *info_map;
	uint64_t info_size;
	/* Answers from earlier runs, and where new ones go (may be NULL). */
	struct kinspect_layout_cache *layout_cache;
};

static struct kinspect_error *dwarf_error(const struct kinspect_dwarf_types *t, const char *what)
{
	return kinspect_error_file(t->path, "%s: %s", what, dwarf_errmsg(-1));
}

/* The file has its own DWARF or none: never look elsewhere. */
static int no_separate_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
				 const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
				 char **debuginfo_file_name)
{
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = no_separate_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* A miss reads all of .debug_info (200-220 MB in Debian's images); its
 * pages, touched once, would stay in the resident set.  Where the section
 * is the file's own read-only bytes, used in place (an executable: nothing
 * is relocated or decompressed), the scan can give them back with
 * MADV_DONTNEED: they are clean, so later reads fault them in again from
 * the page cache unchanged. */
static void find_info_map(struct kinspect_dwarf_types *t)
{
	Elf *elf = dwarf_getelf(t->dwarf);
	GElf_Ehdr ehdr;
	size_t shstrndx, file_size;
	char *file = elf ? elf_rawfile(elf, &file_size) : NULL;
	if (!file || !gelf_getehdr(elf, &ehdr) || ehdr.e_type != ET_EXEC || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *name;
		if (!gelf_getshdr(scn, &shdr) || !(name = elf_strptr(elf, shstrndx, shdr.sh_name)) ||
		    strcmp(name, ".debug_info") != 0)
			continue;
		Elf_Data *data = elf_rawdata(scn, NULL);
		if ((shdr.sh_flags & SHF_COMPRESSED) || !data || data->d_size != shdr.sh_size ||
		    shdr.sh_offset > file_size || shdr.sh_size > file_size - shdr.sh_offset ||
		    (const char *)data->d_buf != file + shdr.sh_offset)
			return;
		t->info_map = data->d_buf;
		t->info_size = data->d_size;
		return;
	}
}

/* Give back the whole pages of .debug_info in [FROM, TO). */
static void release_info(struct kinspect_dwarf_types *t, uint64_t from, uint64_t to)
{
	long page = sysconf(_SC_PAGESIZE);
	if (!t->info_map || page <= 0 || to > t->info_size)
		return;
	uintptr_t start = ((uintptr_t)t->info_map + from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t end = ((uintptr_t)t->info_map + to) & ~((uintptr_t)page - 1);
	if (start < end)
		madvise((void *)start, end - start, MADV_DONTNEED);
}

/* Open the DWARF once, on the first question the layout cache cannot
 * answer. */
static struct kinspect_error *open_dwarf(struct kinspect_dwarf_types *t)
{
	if (t->dwarf)
		return NULL;
	if (!t->dwfl) {
		t->dwfl = dwfl_begin(&offline_callbacks);
		if (!t->dwfl)
			return &kinspect_error_nomem;
	}
	/* dwfl rather than dwarf_begin_elf: it applies the relocations of a
	 * relocatable object (test fixtures); a vmlinux is used as it is. */
	dwfl_report_begin(t->dwfl);
	Dwfl_Module *mod = dwfl_report_offline(t->dwfl, "kernel", t->path, -1);
	Dwarf_Addr bias;
	if (!mod || dwfl_report_end(t->dwfl, NULL, NULL) != 0)
		return kinspect_error_file(t->path, "cannot read ELF: %s", dwfl_errmsg(-1));
	struct kinspect_error *err = kinspect_elf_check_compressed(dwfl_module_getelf(mod, &bias), t->path);
	if (err)
		return err;
	if (!(t->dwarf = dwfl_module_getdwarf(mod, &bias)))
		return kinspect_error_file(t->path, "no usable DWARF: %s", dwfl_errmsg(-1));
	find_info_map(t);
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_create_lazy(const char *path, struct kinspect_layout_cache *cache,
							struct kinspect_dwarf_types **ret)
{
	/* dwfl's own message for a missing file has no errno. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		kinspect_layout_cache_destroy(cache);
		return kinspect_error_os(errno, path, "cannot open DWARF file");
	}
	close(fd);

	struct kinspect_dwarf_types *t = calloc(1, sizeof(*t));
	if (!t) {
		kinspect_layout_cache_destroy(cache);
		return &kinspect_error_nomem;
	}
	t->layout_cache = cache;
	t->path = strdup(path);
	if (!t->path) {
		kinspect_dwarf_types_destroy(t);
		return &kinspect_error_nomem;
	}
	*ret = t;
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_create(const char *path, struct kinspect_dwarf_types **ret)
{
	struct kinspect_dwarf_types *t;
	struct kinspect_error *err = kinspect_dwarf_types_create_lazy(path, NULL, &t);
	if (err)
		return err;
	err = open_dwarf(t);
	if (err) {
		kinspect_dwarf_types_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

bool kinspect_dwarf_types_opened(const struct kinspect_dwarf_types *t)
{
	return t->dwarf != NULL;
}

struct kinspect_error *kinspect_dwarf_types_save_cache(struct kinspect_dwarf_types *t)
{
	return t->layout_cache ? kinspect_layout_cache_save(t->layout_cache) : NULL;
}

void kinspect_dwarf_types_destroy(struct kinspect_dwarf_types *t)
{
	if (!t)
		return;
	kinspect_layout_cache_destroy(t->layout_cache);
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct cache_entry *e = t->cache[i];
		while (e) {
			struct cache_entry *next = e->next;
			free(e);
			e = next;
		}
	}
	for (size_t i = 0; i < LOOKUP_KINDS; i++)
		free(t->bloom[i]);
	if (t->dwfl)
		dwfl_end(t->dwfl);
	free(t->path);
	free(t);
}

/* --- finding top-level definitions ----------------------------------------- */

static size_t cache_hash(enum lookup_kind kind, const char *name)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % CACHE_BUCKETS;
}

static struct cache_entry *cache_find(struct kinspect_dwarf_types *t, enum lookup_kind kind, const char *name)
{
	for (struct cache_entry *e = t->cache[cache_hash(kind, name)]; e; e = e->next) {
		if (e->kind == kind && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static struct cache_entry *cache_add(struct kinspect_dwarf_types *t, enum lookup_kind kind, const char *name)
{
	size_t len = strlen(name);
	struct cache_entry *e = calloc(1, sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	e->kind = kind;
	memcpy(e->name, name, len + 1);
	size_t h = cache_hash(kind, name);
	e->next = t->cache[h];
	t->cache[h] = e;
	return e;
}

/* Forget E: a lookup that failed on bad DWARF must fail again, not turn
 * into "not found". */
static void cache_drop(struct kinspect_dwarf_types *t, struct cache_entry *e)
{
	for (struct cache_entry **p = &t->cache[cache_hash(e->kind, e->name)]; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			free(e);
			return;
		}
	}
}

static uint64_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h ^ (h >> 29);
}

/* The Bloom bit positions of NAME: double hashing from one 64-bit hash. */
static void bloom_positions(const char *name, uint64_t pos[BLOOM_HASHES])
{
	uint64_t h = name_hash(name);
	uint64_t h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
	for (int i = 0; i < BLOOM_HASHES; i++)
		pos[i] = (h1 + (uint64_t)i * h2) % BLOOM_BITS;
}

static void bloom_add(uint64_t *bloom, const char *name)
{
	uint64_t pos[BLOOM_HASHES];
	bloom_positions(name, pos);
	for (int i = 0; i < BLOOM_HASHES; i++)
		bloom[pos[i] / 64] |= UINT64_C(1) << (pos[i] % 64);
}

static bool bloom_maybe(const uint64_t *bloom, const char *name)
{
	uint64_t pos[BLOOM_HASHES];
	bloom_positions(name, pos);
	for (int i = 0; i < BLOOM_HASHES; i++) {
		if (!(bloom[pos[i] / 64] & (UINT64_C(1) << (pos[i] % 64))))
			return false;
	}
	return true;
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	bool flag = false;
	return dwarf_attr(die, DW_AT_declaration, &attr) && dwarf_formflag(&attr, &flag) == 0 && flag;
}

static bool tag_matches(enum lookup_kind kind, int tag)
{
	switch (kind) {
	case LOOKUP_STRUCT:
		return tag == DW_TAG_structure_type;
	case LOOKUP_UNION:
		return tag == DW_TAG_union_type;
	case LOOKUP_ENUM:
		return tag == DW_TAG_enumeration_type;
	case LOOKUP_PLAIN:
		return tag == DW_TAG_typedef || tag == DW_TAG_base_type;
	case LOOKUP_ENUMERATOR:
		return tag == DW_TAG_enumeration_type;
	case LOOKUP_VARIABLE:
	case LOOKUP_VARIABLE_DECL:
		return tag == DW_TAG_variable;
	case LOOKUP_KINDS:
		break;
	}
	return false;
}

static struct kinspect_error *enumerator_value(struct kinspect_dwarf_types *t, Dwarf_Die *enum_die,
					       Dwarf_Die *die, int64_t *ret);

/* Look in one top-level DIE; true in *RET_FOUND if it is the answer.  Names
 * passed go into BLOOM unless it is NULL. */
static struct kinspect_error *match_die(struct kinspect_dwarf_types *t, Dwarf_Die *die, enum lookup_kind kind,
					const char *name, struct cache_entry *e, uint64_t *bloom, bool *ret_found)
{
	*ret_found = false;
	if (!tag_matches(kind, dwarf_tag(die)) || is_declaration(die) != (kind == LOOKUP_VARIABLE_DECL))
		return NULL;
	if (kind == LOOKUP_VARIABLE_DECL) {
		const char *die_name = dwarf_diename(die);
		if (die_name && bloom)
			bloom_add(bloom, die_name);
		if (die_name && strcmp(die_name, name) == 0) {
			e->die_offset = dwarf_dieoffset(die);
			*ret_found = true;
		}
		return NULL;
	}
	if (kind == LOOKUP_VARIABLE) {
		/* A definition that completes an earlier declaration names it
		 * through DW_AT_specification. */
		Dwarf_Attribute attr;
		const char *die_name =
			dwarf_hasattr(die, DW_AT_location) && dwarf_attr_integrate(die, DW_AT_name, &attr)
				? dwarf_formstring(&attr)
				: NULL;
		if (die_name && bloom)
			bloom_add(bloom, die_name);
		if (die_name && strcmp(die_name, name) == 0) {
			e->die_offset = dwarf_dieoffset(die);
			*ret_found = true;
		}
		return NULL;
	}
	if (kind != LOOKUP_ENUMERATOR) {
		const char *die_name = dwarf_diename(die);
		if (die_name && bloom)
			bloom_add(bloom, die_name);
		if (die_name && strcmp(die_name, name) == 0) {
			e->die_offset = dwarf_dieoffset(die);
			*ret_found = true;
		}
		return NULL;
	}
	Dwarf_Die child;
	int r = dwarf_child(die, &child);
	while (r == 0) {
		const char *die_name = dwarf_diename(&child);
		if (die_name && bloom)
			bloom_add(bloom, die_name);
		if (dwarf_tag(&child) == DW_TAG_enumerator && die_name && strcmp(die_name, name) == 0) {
			*ret_found = true;
			return enumerator_value(t, die, &child, &e->value);
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? dwarf_error(t, "bad enumeration") : NULL;
}

static struct kinspect_error *lookup(struct kinspect_dwarf_types *t, enum lookup_kind kind, const char *name,
				     struct cache_entry **ret)
{
	struct cache_entry *e = cache_find(t, kind, name);
	if (e) {
		*ret = e;
		return NULL;
	}
	e = cache_add(t, kind, name);
	if (!e)
		return &kinspect_error_nomem;
	if (t->bloom_complete[kind] && !bloom_maybe(t->bloom[kind], name)) {
		*ret = e;
		return NULL;
	}
	/* Only a scan that runs to the end sees every name. */
	uint64_t *bloom = NULL;
	if (!t->bloom_complete[kind]) {
		if (!t->bloom[kind])
			t->bloom[kind] = malloc(BLOOM_BITS / 8);
		bloom = t->bloom[kind];
		if (bloom)
			memset(bloom, 0, BLOOM_BITS / 8);
	}

	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	int r;
	uint64_t released = 0;
	while ((r = dwarf_get_units(t->dwarf, cu, &cu, NULL, NULL, &cudie, NULL)) == 0) {
		uint64_t cu_offset = dwarf_dieoffset(&cudie);
		if (cu_offset - released >= RELEASE_EVERY && cu_offset > released) {
			/* The unit header before the DIE stays. */
			release_info(t, released, cu_offset - 64);
			released = cu_offset - 64;
		}
		Dwarf_Die die;
		int c = dwarf_child(&cudie, &die);
		while (c == 0) {
			bool found;
			struct kinspect_error *err = match_die(t, &die, kind, name, e, bloom, &found);
			if (err) {
				cache_drop(t, e);
				return err;
			}
			if (found) {
				e->found = true;
				*ret = e;
				return NULL;
			}
			c = dwarf_siblingof(&die, &die);
		}
		if (c < 0) {
			cache_drop(t, e);
			return dwarf_error(t, "bad DWARF compilation unit");
		}
	}
	if (r < 0) {
		cache_drop(t, e);
		return dwarf_error(t, "bad DWARF unit header");
	}
	release_info(t, released, t->info_size);
	if (bloom)
		t->bloom_complete[kind] = true;
	*ret = e;
	return NULL;
}

/* Split "struct x" into a kind and "x". */
static const char *parse_type_name(const char *type_name, enum lookup_kind *ret_kind)
{
	static const struct {
		const char *prefix;
		enum lookup_kind kind;
	} prefixes[] = {
		{ "struct ", LOOKUP_STRUCT },
		{ "union ", LOOKUP_UNION },
		{ "enum ", LOOKUP_ENUM },
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t len = strlen(prefixes[i].prefix);
		if (strncmp(type_name, prefixes[i].prefix, len) == 0) {
			*ret_kind = prefixes[i].kind;
			return type_name + len + strspn(type_name + len, " ");
		}
	}
	*ret_kind = LOOKUP_PLAIN;
	return type_name;
}

/* The type TYPE_NAME; a miss is the static not-found when PROBE (the
 * public lookups), a message naming it otherwise. */
static struct kinspect_error *find_type_as(struct kinspect_dwarf_types *t, const char *type_name, Dwarf_Die *ret,
					   bool probe)
{
	enum lookup_kind kind;
	const char *name = parse_type_name(type_name, &kind);
	if (!*name)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "empty type name \"%s\"", type_name);
	struct cache_entry *e;
	struct kinspect_error *err = lookup(t, kind, name, &e);
	if (err)
		return err;
	if (!e->found && probe)
		return &kinspect_error_not_found;
	if (!e->found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no complete definition of %s in the DWARF of %s",
					     type_name, t->path);
	if (!dwarf_offdie(t->dwarf, e->die_offset, ret))
		return dwarf_error(t, "bad DIE offset");
	return NULL;
}

static struct kinspect_error *find_type(struct kinspect_dwarf_types *t, const char *type_name, Dwarf_Die *ret)
{
	return find_type_as(t, type_name, ret, false);
}

/* --- walking types ------------------------------------------------------ */

/* Follow typedefs and qualifiers to the type that has the layout.  A
 * typedef of a struct declared but not defined in its unit is completed by
 * name. */
static struct kinspect_error *strip_type(struct kinspect_dwarf_types *t, Dwarf_Die *die, Dwarf_Die *ret)
{
	*ret = *die;
	for (int depth = 0;; depth++) {
		int tag = dwarf_tag(ret);
		if (depth > MAX_DEPTH)
			return kinspect_error_file(t->path, "DWARF type chain too deep at DIE 0x%" PRIx64,
						   (uint64_t)dwarf_dieoffset(ret));
		if (tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
		    tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type) {
			Dwarf_Attribute attr;
			if (!dwarf_attr(ret, DW_AT_type, &attr))
				return NULL; /* void */
			if (!dwarf_formref_die(&attr, ret))
				return dwarf_error(t, "bad type reference");
			continue;
		}
		if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_enumeration_type) &&
		    is_declaration(ret)) {
			const char *name = dwarf_diename(ret);
			if (!name)
				return kinspect_error_file(t->path, "anonymous declaration at DIE 0x%" PRIx64,
							   (uint64_t)dwarf_dieoffset(ret));
			enum lookup_kind kind = tag == DW_TAG_structure_type ? LOOKUP_STRUCT
						: tag == DW_TAG_union_type   ? LOOKUP_UNION
									     : LOOKUP_ENUM;
			struct cache_entry *e;
			struct kinspect_error *err = lookup(t, kind, name, &e);
			if (err)
				return err;
			if (!e->found)
				return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
							     "%s %s is declared but never defined",
							     kind == LOOKUP_STRUCT  ? "struct"
							     : kind == LOOKUP_UNION ? "union"
										    : "enum",
							     name);
			if (!dwarf_offdie(t->dwarf, e->die_offset, ret))
				return dwarf_error(t, "bad DIE offset");
		}
		return NULL;
	}
}

static struct kinspect_error *die_type(struct kinspect_dwarf_types *t, Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Die type;
	if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type))
		return kinspect_error_file(t->path, "DIE 0x%" PRIx64 " has no valid type",
					   (uint64_t)dwarf_dieoffset(die));
	return strip_type(t, &type, ret);
}

/* The lengths of the dimensions of the array type DIE, 0 for an unknown
 * (flexible) one. */
static struct kinspect_error *array_dims(struct kinspect_dwarf_types *t, Dwarf_Die *die, uint64_t *dims,
					 int *ret_ndims)
{
	int n = 0;
	Dwarf_Die child;
	int r = dwarf_child(die, &child);
	while (r == 0) {
		if (dwarf_tag(&child) == DW_TAG_subrange_type) {
			if (n == MAX_DIMS)
				return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "array with over %d dimensions",
							     MAX_DIMS);
			Dwarf_Attribute attr;
			Dwarf_Word value;
			uint64_t len = 0;
			if (dwarf_attr(&child, DW_AT_count, &attr)) {
				if (dwarf_formudata(&attr, &value) == 0)
					len = value;
			} else if (dwarf_attr(&child, DW_AT_upper_bound, &attr)) {
				/* [0] is written as upper bound -1 by some compilers. */
				Dwarf_Sword bound;
				if (dwarf_formsdata(&attr, &bound) == 0 && bound >= 0)
					len = (uint64_t)bound + 1;
			}
			dims[n++] = len;
		}
		r = dwarf_siblingof(&child, &child);
	}
	if (r < 0)
		return dwarf_error(t, "bad array type");
	if (n == 0)
		dims[n++] = 0;
	*ret_ndims = n;
	return NULL;
}

static struct kinspect_error *type_size_depth(struct kinspect_dwarf_types *t, struct kinspect_dwarf_type_pos *pos, int depth,
					     uint64_t *ret)
{
	if (dwarf_tag(&pos->die) == DW_TAG_array_type) {
		if (depth > MAX_DEPTH)
			return kinspect_error_file(t->path, "DWARF array type nested too deep at DIE 0x%" PRIx64,
						   (uint64_t)dwarf_dieoffset(&pos->die));
		uint64_t dims[MAX_DIMS];
		int ndims;
		struct kinspect_error *err = array_dims(t, &pos->die, dims, &ndims);
		if (err)
			return err;
		Dwarf_Die elem;
		err = die_type(t, &pos->die, &elem);
		if (err)
			return err;
		struct kinspect_dwarf_type_pos elem_pos = { elem, 0 };
		uint64_t size;
		err = type_size_depth(t, &elem_pos, depth + 1, &size);
		if (err)
			return err;
		for (int i = pos->dims_used; i < ndims; i++)
			size *= dims[i];
		*ret = size;
		return NULL;
	}
	Dwarf_Word size;
	if (dwarf_aggregate_size(&pos->die, &size) != 0) {
		if (dwarf_tag(&pos->die) == DW_TAG_pointer_type) {
			/* Pointers without DW_AT_byte_size take the unit's address size. */
			Dwarf_Die cudie;
			uint8_t address_size;
			if (dwarf_diecu(&pos->die, &cudie, &address_size, NULL)) {
				*ret = address_size;
				return NULL;
			}
		}
		return kinspect_error_file(t->path, "no size for the type at DIE 0x%" PRIx64 ": %s",
					   (uint64_t)dwarf_dieoffset(&pos->die), dwarf_errmsg(-1));
	}
	*ret = size;
	return NULL;
}

static struct kinspect_error *type_size(struct kinspect_dwarf_types *t, struct kinspect_dwarf_type_pos *pos, uint64_t *ret)
{
	return type_size_depth(t, pos, 0, ret);
}

static struct kinspect_error *member_location(struct kinspect_dwarf_types *t, Dwarf_Die *die, uint64_t *ret)
{
	Dwarf_Attribute attr;
	*ret = 0;
	if (!dwarf_attr(die, DW_AT_data_member_location, &attr))
		return NULL; /* a union member, or the first of a struct */
	Dwarf_Word value;
	if (dwarf_whatform(&attr) != DW_FORM_exprloc && dwarf_whatform(&attr) != DW_FORM_block1 &&
	    dwarf_formudata(&attr, &value) == 0) {
		*ret = value;
		return NULL;
	}
	/* DWARF 2 style: a location expression DW_OP_plus_uconst N. */
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_plus_uconst) {
		*ret = ops[0].number;
		return NULL;
	}
	return kinspect_error_file(t->path, "unsupported member location at DIE 0x%" PRIx64,
				   (uint64_t)dwarf_dieoffset(die));
}

/* Bit-field position relative to the containing type, in *RET_BIT_OFFSET
 * and *RET_BIT_SIZE (0 if MEMBER is no bit-field); BYTE_OFFSET is the
 * member's data location. */
static struct kinspect_error *member_bits(struct kinspect_dwarf_types *t, Dwarf_Die *member, uint64_t byte_offset,
					  uint64_t type_size_bytes, uint64_t *ret_bit_offset, uint32_t *ret_bit_size)
{
	Dwarf_Attribute attr;
	Dwarf_Word value;
	*ret_bit_offset = byte_offset * 8;
	*ret_bit_size = 0;
	if (!dwarf_attr(member, DW_AT_bit_size, &attr))
		return NULL;
	if (dwarf_formudata(&attr, &value) != 0 || value == 0 || value > 64 * 8)
		return kinspect_error_file(t->path, "bad bit-field size at DIE 0x%" PRIx64,
					   (uint64_t)dwarf_dieoffset(member));
	*ret_bit_size = (uint32_t)value;
	if (dwarf_attr(member, DW_AT_data_bit_offset, &attr)) {
		if (dwarf_formudata(&attr, &value) != 0)
			return dwarf_error(t, "bad DW_AT_data_bit_offset");
		*ret_bit_offset = value;
		return NULL;
	}
	if (dwarf_attr(member, DW_AT_bit_offset, &attr)) {
		/* DWARF 2/3: counted from the most significant bit of a storage
		 * unit of DW_AT_byte_size (or the type's size) bytes; kinspect
		 * reads little-endian kernels. */
		if (dwarf_formudata(&attr, &value) != 0)
			return dwarf_error(t, "bad DW_AT_bit_offset");
		uint64_t storage = type_size_bytes;
		Dwarf_Attribute size_attr;
		Dwarf_Word size;
		if (dwarf_attr(member, DW_AT_byte_size, &size_attr) && dwarf_formudata(&size_attr, &size) == 0)
			storage = size;
		if (value + *ret_bit_size > storage * 8)
			return kinspect_error_file(t->path, "bad bit-field position at DIE 0x%" PRIx64,
						   (uint64_t)dwarf_dieoffset(member));
		*ret_bit_offset = byte_offset * 8 + storage * 8 - value - *ret_bit_size;
	}
	return NULL;
}

static bool is_aggregate(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type;
}

/* Find the member NAME (LEN bytes) of the struct or union AGG, looking
 * through anonymous members; its DIE in *RET and its data location (bytes
 * from AGG) in *RET_OFFSET.  *RET_FOUND false if there is none. */
static struct kinspect_error *find_member(struct kinspect_dwarf_types *t, Dwarf_Die *agg, const char *name,
					  size_t len, int depth, Dwarf_Die *ret, uint64_t *ret_offset,
					  bool *ret_found)
{
	*ret_found = false;
	if (depth > MAX_DEPTH)
		return kinspect_error_file(t->path, "anonymous members nested too deep");
	Dwarf_Die child;
	int r = dwarf_child(agg, &child);
	while (r == 0) {
		if (dwarf_tag(&child) == DW_TAG_member) {
			const char *member_name = dwarf_diename(&child);
			if (member_name && strlen(member_name) == len && memcmp(member_name, name, len) == 0) {
				*ret = child;
				*ret_found = true;
				return member_location(t, &child, ret_offset);
			}
			if (!member_name) {
				Dwarf_Die type;
				struct kinspect_error *err = die_type(t, &child, &type);
				if (err)
					return err;
				if (is_aggregate(&type)) {
					uint64_t inner = 0;
					err = find_member(t, &type, name, len, depth + 1, ret, &inner, ret_found);
					if (err || *ret_found) {
						if (!err)
							err = member_location(t, &child, ret_offset);
						*ret_offset += inner;
						return err;
					}
				}
			}
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? dwarf_error(t, "bad struct or union") : NULL;
}

/* Layout of one member DIE whose data location is BYTE_OFFSET from the
 * outer type. */
static struct kinspect_error *member_layout(struct kinspect_dwarf_types *t, Dwarf_Die *member, uint64_t byte_offset,
					    struct kinspect_dwarf_type_pos *ret_pos, struct kinspect_dwarf_member *ret)
{
	struct kinspect_error *err = die_type(t, member, &ret_pos->die);
	if (err)
		return err;
	ret_pos->dims_used = 0;
	memset(ret, 0, sizeof(*ret));
	err = type_size(t, ret_pos, &ret->size);
	if (err)
		return err;
	err = member_bits(t, member, byte_offset, ret->size, &ret->bit_offset, &ret->bit_size);
	if (err)
		return err;
	ret->offset = ret->bit_offset / 8;
	return NULL;
}

static void set_array_info(struct kinspect_dwarf_types *t, struct kinspect_dwarf_type_pos *pos, struct kinspect_dwarf_member *ret)
{
	ret->is_array = false;
	ret->array_length = 0;
	if (dwarf_tag(&pos->die) != DW_TAG_array_type)
		return;
	uint64_t dims[MAX_DIMS];
	int ndims;
	struct kinspect_error *err = array_dims(t, &pos->die, dims, &ndims);
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	if (pos->dims_used < ndims) {
		ret->is_array = true;
		ret->array_length = dims[pos->dims_used];
	}
}

/* Resolve PATH in TYPE_NAME.  *RET_FOUND false (and no error) if a member
 * is missing; then *RET_MISSING_AT points into PATH at the missing name. */
static struct kinspect_error *resolve_in(struct kinspect_dwarf_types *t, const char *type_name,
					 struct kinspect_dwarf_type_pos *posp, const char *path,
					 struct kinspect_dwarf_member *ret, bool *ret_found, const char **ret_missing_at)
{
	struct kinspect_dwarf_type_pos pos = *posp;
	struct kinspect_dwarf_member m = { 0 };
	struct kinspect_error *err = type_size(t, &pos, &m.size);
	if (err)
		return err;
	*ret_found = false;
	const char *p = path;
	/* "[2].x" indexes an array type itself (a variable's, for print). */
	bool expect_name = *p != '[';
	for (;;) {
		if (expect_name) {
			size_t len = strcspn(p, ".[");
			if (len == 0)
				return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
							     "bad member designator \"%s\"", path);
			if (!is_aggregate(&pos.die) || pos.dims_used) {
				if (p == path)
					return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
								     "%s is not a struct or union", type_name);
				return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
							     "%s: %.*s is not a struct or union", type_name,
							     (int)(p - 1 - path), path);
			}
			Dwarf_Die member;
			uint64_t offset;
			bool found;
			err = find_member(t, &pos.die, p, len, 0, &member, &offset, &found);
			if (err)
				return err;
			if (!found) {
				*ret_missing_at = p;
				return NULL;
			}
			/* A bit-field's offset is kept in bits; the new member is
			 * relative to the containing aggregate's start. */
			uint64_t base_bits = m.bit_offset;
			err = member_layout(t, &member, offset, &pos, &m);
			if (err)
				return err;
			m.bit_offset += base_bits;
			m.offset = m.bit_offset / 8;
			p += len;
		} else if (*p == '[') {
			char *end;
			errno = 0;
			unsigned long long index = strtoull(p + 1, &end, 0);
			if (errno || end == p + 1 || *end != ']' || p[1] == '-')
				return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
							     "bad array index in \"%s\"", path);
			if (dwarf_tag(&pos.die) != DW_TAG_array_type)
				return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
							     "%s: %.*s is not an array", type_name, (int)(p - path),
							     path);
			uint64_t dims[MAX_DIMS];
			int ndims;
			err = array_dims(t, &pos.die, dims, &ndims);
			if (err)
				return err;
			pos.dims_used++;
			if (pos.dims_used == ndims) {
				err = die_type(t, &pos.die, &pos.die);
				if (err)
					return err;
				pos.dims_used = 0;
			}
			uint64_t stride;
			err = type_size(t, &pos, &stride);
			if (err)
				return err;
			m.bit_offset += index * stride * 8;
			m.offset = m.bit_offset / 8;
			m.size = stride;
			m.bit_size = 0;
			p = end + 1;
		}
		if (*p == '\0')
			break;
		if (*p == '.') {
			p++;
			expect_name = true;
		} else if (*p == '[') {
			expect_name = false;
		} else {
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad member designator \"%s\"",
						     path);
		}
	}
	set_array_info(t, &pos, &m);
	*ret = m;
	*ret_found = true;
	*posp = pos;
	return NULL;
}

static struct kinspect_error *resolve(struct kinspect_dwarf_types *t, const char *type_name, const char *path,
				      struct kinspect_dwarf_member *ret, bool *ret_found,
				      const char **ret_missing_at)
{
	struct kinspect_dwarf_type_pos pos = { 0 };
	struct kinspect_error *err = find_type(t, type_name, &pos.die);
	if (!err)
		err = strip_type(t, &pos.die, &pos.die);
	if (!err)
		err = resolve_in(t, type_name, &pos, path, ret, ret_found, ret_missing_at);
	return err;
}

/* --- the API ---------------------------------------------------------- */

/* Stands for the DWARF file's path in the error messages kept in the cache. */
#define PATH_MARK '\x01'

/* The cached answer to a question, or NULL.  An answer that is an error
 * comes back as a new error with the same code and the whole message. */
static const struct kinspect_layout_answer *cached(struct kinspect_dwarf_types *t, enum kinspect_layout_query query,
						    const char *key, const char *path, struct kinspect_error **ret_err)
{
	*ret_err = NULL;
	if (!t->layout_cache)
		return NULL;
	const struct kinspect_layout_answer *a = kinspect_layout_cache_find(t->layout_cache, query, key, path);
	if (a && a->error_code) {
		/* The file's name went in as PATH_MARK: this run's name for it
		 * comes out (the same build-id may sit at another path). */
		const char *msg = a->error_message, *mark = strchr(msg, PATH_MARK);
		*ret_err = mark ? kinspect_error_create(a->error_code, "%.*s%s%s", (int)(mark - msg), msg, t->path,
							 mark + 1)
				: kinspect_error_create(a->error_code, "%s", msg);
	}
	return a;
}

/* Replace the first occurrence of the DWARF file's path in MESSAGE by
 * PATH_MARK (in place). */
static void mark_path(const struct kinspect_dwarf_types *t, char *message)
{
	size_t len = strlen(t->path);
	char *at = len ? strstr(message, t->path) : NULL;
	if (at && !strchr(message, PATH_MARK)) {
		*at = PATH_MARK;
		memmove(at + 1, at + len, strlen(at + len) + 1);
	}
}

/* Remember the outcome of a question: an answer, or an error that the same
 * DWARF would give again (absent, malformed question).  Errors of the DWARF
 * itself or of memory are not remembered. */
static void remember(struct kinspect_dwarf_types *t, enum kinspect_layout_query query, const char *key,
		     const char *path, const struct kinspect_error *err, struct kinspect_layout_answer *answer)
{
	if (!t->layout_cache)
		return;
	_cleanup_free_ char *message = NULL;
	if (err) {
		enum kinspect_error_code code = kinspect_error_code(err);
		if (code != KINSPECT_ERROR_NOT_FOUND && code != KINSPECT_ERROR_INVALID_ARGUMENT)
			return;
		message = kinspect_error_string(err);
		if (!message)
			return;
		mark_path(t, message);
		*answer = (struct kinspect_layout_answer){ .error_code = code, .error_message = message };
	}
	/* Failing to remember only costs the next run a DWARF lookup. */
	kinspect_error_destroy(kinspect_layout_cache_add(t->layout_cache, query, key, path, answer));
}

struct kinspect_error *kinspect_dwarf_types_sizeof(struct kinspect_dwarf_types *t, const char *type_name,
						   uint64_t *ret)
{
	struct kinspect_error *err;
	const struct kinspect_layout_answer *a = cached(t, KINSPECT_LAYOUT_SIZEOF, type_name, "", &err);
	if (a) {
		if (!err)
			*ret = a->value;
		return err;
	}
	struct kinspect_dwarf_type_pos pos = { 0 };
	uint64_t size = 0;
	err = open_dwarf(t);
	if (!err)
		err = find_type(t, type_name, &pos.die);
	if (!err)
		err = strip_type(t, &pos.die, &pos.die);
	if (!err)
		err = type_size(t, &pos, &size);
	if (err)
		err = kinspect_error_wrap(err, "sizeof(%s)", type_name);
	struct kinspect_layout_answer answer = { .value = size };
	remember(t, KINSPECT_LAYOUT_SIZEOF, type_name, "", err, &answer);
	if (!err)
		*ret = size;
	return err;
}

static struct kinspect_error *member_uncached(struct kinspect_dwarf_types *t, const char *type_name,
					      const char *path, struct kinspect_dwarf_member *ret)
{
	bool found;
	const char *missing = NULL;
	struct kinspect_error *err = open_dwarf(t);
	if (!err)
		err = resolve(t, type_name, path, ret, &found, &missing);
	if (err)
		return kinspect_error_wrap(err, "%s.%s", type_name, path);
	if (!found) {
		if (missing == path)
			return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "%s has no member %s", type_name,
						     path);
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "%s has no member %s (%.*s has no %.*s)",
					     type_name, path, (int)(missing - 1 - path), path,
					     (int)strcspn(missing, ".["), missing);
	}
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_member(struct kinspect_dwarf_types *t, const char *type_name,
						   const char *path, struct kinspect_dwarf_member *ret)
{
	struct kinspect_error *err;
	const struct kinspect_layout_answer *a = cached(t, KINSPECT_LAYOUT_MEMBER, type_name, path, &err);
	if (a) {
		if (!err)
			*ret = a->member;
		return err;
	}
	struct kinspect_layout_answer answer = { 0 };
	err = member_uncached(t, type_name, path, &answer.member);
	remember(t, KINSPECT_LAYOUT_MEMBER, type_name, path, err, &answer);
	if (!err)
		*ret = answer.member;
	return err;
}

struct kinspect_error *kinspect_dwarf_types_has_member(struct kinspect_dwarf_types *t, const char *type_name,
						       const char *path, bool *ret)
{
	/* The type or the member missing are the same "no" (and the same
	 * cached answer as kinspect_dwarf_types_member's). */
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(t, type_name, path, &m);
	*ret = err == NULL;
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return NULL;
	}
	return err;
}

struct kinspect_error *kinspect_dwarf_types_array_length(struct kinspect_dwarf_types *t, const char *type_name,
							 const char *path, uint64_t *ret)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(t, type_name, path, &m);
	if (err)
		return err;
	if (!m.is_array)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s.%s is not an array", type_name,
					     path);
	*ret = m.array_length;
	return NULL;
}

static struct kinspect_error *enumerator_value(struct kinspect_dwarf_types *t, Dwarf_Die *enum_die,
					       Dwarf_Die *die, int64_t *ret)
{
	Dwarf_Attribute attr;
	if (!dwarf_attr(die, DW_AT_const_value, &attr))
		return kinspect_error_file(t->path, "enumerator at DIE 0x%" PRIx64 " has no value",
					   (uint64_t)dwarf_dieoffset(die));
	/* libdw sign-extends fixed-size constants; an unsigned enumeration's
	 * large values must be read unsigned. */
	bool is_unsigned = false;
	Dwarf_Attribute type_attr;
	Dwarf_Die base;
	if (dwarf_attr(enum_die, DW_AT_type, &type_attr) && dwarf_formref_die(&type_attr, &base) &&
	    strip_type(t, &base, &base) == NULL) {
		Dwarf_Attribute enc_attr;
		Dwarf_Word encoding;
		if (dwarf_attr(&base, DW_AT_encoding, &enc_attr) && dwarf_formudata(&enc_attr, &encoding) == 0)
			is_unsigned = encoding == DW_ATE_unsigned || encoding == DW_ATE_unsigned_char ||
				      encoding == DW_ATE_boolean;
	}
	if (is_unsigned || dwarf_whatform(&attr) == DW_FORM_udata) {
		Dwarf_Word value;
		if (dwarf_formudata(&attr, &value) != 0)
			return dwarf_error(t, "bad enumerator value");
		Dwarf_Word size;
		if (dwarf_whatform(&attr) != DW_FORM_udata && dwarf_aggregate_size(enum_die, &size) == 0 &&
		    size < 8)
			value &= (UINT64_C(1) << (size * 8)) - 1;
		*ret = (int64_t)value;
		return NULL;
	}
	Dwarf_Sword value;
	if (dwarf_formsdata(&attr, &value) != 0)
		return dwarf_error(t, "bad enumerator value");
	*ret = value;
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_enum_value(struct kinspect_dwarf_types *t, const char *name,
						       int64_t *ret)
{
	struct kinspect_error *err;
	const struct kinspect_layout_answer *a = cached(t, KINSPECT_LAYOUT_ENUM, name, "", &err);
	if (a) {
		if (!err)
			*ret = (int64_t)a->value;
		return err;
	}
	struct cache_entry *e = NULL;
	err = open_dwarf(t);
	if (!err)
		err = lookup(t, LOOKUP_ENUMERATOR, name, &e);
	if (err)
		err = kinspect_error_wrap(err, "enumerator %s", name);
	else if (!e->found)
		err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no enumerator %s in the DWARF of %s", name,
					    t->path);
	struct kinspect_layout_answer answer = { .value = err ? 0 : (uint64_t)e->value };
	remember(t, KINSPECT_LAYOUT_ENUM, name, "", err, &answer);
	if (!err)
		*ret = e->value;
	return err;
}

static struct kinspect_error *
walk_members(struct kinspect_dwarf_types *t, Dwarf_Die *agg, uint64_t base_offset, int depth,
	     struct kinspect_error *(*fn)(const char *, const struct kinspect_dwarf_member *, void *), void *arg)
{
	if (depth > MAX_DEPTH)
		return kinspect_error_file(t->path, "anonymous members nested too deep");
	Dwarf_Die child;
	int r = dwarf_child(agg, &child);
	while (r == 0) {
		if (dwarf_tag(&child) == DW_TAG_member) {
			uint64_t offset;
			struct kinspect_error *err = member_location(t, &child, &offset);
			if (err)
				return err;
			const char *name = dwarf_diename(&child);
			struct kinspect_dwarf_type_pos pos;
			struct kinspect_dwarf_member m;
			if (name) {
				err = member_layout(t, &child, offset, &pos, &m);
				if (err)
					return err;
				m.bit_offset += base_offset * 8;
				m.offset = m.bit_offset / 8;
				set_array_info(t, &pos, &m);
				err = fn(name, &m, arg);
			} else {
				err = die_type(t, &child, &pos.die);
				if (!err && is_aggregate(&pos.die))
					err = walk_members(t, &pos.die, base_offset + offset, depth + 1, fn, arg);
			}
			if (err)
				return err;
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? dwarf_error(t, "bad struct or union") : NULL;
}

struct kinspect_error *
kinspect_dwarf_types_for_each_member(struct kinspect_dwarf_types *t, const char *type_name,
				     struct kinspect_error *(*fn)(const char *, const struct kinspect_dwarf_member *,
								  void *),
				     void *arg)
{
	Dwarf_Die die;
	struct kinspect_error *err = open_dwarf(t);
	if (!err)
		err = find_type(t, type_name, &die);
	if (!err)
		err = strip_type(t, &die, &die);
	if (!err && !is_aggregate(&die))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s is not a struct or union",
					     type_name);
	if (!err)
		err = walk_members(t, &die, 0, 0, fn, arg);
	return err ? kinspect_error_wrap(err, "members of %s", type_name) : NULL;
}

struct kinspect_error *
kinspect_dwarf_types_for_each_enumerator(struct kinspect_dwarf_types *t, const char *type_name,
					 struct kinspect_error *(*fn)(const char *, int64_t, void *), void *arg)
{
	Dwarf_Die die;
	struct kinspect_error *err = open_dwarf(t);
	if (!err)
		err = find_type(t, type_name, &die);
	if (!err)
		err = strip_type(t, &die, &die);
	if (err)
		return kinspect_error_wrap(err, "enumerators of %s", type_name);
	if (dwarf_tag(&die) != DW_TAG_enumeration_type)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s is not an enumeration", type_name);
	Dwarf_Die child;
	int r = dwarf_child(&die, &child);
	while (r == 0) {
		const char *name = dwarf_diename(&child);
		if (dwarf_tag(&child) == DW_TAG_enumerator && name) {
			int64_t value;
			if ((err = enumerator_value(t, &die, &child, &value)) || (err = fn(name, value, arg)))
				return err;
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? dwarf_error(t, "bad enumeration") : NULL;
}

/* --- DIEs for the value printer (dwarf-types-priv.h) ------------------------ */

struct kinspect_error *kinspect_dwarf_types_find_type_die(struct kinspect_dwarf_types *t, const char *type_name,
							  Dwarf_Die *ret)
{
	struct kinspect_error *err = open_dwarf(t);
	if (!err)
		err = find_type_as(t, type_name, ret, true);
	if (!err)
		err = strip_type(t, ret, ret);
	return err;
}

struct kinspect_error *kinspect_dwarf_types_find_variable(struct kinspect_dwarf_types *t, const char *name,
							  Dwarf_Die *ret_type, uint64_t *ret_addr, bool *ret_has_addr)
{
	struct cache_entry *e;
	struct kinspect_error *err = open_dwarf(t);
	if (!err)
		err = lookup(t, LOOKUP_VARIABLE, name, &e);
	if (err)
		return kinspect_error_wrap(err, "variable %s", name);
	if (!e->found) {
		err = lookup(t, LOOKUP_VARIABLE_DECL, name, &e);
		if (err)
			return kinspect_error_wrap(err, "variable %s", name);
	}
	if (!e->found)
		return &kinspect_error_not_found;
	Dwarf_Die die;
	if (!dwarf_offdie(t->dwarf, e->die_offset, &die))
		return dwarf_error(t, "bad DIE offset");
	Dwarf_Attribute attr;
	Dwarf_Die type;
	if (!dwarf_attr_integrate(&die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type))
		return kinspect_error_file(t->path, "variable %s has no valid type", name);
	err = strip_type(t, &type, ret_type);
	if (err)
		return err;
	*ret_has_addr = false;
	Dwarf_Op *ops;
	size_t nops;
	if (dwarf_attr(&die, DW_AT_location, &attr) && dwarf_getlocation(&attr, &ops, &nops) == 0 && nops == 1 &&
	    ops[0].atom == DW_OP_addr) {
		*ret_addr = ops[0].number;
		*ret_has_addr = true;
	}
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_strip(struct kinspect_dwarf_types *t, Dwarf_Die *die, Dwarf_Die *ret)
{
	return strip_type(t, die, ret);
}

struct kinspect_error *kinspect_dwarf_types_die_type(struct kinspect_dwarf_types *t, Dwarf_Die *die, Dwarf_Die *ret,
						     bool *ret_void)
{
	Dwarf_Attribute attr;
	*ret_void = !dwarf_attr(die, DW_AT_type, &attr);
	if (*ret_void)
		return NULL;
	Dwarf_Die type;
	if (!dwarf_formref_die(&attr, &type))
		return dwarf_error(t, "bad type reference");
	struct kinspect_error *err = strip_type(t, &type, ret);
	/* A typedef of void strips to the typedef itself. */
	if (!err && dwarf_tag(ret) == DW_TAG_typedef)
		*ret_void = true;
	return err;
}

struct kinspect_error *kinspect_dwarf_types_pos_size(struct kinspect_dwarf_types *t,
						     struct kinspect_dwarf_type_pos *pos, uint64_t *ret)
{
	return type_size(t, pos, ret);
}

struct kinspect_error *kinspect_dwarf_types_array_dims(struct kinspect_dwarf_types *t, Dwarf_Die *die,
						       uint64_t *dims, int *ret_ndims)
{
	return array_dims(t, die, dims, ret_ndims);
}

struct kinspect_error *kinspect_dwarf_types_member_die(struct kinspect_dwarf_types *t, Dwarf_Die *member,
						       uint64_t *ret_bit_offset, uint32_t *ret_bit_size,
						       Dwarf_Die *ret_type)
{
	uint64_t offset;
	struct kinspect_error *err = member_location(t, member, &offset);
	if (err)
		return err;
	struct kinspect_dwarf_type_pos pos;
	struct kinspect_dwarf_member m;
	err = member_layout(t, member, offset, &pos, &m);
	if (err)
		return err;
	*ret_bit_offset = m.bit_offset;
	*ret_bit_size = m.bit_size;
	*ret_type = pos.die;
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_resolve_pos(struct kinspect_dwarf_types *t, const char *name,
							struct kinspect_dwarf_type_pos *pos, const char *path,
							struct kinspect_dwarf_member *ret)
{
	bool found;
	const char *missing = NULL;
	struct kinspect_error *err = resolve_in(t, name, pos, path, ret, &found, &missing);
	if (err)
		return kinspect_error_wrap(err, "%s.%s", name, path);
	if (!found)
		return &kinspect_error_not_found;
	return NULL;
}

struct kinspect_error *kinspect_dwarf_types_enumerator_value(struct kinspect_dwarf_types *t, Dwarf_Die *enum_die,
							     Dwarf_Die *die, int64_t *ret)
{
	return enumerator_value(t, enum_die, die, ret);
}
