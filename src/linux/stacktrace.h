/* Kernel stack traces: the architecture's unwinder over the kernel (its
 * unwind tables; module text found in the module list on first need),
 * start registers of a blocked task, the frame-by-frame walk, bounded and
 * loop-proof, and the unwind state to and from the public
 * kinspect_unwind_frame.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_STACKTRACE_H
#define KINSPECT_STACKTRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "arch/arch.h"
#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* A trace longer than this is a corrupted stack. */
#define KINSPECT_STACKTRACE_MAX_FRAMES 256

struct kinspect_kernel_unwinder;

/* Set up the architecture's unwinder for the kernel of TYPES and VMLINUX
 * (SLIDE: KASLR slide), reading guest memory through MEM; the module list
 * is read when an address in module space is first looked up.  Everything
 * passed in must outlive the handle. */
struct kinspect_error *kinspect_kernel_unwinder_create(struct kinspect_dwarf_types *types,
						       const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						       const struct kinspect_memory *mem,
						       struct kinspect_kernel_unwinder **ret);
void kinspect_kernel_unwinder_destroy(struct kinspect_kernel_unwinder *unwinder);

/* One step of the architecture's unwinder (see kinspect_arch.unwind_step),
 * for callers that drive it frame by frame themselves (the gdb plugin,
 * through kinspect_kernel_unwind_step()). */
struct kinspect_error *kinspect_kernel_unwinder_step(struct kinspect_kernel_unwinder *unwinder,
						     struct kinspect_unwind_state *state, struct kinspect_arch_step *ret);

/* The module whose text holds ADDR: its name and ADDR's offset from the
 * module's text base; false if none (or the module list cannot be read). */
bool kinspect_kernel_unwinder_module_of(struct kinspect_kernel_unwinder *unwinder, uint64_t addr,
					const char **ret_name, uint64_t *ret_offset);

/* Start state of the task at TASK switched out by the scheduler, with the
 * saved stack pointer THREAD_SP (see kinspect_arch.task_state). */
struct kinspect_error *kinspect_kernel_unwinder_task_state(struct kinspect_kernel_unwinder *unwinder, uint64_t task,
							   uint64_t thread_sp, struct kinspect_unwind_state *ret);

struct kinspect_stack_frame {
	unsigned int index;
	uint64_t ip, sp;
	/* How this frame was found from the one before it (the first frame:
	 * CALL). */
	enum kinspect_unwind_kind kind;
	uint64_t pt_regs;  /* PT_REGS/IRET: the struct's address */
	bool user_mode;    /* PT_REGS/IRET: a user-mode context (the last frame) */
};

/* Walk from STATE: FN is called for every frame, innermost first.  When
 * the walk cannot go on, *RET_STOPPED gets a malloc()ed reason (the
 * unwinder's error, "stack going in the wrong direction ...") and NULL is
 * returned; it stays NULL when the stack ended properly.  A non-NULL error
 * from FN ends the walk and is returned. */
struct kinspect_error *kinspect_kernel_unwind(struct kinspect_kernel_unwinder *unwinder,
					      const struct kinspect_unwind_state *state,
					      struct kinspect_error *(*fn)(const struct kinspect_stack_frame *frame,
									   void *arg),
					      void *arg, char **ret_stopped);

/* FRAME (a public first frame or a step's OUT) as an unwind state: its
 * registers beyond the architecture's are dropped. */
void kinspect_unwind_state_from_frame(struct kinspect_unwind_state *ret, const struct kinspect_unwind_frame *frame);
/* And back: *RET gets STATE's registers, EXACT and the architecture's
 * words as the frame's context. */
void kinspect_unwind_state_to_frame(const struct kinspect_unwind_state *state, struct kinspect_unwind_frame *ret);

#endif /* KINSPECT_STACKTRACE_H */
