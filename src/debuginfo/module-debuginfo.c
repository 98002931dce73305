/* A module's DWARF through libdwfl: the .ko is reported as a module whose
 * ELF we hand over ourselves (a private copy, since relocation writes into
 * it), and the section_address callback gives each SHF_ALLOC section the
 * address the kernel really gave it, which libdwfl then uses to apply the
 * .rela.debug_* relocations.  This is what libdwfl's own
 * dwfl_linux_kernel_report_modules() does with /sys/module/NAME/sections,
 * with the addresses coming from the guest instead.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/module-debuginfo.h"

/* A module with more compilation units than this is not one (most have 1-50). */
#define MODULE_CUS_MAX 100000

struct section {
	char *name;
	uint64_t address;
};

struct kinspect_module_debuginfo {
	Dwfl *dwfl;
	Dwfl_Module *module;
	Dwarf *dwarf;
	Dwarf_Addr bias;
	/* The ELF image libdwfl relocates in place; freed after dwfl_end(). */
	void *image;
	size_t image_size;
	struct section *sections;
	size_t nr_sections;
};

static int find_elf(Dwfl_Module *module, void **userdata, const char *name, Dwarf_Addr base, char **file_name,
		    Elf **elfp)
{
	struct kinspect_module_debuginfo *md = *userdata;
	/* libdwfl owns (and ends) this Elf; the bytes stay ours. */
	*elfp = elf_memory(md->image, md->image_size);
	return -1;
}

/* The DWARF is in the .ko itself; there is no separate debug file. */
static int find_debuginfo(Dwfl_Module *module, void **userdata, const char *name, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			  char **debuginfo_file_name)
{
	return -1;
}

static int section_address(Dwfl_Module *module, void **userdata, const char *name, Dwarf_Addr base,
			   const char *secname, GElf_Word shndx, const GElf_Shdr *shdr, Dwarf_Addr *addr)
{
	struct kinspect_module_debuginfo *md = *userdata;
	for (size_t i = 0; i < md->nr_sections; i++) {
		if (strcmp(md->sections[i].name, secname) == 0) {
			*addr = md->sections[i].address;
			return 0;
		}
	}
	/* Not loaded (empty, or discarded by the kernel): no adjustment. */
	*addr = (Dwarf_Addr)-1;
	return 0;
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
	.section_address = section_address,
};

void kinspect_module_debuginfo_destroy(struct kinspect_module_debuginfo *md)
{
	if (!md)
		return;
	if (md->dwfl)
		dwfl_end(md->dwfl);
	for (size_t i = 0; i < md->nr_sections; i++)
		free(md->sections[i].name);
	free(md->sections);
	free(md->image);
	free(md);
}

static struct kinspect_error *copy_sections(struct kinspect_module_debuginfo *md,
					    const struct kinspect_section_address *sections, size_t nr)
{
	md->sections = calloc(nr ? nr : 1, sizeof(*md->sections));
	if (!md->sections)
		return &kinspect_error_nomem;
	for (size_t i = 0; i < nr; i++) {
		md->sections[i].name = strdup(sections[i].name);
		if (!md->sections[i].name)
			return &kinspect_error_nomem;
		md->sections[i].address = sections[i].address;
		md->nr_sections++;
	}
	return NULL;
}

/* The span the module's sections cover, for libdwfl's address map. */
static void span(const struct kinspect_module_file *file, const struct kinspect_module_debuginfo *md,
		 uint64_t *low, uint64_t *high)
{
	*low = UINT64_MAX;
	*high = 0;
	for (size_t i = 0; i < kinspect_module_file_nr_alloc_sections(file); i++) {
		uint64_t size;
		const char *name = kinspect_module_file_alloc_section(file, i, &size);
		for (size_t j = 0; j < md->nr_sections; j++) {
			if (strcmp(md->sections[j].name, name) != 0)
				continue;
			uint64_t a = md->sections[j].address;
			if (a < *low)
				*low = a;
			if (a + size > *high && a + size >= a)
				*high = a + size;
		}
	}
	if (*low >= *high) {
		*low = 0;
		*high = 1;
	}
}

struct kinspect_error *kinspect_module_debuginfo_create(const struct kinspect_module_file *file,
							const char *module_name,
							const struct kinspect_section_address *sections,
							size_t nr_sections, struct kinspect_module_debuginfo **ret)
{
	struct kinspect_module_debuginfo *md = calloc(1, sizeof(*md));
	if (!md)
		return &kinspect_error_nomem;
	const void *image = kinspect_module_file_image(file, &md->image_size);
	struct kinspect_error *err = copy_sections(md, sections, nr_sections);
	if (!err && !(md->image = malloc(md->image_size)))
		err = &kinspect_error_nomem;
	if (err) {
		kinspect_module_debuginfo_destroy(md);
		return err;
	}
	memcpy(md->image, image, md->image_size);

	const char *path = kinspect_module_file_path(file);
	uint64_t low, high;
	span(file, md, &low, &high);
	md->dwfl = dwfl_begin(&callbacks);
	if (!md->dwfl) {
		err = kinspect_error_create(KINSPECT_ERROR_OTHER, "libdwfl: %s", dwfl_errmsg(-1));
		goto fail;
	}
	dwfl_report_begin(md->dwfl);
	md->module = dwfl_report_module(md->dwfl, module_name, low, high);
	if (!md->module || dwfl_report_end(md->dwfl, NULL, NULL) != 0) {
		err = kinspect_error_file(path, "libdwfl cannot report module %s: %s", module_name, dwfl_errmsg(-1));
		goto fail;
	}
	void **userdata;
	dwfl_module_info(md->module, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = md;
	if ((err = kinspect_elf_check_compressed(dwfl_module_getelf(md->module, &md->bias), path)))
		goto fail;
	md->dwarf = dwfl_module_getdwarf(md->module, &md->bias);
	if (!md->dwarf) {
		err = kinspect_error_file(path, "no usable DWARF for module %s: %s", module_name, dwfl_errmsg(-1));
		goto fail;
	}
	*ret = md;
	return NULL;
fail:
	kinspect_module_debuginfo_destroy(md);
	return err;
}

Dwfl_Module *kinspect_module_debuginfo_dwfl_module(const struct kinspect_module_debuginfo *md)
{
	return md->module;
}

Dwarf *kinspect_module_debuginfo_dwarf(const struct kinspect_module_debuginfo *md, uint64_t *ret_bias)
{
	if (ret_bias)
		*ret_bias = md->bias;
	return md->dwarf;
}

static bool covers(Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t addr)
{
	Dwarf_Frame *frame;
	if (!cfi || dwarf_cfi_addrframe(cfi, addr - bias, &frame) != 0)
		return false;
	free(frame);
	return true;
}

bool kinspect_module_debuginfo_cfi_covers(struct kinspect_module_debuginfo *md, uint64_t addr)
{
	/* libdwfl relocates .debug_frame with the other debug sections
	 * (kernel modules have no .eh_frame: -fno-asynchronous-unwind-tables). */
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = dwfl_module_dwarf_cfi(md->module, &bias);
	if (covers(cfi, bias, addr))
		return true;
	cfi = dwfl_module_eh_cfi(md->module, &bias);
	return covers(cfi, bias, addr);
}

/* The entry of a subprogram with code: DW_AT_entry_pc or DW_AT_low_pc, or
 * for a function split into hot and cold parts (DW_AT_ranges only) the
 * start of its first range. */
static bool entry_address(Dwarf_Die *die, Dwarf_Addr *ret)
{
	if (dwarf_entrypc(die, ret) == 0)
		return true;
	Dwarf_Addr base, start, end;
	return dwarf_ranges(die, 0, &base, &start, &end) > 0 && (*ret = start, true);
}

static bool is_named(Dwarf_Die *die, const char *name)
{
	Dwarf_Attribute attr;
	const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	return n && strcmp(n, name) == 0;
}

struct kinspect_error *kinspect_module_debuginfo_function(struct kinspect_module_debuginfo *md, const char *name,
							  uint64_t *ret_address, Dwarf_Die *ret_die)
{
	Dwarf_Off offset = 0, next;
	size_t header_size;
	unsigned int nr_cus = 0;
	while (dwarf_nextcu(md->dwarf, offset, &next, &header_size, NULL, NULL, NULL) == 0) {
		if (++nr_cus > MODULE_CUS_MAX)
			break;
		Dwarf_Die cu, die;
		if (dwarf_offdie(md->dwarf, offset + header_size, &cu) && dwarf_child(&cu, &die) == 0) {
			do {
				Dwarf_Addr entry;
				if (dwarf_tag(&die) == DW_TAG_subprogram && !dwarf_hasattr(&die, DW_AT_declaration) &&
				    is_named(&die, name) && entry_address(&die, &entry)) {
					*ret_address = entry + md->bias;
					*ret_die = die;
					return NULL;
				}
			} while (dwarf_siblingof(&die, &die) == 0);
		}
		offset = next;
	}
	const char *mod_name = dwfl_module_info(md->module, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s has no function %s in its DWARF",
				     mod_name ? mod_name : "?", name);
}
