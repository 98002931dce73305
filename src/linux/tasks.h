/* The kernel's tasks: each CPU's idle task, the init_task.tasks list with
 * each process's threads, their state by the kernel's own names and as
 * crash decodes the raw bits, their parents, and the task each CPU runs.
 * Layouts from DWARF; every list walk is bounded and detects cycles; live,
 * the walk reads ahead in batches (tasks-ahead.h).
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
/* CPUs whose current and idle tasks a walk knows. */
#define KINSPECT_TASKS_CPUS_MAX 4096

struct kinspect_tasks;

struct kinspect_task {
	uint64_t address; /* of struct task_struct */
	int32_t pid, tgid;
	int32_t ppid; /* real_parent's tgid, as /proc/PID/stat's ppid */
	char comm[17];
	/* From task_state_array[] in the guest: "S" and "sleeping". */
	char state_letter[4];
	char state_name[24];
	/* state | exit_state, and those bits as crash's ps names them ("RU",
	 * "IN", "UN", "ID", "WA", ... "??" for a mix it has no name for). */
	uint64_t state_bits;
	char raw_state[4];
	int64_t cpu;        /* the CPU it last ran on */
	int64_t idle_cpu;   /* the CPU whose idle task it is, else -1 */
	uint64_t thread_sp; /* saved stack pointer when switched out: kinspect_tasks_read() only */
	uint64_t stack;     /* base of its kernel stack */
	bool kernel_thread; /* no mm */
	bool on_cpu;        /* a CPU runs it (set by the walks and kinspect_tasks_mark()) */
	/* Its links, for the walk (read before the walk's callback runs). */
	uint64_t tasks_next, signal, thread_next, thread_prev;
};

/* The tasks the CPUs run and their idle tasks, read once per walk. */
struct kinspect_tasks_cpus {
	unsigned int nr;
	uint64_t current[KINSPECT_TASKS_CPUS_MAX];
	uint64_t idle[KINSPECT_TASKS_CPUS_MAX]; /* 0: not known (no rq->idle) */
};

/* Read the layouts the walk needs from TYPES and the symbols from VMLINUX
 * (SLIDE: KASLR slide); reads go through MEM.  All stay owned by the
 * caller and must outlive the handle. */
struct kinspect_error *kinspect_tasks_create(struct kinspect_dwarf_types *types,
					     const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					     const struct kinspect_memory *mem, struct kinspect_tasks **ret);
void kinspect_tasks_destroy(struct kinspect_tasks *tasks);

/* Read the task at ADDRESS (on_cpu and idle_cpu are left false and -1:
 * see kinspect_tasks_mark()). */
struct kinspect_error *kinspect_tasks_read(struct kinspect_tasks *tasks, uint64_t address,
					   struct kinspect_task *ret);

/* Call FN for every task: each CPU's idle task in CPU order (init_task is
 * CPU 0's), then the processes in init_task.tasks order, each followed by
 * its other threads (signal->thread_head), with on_cpu and idle_cpu set.
 * Tasks reach FN without thread_sp.  A non-NULL error from FN stops the
 * walk and is returned. */
struct kinspect_error *kinspect_tasks_for_each(struct kinspect_tasks *tasks,
					       struct kinspect_error *(*fn)(const struct kinspect_task *task,
									    void *arg),
					       void *arg);

/* The task with pid PID (a thread's own id; 0: init_task), with on_cpu and
 * idle_cpu set; KINSPECT_ERROR_NOT_FOUND if none. */
struct kinspect_error *kinspect_tasks_find_pid(struct kinspect_tasks *tasks, int32_t pid,
					       struct kinspect_task *ret);

/* Every CPU's current and idle task, in one batch of reads live; *RET is
 * the caller's. */
struct kinspect_error *kinspect_tasks_read_cpus(struct kinspect_tasks *tasks, struct kinspect_tasks_cpus *ret);

/* Set TASK's on_cpu and idle_cpu from CPUS. */
void kinspect_tasks_mark(const struct kinspect_tasks_cpus *cpus, struct kinspect_task *task);

/* The task CPU runs (its per-CPU current_task). */
struct kinspect_error *kinspect_tasks_cpu_current(struct kinspect_tasks *tasks, unsigned int cpu, uint64_t *ret);

/* The number of possible CPUs (nr_cpu_ids). */
struct kinspect_error *kinspect_tasks_nr_cpus(struct kinspect_tasks *tasks, unsigned int *ret);

#endif /* KINSPECT_TASKS_H */
