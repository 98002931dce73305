/* Why a kernel stopped, as far as a session can tell: the CPU that called
 * panic(), the first report the kernel logged (an oops, a BUG, a WARNING,
 * a hung task, a lockup, an RCU stall, the OOM killer) with the CPU, task
 * and pc it names, the panic message, the taint flags, the time it stopped
 * and, on the panicking CPU's stack, the frame it stopped for with the
 * exception frame that entered it.  What kinspect(1)'s triage reports, for
 * programs that do the same on many dumps.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CRASH_H
#define KINSPECT_CRASH_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>
#include <kinspect/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the kernel says about its stop: the caller's, freed with
 * kinspect_crash_destroy(); it must not outlive its session. */
struct kinspect_crash;

/* Read it from KERNEL (opening the target): the kernel's panic_cpu and
 * tainted_mask, its log (every record, once), its timekeeper and the
 * panicking CPU's stack.  A kernel that did not panic and logged no
 * report is no error: its kind is "none".  Errors: the target's, or
 * KINSPECT_ERROR_UNSUPPORTED for a vmlinux without panic_cpu. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_crash(struct kinspect_kernel *kernel,
							     struct kinspect_crash **ret);

/* Accepts NULL. */
KINSPECT_EXPORT void kinspect_crash_destroy(struct kinspect_crash *crash);

/* What it is: "panic" (panic() called with no report leading to it),
 * "oops", "bug", "warning", "hung-task", "soft-lockup", "hard-lockup",
 * "rcu-stall", "oom", or "none": the report's kind (see
 * kinspect_crash_report_line()), else whether the kernel panicked.  A
 * static string. */
KINSPECT_EXPORT const char *kinspect_crash_kind(const struct kinspect_crash *crash);

/* The CPU that called panic() (the kernel's panic_cpu), or -1 when the
 * kernel did not panic. */
KINSPECT_EXPORT int kinspect_crash_panic_cpu(const struct kinspect_crash *crash);

/* The panic message ("sysrq triggered crash", "Fatal exception") and its
 * log record's sequence number in *RET_SEQ (may be NULL), or NULL when the
 * log has no "Kernel panic - not syncing:" line. */
KINSPECT_EXPORT const char *kinspect_crash_panic_message(const struct kinspect_crash *crash, uint64_t *ret_seq);

/* The report: for a kernel that panicked, the one that led to the panic
 * (the latest report, when it ended at most a second before the panic
 * line or, a report with no end marker such as a lockup's, began at most
 * ten seconds before); for one that did not, the first report of the log.
 * Its first line as logged, and its log sequence number in *RET_SEQ (may
 * be NULL); NULL when there is none (a direct panic() call, a healthy
 * kernel). */
KINSPECT_EXPORT const char *kinspect_crash_report_line(const struct kinspect_crash *crash, uint64_t *ret_seq);

/* The first report of the log when it is not the report (an older WARNING
 * or OOM kill before an unrelated panic), as kinspect_crash_report_line();
 * NULL otherwise. */
KINSPECT_EXPORT const char *kinspect_crash_earlier_report(const struct kinspect_crash *crash, uint64_t *ret_seq);

/* The CPU and the task (pid, comm) the report names, or the panic's own
 * header when there is no report: -1 and NULL where the log does not
 * say.  For a hung task, the task that hangs; for the OOM killer, the
 * task that invoked it. */
KINSPECT_EXPORT int64_t kinspect_crash_report_cpu(const struct kinspect_crash *crash);
KINSPECT_EXPORT int64_t kinspect_crash_report_pid(const struct kinspect_crash *crash);
KINSPECT_EXPORT const char *kinspect_crash_report_comm(const struct kinspect_crash *crash);

/* The faulting kernel-mode pc as the report printed it
 * ("sysrq_handle_crash+0x16/0x20 [mod]"), or NULL. */
KINSPECT_EXPORT const char *kinspect_crash_report_pc(const struct kinspect_crash *crash);

/* The OOM killer's victim (pid, comm), -1 and NULL when none. */
KINSPECT_EXPORT int64_t kinspect_crash_oom_victim_pid(const struct kinspect_crash *crash);
KINSPECT_EXPORT const char *kinspect_crash_oom_victim_comm(const struct kinspect_crash *crash);

/* The kernel's tainted_mask, and its set flags' letters in flag order from
 * the kernel's own taint_flags[] ("DW"; "" when untainted: the kernel's
 * "Not tainted").  Owned by CRASH. */
KINSPECT_EXPORT uint64_t kinspect_crash_taint_mask(const struct kinspect_crash *crash);
KINSPECT_EXPORT const char *kinspect_crash_taints(const struct kinspect_crash *crash);

/* Seconds since boot (the timekeeper's monotonic seconds) and the wall
 * clock (its CLOCK_REALTIME seconds) when the kernel stopped; false when
 * the vmlinux's timekeeper cannot be read. */
KINSPECT_EXPORT bool kinspect_crash_time(const struct kinspect_crash *crash, uint64_t *ret_uptime_s,
					 int64_t *ret_realtime_s);

/* The panicking CPU's stack (owned by CRASH), or NULL when the kernel did
 * not panic or the trace could not be taken (kinspect_crash_trace_error()
 * says why). */
KINSPECT_EXPORT const struct kinspect_stack_trace *kinspect_crash_trace(const struct kinspect_crash *crash);
KINSPECT_EXPORT const char *kinspect_crash_trace_error(const struct kinspect_crash *crash);

/* In that trace, the frame the kernel stopped for, as an index, or -1: the
 * code an exception or interrupt entered (the frame above the first
 * kernel-mode exception frame: the faulting function of an oops or BUG,
 * the code a lockup detector interrupted), else the caller of panic().
 * *RET_PT_REGS (may be NULL) is the address of that exception frame's
 * registers, 0 for a direct panic() call. */
KINSPECT_EXPORT int64_t kinspect_crash_fault_frame(const struct kinspect_crash *crash, uint64_t *ret_pt_regs);

/* The registers of the panicking CPU in *RET: those its exception frame
 * saved (the faulting code's, what the kernel's oops prints), else the
 * CPU's own where it stopped.  False when there are none (no panic, a CPU
 * in user mode, a stack that could not be unwound to that frame). */
KINSPECT_EXPORT bool kinspect_crash_registers(const struct kinspect_crash *crash, struct kinspect_regs *ret);

/* One line that groups equal crashes: the kind, then the fault frame's
 * function+offset [module] and the names of the two frames below it
 * ("panic: sysrq_handle_crash+0x1a < __handle_sysrq.cold <
 * write_sysrq_trigger"); without a trace, the report's pc or line.  Owned
 * by CRASH. */
KINSPECT_EXPORT const char *kinspect_crash_signature(const struct kinspect_crash *crash);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_CRASH_H */
