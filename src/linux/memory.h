/* How the kernel model reads guest memory: one callback, so the same walk
 * runs over a live gdbstub or a dump.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MEMORY_H
#define KINSPECT_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "core/error-priv.h"

/* One of several independent reads (see kinspect_memory.read_batch). */
struct kinspect_memory_batch {
	uint64_t addr;
	void *buf;
	size_t len;
	bool ok; /* set by the source: the bytes came */
};

/* A range to fetch ahead (see kinspect_memory_prefetch()). */
struct kinspect_memory_range {
	uint64_t addr;
	size_t len;
};

struct kinspect_memory {
	/* Read LEN bytes at virtual address ADDR into BUF; a fault is a
	 * KINSPECT_ERROR_FAULT error carrying the address. */
	struct kinspect_error *(*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
	/* The same at physical address ADDR; NULL when the source has no
	 * physical view (then kinspect_memory_read_phys() says so). */
	struct kinspect_error *(*read_phys)(void *ctx, uint64_t addr, void *buf, size_t len);
	/* Optional: virtual reads that do not depend on each other, in as few
	 * round trips as the source can (the gdbstub pipelines them).  Each
	 * entry that faults gets OK false; an error is a failure of the source
	 * itself. */
	struct kinspect_error *(*read_batch)(void *ctx, struct kinspect_memory_batch *reads, size_t nr);
	/* Optional: a cache's way to fetch ranges ahead of the reads that
	 * will follow, all in one go.  Best effort: a range that cannot be
	 * read is left for the read itself to report. */
	void (*prefetch)(void *ctx, const struct kinspect_memory_range *ranges, size_t nr);
};

static inline struct kinspect_error *kinspect_memory_read(const struct kinspect_memory *mem, uint64_t addr,
							  void *buf, size_t len)
{
	return mem->read(mem->ctx, addr, buf, len);
}

static inline struct kinspect_error *kinspect_memory_read_phys(const struct kinspect_memory *mem, uint64_t addr,
							       void *buf, size_t len)
{
	if (!mem->read_phys)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "this memory source has no physical reads");
	return mem->read_phys(mem->ctx, addr, buf, len);
}

/* NR independent reads from MEM in one batch where the source has one,
 * else one by one; a fault only clears the entry's OK. */
static inline struct kinspect_error *kinspect_memory_read_batch(const struct kinspect_memory *mem,
								struct kinspect_memory_batch *reads, size_t nr)
{
	if (mem->read_batch)
		return mem->read_batch(mem->ctx, reads, nr);
	for (size_t i = 0; i < nr; i++) {
		struct kinspect_error *err = mem->read(mem->ctx, reads[i].addr, reads[i].buf, reads[i].len);
		reads[i].ok = !err;
		if (err && kinspect_error_code(err) != KINSPECT_ERROR_FAULT)
			return err;
		kinspect_error_destroy(err);
	}
	return NULL;
}

/* Tell MEM that the NR RANGES will be read soon: a cached live source
 * fetches what it lacks of them in one batch instead of one round trip per
 * read.  Does nothing for other sources. */
static inline void kinspect_memory_prefetch(const struct kinspect_memory *mem,
					    const struct kinspect_memory_range *ranges, size_t nr)
{
	if (mem->prefetch && nr)
		mem->prefetch(mem->ctx, ranges, nr);
}

/* An unsigned little-endian value of SIZE (1, 2, 4 or 8) bytes at BUF. */
static inline uint64_t kinspect_load_le(const void *buf, uint64_t size)
{
	const uint8_t *p = buf;
	uint64_t value = 0;
	for (uint64_t i = 0; i < size && i < 8; i++)
		value |= (uint64_t)p[i] << (8 * i);
	return value;
}

#endif /* KINSPECT_MEMORY_H */
