/* Kernel stack traces of a session, unwound as the kernel itself does
 * with ORC (the tables of the vmlinux and of every loaded module), through
 * interrupt, exception and syscall entry and across IRQ stacks, to the
 * user-mode boundary; bounded and loop-proof.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_STACK_H
#define KINSPECT_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A trace longer than this is a corrupted stack: it ends, stopped. */
#define KINSPECT_STACK_MAX_FRAMES 256

struct kinspect_stack_trace;

/* The trace of CPU (the dump's CPU note, or the gdbstub's vCPU thread).
 * A CPU in user mode gives a trace of no frames with
 * kinspect_stack_trace_user_mode() true. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_stack_trace_cpu(struct kinspect_kernel *kernel,
								       unsigned int cpu,
								       struct kinspect_stack_trace **ret);

/* The trace of the task_struct at TASK: from its saved
 * inactive_task_frame when it is switched out, from its CPU's registers
 * when a CPU runs it. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_stack_trace_task(struct kinspect_kernel *kernel,
									uint64_t task,
									struct kinspect_stack_trace **ret);

/* Accepts NULL. */
KINSPECT_EXPORT void kinspect_stack_trace_destroy(struct kinspect_stack_trace *trace);

/* The CPU the trace was taken from, or -1 for a switched-out task. */
KINSPECT_EXPORT int kinspect_stack_trace_cpu(const struct kinspect_stack_trace *trace);

/* The task running on that CPU or traced, or 0 if it could not be read. */
KINSPECT_EXPORT uint64_t kinspect_stack_trace_task(const struct kinspect_stack_trace *trace);

/* Whether the CPU was in user mode (no kernel frames), and its
 * instruction pointer then. */
KINSPECT_EXPORT bool kinspect_stack_trace_user_mode(const struct kinspect_stack_trace *trace);
KINSPECT_EXPORT uint64_t kinspect_stack_trace_user_ip(const struct kinspect_stack_trace *trace);

/* Why the walk stopped before the stack's proper end ("no ORC data for
 * ...", "stack going in the wrong direction ..."), or NULL.  Owned by
 * TRACE. */
KINSPECT_EXPORT const char *kinspect_stack_trace_stopped(const struct kinspect_stack_trace *trace);

/* Its frames, innermost first; INDEX below kinspect_stack_trace_nr_frames(). */
KINSPECT_EXPORT size_t kinspect_stack_trace_nr_frames(const struct kinspect_stack_trace *trace);
KINSPECT_EXPORT uint64_t kinspect_stack_frame_ip(const struct kinspect_stack_trace *trace, size_t index);
KINSPECT_EXPORT uint64_t kinspect_stack_frame_sp(const struct kinspect_stack_trace *trace, size_t index);

/* The code address as people read it: "function+0xoff", "function+0xoff
 * [module]", "[module]+0xoff" when the module's .ko is not at hand, or
 * "?".  A return address is named by its call (the function that ends in
 * the call).  Owned by TRACE. */
KINSPECT_EXPORT const char *kinspect_stack_frame_symbol(const struct kinspect_stack_trace *trace, size_t index);

/* The module holding the frame's code, or NULL for the vmlinux.  Owned by
 * TRACE. */
KINSPECT_EXPORT const char *kinspect_stack_frame_module(const struct kinspect_stack_trace *trace, size_t index);

/* The address the frame's line table lookup uses: the IP itself for the
 * first frame and for interrupted code, the IP minus one for a return
 * address. */
KINSPECT_EXPORT uint64_t kinspect_stack_frame_lookup_address(const struct kinspect_stack_trace *trace,
							    size_t index);

/* How the frame was found from the one before it: "call", "pt_regs" or
 * "iret" (an interrupt or entry frame: see kinspect_stack_frame_pt_regs())
 * or "frame_pointer" (a guess where ORC has no data).  Static. */
KINSPECT_EXPORT const char *kinspect_stack_frame_kind(const struct kinspect_stack_trace *trace, size_t index);

/* A pt_regs or iret frame: the address of the saved registers, and
 * whether they are a user-mode context (the last frame). */
KINSPECT_EXPORT uint64_t kinspect_stack_frame_pt_regs(const struct kinspect_stack_trace *trace, size_t index);
KINSPECT_EXPORT bool kinspect_stack_frame_user_mode(const struct kinspect_stack_trace *trace, size_t index);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_STACK_H */
