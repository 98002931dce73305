/* Task walks read ahead through the pid idr (see tasks-ahead.h).
 *
 * The pid numbers live in init_pid_ns.idr since commit 95846ecf9dac
 * ("pid: replace pid bitmap implementation with IDR API", v4.15), an
 * xarray since v4.20; a struct pid reaches its task through
 * tasks[PIDTYPE_PID] and task->pid_links[] (v4.19).  A kernel whose DWARF
 * lacks these members gets no reading ahead (tasks.c leaves the layout
 * out), only slower walks.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "arch/arch.h"
#include "linux/tasks-ahead.h"
#include "linux/xarray.h"

/* Tasks a chunk holds: one round of their struct pids, then one of their
 * task_structs (about 2.5 cache granules each: five round trips of a
 * gdbstub's 32 pipelined reads), a few hundred KiB of the memory cache. */
#define CHUNK 64
/* Pids taken from the idr at most: beyond, the walk reads on its own.  A
 * tree holding them has about PIDS_MAX / 64 nodes: a hostile one ends at
 * NODES_MAX. */
#define PIDS_MAX (1u << 18)
#define NODES_MAX (PIDS_MAX / 32)

enum stage {
	STAGE_LEVELS, /* reading the idr's nodes, a level a round */
	STAGE_TASKS,  /* the first chunks' struct pids came: their tasks next */
	STAGE_DONE,
};

struct kinspect_tasks_ahead {
	const struct kinspect_memory *mem;
	struct kinspect_tasks_ahead_layout layout;
	struct kinspect_xarray_levels levels;
	enum stage stage;
	uint32_t idr_base;
	/* From the idr, in pid order: each pid's number and struct pid. */
	size_t nr;
	int64_t *numbers;
	uint64_t *pids;
	bool *planned; /* per chunk: its rounds were sent */
};

struct kinspect_tasks_ahead *kinspect_tasks_ahead_create(struct kinspect_dwarf_types *types,
							 const struct kinspect_memory *mem,
							 const struct kinspect_tasks_ahead_layout *layout,
							 struct kinspect_ahead *round)
{
	if (!mem->prefetch)
		return NULL;
	struct kinspect_tasks_ahead *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->mem = mem;
	a->layout = *layout;
	uint8_t base[4];
	struct kinspect_error *err = kinspect_memory_read(mem, layout->idr + layout->idr_base, base, sizeof(base));
	if (!err)
		a->idr_base = (uint32_t)kinspect_load_le(base, sizeof(base));
	if (!err)
		err = kinspect_xarray_levels_init(&a->levels, types, mem, layout->idr + layout->idr_rt, NODES_MAX, PIDS_MAX,
						  round);
	if (err) {
		kinspect_error_destroy(err);
		kinspect_tasks_ahead_destroy(a);
		return NULL;
	}
	return a;
}

void kinspect_tasks_ahead_destroy(struct kinspect_tasks_ahead *a)
{
	if (!a)
		return;
	kinspect_xarray_levels_release(&a->levels);
	free(a->numbers);
	free(a->pids);
	free(a->planned);
	free(a);
}

/* The idr's entries, read: keep the struct pids in pid order. */
static bool take_pids(struct kinspect_tasks_ahead *a)
{
	size_t n = a->levels.nr_entries;
	a->numbers = malloc((n ? n : 1) * sizeof(*a->numbers));
	a->pids = malloc((n ? n : 1) * sizeof(*a->pids));
	a->planned = calloc(n / CHUNK + 1, sizeof(*a->planned));
	if (!a->numbers || !a->pids || !a->planned)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint64_t entry = a->levels.entries[i].entry;
		/* A value or a NULL placeholder (idr_alloc before idr_replace) is no pid. */
		if ((entry & 3) || !kinspect_arch_kernel_address(entry))
			continue;
		a->numbers[a->nr] = (int64_t)a->levels.entries[i].index + a->idr_base;
		a->pids[a->nr++] = entry;
	}
	kinspect_xarray_levels_release(&a->levels);
	return true;
}

static void chunk_pids(struct kinspect_tasks_ahead *a, size_t chunk, struct kinspect_ahead *round)
{
	for (size_t i = chunk * CHUNK; i < a->nr && i < (chunk + 1) * CHUNK; i++)
		kinspect_ahead_add(round, a->pids[i] + a->layout.pid_first, 8);
}

/* The chunk's struct pids were fetched: ask for their task_structs. */
static void chunk_tasks(struct kinspect_tasks_ahead *a, size_t chunk, struct kinspect_ahead *round)
{
	for (size_t i = chunk * CHUNK; i < a->nr && i < (chunk + 1) * CHUNK; i++) {
		uint64_t link;
		if (!kinspect_ahead_peek_u64(a->mem, a->pids[i] + a->layout.pid_first, &link) ||
		    !kinspect_arch_kernel_address(link) || link < a->layout.pid_links)
			continue;
		uint64_t task = link - a->layout.pid_links;
		for (size_t s = 0; s < a->layout.nr_spans; s++)
			kinspect_ahead_add(round, task + a->layout.spans[s].addr, a->layout.spans[s].len);
	}
	a->planned[chunk] = true;
}

bool kinspect_tasks_ahead_step(struct kinspect_tasks_ahead *a, struct kinspect_ahead *round)
{
	if (!a)
		return false;
	switch (a->stage) {
	case STAGE_LEVELS: {
		struct kinspect_error *err = kinspect_xarray_levels_step(&a->levels, round);
		if (err) {
			kinspect_error_destroy(err);
			a->stage = STAGE_DONE;
			return false;
		}
		if (!kinspect_xarray_levels_done(&a->levels))
			return true;
		if (!take_pids(a)) {
			a->stage = STAGE_DONE;
			return false;
		}
		/* The leaves were in this round's fetch: their pids can go in the next. */
		chunk_pids(a, 0, round);
		chunk_pids(a, 1, round);
		a->stage = STAGE_TASKS;
		return true;
	}
	case STAGE_TASKS:
		chunk_tasks(a, 0, round);
		if (a->nr > CHUNK)
			chunk_tasks(a, 1, round);
		a->stage = STAGE_DONE;
		return true;
	case STAGE_DONE:
		break;
	}
	return false;
}

/* The position of the first pid not below PID. */
static size_t position(const struct kinspect_tasks_ahead *a, int32_t pid)
{
	size_t lo = 0, hi = a->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->numbers[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void kinspect_tasks_ahead_visit(struct kinspect_tasks_ahead *a, int32_t pid)
{
	if (!a || a->stage != STAGE_DONE || !a->planned)
		return;
	size_t chunk = position(a, pid) / CHUNK;
	struct kinspect_ahead round = { .mem = a->mem };
	/* This chunk and the one after: a walk that jumped (a thread with a
	 * late pid, pids that wrapped) gets its own chunk first. */
	for (size_t c = chunk; c <= chunk + 1 && c * CHUNK < a->nr; c++) {
		if (!a->planned[c])
			chunk_pids(a, c, &round);
	}
	if (!kinspect_ahead_round(&round))
		return;
	for (size_t c = chunk; c <= chunk + 1 && c * CHUNK < a->nr; c++) {
		if (!a->planned[c])
			chunk_tasks(a, c, &round);
	}
	kinspect_ahead_round(&round);
	kinspect_ahead_release(&round);
}
