/* Reading a task walk's task_structs ahead of it.  The walk follows
 * init_task.tasks, where each task names the next: one round trip a task
 * on a live target.  Every task with a pid (threads too) is also in the
 * init pid namespace's idr, a tree read one level per round; from its
 * struct pids the task_structs are fetched a chunk at a time, in pid
 * order, ahead of where the walk is.  Only a speed-up: the walk reads
 * and checks everything itself, so a task missed here costs a round trip,
 * never a different result.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_TASKS_AHEAD_H
#define KINSPECT_LINUX_TASKS_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "debuginfo/dwarf-types.h"
#include "linux/ahead.h"
#include "linux/memory.h"

/* Where things are, from the session's DWARF and symbols. */
struct kinspect_tasks_ahead_layout {
	uint64_t idr;       /* runtime address of init_pid_ns.idr */
	uint64_t idr_rt;    /* offset of its xarray (idr_rt) */
	uint64_t idr_base;  /* offset of its idr_base (an unsigned int) */
	uint64_t pid_first; /* offset of pid->tasks[PIDTYPE_PID].first */
	uint64_t pid_links; /* offset of task_struct.pid_links[PIDTYPE_PID] */
	/* The pieces of a task_struct a walk reads: offsets and lengths. */
	const struct kinspect_memory_range *spans;
	size_t nr_spans;
};

struct kinspect_tasks_ahead;

/* A planner for one walk over MEM, its first ranges (the idr's root
 * node) added to ROUND; NULL when MEM cannot prefetch (a dump: nothing to
 * gain), the idr cannot be read or memory is short.  TYPES and LAYOUT's
 * spans stay the caller's and must outlive it. */
struct kinspect_tasks_ahead *kinspect_tasks_ahead_create(struct kinspect_dwarf_types *types,
							 const struct kinspect_memory *mem,
							 const struct kinspect_tasks_ahead_layout *layout,
							 struct kinspect_ahead *round);

void kinspect_tasks_ahead_destroy(struct kinspect_tasks_ahead *ahead);

/* Plan the next round of the first stretch: add to ROUND what the round
 * before lets it know (one level of the idr, the first chunks' struct
 * pids, then their task_structs).  The caller fetches ROUND, with
 * ranges of its own if it likes, and calls again while this returns
 * true.  NULL AHEAD: false. */
bool kinspect_tasks_ahead_step(struct kinspect_tasks_ahead *ahead, struct kinspect_ahead *round);

/* The walk has come to the task with pid PID: fetch the chunk after it
 * if that is not done yet (two rounds: its struct pids, its tasks).
 * NULL AHEAD: nothing. */
void kinspect_tasks_ahead_visit(struct kinspect_tasks_ahead *ahead, int32_t pid);

#endif /* KINSPECT_LINUX_TASKS_AHEAD_H */
