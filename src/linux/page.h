/* The kernel's memory map: where struct page array (vmemmap) and the direct
 * map lie in the running kernel, and the conversions between a struct page
 * address, a page frame number, a physical and a kernel virtual address.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PAGE_H
#define KINSPECT_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "arch/arch.h"
#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

struct kinspect_memory_map {
	/* Start of the direct map (PAGE_OFFSET) and of the struct page array
	 * (vmemmap): read from page_offset_base and vmemmap_base when the
	 * kernel has them (CONFIG_RANDOMIZE_MEMORY moves both at boot),
	 * otherwise the architecture's defaults. */
	uint64_t page_offset;
	uint64_t vmemmap;
	/* Where each came from: "page_offset_base"/"vmemmap_base" or "default". */
	const char *page_offset_source, *vmemmap_source;
	/* One past the highest page frame the kernel knows (max_pfn). */
	uint64_t max_pfn;
	/* sizeof(struct page), from DWARF. */
	uint64_t page_struct_size;
	/* Page-table levels the kernel runs with, and the physical address
	 * bits they allow (MAX_PHYSMEM_BITS). */
	int paging_levels;
	unsigned int phys_bits;
	/* The kernel's own page tables (they map all of kernel space
	 * whatever the CPUs run), physical; found on the first page walk (0
	 * until then). */
	uint64_t pgd_phys;
	/* Where the kernel image is loaded, with pgd_phys. */
	uint64_t phys_base;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
};

/* Read the memory map of the kernel of VMLINUX (running with KASLR slide
 * SLIDE) from MEM, with layouts from TYPES. */
struct kinspect_error *kinspect_memory_map_read(struct kinspect_dwarf_types *types,
						const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						const struct kinspect_memory *mem, struct kinspect_memory_map *ret);

/* The struct page of PFN in *RET; KINSPECT_ERROR_INVALID_ARGUMENT if PFN is
 * not below max_pfn. */
struct kinspect_error *kinspect_pfn_to_page(const struct kinspect_memory_map *map, uint64_t pfn, uint64_t *ret);

/* The page frame number of the struct page at PAGE in *RET;
 * KINSPECT_ERROR_INVALID_ARGUMENT if PAGE is not the start of a struct page
 * of the array (below max_pfn). */
struct kinspect_error *kinspect_page_to_pfn(const struct kinspect_memory_map *map, uint64_t page, uint64_t *ret);

/* The direct-map address of page frame PFN. */
static inline uint64_t kinspect_pfn_to_virt(const struct kinspect_memory_map *map, uint64_t pfn)
{
	return map->page_offset + (pfn << kinspect_arch()->page_shift);
}

/* How kinspect_virt_to_phys() translated. */
enum kinspect_translation {
	KINSPECT_TRANSLATION_DIRECT_MAP, /* VADDR - PAGE_OFFSET */
	KINSPECT_TRANSLATION_PAGE_WALK,  /* the kernel's page tables */
	/* The kernel image: VADDR - its link address + phys_base. */
	KINSPECT_TRANSLATION_KERNEL_IMAGE,
};

/* "direct map", "page walk", "kernel image". */
const char *kinspect_translation_name(enum kinspect_translation how);

/* The physical address of kernel virtual address VADDR in *RET: by
 * subtraction for direct-map addresses (unless WALK), otherwise by walking
 * the kernel's page tables in physical memory.  *RET_HOW (may be NULL) says
 * which.  An unmapped or non-canonical address is a KINSPECT_ERROR_FAULT
 * error carrying VADDR. */
struct kinspect_error *kinspect_virt_to_phys(struct kinspect_memory_map *map, const struct kinspect_memory *mem,
					     uint64_t vaddr, bool walk, uint64_t *ret,
					     enum kinspect_translation *ret_how);

#endif /* KINSPECT_PAGE_H */
