/* The tasks of a kernel session: init_task.tasks with each process's
 * threads, their state by the kernel's own names (task_state_array[]),
 * and the task each CPU runs.
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

/* Call FN for every task: processes in init_task.tasks order, each
 * followed by its other threads, until FN returns an error (which is
 * returned).  Every walk is bounded and detects cycles. */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_for_each_task(struct kinspect_kernel *kernel,
			      struct kinspect_error *(*fn)(const struct kinspect_task *task, void *arg), void *arg);

/* Call FN once with the task whose pid (a thread's own id) is PID, or with
 * the task_struct at ADDRESS when PID is -1.  KINSPECT_ERROR_NOT_FOUND
 * when there is no such task. */
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

/* The CPU it last ran on. */
KINSPECT_EXPORT int64_t kinspect_task_cpu(const struct kinspect_task *task);

/* Whether a CPU runs it now (its per-CPU current_task). */
KINSPECT_EXPORT bool kinspect_task_on_cpu(const struct kinspect_task *task);

/* Whether it is a kernel thread (no mm). */
KINSPECT_EXPORT bool kinspect_task_is_kernel_thread(const struct kinspect_task *task);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_TASK_H */
