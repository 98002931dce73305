/* A session's per-CPU data (see kinspect/per-cpu.h): the vmlinux alone.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/per-cpu.h>

#include "libkinspect/kernel-priv.h"
#include "linux/per-cpu.h"

struct kinspect_error *kinspect_kernel_current_task_variable(struct kinspect_kernel *kernel,
							     const char **ret_expression, uint64_t *ret_link)
{
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_dwarf_types *types;
	uint64_t link;
	struct kinspect_error *err;
	if ((err = kinspect_kernel_vmlinux(kernel, &vmlinux)) || (err = kinspect_kernel_types(kernel, &types)) ||
	    (err = kinspect_per_cpu_current_task(vmlinux, types, ret_expression, &link)))
		return err;
	if (ret_link)
		*ret_link = link;
	return NULL;
}

struct kinspect_error *kinspect_kernel_per_cpu_area(struct kinspect_kernel *kernel, uint64_t *ret_link_start,
						    bool *ret_moves_with_kaslr)
{
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_error *err = kinspect_kernel_vmlinux(kernel, &vmlinux);
	return err ? err : kinspect_per_cpu_area(vmlinux, ret_link_start, ret_moves_with_kaslr);
}
