/* A task's state, two ways: as /proc and ps show it, by the names of the
 * guest's own task_state_array[] ("S (sleeping)"), and as crash's ps shows
 * the raw bits of task->__state | exit_state ("IN", "WA", ...), which tell
 * apart what /proc folds together (a waking or a new task is "R" there).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_TASK_STATE_H
#define KINSPECT_LINUX_TASK_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "linux/memory.h"

#define KINSPECT_TASK_STATES_MAX 16

struct kinspect_task_states {
	unsigned int nr;
	char letters[KINSPECT_TASK_STATES_MAX][4];
	char names[KINSPECT_TASK_STATES_MAX][24];
	bool last_is_idle; /* the array ends with "I (idle)" (v4.14+) */
	/* The state bits, from the array's order (0: not known). */
	uint64_t interruptible, uninterruptible, stopped, traced, dead, zombie, parked, waking, noload, new;
};

/* Read the NR_BYTES of the guest's task_state_array[] at ARRAY and the
 * strings it points to (in one batch where MEM prefetches) into *RET. */
struct kinspect_error *kinspect_task_states_load(const struct kinspect_memory *mem, uint64_t array, uint64_t nr_bytes,
						 struct kinspect_task_states *ret);

/* What /proc/PID/stat shows for STATE and EXIT_STATE, as the kernel's
 * task_state_index() picks it: the letter into LETTER ("?" when the index
 * is past the array) and the name into NAME (then the state in hex). */
void kinspect_task_states_proc(const struct kinspect_task_states *s, uint64_t state, uint64_t exit_state,
			       char letter[4], char name[24]);

/* crash's two letters for BITS (state | exit_state), by its
 * task_state_string(): "RU", "IN", "UN", "ID", "ZO", "ST", "TR", "DE",
 * "PA", "WA", "NE", else "??". */
void kinspect_task_states_raw(const struct kinspect_task_states *s, uint64_t bits, char ret[4]);

#endif /* KINSPECT_LINUX_TASK_STATE_H */
