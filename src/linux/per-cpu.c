/* Per-CPU data (see per-cpu.h).
 *
 * The current task's pointer moved twice, so it is chosen by what the
 * vmlinux has: pcpu_hot.current_task since commit 7443b296e699 ("x86/percpu:
 * Move current_task to percpu hot section", v6.2); the per-CPU current_task
 * before, and again since pcpu_hot was dissolved into per-CPU variables of
 * the cache-hot section (v6.15; the 7.x kernels of the test bed have it).
 * x86-64 linked its per-CPU sections at 0 until "x86/percpu/64: Use
 * relative percpu offsets" (v6.15), and KASLR moves only what lies in the
 * image (kaslr.h): so whether the area moves is read off its address.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/per-cpu.h"

struct kinspect_error *kinspect_per_cpu_current_task(const struct kinspect_vmlinux *vmlinux,
						      struct kinspect_dwarf_types *types, const char **ret_expression,
						      uint64_t *ret_link)
{
	uint64_t addr = 0;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "pcpu_hot", &addr, NULL);
	if (!err) {
		struct kinspect_dwarf_member m;
		if ((err = kinspect_dwarf_types_member(types, "struct pcpu_hot", "current_task", &m)))
			return kinspect_error_wrap(err, "per-CPU current task");
		*ret_expression = "pcpu_hot.current_task";
		*ret_link = addr + m.offset;
		return NULL;
	}
	if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
		return kinspect_error_wrap(err, "per-CPU current task");
	kinspect_error_destroy(err);
	if ((err = kinspect_vmlinux_symbol(vmlinux, "current_task", &addr, NULL)))
		return kinspect_error_wrap(err, "per-CPU current task (neither pcpu_hot nor current_task)");
	*ret_expression = "current_task";
	*ret_link = addr;
	return NULL;
}

struct kinspect_error *kinspect_per_cpu_area(const struct kinspect_vmlinux *vmlinux, uint64_t *ret_link_start,
					      bool *ret_moves_with_kaslr)
{
	uint64_t addr = 0;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "__per_cpu_start", &addr, NULL);
	if (err)
		return kinspect_error_wrap(err, "the per-CPU area");
	*ret_link_start = addr;
	*ret_moves_with_kaslr = kinspect_kaslr_in_image(addr);
	return NULL;
}
