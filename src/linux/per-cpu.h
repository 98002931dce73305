/* Where the kernel keeps per-CPU data, from the vmlinux and its DWARF
 * alone (no target): the per-CPU area and the variable that points to each
 * CPU's current task.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_PER_CPU_H
#define KINSPECT_LINUX_PER_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"

/* The per-CPU pointer to the current task: *RET_EXPRESSION is a C
 * expression of vmlinux symbols ("pcpu_hot.current_task" or
 * "current_task", static storage) and *RET_LINK its link-time address
 * (CPU N's copy is at its runtime address + __per_cpu_offset[N]). */
struct kinspect_error *kinspect_per_cpu_current_task(const struct kinspect_vmlinux *vmlinux,
						      struct kinspect_dwarf_types *types, const char **ret_expression,
						      uint64_t *ret_link);

/* The link-time address of __per_cpu_start and whether KASLR moves the
 * per-CPU area with the image (where it is linked outside it, as x86-64's
 * zero-based per-CPU sections are, it stays put). */
struct kinspect_error *kinspect_per_cpu_area(const struct kinspect_vmlinux *vmlinux, uint64_t *ret_link_start,
					      bool *ret_moves_with_kaslr);

#endif /* KINSPECT_LINUX_PER_CPU_H */
