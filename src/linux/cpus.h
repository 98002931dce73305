/* Which CPUs the kernel could ever bring up: the bound for every per-CPU
 * lookup, so that a number past them is refused instead of reading another
 * allocation (or freed memory) as that CPU's copy.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_CPUS_H
#define KINSPECT_LINUX_CPUS_H

#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "linux/memory.h"

/* Succeed if CPU is a possible CPU of the kernel in MEM (VMLINUX slid by
 * SLIDE): its bit in __cpu_possible_mask where the vmlinux has that
 * symbol, else CPU < nr_cpu_ids.  A CPU that is not possible is a
 * KINSPECT_ERROR_INVALID_ARGUMENT error naming the possible ones. */
struct kinspect_error *kinspect_cpu_check_possible(const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						   const struct kinspect_memory *mem, uint64_t cpu);

#endif /* KINSPECT_LINUX_CPUS_H */
