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

#include "arch/x86_64-memory-map.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"
#include "linux/page.h"

struct kinspect_error *kinspect_x86_64_memory_map(const struct kinspect_arch_kernel *kernel,
						  struct kinspect_memory_map *map)
{
	/* 5-level paging is a boot-time choice of CONFIG_X86_5LEVEL kernels;
	 * without the variable the kernel only knows 4 levels. */
	uint64_t l5 = 0;
	bool found;
	struct kinspect_error *err = kernel->read_variable(kernel->ctx, "__pgtable_l5_enabled", &l5, &found);
	if (err)
		return err;
	bool la57 = found && l5;

	bool have_l5 = found;
	map->page_offset = la57 ? KINSPECT_X86_64_PAGE_OFFSET_L5 : KINSPECT_X86_64_PAGE_OFFSET_L4;
	map->page_offset_source = "default";
	if ((err = kernel->read_variable(kernel->ctx, "page_offset_base", &map->page_offset, &found)))
		return err;
	if (found) {
		map->page_offset_source = "page_offset_base";
		/* Without the variable, where the direct map lies tells: 4-level
		 * kernel space starts at 0xffff800000000000. */
		if (!have_l5)
			la57 = map->page_offset < KINSPECT_X86_64_L4_KERNEL_START;
	}
	map->vmemmap = la57 ? KINSPECT_X86_64_VMEMMAP_L5 : KINSPECT_X86_64_VMEMMAP_L4;
	map->vmemmap_source = "default";
	if ((err = kernel->read_variable(kernel->ctx, "vmemmap_base", &map->vmemmap, &found)))
		return err;
	if (found)
		map->vmemmap_source = "vmemmap_base";
	if (map->page_offset < KINSPECT_X86_64_KERNEL_SPACE_START || map->vmemmap < KINSPECT_X86_64_KERNEL_SPACE_START)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "page_offset_base 0x%" PRIx64 " or vmemmap_base 0x%" PRIx64
					     " is not a kernel address",
					     map->page_offset, map->vmemmap);
	map->paging_levels = la57 ? 5 : 4;
	map->phys_bits = la57 ? KINSPECT_X86_64_PHYSMEM_BITS_L5 : KINSPECT_X86_64_PHYSMEM_BITS_L4;
	return NULL;
}

/* __pa_symbol(init_top_pgt) (what init_mm.pgd points to: it maps all of
 * kernel space whatever the CPUs run): the image is linked at
 * __START_KERNEL_map and loaded at phys_base (which KASLR also moves). */
struct kinspect_error *kinspect_x86_64_kernel_page_tables(const struct kinspect_arch_kernel *kernel,
							  struct kinspect_memory_map *map)
{
	uint64_t pgd, phys_base;
	struct kinspect_error *err = kernel->symbol(kernel->ctx, "init_top_pgt", &pgd);
	if (!err)
		err = kernel->read_variable(kernel->ctx, "phys_base", &phys_base, NULL);
	if (err)
		return kinspect_error_wrap(err, "the kernel's page tables");
	map->pgd_phys = pgd - KINSPECT_X86_64_START_KERNEL_MAP + phys_base;
	map->phys_base = phys_base;
	return NULL;
}
