/* Module section addresses from mod->sect_attrs.
 *
 * Up to v6.13 sect_attrs is struct module_sect_attrs { grp; nsections;
 * attrs[] } with each struct module_sect_attr holding battr.attr.name and
 * address (the layout of both test kernels).  The v6.14 rework of module
 * sysfs lists the sections in the NULL-terminated grp.bin_attrs and keeps
 * each address in bin_attr->private instead; a kernel whose DWARF has no
 * module_sect_attr.address is refused with a clear error until such a
 * kernel is in the test bed.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/module-sections.h"

#define PAGE_SIZE 4096
#define SECTION_NAME_MAX 128

struct kinspect_error *kinspect_read_string(const struct kinspect_memory *mem, uint64_t addr, char *buf,
					    size_t size)
{
	if (size == 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "string buffer of 0 bytes");
	size_t done = 0;
	while (done + 1 < size) {
		uint64_t at = addr + done;
		size_t n = PAGE_SIZE - (at % PAGE_SIZE);
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

struct layout {
	uint64_t sect_attrs, nsections, attrs, attr_size, attr_name, attr_address;
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

static struct kinspect_error *load_layout(struct kinspect_dwarf_types *types, struct layout *l)
{
	bool old_layout;
	struct kinspect_error *err =
		kinspect_dwarf_types_has_member(types, "struct module_sect_attr", "address", &old_layout);
	if (err)
		return err;
	if (!old_layout)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
					     "this kernel has no struct module_sect_attr.address (the Linux 6.14+ "
					     "sysfs layout): module section addresses are not supported for it yet");
	if ((err = offset_of(types, "struct module", "sect_attrs", &l->sect_attrs)) ||
	    (err = offset_of(types, "struct module_sect_attrs", "nsections", &l->nsections)) ||
	    (err = offset_of(types, "struct module_sect_attrs", "attrs", &l->attrs)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct module_sect_attr", &l->attr_size)) ||
	    (err = offset_of(types, "struct module_sect_attr", "battr.attr.name", &l->attr_name)))
		return err;
	if ((err = offset_of(types, "struct module_sect_attr", "address", &l->attr_address)))
		return err;
	/* Hostile DWARF must not make the attrs[] buffer overflow or explode:
	 * with these bounds nsections * attr_size stays below 4 MiB. */
	if (l->attr_size < 8 || l->attr_size > 4096 || l->attr_name > l->attr_size - 8 ||
	    l->attr_address > l->attr_size - 8)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct module_sect_attr of %llu bytes with "
					     "name at %llu and address at %llu is not plausible",
					     (unsigned long long)l->attr_size, (unsigned long long)l->attr_name,
					     (unsigned long long)l->attr_address);
	return NULL;
}

static uint64_t load_u64(const uint8_t *p)
{
	return kinspect_load_le(p, 8);
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
	uint32_t nsections;
	if ((err = kinspect_memory_read(mem, sect_attrs + l.nsections, &nsections, sizeof(nsections))))
		return kinspect_error_wrap(err, "sect_attrs 0x%llx nsections", (unsigned long long)sect_attrs);
	if (nsections > KINSPECT_MODULE_SECTIONS_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "sect_attrs 0x%llx: %u sections (corrupted?)",
					     (unsigned long long)sect_attrs, nsections);
	/* The whole attrs[] array in one read: one round trip, not one per section. */
	_cleanup_free_ uint8_t *attrs = malloc(nsections * l.attr_size + 1);
	if (!attrs)
		return &kinspect_error_nomem;
	if (nsections && (err = kinspect_memory_read(mem, sect_attrs + l.attrs, attrs, nsections * l.attr_size)))
		return kinspect_error_wrap(err, "sect_attrs 0x%llx attrs[%u]", (unsigned long long)sect_attrs,
					   nsections);
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
