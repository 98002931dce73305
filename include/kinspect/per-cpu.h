/* Where a session's kernel keeps its per-CPU data, for front ends that
 * compute per_cpu(VAR, CPU) themselves (kinspect gdb-script writes gdb
 * commands from these): CPU N's copy of a per-CPU variable of the vmlinux
 * is at the variable's runtime address + __per_cpu_offset[N].  Both calls
 * read only the vmlinux and its DWARF: no target is opened.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PER_CPU_H
#define KINSPECT_PER_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The per-CPU pointer to each CPU's current task, as a C expression of
 * vmlinux symbols: "pcpu_hot.current_task" (v6.2 to v6.14) or
 * "current_task", chosen by what the vmlinux has.  Static storage.
 * *RET_LINK (may be NULL) is its link-time address. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_current_task_variable(struct kinspect_kernel *kernel,
									     const char **ret_expression,
									     uint64_t *ret_link);

/* The per-CPU area: the link-time address of __per_cpu_start and whether
 * KASLR moves the area with the kernel image.  It does not where the
 * area is linked outside the image (x86-64 linked it at 0 before v6.15):
 * a debugger that moved every section by the slide must then take the
 * slide off again. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_per_cpu_area(struct kinspect_kernel *kernel,
								    uint64_t *ret_link_start,
								    bool *ret_moves_with_kaslr);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_PER_CPU_H */
