/* Breakpoints on a live guest: stop at a kernel function (of the vmlinux or
 * of a loaded module), see each hit (the vCPU, its task, the pc, the
 * function's arguments by name with their C types as the calling convention
 * has them at the function's first instruction, the stack) and let the
 * guest go on.  The guest is left in the run state the session found it in
 * when the session ends (see kinspect_kernel_run_state()).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_BREAKPOINT_H
#define KINSPECT_BREAKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>
#include <kinspect/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kinspect_breakpoint;

/* One stop at a breakpoint.  Owned by its breakpoint, valid until the
 * guest runs again (the next kinspect_breakpoint_wait() or
 * kinspect_breakpoint_continue()) or the breakpoint goes. */
struct kinspect_breakpoint_hit;

/* Plant a breakpoint at the entry of FUNCTION, a symbol of the vmlinux or
 * of a loaded module (NAME or MODULE:NAME, as kinspect_kernel_symbol()
 * finds it), on KERNEL's live guest, which stays stopped until
 * kinspect_breakpoint_wait().  The function's parameters come from its
 * DWARF (the vmlinux's, or the module's .ko under the module directories);
 * without it the breakpoint still works, with no arguments (see
 * kinspect_breakpoint_args_unknown()).  KINSPECT_ERROR_INVALID_ARGUMENT on a
 * dump or without a target, KINSPECT_ERROR_NOT_FOUND for an unknown symbol.
 * The caller destroys *RET (before or after the session: ending the
 * session takes every breakpoint out). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_breakpoint_create(struct kinspect_kernel *kernel,
									 const char *function,
									 struct kinspect_breakpoint **ret);

/* The same at runtime address ADDRESS; its arguments are named when it is
 * the entry of a function with DWARF. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_breakpoint_create_at(struct kinspect_kernel *kernel,
									    uint64_t address,
									    struct kinspect_breakpoint **ret);

/* Take the breakpoint out of the guest (stopping a running guest to do
 * so: it stays stopped, and the session's end leaves it as it was found).
 * A no-op once done; the breakpoint then takes no more hits. */
KINSPECT_EXPORT struct kinspect_error *kinspect_breakpoint_remove(struct kinspect_breakpoint *bp);

/* kinspect_breakpoint_remove() (errors ignored) and free BP.  Accepts
 * NULL. */
KINSPECT_EXPORT void kinspect_breakpoint_destroy(struct kinspect_breakpoint *bp);

/* Let the guest run until a vCPU reaches the breakpoint (stepping over it
 * first when stopped at a hit), at most TIMEOUT_MS (0: no limit); the
 * session's cancel flag (kinspect_options.cancel) ends the wait early with
 * an error.  On a hit the guest is stopped, *RET describes it, and reads of
 * virtual memory go through the page tables of the vCPU that hit (user
 * addresses are the hitting task's).  A timeout is KINSPECT_ERROR_TIMEOUT,
 * the guest left running (kinspect_breakpoint_remove() stops it); a stop
 * anywhere else (QEMU's monitor "stop", another breakpoint) is an error
 * naming the pc, the guest left stopped there. */
KINSPECT_EXPORT struct kinspect_error *kinspect_breakpoint_wait(struct kinspect_breakpoint *bp, int timeout_ms,
								const struct kinspect_breakpoint_hit **ret);

/* Let the guest go on from a hit (stepping over the breakpoint, which
 * stays planted) without waiting for the next one.  A no-op when it
 * runs. */
KINSPECT_EXPORT struct kinspect_error *kinspect_breakpoint_continue(struct kinspect_breakpoint *bp);

/* Where it is planted (a runtime address). */
KINSPECT_EXPORT uint64_t kinspect_breakpoint_address(const struct kinspect_breakpoint *bp);

/* The function's name: from the DWARF that gave the arguments, else as
 * given to kinspect_kernel_breakpoint_create(); NULL for an address
 * without DWARF.  Owned by BP. */
KINSPECT_EXPORT const char *kinspect_breakpoint_function(const struct kinspect_breakpoint *bp);

/* Why the arguments are unknown (no DWARF for the function, not its entry),
 * or NULL when they are known.  Owned by BP. */
KINSPECT_EXPORT const char *kinspect_breakpoint_args_unknown(const struct kinspect_breakpoint *bp);

/* The hits so far. */
KINSPECT_EXPORT unsigned long kinspect_breakpoint_nr_hits(const struct kinspect_breakpoint *bp);

/* The function's parameters, in order: INDEX below
 * kinspect_breakpoint_nr_args() (0 when unknown).  Their names and their
 * types as C spells them ("struct iov_iter *"), owned by BP. */
KINSPECT_EXPORT size_t kinspect_breakpoint_nr_args(const struct kinspect_breakpoint *bp);
KINSPECT_EXPORT const char *kinspect_breakpoint_arg_name(const struct kinspect_breakpoint *bp, size_t index);
KINSPECT_EXPORT const char *kinspect_breakpoint_arg_type(const struct kinspect_breakpoint *bp, size_t index);

/* The index of the parameter called NAME, or -1. */
KINSPECT_EXPORT int kinspect_breakpoint_arg_index(const struct kinspect_breakpoint *bp, const char *name);

/* Which hit it is (1 for the first), the vCPU that hit, its pc (the
 * breakpoint's address) and the task it runs (its task_struct; 0 if that
 * could not be read). */
KINSPECT_EXPORT unsigned long kinspect_breakpoint_hit_number(const struct kinspect_breakpoint_hit *hit);
KINSPECT_EXPORT unsigned int kinspect_breakpoint_hit_cpu(const struct kinspect_breakpoint_hit *hit);
KINSPECT_EXPORT uint64_t kinspect_breakpoint_hit_pc(const struct kinspect_breakpoint_hit *hit);
KINSPECT_EXPORT uint64_t kinspect_breakpoint_hit_task(const struct kinspect_breakpoint_hit *hit);

/* Argument INDEX at the hit, as the function received it: false when the
 * calling convention cannot place it (a type of unknown size).  Otherwise
 * *RET_VALUE is its value (zero-extended from its size; the first word of
 * one passed in two registers), or, when *RET_IS_ADDRESS, the address of
 * the copy on the stack of a struct or union too big for a register. */
KINSPECT_EXPORT bool kinspect_breakpoint_hit_arg(const struct kinspect_breakpoint_hit *hit, size_t index,
						 uint64_t *ret_value, bool *ret_is_address);

/* The kernel stack of the vCPU at the hit (kinspect_kernel_stack_trace_cpu()),
 * its first frame the function's entry.  The caller destroys *RET. */
KINSPECT_EXPORT struct kinspect_error *kinspect_breakpoint_hit_stack_trace(const struct kinspect_breakpoint_hit *hit,
									   struct kinspect_stack_trace **ret);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_BREAKPOINT_H */
