/* The memory cache against a fake source: fewer reads for reads that share
 * granules, exact bytes across granule borders, a fault inside a granule
 * reported at its exact address with the bytes before it, and a flush when
 * the source's generation changes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "core/error-priv.h"
#include "target/memory-cache.h"
#include "tap.h"

#define BASE 0x10000u
#define SIZE 0x3000u     /* three 4 KiB pages ... */
#define HOLE 0x11800u    /* ... with bytes from here to BASE + 0x2000 unreadable */
#define GRANULE 1024u

static uint8_t backing[SIZE];
static unsigned reads;
static uint64_t generation;

static struct kinspect_error *fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	for (size_t i = 0; i < len; i++) {
		uint64_t a = addr + i;
		if (a < BASE || a >= BASE + SIZE || (a >= HOLE && a < BASE + 0x2000))
			return kinspect_error_fault(a, "fake: unreadable");
		((uint8_t *)buf)[i] = backing[a - BASE];
	}
	return NULL;
}

static unsigned batches, batched;

/* A source with batched reads (a pipelining gdbstub): one call, many reads. */
static struct kinspect_error *fake_read_batch(void *ctx, struct kinspect_memory_batch *v, size_t nr)
{
	batches++;
	for (size_t i = 0; i < nr; i++) {
		struct kinspect_error *err = fake_read(ctx, v[i].addr, v[i].buf, v[i].len);
		reads--; /* counted as part of the batch */
		batched++;
		v[i].ok = !err;
		kinspect_error_destroy(err);
	}
	return NULL;
}

static uint64_t fake_generation(void *ctx)
{
	(void)ctx;
	return generation;
}

int main(void)
{
	for (size_t i = 0; i < SIZE; i++)
		backing[i] = (uint8_t)(i * 7 + 3);
	struct kinspect_memory_cache *cache;
	struct kinspect_memory inner = { .read = fake_read };
	ok(kinspect_memory_cache_create(inner, GRANULE, 4, fake_generation, NULL, &cache) == NULL, "create");
	struct kinspect_memory mem = kinspect_memory_cache_memory(cache);

	uint8_t buf[3000];
	reads = 0;
	for (int i = 0; i < 16; i++)
		kinspect_memory_read(&mem, BASE + 8 * i, buf, 8);
	is_int(reads, 1, "16 small reads of one granule: one source read");
	ok(kinspect_memory_read(&mem, BASE + 1000, buf, 100) == NULL && memcmp(buf, backing + 1000, 100) == 0,
	   "a read across a granule border has the right bytes");
	is_int(reads, 2, "... and fetched only the second granule");

	/* A fault inside the second page: the error carries its address. */
	struct kinspect_error *err = kinspect_memory_read(&mem, HOLE - 16, buf, 64);
	uint64_t at = 0;
	ok(err && kinspect_error_address(err, &at) && at == HOLE, "a fault is reported at its exact address");
	ok(memcmp(buf, backing + (HOLE - 16 - BASE), 16) == 0, "the bytes before the fault were read");
	kinspect_error_destroy(err);

	/* More granules than the cache holds: it empties and goes on right. */
	ok(kinspect_memory_read(&mem, BASE + 0x2000, buf, 3000) == NULL && memcmp(buf, backing + 0x2000, 3000) == 0,
	   "reads beyond the cache's size are right");

	/* The source changed: cached bytes are not served. */
	kinspect_memory_read(&mem, BASE, buf, 8);
	backing[0] ^= 0xff;
	generation++;
	kinspect_memory_read(&mem, BASE, buf, 1);
	is_int(buf[0], backing[0], "a new generation drops the cached bytes");

	struct kinspect_memory_cache_stats st;
	kinspect_memory_cache_stats(cache, &st);
	ok(st.hits > 0 && st.misses > 0 && st.bypasses == 1 && st.flushes >= 2, "statistics count hits, misses, bypasses, flushes");
	kinspect_memory_cache_destroy(cache);

	/* With batched reads: a read over several granules is one batch, a
	 * prefetch of scattered ranges is one batch, granules that fault stay
	 * out and the read that wants them reports the fault. */
	inner.read_batch = fake_read_batch;
	ok(kinspect_memory_cache_create(inner, GRANULE, 8, NULL, NULL, &cache) == NULL, "create with batched reads");
	mem = kinspect_memory_cache_memory(cache);
	reads = batches = batched = 0;
	ok(kinspect_memory_read(&mem, BASE + 1000, buf, 1100) == NULL && memcmp(buf, backing + 1000, 1100) == 0,
	   "a read over three granules has the right bytes");
	ok(batches == 1 && batched == 3 && reads == 0, "... fetched in one batch of three");
	struct kinspect_memory_range ranges[] = {
		{ BASE + 0x1000, 8 }, { BASE + 0x2100, 16 }, { HOLE + 8, 8 }, { BASE + 0x1008, 8 }, { BASE + 0x2800, 2 },
	};
	reads = batches = batched = 0;
	kinspect_memory_prefetch(&mem, ranges, sizeof(ranges) / sizeof(ranges[0]));
	ok(batches == 1 && batched == 4, "a prefetch of five ranges in four granules: one batch of four");
	ok(kinspect_memory_read(&mem, BASE + 0x2100, buf, 16) == NULL && memcmp(buf, backing + 0x2100, 16) == 0 &&
		   kinspect_memory_read(&mem, BASE + 0x1008, buf, 8) == NULL && reads == 0,
	   "prefetched ranges are read from the cache");
	err = kinspect_memory_read(&mem, HOLE + 8, buf, 8);
	ok(err && kinspect_error_address(err, &at) && at == HOLE + 8, "a granule that faulted in the batch: the read reports the fault");
	kinspect_error_destroy(err);
	kinspect_memory_prefetch(&mem, ranges, 1);
	ok(batches == 1, "one granule, cached already: no batch");
	kinspect_memory_cache_stats(cache, &st);
	ok(st.batches == 2 && st.batched == 6, "statistics count batches and their granules");
	kinspect_memory_cache_destroy(cache);

	/* More granules than one batch takes (a walk's round of read-ahead):
	 * all of them come, in several batches. */
	ok(kinspect_memory_cache_create(inner, 8, 2048, NULL, NULL, &cache) == NULL, "create with 8-byte granules");
	mem = kinspect_memory_cache_memory(cache);
	struct kinspect_memory_range wide = { BASE, 0x1000 };
	reads = batches = batched = 0;
	kinspect_memory_prefetch(&mem, &wide, 1);
	ok(batches == 2 && batched == 512, "a prefetch of 512 granules: two batches of 256");
	ok(kinspect_memory_read(&mem, BASE, buf, 1100) == NULL && memcmp(buf, backing, 1100) == 0 && reads == 0 &&
		   kinspect_memory_read(&mem, BASE + 0xff8, buf, 8) == NULL && reads == 0,
	   "... read from the cache, the last granule too");
	kinspect_memory_cache_destroy(cache);
	return tap_done();
}
