/* x86-64's unwinder in the architecture table: ORC over the kernel's
 * tables (x86_64-orc-kernel.h), the struct pt_regs layout its entry frames
 * need, and the saved frame of a task switched out (struct
 * inactive_task_frame).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_UNWIND_H
#define KINSPECT_X86_64_UNWIND_H

#include "arch/arch.h"

/* See kinspect_arch.unwinder_create, unwinder_destroy, unwind_step and
 * task_state. */
struct kinspect_error *kinspect_x86_64_unwinder_create(const struct kinspect_arch_unwind_kernel *kernel,
						       struct kinspect_arch_unwinder **ret);
void kinspect_x86_64_unwinder_destroy(struct kinspect_arch_unwinder *unwinder);
struct kinspect_error *kinspect_x86_64_unwind_step(struct kinspect_arch_unwinder *unwinder,
						   struct kinspect_unwind_state *state, struct kinspect_arch_step *ret);
struct kinspect_error *kinspect_x86_64_task_state(struct kinspect_arch_unwinder *unwinder, uint64_t task,
						  uint64_t thread_sp, struct kinspect_unwind_state *ret);

#endif /* KINSPECT_X86_64_UNWIND_H */
