/* The x86-64 kernel memory map (Documentation/arch/x86/x86_64/mm.rst): the
 * paging mode, where the direct map and the struct page array lie, and the
 * kernel's own page tables, for the architecture table.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_MEMORY_MAP_H
#define KINSPECT_X86_64_MEMORY_MAP_H

#include "arch/arch.h"

/* See kinspect_arch.memory_map and kernel_page_tables. */
struct kinspect_error *kinspect_x86_64_memory_map(const struct kinspect_arch_kernel *kernel,
						  struct kinspect_memory_map *map);
struct kinspect_error *kinspect_x86_64_kernel_page_tables(const struct kinspect_arch_kernel *kernel,
							  struct kinspect_memory_map *map);

#endif /* KINSPECT_X86_64_MEMORY_MAP_H */
