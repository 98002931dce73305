/* x86-64's unwinder (see x86_64-unwind.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/vmlinux.h>

#include "arch/x86_64-orc-kernel.h"
#include "arch/x86_64-orc.h"
#include "arch/x86_64-unwind.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"

struct kinspect_arch_unwinder {
	struct kinspect_orc_format format;
	struct kinspect_x86_64_pt_regs_layout pt_regs;
	struct kinspect_orc_kernel tables;
	struct kinspect_orc_unwinder orc;
	/* struct inactive_task_frame: its size and where bp and ret_addr are. */
	uint64_t inactive_frame_size, inactive_bp, inactive_ret_addr;
	uint64_t ret_from_fork[2];
};

struct kinspect_error *kinspect_x86_64_unwinder_create(const struct kinspect_arch_unwind_kernel *kernel,
						       struct kinspect_arch_unwinder **ret)
{
	struct kinspect_arch_unwinder *u = calloc(1, sizeof(*u));
	if (!u)
		return &kinspect_error_nomem;
	struct kinspect_dwarf_types *types = kernel->types;
	struct kinspect_error *err;
	struct kinspect_dwarf_member m;
	if ((err = kinspect_orc_format_from_dwarf(types, &u->format)) ||
	    (err = kinspect_x86_64_pt_regs_layout(types, &u->pt_regs)) ||
	    (err = kinspect_orc_kernel_init(&u->tables, kernel, &u->format)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct inactive_task_frame", &u->inactive_frame_size)) ||
	    (err = kinspect_dwarf_types_member(types, "struct inactive_task_frame", "bp", &m)))
		goto fail;
	u->inactive_bp = m.offset;
	if ((err = kinspect_dwarf_types_member(types, "struct inactive_task_frame", "ret_addr", &m)))
		goto fail;
	u->inactive_ret_addr = m.offset;
	/* A task that never ran starts in ret_from_fork_asm (v6.6+,
	 * commit 3aec4ecb3d1f) or ret_from_fork: not a return address. */
	for (int i = 0; i < 2; i++) {
		struct kinspect_error *e = kinspect_vmlinux_symbol(kernel->vmlinux, i ? "ret_from_fork" : "ret_from_fork_asm",
								   &u->ret_from_fork[i], NULL);
		if (!e)
			u->ret_from_fork[i] = kinspect_kaslr_runtime(kernel->slide, u->ret_from_fork[i]);
		kinspect_error_destroy(e);
	}
	u->orc = (struct kinspect_orc_unwinder){
		.find = kinspect_orc_kernel_find, .find_arg = &u->tables, .mem = kernel->mem, .pt_regs = &u->pt_regs
	};
	*ret = u;
	return NULL;
fail:
	kinspect_x86_64_unwinder_destroy(u);
	return err;
}

void kinspect_x86_64_unwinder_destroy(struct kinspect_arch_unwinder *u)
{
	if (!u)
		return;
	kinspect_orc_kernel_deinit(&u->tables);
	free(u);
}

struct kinspect_error *kinspect_x86_64_unwind_step(struct kinspect_arch_unwinder *u,
						   struct kinspect_unwind_state *state, struct kinspect_arch_step *ret)
{
	struct kinspect_orc_step step;
	enum kinspect_orc_step_result result;
	struct kinspect_error *err = kinspect_orc_unwind_step(&u->orc, state, &step, &result);
	if (err)
		return err;
	memset(ret, 0, sizeof(*ret));
	if (result == KINSPECT_ORC_STEP_END) {
		ret->end = true;
		return NULL;
	}
	ret->kind = step.kind;
	bool entry = step.kind == KINSPECT_UNWIND_PT_REGS || step.kind == KINSPECT_UNWIND_IRET;
	ret->pt_regs = entry ? step.pt_regs : 0;
	ret->user_mode = step.user_mode;
	/* An entry frame's registers end where the stack it interrupted
	 * left off; the caller's stack pointer may be on another stack. */
	ret->cfa = ret->pt_regs ? ret->pt_regs + u->pt_regs.size : state->regs.value[KINSPECT_X86_64_RSP];
	/* The caller's stack pointer from the sp or the frame pointer, its
	 * return address right below: what a DWARF CFI unwinder gets right. */
	ret->plain_call = step.kind == KINSPECT_UNWIND_CALL && step.entry.type == KINSPECT_ORC_TYPE_CALL &&
			  (step.entry.sp_reg == KINSPECT_ORC_REG_SP || step.entry.sp_reg == KINSPECT_ORC_REG_BP);
	return NULL;
}

struct kinspect_error *kinspect_x86_64_task_state(struct kinspect_arch_unwinder *u, uint64_t task,
						  uint64_t thread_sp, struct kinspect_unwind_state *ret)
{
	(void)task; /* task->thread.sp says it all: the frame is on the stack */
	uint8_t buf[8];
	uint64_t bp, ip = 0;
	struct kinspect_error *err = kinspect_memory_read(u->tables.kernel.mem, thread_sp + u->inactive_bp, buf, 8);
	bp = kinspect_load_le(buf, 8);
	if (!err) {
		err = kinspect_memory_read(u->tables.kernel.mem, thread_sp + u->inactive_ret_addr, buf, 8);
		ip = kinspect_load_le(buf, 8);
	}
	if (err)
		return kinspect_error_wrap(err, "inactive_task_frame at 0x%" PRIx64, thread_sp);
	memset(ret, 0, sizeof(*ret));
	kinspect_unwind_state_set(ret, KINSPECT_X86_64_RIP, ip);
	kinspect_unwind_state_set(ret, KINSPECT_X86_64_RSP, thread_sp + u->inactive_frame_size);
	kinspect_unwind_state_set(ret, KINSPECT_X86_64_RBP, bp);
	ret->exact = ip == u->ret_from_fork[0] || ip == u->ret_from_fork[1];
	return NULL;
}
