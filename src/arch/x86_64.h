/* The x86-64 kernel address layout (Documentation/arch/x86/x86_64/mm.rst),
 * the registers by DWARF number and the control-register and segment bits
 * kinspect relies on, in one place.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_H
#define KINSPECT_X86_64_H

#include <stdbool.h>
#include <stdint.h>

/* Registers by DWARF number (the x86-64 psABI): what gdb's JIT reader API
 * speaks too.  The unwinder's are 0 to 16. */
enum {
	KINSPECT_X86_64_RAX = 0,
	KINSPECT_X86_64_RDX = 1,
	KINSPECT_X86_64_RCX = 2,
	KINSPECT_X86_64_RBX = 3,
	KINSPECT_X86_64_RSI = 4,
	KINSPECT_X86_64_RDI = 5,
	KINSPECT_X86_64_RBP = 6,
	KINSPECT_X86_64_RSP = 7,
	KINSPECT_X86_64_R8 = 8,
	KINSPECT_X86_64_R10 = 10,
	KINSPECT_X86_64_R13 = 13,
	KINSPECT_X86_64_R15 = 15,
	KINSPECT_X86_64_RIP = 16,
	KINSPECT_X86_64_NR_REGS = 17,
};

/* Their names, as gdb and QEMU's target description give them
 * (x86_64-arch.c). */
extern const char *const kinspect_x86_64_reg_names[KINSPECT_X86_64_NR_REGS];

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

/* Whether CS is a user-mode code segment (RPL 3). */
static inline bool kinspect_x86_64_user_mode(uint64_t cs)
{
	return (cs & 3) == 3;
}

#endif /* KINSPECT_X86_64_H */
