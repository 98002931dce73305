/* Module section addresses from mod->sect_attrs.
 *
 * Up to v6.13 sect_attrs is struct module_sect_attrs { grp; nsections;
 * attrs[] } with each struct module_sect_attr holding battr.attr.name and
 * address (the layout of the bookworm and trixie test kernels).
 * v6.14 reworked it (Thomas Weißschuh's series: d8959b947a8d "module: sysfs:
 * Drop member 'module_sect_attrs::nsections'", 4b2c11e4aaf7 "Drop member
 * 'module_sect_attr::address'", 34f5ec0f8252 "Drop 'struct
 * module_sect_attr'"): module_sect_attrs is { grp; struct bin_attribute
 * attrs[] }, the sections are listed by the NULL-terminated
 * grp.bin_attrs, and each address is kept in bin_attribute.private (the
 * layout of the trixie-backports test kernel).  Which one a kernel has is
 * read from its DWARF.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/module-sections.h"

/* Reads are cut at multiples of the smallest page size of any architecture
 * (4 KiB), so that one unmapped page fails only the read that reaches it. */
#define READ_CHUNK 4096
#define SECTION_NAME_MAX 128

struct kinspect_error *kinspect_read_string(const struct kinspect_memory *mem, uint64_t addr, char *buf,
					    size_t size)
{
	if (size == 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "string buffer of 0 bytes");
	size_t done = 0;
	while (done + 1 < size) {
		uint64_t at = addr + done;
		size_t n = READ_CHUNK - (at % READ_CHUNK);
		if (n > size - 1 - done)
			n = size - 1 - done;
		struct kinspect_error *err = kinspect_memory_read(mem, at, buf + done, n);
		if (err)
			return err;
		if (memchr(buf + done, '\0', n))
			return NULL;
		done += n;
	}
	buf[size - 1] = '\0';
	return NULL;
}

/* Where a section's name pointer and address sit in one element of the
 * array read from the kernel: struct module_sect_attr up to v6.13, struct
 * bin_attribute since v6.14. */
struct layout {
	bool bin_attrs_list; /* v6.14+: listed by grp.bin_attrs, address in ->private */
	uint64_t sect_attrs;	 /* struct module.sect_attrs */
	uint64_t nsections;	 /* up to v6.13: module_sect_attrs.nsections */
	uint64_t attrs;		 /* up to v6.13: module_sect_attrs.attrs */
	uint64_t bin_attrs;	 /* since v6.14: module_sect_attrs.grp.bin_attrs */
	uint64_t attr_size, attr_name, attr_address;
};

static struct kinspect_error *offset_of(struct kinspect_dwarf_types *types, const char *type, const char *path,
					uint64_t *ret)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, type, path, &m);
	if (!err)
		*ret = m.offset;
	return err;
}

static struct kinspect_error *load_old_layout(struct kinspect_dwarf_types *types, struct layout *l)
{
	struct kinspect_error *err;
	if ((err = offset_of(types, "struct module_sect_attrs", "nsections", &l->nsections)) ||
	    (err = offset_of(types, "struct module_sect_attrs", "attrs", &l->attrs)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct module_sect_attr", &l->attr_size)) ||
	    (err = offset_of(types, "struct module_sect_attr", "battr.attr.name", &l->attr_name)))
		return err;
	return offset_of(types, "struct module_sect_attr", "address", &l->attr_address);
}

static struct kinspect_error *load_bin_attrs_layout(struct kinspect_dwarf_types *types, struct layout *l)
{
	struct kinspect_error *err;
	l->bin_attrs_list = true;
	/* grp.bin_attrs sat in a union with bin_attrs_new while the kernel
	 * moved to const bin_attributes (v6.13-v6.16); the member path goes
	 * through the anonymous union either way. */
	if ((err = offset_of(types, "struct module_sect_attrs", "grp.bin_attrs", &l->bin_attrs)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct bin_attribute", &l->attr_size)) ||
	    (err = offset_of(types, "struct bin_attribute", "attr.name", &l->attr_name)))
		return err;
	return offset_of(types, "struct bin_attribute", "private", &l->attr_address);
}

static struct kinspect_error *load_layout(struct kinspect_dwarf_types *types, struct layout *l)
{
	*l = (struct layout){0};
	bool old_layout, has_private;
	struct kinspect_error *err;
	if ((err = kinspect_dwarf_types_has_member(types, "struct module_sect_attr", "address", &old_layout)) ||
	    (err = kinspect_dwarf_types_has_member(types, "struct bin_attribute", "private", &has_private)))
		return err;
	if (!old_layout && !has_private)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
					     "this kernel's DWARF has neither struct module_sect_attr.address "
					     "(up to Linux 6.13) nor struct bin_attribute.private (6.14+): cannot "
					     "find module section addresses");
	if ((err = offset_of(types, "struct module", "sect_attrs", &l->sect_attrs)) ||
	    (err = old_layout ? load_old_layout(types, l) : load_bin_attrs_layout(types, l)))
		return err;
	/* Hostile DWARF must not make the attrs[] buffer overflow or explode:
	 * with these bounds nsections * attr_size stays below 4 MiB. */
	if (l->attr_size < 8 || l->attr_size > 4096 || l->attr_name > l->attr_size - 8 ||
	    l->attr_address > l->attr_size - 8)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "section attribute of %llu bytes with "
					     "name at %llu and address at %llu is not plausible",
					     (unsigned long long)l->attr_size, (unsigned long long)l->attr_name,
					     (unsigned long long)l->attr_address);
	return NULL;
}

static uint64_t load_u64(const uint8_t *p)
{
	return kinspect_load_le(p, 8);
}

/* Up to v6.13: nsections, then attrs[] read whole in one round trip. */
static struct kinspect_error *read_old_attrs(const struct layout *l, const struct kinspect_memory *mem,
					     uint64_t sect_attrs, uint8_t **ret, uint32_t *count)
{
	uint32_t nsections;
	struct kinspect_error *err = kinspect_memory_read(mem, sect_attrs + l->nsections, &nsections, 4);
	if (err)
		return kinspect_error_wrap(err, "sect_attrs 0x%llx nsections", (unsigned long long)sect_attrs);
	if (nsections > KINSPECT_MODULE_SECTIONS_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "sect_attrs 0x%llx: %u sections (corrupted?)",
					     (unsigned long long)sect_attrs, nsections);
	uint8_t *attrs = malloc(nsections * l->attr_size + 1);
	if (!attrs)
		return &kinspect_error_nomem;
	if (nsections && (err = kinspect_memory_read(mem, sect_attrs + l->attrs, attrs, nsections * l->attr_size))) {
		free(attrs);
		return kinspect_error_wrap(err, "sect_attrs 0x%llx attrs[%u]", (unsigned long long)sect_attrs,
					   nsections);
	}
	*ret = attrs;
	*count = nsections;
	return NULL;
}

struct kinspect_error *kinspect_read_pointer_list(const struct kinspect_memory *mem, uint64_t list, uint32_t max,
						  uint64_t *ptrs, uint32_t *count)
{
	uint32_t n = 0;
	while (n < max) {
		uint64_t at = list + n * 8ull;
		size_t room = (READ_CHUNK - at % READ_CHUNK) / 8;
		if (room == 0) /* a misaligned array straddling a page: one word */
			room = 1;
		if (room > max - n)
			room = max - n;
		uint8_t buf[READ_CHUNK + 8];
		struct kinspect_error *err = kinspect_memory_read(mem, at, buf, room * 8);
		if (err)
			return kinspect_error_wrap(err, "pointer list 0x%llx[%u]", (unsigned long long)list, n);
		for (size_t i = 0; i < room; i++) {
			uint64_t p = load_u64(buf + i * 8);
			if (p == 0) {
				*count = n;
				return NULL;
			}
			ptrs[n++] = p;
		}
	}
	return kinspect_error_create(KINSPECT_ERROR_FORMAT, "pointer list 0x%llx has no end within %u entries "
				     "(corrupted?)", (unsigned long long)list, max);
}

/* Since v6.14: the bin_attribute pointers of grp.bin_attrs.  They point
 * into attrs[] in order, so the elements are read in one round trip; a
 * list that does not (another kernel's allocation) is read element by
 * element. */
static struct kinspect_error *read_bin_attrs(const struct layout *l, const struct kinspect_memory *mem,
					     uint64_t sect_attrs, uint8_t **ret, uint32_t *count)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(mem, sect_attrs + l->bin_attrs, word, 8);
	if (err)
		return kinspect_error_wrap(err, "sect_attrs 0x%llx grp.bin_attrs", (unsigned long long)sect_attrs);
	uint64_t list = load_u64(word);
	uint32_t n = 0;
	_cleanup_free_ uint64_t *ptrs = NULL;
	if (list) {
		if (!(ptrs = malloc(KINSPECT_MODULE_SECTIONS_MAX * sizeof(*ptrs))))
			return &kinspect_error_nomem;
		if ((err = kinspect_read_pointer_list(mem, list, KINSPECT_MODULE_SECTIONS_MAX, ptrs, &n)))
			return kinspect_error_wrap(err, "sections");
	}
	uint8_t *attrs = malloc(n * l->attr_size + 1);
	if (!attrs)
		return &kinspect_error_nomem;
	bool in_order = true;
	for (uint32_t i = 1; i < n && in_order; i++)
		in_order = ptrs[i] == ptrs[0] + i * l->attr_size;
	if (n && in_order) {
		err = kinspect_memory_read(mem, ptrs[0], attrs, n * l->attr_size);
	} else {
		for (uint32_t i = 0; i < n && !err; i++)
			err = kinspect_memory_read(mem, ptrs[i], attrs + i * l->attr_size, l->attr_size);
	}
	if (err) {
		free(attrs);
		return kinspect_error_wrap(err, "sect_attrs 0x%llx: %u section attributes",
					   (unsigned long long)sect_attrs, n);
	}
	*ret = attrs;
	*count = n;
	return NULL;
}

/* Ask for every section name at once (what kinspect_read_string() reads
 * first: to the page end, SECTION_NAME_MAX bytes at most): a memory cache
 * fetches them in a few batched round trips instead of one per name. */
static void prefetch_names(const struct layout *l, const struct kinspect_memory *mem, const uint8_t *attrs,
			   uint32_t n)
{
	_cleanup_free_ struct kinspect_memory_range *ranges = malloc((n + 1) * sizeof(*ranges));
	if (!ranges)
		return; /* only a speed-up */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t name = load_u64(attrs + i * l->attr_size + l->attr_name);
		uint64_t room = READ_CHUNK - name % READ_CHUNK;
		ranges[i] = (struct kinspect_memory_range){ name, room < SECTION_NAME_MAX - 1 ? room : SECTION_NAME_MAX - 1 };
	}
	kinspect_memory_prefetch(mem, ranges, n);
}

struct kinspect_error *kinspect_module_sections(struct kinspect_dwarf_types *types,
						const struct kinspect_memory *mem, uint64_t module,
						struct kinspect_error *(*fn)(const char *name, uint64_t address,
									     void *arg),
						void *arg)
{
	struct layout l;
	struct kinspect_error *err = load_layout(types, &l);
	if (err)
		return err;
	uint8_t word[8];
	if ((err = kinspect_memory_read(mem, module + l.sect_attrs, word, 8)))
		return kinspect_error_wrap(err, "mod->sect_attrs");
	uint64_t sect_attrs = load_u64(word);
	if (sect_attrs == 0)
		return NULL;
	_cleanup_free_ uint8_t *attrs = NULL;
	uint32_t nsections = 0;
	err = l.bin_attrs_list ? read_bin_attrs(&l, mem, sect_attrs, &attrs, &nsections)
			       : read_old_attrs(&l, mem, sect_attrs, &attrs, &nsections);
	if (err)
		return err;
	prefetch_names(&l, mem, attrs, nsections);
	for (uint32_t i = 0; i < nsections; i++) {
		const uint8_t *attr = attrs + i * l.attr_size;
		char name[SECTION_NAME_MAX];
		if ((err = kinspect_read_string(mem, load_u64(attr + l.attr_name), name, sizeof(name))))
			return kinspect_error_wrap(err, "name of section %u", i);
		if ((err = fn(name, load_u64(attr + l.attr_address), arg)))
			return err;
	}
	return NULL;
}
