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

/* The trace of CPU (the dump's CPU note, the gdbstub's vCPU thread, or
 * the registers the callbacks of kinspect_kernel_open_ops() give).
 * A CPU in user mode gives a trace of no frames with
 * kinspect_stack_trace_user_mode() true. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_stack_trace_cpu(struct kinspect_kernel *kernel,
								       unsigned int cpu,
								       struct kinspect_stack_trace **ret);

/* The trace of the task_struct at TASK: from the frame its context switch
 * saved when it is switched out, from its CPU's registers
 * when a CPU runs it (callbacks that give no CPUs: always the saved
 * frame). */
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

/* ---- single unwind steps, from registers ------------------------------
 * For a debugger that walks frame by frame itself (the gdb plugin):
 * registers in, the caller's registers out, with what the step crossed. */

/* Registers by the architecture's DWARF number (its psABI's, as gdb's JIT
 * reader interface speaks them): VALUE[N] is known when bit N of VALID is
 * set. */
#define KINSPECT_REGS_MAX 64
struct kinspect_regs {
	uint64_t value[KINSPECT_REGS_MAX];
	uint64_t valid;
};

/* The DWARF number of the register NAME in *RET: "pc", "sp" or "fp" by
 * role, or the architecture's own name (kinspect_kernel_register_name()).
 * KINSPECT_ERROR_NOT_FOUND for a name the architecture does not have. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_register_number(const struct kinspect_kernel *kernel,
								       const char *name, unsigned int *ret);

/* The architecture's own name of register REGNUM (a static string, as gdb
 * names it), or NULL past the last one. */
KINSPECT_EXPORT const char *kinspect_kernel_register_name(const struct kinspect_kernel *kernel,
							  unsigned int regnum);

/* The registers the unwinder reads and recovers: DWARF numbers 0 to this
 * minus one. */
KINSPECT_EXPORT unsigned int kinspect_kernel_nr_registers(const struct kinspect_kernel *kernel);

/* A frame between two steps: its registers, whether its pc is exact (the
 * frame where the CPU stopped, or code interrupted: looked up as is)
 * rather than a return address (looked up minus one), and what the
 * library carries from one step to the next (the last entry frame's saved
 * registers).  A first frame: the CPU's registers, EXACT_PC true, CONTEXT
 * zero.  A later one: the OUT of the step that found it, unchanged but for
 * registers the caller knows better. */
struct kinspect_unwind_frame {
	struct kinspect_regs regs;
	bool exact_pc;
	uint64_t context[4];
};

/* The registers CPU's unwind starts from (the dump's CPU note, the
 * gdbstub's vCPU thread, the callbacks'), as the first frame of
 * kinspect_kernel_unwind_step(), in *RET; *RET_USER_MODE when the CPU runs
 * user code (no kernel frames to unwind). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_cpu_unwind_frame(struct kinspect_kernel *kernel,
									unsigned int cpu,
									struct kinspect_unwind_frame *ret,
									bool *ret_user_mode);

/* How a step found the caller (as kinspect_stack_frame_kind() names it). */
enum kinspect_unwind_kind {
	KINSPECT_UNWIND_CALL,          /* a return address on the stack */
	KINSPECT_UNWIND_PT_REGS,       /* the full registers an entry saved (interrupt, exception, syscall) */
	KINSPECT_UNWIND_IRET,          /* only the hardware interrupt frame of those */
	KINSPECT_UNWIND_FRAME_POINTER, /* no ORC data: a guess from the frame pointer */
};

/* What one step found. */
struct kinspect_unwind_info {
	/* The frame given was the last of the kernel stack (ORC's end hint):
	 * OUT is not written and nothing else below is set. */
	bool end;
	enum kinspect_unwind_kind kind;
	/* The frame's canonical frame address, for a debugger's frame id:
	 * the caller's stack pointer, or for an entry frame the end of its
	 * saved registers (on the stack the frame is on: the caller's stack
	 * pointer is on another one). */
	uint64_t cfa;
	/* PT_REGS and IRET: the address of the saved registers, and whether
	 * they are a user-mode context (OUT is then user code: the end of the
	 * kernel stack). */
	uint64_t pt_regs;
	bool user_mode;
	/* A plain call frame of code that DWARF CFI covers: the vmlinux's
	 * (.debug_frame), or for module code that of the module's .ko found
	 * under the session's module directories, build-id checked (the file
	 * the gdb proxy gives gdb).  A DWARF unwinder with that file finds the
	 * same caller and also recovers the callee-saved registers, which ORC
	 * does not. */
	bool dwarf_cfi;
};

/* Set up the unwinder now (the slide, the vmlinux's ORC tables, the
 * layouts a step reads; done on the first step otherwise), so that a
 * later step's error is about its frame. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_unwind_prepare(struct kinspect_kernel *kernel);

/* Unwind IN by one frame: *OUT gets the caller (its pc, sp and frame
 * pointer where ORC says them, the other registers of a pt_regs frame;
 * registers not recovered are not VALID) and *RET_INFO how it was found.
 * IN needs the pc and the sp.  OUT may be IN.  An error says why unwinding
 * cannot go on here ("no ORC data for ...", a fault reading the stack);
 * nothing is written then. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_unwind_step(struct kinspect_kernel *kernel,
								   const struct kinspect_unwind_frame *in,
								   struct kinspect_unwind_frame *out,
								   struct kinspect_unwind_info *ret_info);

/* The stack trace from the registers of FRAME (a first frame, see struct
 * kinspect_unwind_frame): the walk of kinspect_kernel_stack_trace_cpu()
 * without a CPU (kinspect_stack_trace_cpu() is -1, the task 0); a pc in
 * user space gives a trace with kinspect_stack_trace_user_mode() true. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_stack_trace_regs(struct kinspect_kernel *kernel,
									const struct kinspect_unwind_frame *frame,
									struct kinspect_stack_trace **ret);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_STACK_H */
