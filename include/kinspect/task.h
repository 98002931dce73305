/* The tasks of a kernel session: each CPU's idle task, init_task.tasks
 * with each process's threads, their parents, their state by the kernel's
 * own names (task_state_array[]) and as crash names the raw bits, and the
 * task each CPU runs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_TASK_H
#define KINSPECT_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One task as read from the target.  Valid only during the callback that
 * receives it. */
struct kinspect_task;

/* Call FN for every task: first each CPU's idle task (pid 0, "swapper/N")
 * in CPU order, init_task being CPU 0's, then the processes in
 * init_task.tasks order, each followed by its other threads, until FN
 * returns an error (which is returned).  Every walk is bounded and detects
 * cycles.  On a live target the task_structs are read ahead in batches,
 * found through the pid idr (a few round trips for dozens of tasks). */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_for_each_task(struct kinspect_kernel *kernel,
			      struct kinspect_error *(*fn)(const struct kinspect_task *task, void *arg), void *arg);

/* Call FN once with the task whose pid (a thread's own id) is PID (0:
 * init_task), or with the task_struct at ADDRESS when PID is -1.
 * KINSPECT_ERROR_NOT_FOUND when there is no such task. */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_find_task(struct kinspect_kernel *kernel, int32_t pid, uint64_t address,
			  struct kinspect_error *(*fn)(const struct kinspect_task *task, void *arg), void *arg);

/* The address of its task_struct. */
KINSPECT_EXPORT uint64_t kinspect_task_address(const struct kinspect_task *task);

/* Its pid (the thread's own id) and thread group id. */
KINSPECT_EXPORT int32_t kinspect_task_pid(const struct kinspect_task *task);
KINSPECT_EXPORT int32_t kinspect_task_tgid(const struct kinspect_task *task);

/* Its command name (task->comm).  Owned by TASK. */
KINSPECT_EXPORT const char *kinspect_task_comm(const struct kinspect_task *task);

/* Its state as ps and /proc show it: the letter ("D") and the name
 * ("disk sleep"), from the guest's task_state_array[].  Owned by TASK. */
KINSPECT_EXPORT const char *kinspect_task_state(const struct kinspect_task *task);
KINSPECT_EXPORT const char *kinspect_task_state_name(const struct kinspect_task *task);

/* Its parent's pid as /proc/PID/stat and ps show it (the thread group id
 * of real_parent, not the tracer of a ptraced task): 0 for init_task, init
 * and kthreadd; 1 for the other CPUs' idle tasks, which init forks. */
KINSPECT_EXPORT int32_t kinspect_task_ppid(const struct kinspect_task *task);

/* Its raw state, task->__state (task->state before v5.14) | exit_state,
 * as crash's ps shows it: "RU" (running or runnable), "IN"
 * (interruptible), "UN" (uninterruptible), "ID" (idle: uninterruptible and
 * no load), "ZO", "ST", "TR", "DE", "PA" (parked), "WA" (waking), "NE"
 * (new), "??" for a mix crash has no name for.  It tells apart what
 * /proc folds together: a waking or a new task is "R" there.  The bits'
 * values come from the guest's task_state_array[].  Owned by TASK. */
KINSPECT_EXPORT const char *kinspect_task_raw_state(const struct kinspect_task *task);

/* Those bits as a number: state | exit_state. */
KINSPECT_EXPORT uint64_t kinspect_task_state_bits(const struct kinspect_task *task);

/* The CPU it last ran on. */
KINSPECT_EXPORT int64_t kinspect_task_cpu(const struct kinspect_task *task);

/* The CPU whose idle task it is (its runqueue's rq->idle), or -1 when it
 * is no CPU's idle task. */
KINSPECT_EXPORT int64_t kinspect_task_idle_cpu(const struct kinspect_task *task);

/* Whether a CPU runs it now (its per-CPU current_task). */
KINSPECT_EXPORT bool kinspect_task_on_cpu(const struct kinspect_task *task);

/* Whether it is a kernel thread (no mm). */
KINSPECT_EXPORT bool kinspect_task_is_kernel_thread(const struct kinspect_task *task);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_TASK_H */
