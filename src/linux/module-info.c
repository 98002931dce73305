/* Taints, users, sections and build-id of a loaded module.
 *
 * Taint letters come from the kernel's own taint_flags[] (kernel/panic.c,
 * since commit 7fd8329ba502 "taint/module: Clean up global and module taint
 * flags handling", v4.10), read from guest memory.  struct taint_flag is
 * { c_true, c_false, module } on 6.1 and gained a "desc" string by 6.12, so
 * the element size and member offsets come from DWARF and no letter is
 * hard-coded here.
 * /sys/module/NAME/taint prints c_true of each set bit whose entry has
 * "module" set (module_flags_taint() in kernel/module/main.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/module-info.h"
#include "linux/module-sections.h"
#include "linux/modules.h"

#define MODULE_NAME_MAX 64
/* An ELF note header: namesz, descsz, type. */
#define NOTE_HEADER 12

struct kinspect_module_info {
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	uint64_t taints, source_list, name, name_size;
	uint64_t use_source_list, use_source;
	bool has_exit;
	uint64_t init, exit;
	/* taint_flags[], loaded on first use. */
	bool have_letters;
	char letters[KINSPECT_MODULE_TAINTS_MAX]; /* 0: not a module taint */
};

static struct kinspect_error *member(struct kinspect_dwarf_types *types, const char *type, const char *path,
				     uint64_t *offset, uint64_t *size)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, type, path, &m);
	if (err)
		return err;
	*offset = m.offset;
	if (size)
		*size = m.size;
	return NULL;
}

struct kinspect_error *kinspect_module_info_create(struct kinspect_dwarf_types *types,
						   const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						   const struct kinspect_memory *mem, struct kinspect_module_info **ret)
{
	struct kinspect_module_info *info = calloc(1, sizeof(*info));
	if (!info)
		return &kinspect_error_nomem;
	*info = (struct kinspect_module_info){ .types = types, .vmlinux = vmlinux, .slide = slide, .mem = mem };
	struct kinspect_error *err;
	if ((err = member(types, "struct module", "taints", &info->taints, NULL)) ||
	    (err = member(types, "struct module", "source_list.next", &info->source_list, NULL)) ||
	    (err = member(types, "struct module", "name", &info->name, &info->name_size)) ||
	    (err = member(types, "struct module_use", "source_list.next", &info->use_source_list, NULL)) ||
	    (err = member(types, "struct module_use", "source", &info->use_source, NULL)) ||
	    (err = kinspect_dwarf_types_has_member(types, "struct module", "exit", &info->has_exit)) ||
	    (info->has_exit && ((err = member(types, "struct module", "init", &info->init, NULL)) ||
				(err = member(types, "struct module", "exit", &info->exit, NULL))))) {
		free(info);
		return kinspect_error_wrap(err, "module details");
	}
	if (info->name_size == 0 || info->name_size > MODULE_NAME_MAX)
		info->name_size = MODULE_NAME_MAX;
	*ret = info;
	return NULL;
}

void kinspect_module_info_destroy(struct kinspect_module_info *info)
{
	free(info);
}

static struct kinspect_error *read_u64(const struct kinspect_memory *mem, uint64_t addr, uint64_t *ret)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(mem, addr, word, sizeof(word));
	if (!err)
		*ret = kinspect_load_le(word, 8);
	return err;
}

static struct kinspect_error *load_letters(struct kinspect_module_info *info)
{
	uint64_t addr, size, elem, c_true, module, module_size;
	struct kinspect_error *err;
	if ((err = kinspect_vmlinux_symbol(info->vmlinux, "taint_flags", &addr, &size)) ||
	    (err = kinspect_dwarf_types_sizeof(info->types, "struct taint_flag", &elem)) ||
	    (err = member(info->types, "struct taint_flag", "c_true", &c_true, NULL)) ||
	    (err = member(info->types, "struct taint_flag", "module", &module, &module_size)))
		return kinspect_error_wrap(err, "the kernel's taint_flags[]");
	if (elem == 0 || elem > 256 || c_true >= elem || module >= elem || size % elem != 0)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "taint_flags[] of %llu bytes is not an array of "
					     "%llu-byte struct taint_flag", (unsigned long long)size,
					     (unsigned long long)elem);
	uint64_t count = size / elem;
	if (count > KINSPECT_MODULE_TAINTS_MAX)
		count = KINSPECT_MODULE_TAINTS_MAX;
	uint8_t table[KINSPECT_MODULE_TAINTS_MAX * 256];
	addr = kinspect_kaslr_runtime(info->slide, addr);
	if ((err = kinspect_memory_read(info->mem, addr, table, count * elem)))
		return kinspect_error_wrap(err, "the kernel's taint_flags[]");
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *flag = table + i * elem;
		char c = (char)flag[c_true];
		info->letters[i] = flag[module] && c > ' ' && c < 127 ? c : 0;
	}
	info->have_letters = true;
	return NULL;
}

struct kinspect_error *kinspect_module_info_taints(struct kinspect_module_info *info, uint64_t module, char *buf)
{
	struct kinspect_error *err;
	if (!info->have_letters && (err = load_letters(info)))
		return err;
	uint64_t taints;
	if ((err = read_u64(info->mem, module + info->taints, &taints)))
		return kinspect_error_wrap(err, "mod->taints");
	size_t n = 0;
	for (unsigned int bit = 0; bit < KINSPECT_MODULE_TAINTS_MAX; bit++) {
		if ((taints >> bit & 1) && info->letters[bit])
			buf[n++] = info->letters[bit];
	}
	buf[n] = '\0';
	return NULL;
}

struct kinspect_error *kinspect_module_info_used_by(struct kinspect_module_info *info, uint64_t module,
						    struct kinspect_error *(*fn)(const char *name, void *arg),
						    void *arg, bool *ret_permanent)
{
	uint64_t head = module + info->source_list, next;
	struct kinspect_error *err = read_u64(info->mem, head, &next);
	if (err)
		return kinspect_error_wrap(err, "mod->source_list");
	for (unsigned int count = 0; next != head; count++) {
		if (count >= KINSPECT_MODULES_MAX)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "mod->source_list did not return to its head "
						     "after %d entries (corrupted or cyclic)", KINSPECT_MODULES_MAX);
		if (next < KINSPECT_X86_64_KERNEL_SPACE_START || next < info->use_source_list)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "mod->source_list entry %u: 0x%llx is not a "
						     "kernel address", count, (unsigned long long)next);
		uint64_t use = next - info->use_source_list, source;
		char name[MODULE_NAME_MAX];
		if ((err = read_u64(info->mem, use + info->use_source, &source)))
			return kinspect_error_wrap(err, "module_use 0x%llx", (unsigned long long)use);
		if ((err = kinspect_read_string(info->mem, source + info->name, name, info->name_size)))
			return kinspect_error_wrap(err, "name of the module at 0x%llx", (unsigned long long)source);
		if ((err = fn(name, arg)))
			return err;
		if ((err = read_u64(info->mem, use + info->use_source_list, &next)))
			return kinspect_error_wrap(err, "module_use 0x%llx", (unsigned long long)use);
	}
	*ret_permanent = false;
	if (info->has_exit) {
		uint64_t init, exit;
		if ((err = read_u64(info->mem, module + info->init, &init)) ||
		    (err = read_u64(info->mem, module + info->exit, &exit)))
			return kinspect_error_wrap(err, "mod->init and mod->exit");
		*ret_permanent = init != 0 && exit == 0;
	}
	return NULL;
}

void kinspect_section_addresses_free(struct kinspect_section_address *sections, size_t nr)
{
	for (size_t i = 0; sections && i < nr; i++)
		free((char *)sections[i].name);
	free(sections);
}

struct section_list {
	struct kinspect_section_address *sections;
	size_t nr, capacity;
};

static struct kinspect_error *add_section(const char *name, uint64_t address, void *arg)
{
	struct section_list *l = arg;
	if (l->nr == l->capacity) {
		size_t n = l->capacity ? 2 * l->capacity : 32;
		struct kinspect_section_address *p = realloc(l->sections, n * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		l->sections = p;
		l->capacity = n;
	}
	char *copy = strdup(name);
	if (!copy)
		return &kinspect_error_nomem;
	l->sections[l->nr++] = (struct kinspect_section_address){ copy, address };
	return NULL;
}

struct kinspect_error *kinspect_module_info_sections(struct kinspect_module_info *info, uint64_t module,
						     struct kinspect_section_address **ret, size_t *ret_nr)
{
	struct section_list l = { 0 };
	struct kinspect_error *err = kinspect_module_sections(info->types, info->mem, module, add_section, &l);
	if (err) {
		kinspect_section_addresses_free(l.sections, l.nr);
		return err;
	}
	*ret = l.sections;
	*ret_nr = l.nr;
	return NULL;
}

struct kinspect_error *kinspect_module_build_id(const struct kinspect_memory *mem,
						const struct kinspect_section_address *sections, size_t nr,
						uint8_t *buf, size_t *ret_len)
{
	size_t i = 0;
	while (i < nr && strcmp(sections[i].name, ".note.gnu.build-id") != 0)
		i++;
	if (i == nr)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no .note.gnu.build-id section");
	uint64_t addr = sections[i].address;
	uint8_t header[NOTE_HEADER + 4];
	struct kinspect_error *err = kinspect_memory_read(mem, addr, header, sizeof(header));
	if (err)
		return kinspect_error_wrap(err, "build-id note");
	uint32_t namesz = (uint32_t)kinspect_load_le(header, 4), descsz = (uint32_t)kinspect_load_le(header + 4, 4);
	uint32_t type = (uint32_t)kinspect_load_le(header + 8, 4);
	if (namesz != 4 || memcmp(header + NOTE_HEADER, "GNU", 4) != 0 || type != 3 /* NT_GNU_BUILD_ID */ ||
	    descsz == 0 || descsz > KINSPECT_BUILD_ID_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "the note at 0x%llx is not a GNU build-id "
					     "(name size %u, type %u, %u bytes)", (unsigned long long)addr, namesz,
					     type, descsz);
	if ((err = kinspect_memory_read(mem, addr + NOTE_HEADER + 4, buf, descsz)))
		return kinspect_error_wrap(err, "build-id note");
	*ret_len = descsz;
	return NULL;
}
