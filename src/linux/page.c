/* The x86-64 kernel memory map, read from the running kernel.
 *
 * With CONFIG_RANDOMIZE_MEMORY (v4.8, commit 0483e1fa6e09 "x86/mm:
 * Implement ASLR for kernel memory regions") the direct map and vmemmap
 * move at every boot; the kernel keeps where they went in page_offset_base
 * and vmemmap_base.  Only without those variables are the fixed defaults of
 * the architecture right.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include "arch/x86_64-pagewalk.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/page.h"

/* Read the unsigned variable NAME (its ELF size, at most 8 bytes) into *RET;
 * *RET_FOUND false (and no error) if the vmlinux has no such symbol. */
static struct kinspect_error *read_variable(const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					    const struct kinspect_memory *mem, const char *name, uint64_t *ret,
					    bool *ret_found)
{
	uint64_t addr, size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, name, &addr, &size);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && ret_found) {
		kinspect_error_destroy(err);
		*ret_found = false;
		return NULL;
	}
	if (err)
		return err;
	if (size == 0 || size > 8)
		size = 8;
	uint8_t buf[8];
	addr = kinspect_kaslr_runtime(slide, addr);
	if ((err = kinspect_memory_read(mem, addr, buf, size)))
		return kinspect_error_wrap(err, "read %s at 0x%" PRIx64, name, addr);
	*ret = kinspect_load_le(buf, size);
	if (ret_found)
		*ret_found = true;
	return NULL;
}

struct kinspect_error *kinspect_memory_map_read(struct kinspect_dwarf_types *types,
						const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						const struct kinspect_memory *mem, struct kinspect_memory_map *ret)
{
	struct kinspect_memory_map map = { 0 };
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, "struct page", &map.page_struct_size);
	if (err)
		return err;
	if (map.page_struct_size == 0 || map.page_struct_size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "sizeof(struct page) is %" PRIu64,
					     map.page_struct_size);

	/* 5-level paging is a boot-time choice of CONFIG_X86_5LEVEL kernels;
	 * without the variable the kernel only knows 4 levels. */
	uint64_t l5 = 0;
	bool found;
	if ((err = read_variable(vmlinux, slide, mem, "__pgtable_l5_enabled", &l5, &found)))
		return err;
	map.la57 = found && l5;

	bool have_l5 = found;
	map.page_offset = map.la57 ? KINSPECT_X86_64_PAGE_OFFSET_L5 : KINSPECT_X86_64_PAGE_OFFSET_L4;
	map.page_offset_source = "default";
	if ((err = read_variable(vmlinux, slide, mem, "page_offset_base", &map.page_offset, &found)))
		return err;
	if (found) {
		map.page_offset_source = "page_offset_base";
		/* Without the variable, where the direct map lies tells: 4-level
		 * kernel space starts at 0xffff800000000000. */
		if (!have_l5)
			map.la57 = map.page_offset < KINSPECT_X86_64_L4_KERNEL_START;
	}
	map.vmemmap = map.la57 ? KINSPECT_X86_64_VMEMMAP_L5 : KINSPECT_X86_64_VMEMMAP_L4;
	map.vmemmap_source = "default";
	if ((err = read_variable(vmlinux, slide, mem, "vmemmap_base", &map.vmemmap, &found)))
		return err;
	if (found)
		map.vmemmap_source = "vmemmap_base";
	if (map.page_offset < KINSPECT_X86_64_KERNEL_SPACE_START || map.vmemmap < KINSPECT_X86_64_KERNEL_SPACE_START)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "page_offset_base 0x%" PRIx64 " or vmemmap_base 0x%" PRIx64
					     " is not a kernel address",
					     map.page_offset, map.vmemmap);

	if ((err = read_variable(vmlinux, slide, mem, "max_pfn", &map.max_pfn, NULL)))
		return err;
	int phys_bits = map.la57 ? KINSPECT_X86_64_PHYSMEM_BITS_L5 : KINSPECT_X86_64_PHYSMEM_BITS_L4;
	if (map.max_pfn == 0 || map.max_pfn > (1ULL << (phys_bits - KINSPECT_X86_64_PAGE_SHIFT)))
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "max_pfn 0x%" PRIx64 " is out of range",
					     map.max_pfn);

	map.vmlinux = vmlinux;
	map.slide = slide;
	*ret = map;
	return NULL;
}

/* __pa_symbol(init_top_pgt): the image is linked at __START_KERNEL_map and
 * loaded at phys_base (which KASLR also moves). */
static struct kinspect_error *find_pgd(struct kinspect_memory_map *map, const struct kinspect_memory *mem)
{
	uint64_t pgd, phys_base;
	struct kinspect_error *err = kinspect_vmlinux_symbol(map->vmlinux, "init_top_pgt", &pgd, NULL);
	if (!err)
		err = read_variable(map->vmlinux, map->slide, mem, "phys_base", &phys_base, NULL);
	if (err)
		return kinspect_error_wrap(err, "the kernel's page tables");
	map->pgd_phys = kinspect_kaslr_runtime(map->slide, pgd) - KINSPECT_X86_64_START_KERNEL_MAP + phys_base;
	map->phys_base = phys_base;
	return NULL;
}

const char *kinspect_translation_name(enum kinspect_translation how)
{
	switch (how) {
	case KINSPECT_TRANSLATION_DIRECT_MAP: return "direct map";
	case KINSPECT_TRANSLATION_KERNEL_IMAGE: return "kernel image";
	default: return "page walk";
	}
}

struct kinspect_error *kinspect_pfn_to_page(const struct kinspect_memory_map *map, uint64_t pfn, uint64_t *ret)
{
	if (pfn >= map->max_pfn)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "pfn 0x%" PRIx64 " is beyond the last page frame (max_pfn 0x%" PRIx64 ")",
					     pfn, map->max_pfn);
	*ret = map->vmemmap + pfn * map->page_struct_size;
	return NULL;
}

struct kinspect_error *kinspect_page_to_pfn(const struct kinspect_memory_map *map, uint64_t page, uint64_t *ret)
{
	uint64_t off = page - map->vmemmap;
	if (page < map->vmemmap || off / map->page_struct_size >= map->max_pfn)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "0x%" PRIx64 " is not a struct page: the page array (vmemmap) is 0x%" PRIx64
					     "..0x%" PRIx64,
					     page, map->vmemmap, map->vmemmap + map->max_pfn * map->page_struct_size);
	if (off % map->page_struct_size)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "0x%" PRIx64 " is inside a struct page, not at its start (struct page is %" PRIu64
					     " bytes)",
					     page, map->page_struct_size);
	*ret = off / map->page_struct_size;
	return NULL;
}

static struct kinspect_error *read_pte(void *ctx, uint64_t paddr, uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read_phys(ctx, paddr, buf, sizeof(buf));
	if (!err)
		*ret = kinspect_load_le(buf, sizeof(buf));
	return err;
}

struct kinspect_error *kinspect_virt_to_phys(struct kinspect_memory_map *map, const struct kinspect_memory *mem,
					     uint64_t vaddr, bool walk, uint64_t *ret,
					     enum kinspect_translation *ret_how)
{
	if (!walk && vaddr >= map->page_offset && (vaddr - map->page_offset) >> KINSPECT_X86_64_PAGE_SHIFT < map->max_pfn) {
		*ret = vaddr - map->page_offset;
		if (ret_how)
			*ret_how = KINSPECT_TRANSLATION_DIRECT_MAP;
		return NULL;
	}
	struct kinspect_error *err = map->pgd_phys ? NULL : find_pgd(map, mem);
	/* The kernel image is mapped linearly (__pa_symbol()); its mapping
	 * may still have holes, which only the walk sees. */
	if (!err && !walk && kinspect_kaslr_in_image(vaddr)) {
		*ret = vaddr - KINSPECT_X86_64_START_KERNEL_MAP + map->phys_base;
		if (ret_how)
			*ret_how = KINSPECT_TRANSLATION_KERNEL_IMAGE;
		return NULL;
	}
	if (!err)
		err = kinspect_x86_64_translate(read_pte, (void *)mem, map->pgd_phys, map->la57, vaddr, ret, NULL);
	if (err)
		return err;
	if (ret_how)
		*ret_how = KINSPECT_TRANSLATION_PAGE_WALK;
	return NULL;
}
