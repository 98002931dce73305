/* x86-64 page-table walk (Intel SDM vol. 3, 4.5 "4-level and 5-level
 * paging").
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "arch/x86_64-pagewalk.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"

#define PTE_PRESENT (1ULL << 0)
#define PTE_PAGE_SIZE (1ULL << 7) /* PS: a 1 GiB or 2 MiB leaf */
/* Bits 51:12 hold the next table or the page; bit 63 is NX, 62:52 are
 * ignored or protection keys. */
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
/* With page-table isolation the user half of a PGD pair is the kernel
 * PGD + 4 KiB (PTI_USER_PGTABLE_BIT, arch/x86/include/asm/pgtable.h): a CPU
 * dumped in user mode has it in cr3, and it maps almost no kernel memory. */
#define PTI_USER_PGD_BIT (1ULL << 12)

struct kinspect_error *kinspect_x86_64_translate(kinspect_read_phys_u64_fn *read, void *ctx, uint64_t cr3,
						 bool la57, uint64_t vaddr, uint64_t *ret,
						 uint64_t *ret_page_size)
{
	int levels = la57 ? 5 : 4;
	int top_shift = 12 + 9 * levels; /* 48 or 57 */
	/* Canonical: bits 63..top_shift-1 all equal. */
	int64_t high = (int64_t)vaddr >> (top_shift - 1);
	if (high != 0 && high != -1)
		return kinspect_error_fault(vaddr, "non-canonical address");

	uint64_t table = cr3 & PTE_ADDR_MASK;
	for (int level = levels; level >= 1; level--) {
		int shift = 12 + 9 * (level - 1);
		uint64_t index = (vaddr >> shift) & 0x1ff;
		uint64_t entry;
		struct kinspect_error *err = read(ctx, table + index * 8, &entry);
		if (err)
			return kinspect_error_wrap(err, "page table level %d for 0x%llx", level,
						   (unsigned long long)vaddr);
		if (!(entry & PTE_PRESENT))
			return kinspect_error_fault(vaddr, "page not present (level %d entry 0x%llx)", level,
						    (unsigned long long)entry);
		/* Leaves: PS set at level 3 (1 GiB) or 2 (2 MiB), or level 1. */
		if (level == 1 || ((level == 2 || level == 3) && (entry & PTE_PAGE_SIZE))) {
			uint64_t page_size = 1ULL << shift;
			*ret = (entry & PTE_ADDR_MASK & ~(page_size - 1)) | (vaddr & (page_size - 1));
			if (ret_page_size)
				*ret_page_size = page_size;
			return NULL;
		}
		table = entry & PTE_ADDR_MASK;
	}
	return kinspect_error_fault(vaddr, "page walk did not end"); /* not reached */
}

struct kinspect_error *kinspect_x86_64_translate_levels(kinspect_read_phys_u64_fn *read, void *ctx, uint64_t cr3,
							int levels, uint64_t vaddr, uint64_t *ret,
							uint64_t *ret_page_size)
{
	return kinspect_x86_64_translate(read, ctx, cr3, levels == 5, vaddr, ret, ret_page_size);
}

struct kinspect_error *kinspect_x86_64_translate_cpu(kinspect_read_phys_u64_fn *read, void *ctx,
						     const struct kinspect_elf_dump_cpu *cpu, uint64_t vaddr,
						     uint64_t *ret, uint64_t *ret_page_size)
{
	uint64_t cr3 = cpu->page_table_root;
	bool la57 = cpu->paging_control & KINSPECT_X86_64_CR4_LA57;
	struct kinspect_error *err = kinspect_x86_64_translate(read, ctx, cr3, la57, vaddr, ret, ret_page_size);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT && (cr3 & PTI_USER_PGD_BIT) &&
	    vaddr >= KINSPECT_X86_64_KERNEL_SPACE_START) {
		kinspect_error_destroy(err);
		err = kinspect_x86_64_translate(read, ctx, cr3 & ~PTI_USER_PGD_BIT, la57, vaddr, ret, ret_page_size);
	}
	return err;
}
