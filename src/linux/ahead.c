/* Rounds of reading ahead (see ahead.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "core/array.h"
#include "linux/ahead.h"

void kinspect_ahead_add(struct kinspect_ahead *a, uint64_t addr, size_t len)
{
	if (!kinspect_array_reserve(a->ranges, a->capacity, a->nr, 64))
		return; /* reading ahead is only a speed-up */
	a->ranges[a->nr++] = (struct kinspect_memory_range){ addr, len };
}

bool kinspect_ahead_round(struct kinspect_ahead *a)
{
	if (!a->nr)
		return false;
	kinspect_memory_prefetch(a->mem, a->ranges, a->nr);
	a->nr = 0;
	return true;
}

void kinspect_ahead_release(struct kinspect_ahead *a)
{
	free(a->ranges);
	a->ranges = NULL;
	a->nr = a->capacity = 0;
}

bool kinspect_ahead_peek_u64(const struct kinspect_memory *mem, uint64_t addr, uint64_t *ret)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(mem, addr, word, sizeof(word));
	kinspect_error_destroy(err);
	if (!err)
		*ret = kinspect_load_le(word, 8);
	return !err;
}
