/* Kernel stack traces: the ORC tables of vmlinux and of every loaded module
 * (found in guest memory on first need), start registers of a blocked task
 * or of a CPU, and the frame-by-frame walk, bounded and loop-proof.
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

/* Load vmlinux's ORC tables (from the file), the ORC format and the
 * architecture's unwinder with its layouts (from TYPES).  Module tables are read through MEM when an
 * address in module space is first looked up.  Everything passed in must
 * outlive the handle. */
struct kinspect_error *kinspect_kernel_unwinder_create(struct kinspect_dwarf_types *types,
						       const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						       const struct kinspect_memory *mem,
						       struct kinspect_kernel_unwinder **ret);
void kinspect_kernel_unwinder_destroy(struct kinspect_kernel_unwinder *unwinder);

/* The unwinder for kinspect_orc_unwind_step(), for callers that drive it
 * frame by frame themselves (the gdb plugin). */
const struct kinspect_orc_unwinder *kinspect_kernel_unwinder_orc(struct kinspect_kernel_unwinder *unwinder);

/* The module whose text holds ADDR: its name and ADDR's offset from the
 * module's text base; false if none (or the module list cannot be read). */
bool kinspect_kernel_unwinder_module_of(struct kinspect_kernel_unwinder *unwinder, uint64_t addr,
					const char **ret_name, uint64_t *ret_offset);

/* Start state of a task switched out by the scheduler: its
 * inactive_task_frame at THREAD_SP (task->thread.sp). */
struct kinspect_error *kinspect_kernel_unwinder_task_state(struct kinspect_kernel_unwinder *unwinder,
							   uint64_t thread_sp, struct kinspect_orc_state *ret);

struct kinspect_stack_frame {
	unsigned int index;
	uint64_t ip, sp;
	/* How this frame was found from the one before it (the first frame:
	 * CALL). */
	enum kinspect_orc_frame_kind kind;
	uint64_t pt_regs;  /* PT_REGS/IRET: the struct's address */
	bool user_mode;    /* PT_REGS/IRET: a user-mode context (the last frame) */
};

/* Walk from STATE: FN is called for every frame, innermost first.  When
 * the walk cannot go on, *RET_STOPPED gets a malloc()ed reason ("no ORC
 * data for ...", "stack going in the wrong direction ...") and NULL is
 * returned; it stays NULL when the stack ended properly.  A non-NULL error
 * from FN ends the walk and is returned. */
struct kinspect_error *kinspect_kernel_unwind(struct kinspect_kernel_unwinder *unwinder,
					      const struct kinspect_orc_state *state,
					      struct kinspect_error *(*fn)(const struct kinspect_stack_frame *frame,
									   void *arg),
					      void *arg, char **ret_stopped);

#endif /* KINSPECT_STACKTRACE_H */
