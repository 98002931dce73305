/* The kernel's tasks: the init_task.tasks list with each process's
 * threads, their state by the kernel's own names, and the task each CPU
 * runs.  Layouts from DWARF; every list walk is bounded and detects cycles.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_TASKS_H
#define KINSPECT_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* Walks stop here: no test guest comes close, a corrupted list would loop. */
#define KINSPECT_TASKS_MAX (1 << 20)

struct kinspect_tasks;

struct kinspect_task {
	uint64_t address; /* of struct task_struct */
	int32_t pid, tgid;
	char comm[17];
	/* From task_state_array[] in the guest: "S" and "sleeping". */
	char state_letter[4];
	char state_name[24];
	int64_t cpu;       /* the CPU it last ran on */
	uint64_t thread_sp; /* saved stack pointer when switched out */
	uint64_t stack;     /* base of its kernel stack */
	bool kernel_thread; /* no mm */
	bool on_cpu;        /* a CPU runs it: set by the session's walks only */
};

/* Read the layouts the walk needs from TYPES and the symbols from VMLINUX
 * (SLIDE: KASLR slide); reads go through MEM.  All stay owned by the
 * caller and must outlive the handle. */
struct kinspect_error *kinspect_tasks_create(struct kinspect_dwarf_types *types,
					     const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					     const struct kinspect_memory *mem, struct kinspect_tasks **ret);
void kinspect_tasks_destroy(struct kinspect_tasks *tasks);

/* Read the task at ADDRESS. */
struct kinspect_error *kinspect_tasks_read(struct kinspect_tasks *tasks, uint64_t address,
					   struct kinspect_task *ret);

/* Call FN for every task: processes in init_task.tasks order, each
 * followed by its other threads (signal->thread_head).  A non-NULL error
 * from FN stops the walk and is returned. */
struct kinspect_error *kinspect_tasks_for_each(struct kinspect_tasks *tasks,
					       struct kinspect_error *(*fn)(const struct kinspect_task *task,
									    void *arg),
					       void *arg);

/* The task with pid PID (a thread's own id), KINSPECT_ERROR_NOT_FOUND if none. */
struct kinspect_error *kinspect_tasks_find_pid(struct kinspect_tasks *tasks, int32_t pid,
					       struct kinspect_task *ret);

/* The task CPU runs (its per-CPU current_task). */
struct kinspect_error *kinspect_tasks_cpu_current(struct kinspect_tasks *tasks, unsigned int cpu, uint64_t *ret);

/* The number of possible CPUs (nr_cpu_ids). */
struct kinspect_error *kinspect_tasks_nr_cpus(struct kinspect_tasks *tasks, unsigned int *ret);

#endif /* KINSPECT_TASKS_H */
