/* Reading ahead of a walk, in rounds: the ranges one
 * kinspect_memory_prefetch() call asks for, gathered while the planner
 * peeks at what the round before brought.  Only a speed-up: a range that
 * cannot be added or a word that cannot be read means less is fetched
 * ahead, never a different result.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_AHEAD_H
#define KINSPECT_LINUX_AHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux/memory.h"

struct kinspect_ahead {
	const struct kinspect_memory *mem;
	struct kinspect_memory_range *ranges;
	size_t nr, capacity;
};

/* Ask for LEN bytes at ADDR in the coming round. */
void kinspect_ahead_add(struct kinspect_ahead *ahead, uint64_t addr, size_t len);

/* Fetch the ranges gathered (one round: one batch per few dozen missing
 * pieces on a cached gdbstub) and start the next round empty.  Returns
 * whether there was anything to fetch. */
bool kinspect_ahead_round(struct kinspect_ahead *ahead);

/* Free the ranges (the struct itself is the caller's). */
void kinspect_ahead_release(struct kinspect_ahead *ahead);

/* The 8-byte little-endian word at ADDR, for planning: false when it
 * cannot be read. */
bool kinspect_ahead_peek_u64(const struct kinspect_memory *mem, uint64_t addr, uint64_t *ret);

#endif /* KINSPECT_LINUX_AHEAD_H */
