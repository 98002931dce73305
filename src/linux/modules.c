/* Walking the kernel's module list.
 *
 * Layouts come from DWARF and the code path from what it contains: since
 * Linux v6.4 (commit ac3b43283923 "module: replace module_layout with
 * module_memory") a module's memory is mod->mem[MOD_*]; before, it is
 * mod->core_layout and mod->init_layout.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/modules.h"

/* refcnt starts at 1 for a live module (MODULE_REF_BASE, a #define in
 * kernel/module/main.c that DWARF does not carry); /proc/modules shows
 * refcnt - 1. */
#define MODULE_REF_BASE 1
/* A struct module larger than this is not one (6.12: about 1.3 KiB). */
#define MODULE_STRUCT_MAX (64 * 1024)

struct field {
	uint64_t offset, size;
};

struct module_layout {
	uint64_t struct_size;
	struct field list_next, list_prev, name, state, refcnt;
	bool has_refcnt;
	/* v6.4+: mod->mem[] */
	bool has_mem;
	uint64_t nr_mem, mem_stride;
	struct field mem_base, mem_size; /* of mem[0] */
	const char *mem_names[KINSPECT_MODULE_REGIONS_MAX];
	/* before v6.4 */
	struct field core_base, core_size, init_base, init_size;
	int64_t state_values[4];
};

static const char *const state_names[4] = { "live", "coming", "going", "unformed" };
static const char *const state_enums[4] = {
	"MODULE_STATE_LIVE", "MODULE_STATE_COMING", "MODULE_STATE_GOING", "MODULE_STATE_UNFORMED",
};
/* enum mod_mem_type, v6.4+. */
static const char *const mem_enums[] = {
	"MOD_TEXT", "MOD_DATA", "MOD_RODATA", "MOD_RO_AFTER_INIT", "MOD_INIT_TEXT", "MOD_INIT_DATA", "MOD_INIT_RODATA",
};
static const char *const mem_names[] = {
	"text", "data", "rodata", "ro_after_init", "init_text", "init_data", "init_rodata",
};

static struct kinspect_error *field(struct kinspect_dwarf_types *types, const char *path, struct field *ret)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, "struct module", path, &m);
	if (err)
		return err;
	*ret = (struct field){ m.offset, m.size };
	return NULL;
}

static struct kinspect_error *load_mem_layout(struct kinspect_dwarf_types *types, struct module_layout *l)
{
	struct kinspect_error *err;
	struct kinspect_dwarf_member m0, m1;
	if ((err = kinspect_dwarf_types_array_length(types, "struct module", "mem", &l->nr_mem)) ||
	    (err = field(types, "mem[0].base", &l->mem_base)) || (err = field(types, "mem[0].size", &l->mem_size)) ||
	    (err = kinspect_dwarf_types_member(types, "struct module", "mem[0]", &m0)) ||
	    (err = kinspect_dwarf_types_member(types, "struct module", "mem[1]", &m1)))
		return err;
	if (m1.offset <= m0.offset)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct module: mem[1] is not after mem[0]");
	l->mem_stride = m1.offset - m0.offset;
	if (l->nr_mem > KINSPECT_MODULE_REGIONS_MAX)
		l->nr_mem = KINSPECT_MODULE_REGIONS_MAX;
	for (size_t i = 0; i < sizeof(mem_enums) / sizeof(mem_enums[0]); i++) {
		int64_t value;
		struct kinspect_error *e = kinspect_dwarf_types_enum_value(types, mem_enums[i], &value);
		if (e) {
			kinspect_error_destroy(e);
			continue;
		}
		if (value >= 0 && (uint64_t)value < l->nr_mem)
			l->mem_names[value] = mem_names[i];
	}
	return NULL;
}

/* Every field read from the struct module buffer must lie inside it, or a
 * hostile vmlinux would make decode() read past the buffer. */
static bool inside(const struct module_layout *l, struct field f)
{
	uint64_t size = f.size < 8 ? f.size : 8;
	return f.offset <= l->struct_size && size <= l->struct_size - f.offset;
}

static struct kinspect_error *check_bounds(const struct module_layout *l)
{
	bool ok = inside(l, l->list_next) && inside(l, l->list_prev) && inside(l, l->name) && inside(l, l->state) &&
		  (!l->has_refcnt || inside(l, l->refcnt));
	if (l->has_mem) {
		uint64_t last = l->nr_mem ? (l->nr_mem - 1) * l->mem_stride : 0;
		struct field base = { l->mem_base.offset + last, l->mem_base.size };
		struct field size = { l->mem_size.offset + last, l->mem_size.size };
		ok = ok && l->mem_stride > 0 && l->mem_stride <= l->struct_size && inside(l, base) && inside(l, size);
	} else {
		ok = ok && inside(l, l->core_base) && inside(l, l->core_size) && inside(l, l->init_base) &&
		     inside(l, l->init_size);
	}
	if (!ok)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "struct module's DWARF puts members outside its %llu bytes",
					     (unsigned long long)l->struct_size);
	return NULL;
}

static struct kinspect_error *load_layout(struct kinspect_dwarf_types *types, struct module_layout *l)
{
	struct kinspect_error *err;
	if ((err = kinspect_dwarf_types_sizeof(types, "struct module", &l->struct_size)) ||
	    (err = field(types, "list.next", &l->list_next)) || (err = field(types, "list.prev", &l->list_prev)) || (err = field(types, "name", &l->name)) ||
	    (err = field(types, "state", &l->state)) ||
	    (err = kinspect_dwarf_types_has_member(types, "struct module", "refcnt", &l->has_refcnt)) ||
	    (err = kinspect_dwarf_types_has_member(types, "struct module", "mem", &l->has_mem)))
		return err;
	if (l->struct_size > MODULE_STRUCT_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct module of %llu bytes",
					     (unsigned long long)l->struct_size);
	if (l->has_refcnt && (err = field(types, "refcnt.counter", &l->refcnt)))
		return err;
	if (l->has_mem) {
		err = load_mem_layout(types, l);
	} else if (!(err = field(types, "core_layout.base", &l->core_base)) &&
		   !(err = field(types, "core_layout.size", &l->core_size)) &&
		   !(err = field(types, "init_layout.base", &l->init_base))) {
		err = field(types, "init_layout.size", &l->init_size);
	}
	if (err)
		return err;
	if ((err = check_bounds(l)))
		return err;
	for (int i = 0; i < 4; i++) {
		struct kinspect_error *e = kinspect_dwarf_types_enum_value(types, state_enums[i], &l->state_values[i]);
		if (e) {
			kinspect_error_destroy(e);
			l->state_values[i] = -1;
		}
	}
	return NULL;
}

static uint64_t get(const uint8_t *buf, struct field f)
{
	return kinspect_load_le(buf + f.offset, f.size);
}

static void decode(const struct module_layout *l, uint64_t address, const uint8_t *buf,
		   struct kinspect_module *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->address = address;
	size_t name_len = l->name.size < sizeof(ret->name) ? l->name.size : sizeof(ret->name) - 1;
	memcpy(ret->name, buf + l->name.offset, name_len);
	ret->name[strnlen(ret->name, name_len)] = '\0';
	for (size_t i = 0; ret->name[i]; i++) {
		if (!isprint((unsigned char)ret->name[i]))
			ret->name[i] = '?';
	}
	int64_t state = (int64_t)get(buf, l->state);
	ret->state = "?";
	for (int i = 0; i < 4; i++) {
		if (l->state_values[i] == state)
			ret->state = state_names[i];
	}
	ret->refcount = l->has_refcnt ? (int64_t)(int32_t)get(buf, l->refcnt) - MODULE_REF_BASE : -1;
	if (l->has_mem) {
		for (uint64_t i = 0; i < l->nr_mem; i++) {
			const uint8_t *m = buf + i * l->mem_stride;
			struct kinspect_module_region *r = &ret->regions[ret->nr_regions++];
			r->name = l->mem_names[i] ? l->mem_names[i] : "?";
			r->base = get(m, l->mem_base);
			r->size = get(m, l->mem_size);
			ret->size += r->size;
		}
		ret->base = ret->regions[0].base; /* MOD_TEXT is 0 */
	} else {
		ret->regions[0] = (struct kinspect_module_region){ "core", get(buf, l->core_base), get(buf, l->core_size) };
		ret->regions[1] = (struct kinspect_module_region){ "init", get(buf, l->init_base), get(buf, l->init_size) };
		ret->nr_regions = 2;
		ret->size = ret->regions[0].size + ret->regions[1].size;
		ret->base = ret->regions[0].base;
	}
}

struct kinspect_error *kinspect_modules_for_each(struct kinspect_dwarf_types *types,
						 const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						 const struct kinspect_memory *mem,
						 struct kinspect_error *(*fn)(const struct kinspect_module *module,
									      void *arg),
						 void *arg)
{
	struct module_layout layout;
	memset(&layout, 0, sizeof(layout));
	struct kinspect_error *err = load_layout(types, &layout);
	if (err)
		return kinspect_error_wrap(err, "layout of struct module");
	uint64_t head;
	if ((err = kinspect_vmlinux_symbol(vmlinux, "modules", &head, NULL)))
		return err;
	head = kinspect_kaslr_runtime(slide, head);

	_cleanup_free_ uint8_t *buf = malloc(layout.struct_size);
	if (!buf)
		return &kinspect_error_nomem;
	uint64_t next;
	uint8_t word[8];
	if ((err = kinspect_memory_read(mem, head, word, sizeof(word))))
		return kinspect_error_wrap(err, "modules list head");
	next = kinspect_load_le(word, 8);
	/* Each entry's prev must be the entry before it: that finds a
	 * corrupted list, and any cycle that does not pass the head, at the
	 * first entry seen twice instead of after KINSPECT_MODULES_MAX. */
	uint64_t before = head;
	for (unsigned int count = 0; next != head; count++) {
		if (count >= KINSPECT_MODULES_MAX)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "modules list did not return to its head after %d entries "
						     "(corrupted or cyclic)", KINSPECT_MODULES_MAX);
		if (!kinspect_arch_kernel_address(next) || next < layout.list_next.offset)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "modules list entry %u: 0x%llx is not a kernel address", count,
						     (unsigned long long)next);
		uint64_t address = next - layout.list_next.offset;
		if ((err = kinspect_memory_read(mem, address, buf, layout.struct_size)))
			return kinspect_error_wrap(err, "modules list entry %u: struct module at 0x%llx", count,
						   (unsigned long long)address);
		uint64_t prev = get(buf, layout.list_prev);
		if (prev != before)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "modules list entry %u at 0x%llx: its prev is 0x%llx, not the entry "
						     "before it (0x%llx): the list is corrupted or cyclic",
						     count, (unsigned long long)next, (unsigned long long)prev,
						     (unsigned long long)before);
		struct kinspect_module module;
		decode(&layout, address, buf, &module);
		if ((err = fn(&module, arg)))
			return err;
		before = next;
		next = get(buf, layout.list_next);
	}
	return NULL;
}
