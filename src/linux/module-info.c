/* Taints, users, sections and build-id of a loaded module.
 *
 * Taint letters come from the kernel's own taint_flags[] (kernel/panic.c,
 * since commit 7fd8329ba502 "taint/module: Clean up global and module taint
 * flags handling", v4.10), read from guest memory.  struct taint_flag is
 * { c_true, c_false, module } on 6.1 and gained a "desc" string by 6.12, so
 * the element size and member offsets come from DWARF and no letter is
 * hard-coded here.
 * /sys/module/NAME/taint prints c_true of each set bit whose entry has
 * "module" set (module_flags_taint() in kernel/module/main.c).  "Remove
 * unnecessary taint_flag.module field" (Petr Pavlu, v6.19) dropped that
 * member: since then every set bit of mod->taints is printed.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/ahead.h"
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
	uint64_t use_size; /* the part of struct module_use read */
	bool has_exit;
	uint64_t init, exit;
	/* mod->notes_attrs, for the build-id in a few reads.  NOTES_LIST: the
	 * v6.14+ layout, listed by grp.bin_attrs (see note_addresses()). */
	bool has_notes, notes_list;
	uint64_t notes_attrs, notes_count, notes_bin_attrs, notes_attrs_array, bin_attr_size, bin_attr_private;
	/* taint_flags[], loaded on first use. */
	bool have_letters;
	char letters[KINSPECT_MODULE_TAINTS_MAX]; /* 0: not a module taint */
	char kernel_letters[KINSPECT_MODULE_TAINTS_MAX]; /* every flag's c_true */
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
	info->use_size = (info->use_source > info->use_source_list ? info->use_source : info->use_source_list) + 8;
	if (info->name_size == 0 || info->name_size > MODULE_NAME_MAX)
		info->name_size = MODULE_NAME_MAX;
	/* Optional (CONFIG_KALLSYMS and CONFIG_SYSFS): without it the build-id
	 * comes from the section list. */
	struct kinspect_error *e = kinspect_dwarf_types_has_member(types, "struct module", "notes_attrs",
								  &info->has_notes);
	bool has_count = false;
	if (!e && info->has_notes)
		e = kinspect_dwarf_types_has_member(types, "struct module_notes_attrs", "notes", &has_count);
	info->notes_list = !has_count;
	if (!e && info->has_notes &&
	    ((e = member(types, "struct module", "notes_attrs", &info->notes_attrs, NULL)) ||
	     (e = member(types, "struct module_notes_attrs", has_count ? "notes" : "grp.bin_attrs",
			 has_count ? &info->notes_count : &info->notes_bin_attrs, NULL)) ||
	     (e = member(types, "struct module_notes_attrs", "attrs", &info->notes_attrs_array, NULL)) ||
	     (e = kinspect_dwarf_types_sizeof(types, "struct bin_attribute", &info->bin_attr_size)) ||
	     (e = member(types, "struct bin_attribute", "private", &info->bin_attr_private, NULL))))
		info->has_notes = false;
	if (info->has_notes && (info->bin_attr_size > 1024 || info->bin_attr_private + 8 > info->bin_attr_size))
		info->has_notes = false;
	kinspect_error_destroy(e);
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
	uint64_t addr, size, elem, c_true, module = 0;
	bool per_module_member;
	struct kinspect_error *err;
	if ((err = kinspect_vmlinux_symbol(info->vmlinux, "taint_flags", &addr, &size)) ||
	    (err = kinspect_dwarf_types_sizeof(info->types, "struct taint_flag", &elem)) ||
	    (err = member(info->types, "struct taint_flag", "c_true", &c_true, NULL)) ||
	    (err = kinspect_dwarf_types_has_member(info->types, "struct taint_flag", "module", &per_module_member)) ||
	    (per_module_member && (err = member(info->types, "struct taint_flag", "module", &module, NULL))))
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
		bool shown = per_module_member ? flag[module] != 0 : true;
		info->kernel_letters[i] = c > ' ' && c < 127 ? c : 0;
		info->letters[i] = shown ? info->kernel_letters[i] : 0;
	}
	info->have_letters = true;
	return NULL;
}

/* The letters of the bits of TAINTS that LETTERS names, into BUF. */
static void taint_letters(const char *letters, uint64_t taints, char *buf)
{
	size_t n = 0;
	for (unsigned int bit = 0; bit < KINSPECT_MODULE_TAINTS_MAX; bit++) {
		if ((taints >> bit & 1) && letters[bit])
			buf[n++] = letters[bit];
	}
	buf[n] = '\0';
}

struct kinspect_error *kinspect_module_info_taints(struct kinspect_module_info *info, uint64_t module, char *buf)
{
	struct kinspect_error *err;
	if (!info->have_letters && (err = load_letters(info)))
		return err;
	uint64_t taints;
	if ((err = read_u64(info->mem, module + info->taints, &taints)))
		return kinspect_error_wrap(err, "mod->taints");
	taint_letters(info->letters, taints, buf);
	return NULL;
}

struct kinspect_error *kinspect_module_info_kernel_taints(struct kinspect_module_info *info, uint64_t mask, char *buf)
{
	struct kinspect_error *err;
	if (!info->have_letters && (err = load_letters(info)))
		return err;
	taint_letters(info->kernel_letters, mask, buf);
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
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "mod->source_list did not return to its head after %d entries "
						     "(corrupted or cyclic)", KINSPECT_MODULES_MAX);
		if (!kinspect_arch_kernel_address(next) || next < info->use_source_list)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "mod->source_list entry %u: 0x%llx is not a kernel address", count,
						     (unsigned long long)next);
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

/* The GNU build-id note at ADDR into BUF; *RET_LEN is 0 if the note there
 * is another one. */
static struct kinspect_error *read_build_id_note(const struct kinspect_memory *mem, uint64_t addr, uint8_t *buf,
						 size_t *ret_len)
{
	uint8_t header[NOTE_HEADER + 4];
	struct kinspect_error *err = kinspect_memory_read(mem, addr, header, sizeof(header));
	if (err)
		return kinspect_error_wrap(err, "build-id note");
	uint32_t namesz = (uint32_t)kinspect_load_le(header, 4), descsz = (uint32_t)kinspect_load_le(header + 4, 4);
	uint32_t type = (uint32_t)kinspect_load_le(header + 8, 4);
	*ret_len = 0;
	if (namesz != 4 || memcmp(header + NOTE_HEADER, "GNU", 4) != 0 || type != 3 /* NT_GNU_BUILD_ID */)
		return NULL;
	if (descsz == 0 || descsz > KINSPECT_BUILD_ID_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "the build-id note at 0x%llx has %u bytes",
					     (unsigned long long)addr, descsz);
	if ((err = kinspect_memory_read(mem, addr + NOTE_HEADER + 4, buf, descsz)))
		return kinspect_error_wrap(err, "build-id note");
	*ret_len = descsz;
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
	struct kinspect_error *err = read_build_id_note(mem, sections[i].address, buf, ret_len);
	if (!err && *ret_len == 0)
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "the note at 0x%llx is not a GNU build-id",
					    (unsigned long long)sections[i].address);
	return err;
}

/* A module has a handful of notes (build-id, Linux, GNU property). */
#define MODULE_NOTES_MAX 64

/* The note addresses of the module_notes_attrs at NOTES_ATTRS into NOTES
 * (MODULE_NOTES_MAX of them at most).  Up to v6.13 it counts them
 * ("notes") and attrs[] holds them in order.  Commit 4723f16de64e
 * ("module: sysfs: Add notes attributes through attribute_group", v6.14)
 * dropped the count: the NULL-terminated grp.bin_attrs list, a separate
 * allocation, points to the attrs[] in use. */
static struct kinspect_error *note_addresses(struct kinspect_module_info *info, uint64_t notes_attrs,
					     uint64_t *notes, uint32_t *count)
{
	uint64_t first = notes_attrs + info->notes_attrs_array, value;
	struct kinspect_error *err =
		read_u64(info->mem, notes_attrs + (info->notes_list ? info->notes_bin_attrs : info->notes_count), &value);
	if (err)
		return kinspect_error_wrap(err, "notes_attrs 0x%llx", (unsigned long long)notes_attrs);
	uint64_t attrs[MODULE_NOTES_MAX];
	if (info->notes_list) {
		if (value == 0)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "notes_attrs 0x%llx: no grp.bin_attrs",
						     (unsigned long long)notes_attrs);
		if ((err = kinspect_read_pointer_list(info->mem, value, MODULE_NOTES_MAX, attrs, count)))
			return kinspect_error_wrap(err, "notes_attrs 0x%llx grp.bin_attrs", (unsigned long long)notes_attrs);
	} else {
		*count = (uint32_t)value;
		if (*count > MODULE_NOTES_MAX)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "notes_attrs 0x%llx: %u notes (corrupted?)",
						     (unsigned long long)notes_attrs, *count);
		for (uint32_t i = 0; i < *count; i++)
			attrs[i] = first + i * info->bin_attr_size;
	}
	for (uint32_t i = 0; i < *count; i++) {
		if ((err = read_u64(info->mem, attrs[i] + info->bin_attr_private, &notes[i])))
			return kinspect_error_wrap(err, "notes_attrs 0x%llx note %u", (unsigned long long)notes_attrs, i);
	}
	return NULL;
}

struct kinspect_error *kinspect_module_info_build_id(struct kinspect_module_info *info, uint64_t module,
						     uint8_t *buf, size_t *ret_len)
{
	if (!info->has_notes)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "this kernel has no mod->notes_attrs");
	uint64_t notes_attrs;
	struct kinspect_error *err = read_u64(info->mem, module + info->notes_attrs, &notes_attrs);
	if (err)
		return kinspect_error_wrap(err, "mod->notes_attrs");
	if (notes_attrs == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
					     "the module has no notes (mod->notes_attrs is NULL)");
	uint64_t notes[MODULE_NOTES_MAX];
	uint32_t count;
	if ((err = note_addresses(info, notes_attrs, notes, &count)))
		return err;
	for (uint32_t i = 0; i < count; i++) {
		if ((err = read_build_id_note(info->mem, notes[i], buf, ret_len)))
			return err;
		if (*ret_len)
			return NULL;
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no GNU build-id among the module's %u notes", count);
}

/* Rounds of kinspect_module_info_prefetch(): notes_attrs, then the notes,
 * then one more for each module_use of the longest users list (longer
 * lists, or cycles, end here: the reads after it go one by one). */
#define PREFETCH_ROUNDS 12
/* notes_attrs->attrs[] entries fetched with the count (a module has two
 * or three notes). */
#define NOTES_AHEAD 4

/* Where one module's prefetch stands. */
struct ahead {
	uint64_t module;
	uint64_t notes_attrs; /* 0: none or not known yet */
	uint64_t notes_list;  /* v6.14+: grp.bin_attrs, fetched the round before */
	uint64_t use;         /* the module_use fetched last round, 0 when the list is done */
};

/* Step A's users list on by one module_use (fetched the round before):
 * ask for the user's name and the next entry. */
static void prefetch_next_user(struct kinspect_module_info *info, struct ahead *a, struct kinspect_ahead *l)
{
	uint64_t source, next;
	if (!kinspect_ahead_peek_u64(info->mem, a->use + info->use_source, &source) ||
	    !kinspect_ahead_peek_u64(info->mem, a->use + info->use_source_list, &next)) {
		a->use = 0;
		return;
	}
	kinspect_ahead_add(l, source + info->name, info->name_size);
	bool last = next == a->module + info->source_list || !kinspect_arch_kernel_address(next) ||
		    next < info->use_source_list;
	a->use = last ? 0 : next - info->use_source_list;
	if (a->use)
		kinspect_ahead_add(l, a->use, info->use_size);
}

/* Ask for the notes that notes_attrs (fetched the round before) points
 * to; since v6.14 first for its grp.bin_attrs list (a round of its own). */
static void prefetch_notes(struct kinspect_module_info *info, struct ahead *a, struct kinspect_ahead *l)
{
	if (info->notes_list && !a->notes_list) {
		/* What kinspect_read_pointer_list() will read: to the page end,
		 * MODULE_NOTES_MAX pointers at most. */
		if (kinspect_ahead_peek_u64(info->mem, a->notes_attrs + info->notes_bin_attrs, &a->notes_list) &&
		    a->notes_list) {
			uint64_t page = kinspect_arch()->page_size;
			uint64_t room = page - a->notes_list % page;
			kinspect_ahead_add(l, a->notes_list, room < MODULE_NOTES_MAX * 8 ? room : MODULE_NOTES_MAX * 8);
		} else {
			a->notes_attrs = 0; /* unreadable or empty: not asked again next round */
		}
		return;
	}
	uint64_t notes[MODULE_NOTES_MAX];
	uint32_t count;
	struct kinspect_error *err = note_addresses(info, a->notes_attrs, notes, &count);
	kinspect_error_destroy(err);
	for (uint32_t i = 0; !err && i < count; i++)
		kinspect_ahead_add(l, notes[i], NOTE_HEADER + 4 + KINSPECT_BUILD_ID_MAX);
	a->notes_attrs = 0; /* done */
}

void kinspect_module_info_prefetch(struct kinspect_module_info *info, const uint64_t *modules, size_t nr)
{
	if (!info->mem->prefetch || nr == 0)
		return;
	_cleanup_free_ struct ahead *ahead = calloc(nr, sizeof(*ahead));
	struct kinspect_ahead l = { .mem = info->mem };
	if (!ahead)
		return;
	/* Round 0: what the struct modules (read by the list walk) point to. */
	/* load_letters() reads at most 64 entries of at most 256 bytes. */
	uint64_t addr, size;
	if (!info->have_letters && !kinspect_vmlinux_symbol(info->vmlinux, "taint_flags", &addr, &size) && size)
		kinspect_ahead_add(&l, kinspect_kaslr_runtime(info->slide, addr), size < 16384 ? size : 16384);
	for (size_t i = 0; i < nr; i++) {
		struct ahead *a = &ahead[i];
		a->module = modules[i];
		if (info->has_notes &&
		    kinspect_ahead_peek_u64(info->mem, a->module + info->notes_attrs, &a->notes_attrs) &&
		    a->notes_attrs)
			kinspect_ahead_add(&l, a->notes_attrs, info->notes_attrs_array + NOTES_AHEAD * info->bin_attr_size);
		uint64_t next;
		if (kinspect_ahead_peek_u64(info->mem, a->module + info->source_list, &next) &&
		    next != a->module + info->source_list && kinspect_arch_kernel_address(next) &&
		    next >= info->use_source_list) {
			a->use = next - info->use_source_list;
			kinspect_ahead_add(&l, a->use, info->use_size);
		}
	}
	for (unsigned int round = 1; round <= PREFETCH_ROUNDS && kinspect_ahead_round(&l); round++) {
		for (size_t i = 0; i < nr; i++) {
			struct ahead *a = &ahead[i];
			if (a->notes_attrs)
				prefetch_notes(info, a, &l);
			if (a->use)
				prefetch_next_user(info, a, &l);
		}
	}
	kinspect_ahead_release(&l);
}
