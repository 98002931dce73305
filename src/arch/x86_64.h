/* The x86-64 kernel address layout (Documentation/arch/x86/x86_64/mm.rst)
 * and control-register bits kinspect relies on, in one place.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_H
#define KINSPECT_X86_64_H

#include <stdint.h>

/* __START_KERNEL_map: the kernel image is linked here and moved by KASLR
 * within KERNEL_IMAGE_SIZE; module space begins right after. */
#define KINSPECT_X86_64_START_KERNEL_MAP 0xffffffff80000000ULL
#define KINSPECT_X86_64_KERNEL_IMAGE_SIZE (1ULL << 30)
/* KASLR moves the kernel in 2 MiB steps within it (CONFIG_RANDOMIZE_BASE,
 * arch/x86/boot/compressed/kaslr.c). */
#define KINSPECT_X86_64_KASLR_ALIGN (2ULL << 20)
/* Every kernel address lies above this, with 4- or 5-level paging. */
#define KINSPECT_X86_64_KERNEL_SPACE_START 0xff00000000000000ULL

/* Pages and the kernel's default memory map (Documentation/arch/x86/
 * x86_64/mm.rst): where the direct map and the struct page array start
 * when CONFIG_RANDOMIZE_MEMORY does not move them (then the kernel has no
 * page_offset_base/vmemmap_base variables), for 4- and 5-level paging. */
/* PAGE_SHIFT: a #define, not in DWARF; fixed by the architecture. */
#define KINSPECT_X86_64_PAGE_SHIFT 12
#define KINSPECT_X86_64_PAGE_SIZE (1ULL << KINSPECT_X86_64_PAGE_SHIFT)
#define KINSPECT_X86_64_PAGE_OFFSET_L4 0xffff888000000000ULL
#define KINSPECT_X86_64_PAGE_OFFSET_L5 0xff11000000000000ULL
#define KINSPECT_X86_64_VMEMMAP_L4 0xffffea0000000000ULL
#define KINSPECT_X86_64_VMEMMAP_L5 0xffd4000000000000ULL
/* The lowest kernel address with 4-level paging. */
#define KINSPECT_X86_64_L4_KERNEL_START 0xffff800000000000ULL
/* Physical address bits (MAX_PHYSMEM_BITS): 46 with 4-level, 52 with 5. */
#define KINSPECT_X86_64_PHYSMEM_BITS_L4 46
#define KINSPECT_X86_64_PHYSMEM_BITS_L5 52

#define KINSPECT_X86_64_CR4_LA57 (1ULL << 12)

/* Page-table levels the CPU uses, from CR4. */
static inline int kinspect_x86_64_paging_levels(uint64_t cr4)
{
	return cr4 & KINSPECT_X86_64_CR4_LA57 ? 5 : 4;
}

#endif /* KINSPECT_X86_64_H */
