/* x86-64 virtual-to-physical translation by walking the page tables, for
 * memory sources that only hold physical memory (dumps without paging).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_PAGEWALK_H
#define KINSPECT_X86_64_PAGEWALK_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "arch/arch.h"

/* Translate VADDR with the page tables rooted at CR3 (5 levels if LA57):
 * *RET is the physical address, *RET_PAGE_SIZE the size of the page that
 * maps it (4 KiB, 2 MiB or 1 GiB).  A not-present entry or a non-canonical
 * address is a KINSPECT_ERROR_FAULT error carrying VADDR. */
struct kinspect_error *kinspect_x86_64_translate(kinspect_read_phys_u64_fn *read, void *ctx, uint64_t cr3,
						 bool la57, uint64_t vaddr, uint64_t *ret,
						 uint64_t *ret_page_size);

/* kinspect_arch.translate and translate_cpu: the same walk with 4 or 5
 * LEVELS, and with a dumped CPU's CR3 and CR4 (see x86_64-pagewalk.c on
 * page-table isolation). */
struct kinspect_error *kinspect_x86_64_translate_levels(kinspect_read_phys_u64_fn *read, void *ctx, uint64_t cr3,
							int levels, uint64_t vaddr, uint64_t *ret,
							uint64_t *ret_page_size);
struct kinspect_error *kinspect_x86_64_translate_cpu(kinspect_read_phys_u64_fn *read, void *ctx,
						     const struct kinspect_elf_dump_cpu *cpu, uint64_t vaddr,
						     uint64_t *ret, uint64_t *ret_page_size);

#endif /* KINSPECT_X86_64_PAGEWALK_H */
