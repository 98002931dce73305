/* A cache of guest memory in front of a slow source (the gdbstub: one round
 * trip per read).  Kernel walkers read many small fields that share pages;
 * the cache turns them into one read per granule.  Contents are dropped
 * whenever the source says its state changed (the VM ran, memory was
 * written, another vCPU's page tables were selected).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MEMORY_CACHE_H
#define KINSPECT_MEMORY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "linux/memory.h"

struct kinspect_memory_cache;

struct kinspect_memory_cache_stats {
	uint64_t hits, misses;   /* granules found / fetched */
	uint64_t bypasses;       /* reads served uncached after a fault */
	uint64_t flushes;
	uint64_t batches; /* prefetches sent to the source as one batch */
	uint64_t batched; /* granules they brought */
};

/* Cache INNER in granules of GRANULE bytes (a power of two: the source's
 * best read size), at most MAX_GRANULES of them.  GENERATION, if not NULL,
 * is called before each read: a new value drops the cache.  When INNER has
 * read_batch, the granules a read (or a kinspect_memory_prefetch()) lacks
 * are fetched in one batch: one round trip on a gdbstub, not one each. */
struct kinspect_error *kinspect_memory_cache_create(struct kinspect_memory inner, size_t granule, size_t max_granules,
						    uint64_t (*generation)(void *ctx), void *generation_ctx,
						    struct kinspect_memory_cache **ret);

void kinspect_memory_cache_destroy(struct kinspect_memory_cache *cache);

/* The cached memory, for the kernel model. */
struct kinspect_memory kinspect_memory_cache_memory(struct kinspect_memory_cache *cache);

void kinspect_memory_cache_stats(const struct kinspect_memory_cache *cache, struct kinspect_memory_cache_stats *ret);

#endif /* KINSPECT_MEMORY_CACHE_H */
