/* The guest memory cache (see memory-cache.h): an open-addressing table of
 * granules, emptied when full or when the source's state changes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"
#include "target/memory-cache.h"

/* Granules one batch of a prefetch asks for at most (a gdbstub batch
 * takes 32 a round trip). */
#define PREFETCH_MAX 256

struct slot {
	uint64_t addr; /* of the granule; UINT64_MAX when empty */
	uint8_t *data;
};

struct kinspect_memory_cache {
	struct kinspect_memory inner;
	size_t granule, max_granules, used;
	size_t nr_slots; /* a power of two, twice max_granules */
	struct slot *slots;
	uint8_t *pool; /* max_granules * granule bytes */
	uint64_t (*generation)(void *ctx);
	void *generation_ctx;
	uint64_t last_generation;
	struct kinspect_memory_cache_stats stats;
};

static void flush(struct kinspect_memory_cache *c)
{
	for (size_t i = 0; i < c->nr_slots; i++)
		c->slots[i].addr = UINT64_MAX;
	c->used = 0;
	c->stats.flushes++;
}

struct kinspect_error *kinspect_memory_cache_create(struct kinspect_memory inner, size_t granule, size_t max_granules,
						    uint64_t (*generation)(void *ctx), void *generation_ctx,
						    struct kinspect_memory_cache **ret)
{
	if (granule == 0 || (granule & (granule - 1)) || max_granules == 0 || max_granules > (1u << 20))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "memory cache: bad geometry");
	struct kinspect_memory_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return &kinspect_error_nomem;
	c->inner = inner;
	c->granule = granule;
	c->max_granules = max_granules;
	c->nr_slots = 1;
	while (c->nr_slots < 2 * max_granules)
		c->nr_slots <<= 1;
	c->slots = calloc(c->nr_slots, sizeof(*c->slots));
	c->pool = malloc(max_granules * granule);
	if (!c->slots || !c->pool) {
		kinspect_memory_cache_destroy(c);
		return &kinspect_error_nomem;
	}
	c->generation = generation;
	c->generation_ctx = generation_ctx;
	if (generation)
		c->last_generation = generation(generation_ctx);
	flush(c);
	c->stats.flushes = 0;
	*ret = c;
	return NULL;
}

void kinspect_memory_cache_destroy(struct kinspect_memory_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->pool);
	free(c);
}

static struct slot *find(struct kinspect_memory_cache *c, uint64_t addr)
{
	size_t mask = c->nr_slots - 1;
	for (size_t i = (size_t)((addr / c->granule) * 0x9e3779b97f4a7c15ull >> 20) & mask;; i = (i + 1) & mask) {
		if (c->slots[i].addr == addr || c->slots[i].addr == UINT64_MAX)
			return &c->slots[i];
	}
}

/* Fetch the granule at ADDR into the cache; NULL data on a fault. */
static struct kinspect_error *fill(struct kinspect_memory_cache *c, uint64_t addr, struct slot **ret)
{
	if (c->used == c->max_granules)
		flush(c);
	uint8_t *data = c->pool + c->used * c->granule;
	struct kinspect_error *err = kinspect_memory_read(&c->inner, addr, data, c->granule);
	if (err)
		return err;
	struct slot *s = find(c, addr);
	s->addr = addr;
	s->data = data;
	c->used++;
	c->stats.misses++;
	*ret = s;
	return NULL;
}

static void check_generation(struct kinspect_memory_cache *c)
{
	if (c->generation) {
		uint64_t g = c->generation(c->generation_ctx);
		if (g != c->last_generation) {
			flush(c);
			c->last_generation = g;
		}
	}
}

/* Whether BASE is among the first N granules of LIST. */
static bool listed(const struct kinspect_memory_batch *list, size_t n, uint64_t base)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i].addr == base)
			return true;
	}
	return false;
}

/* Fetch the N granules of WANT (their addresses set) with one batch read
 * of the source (one round trip for up to 32 of them on a gdbstub).
 * Granules that fault stay out: the read that wants them reports the fault. */
static void fetch_batch(struct kinspect_memory_cache *c, struct kinspect_memory_batch *want, size_t n)
{
	if (n > c->max_granules)
		n = c->max_granules;
	if (c->used + n > c->max_granules)
		flush(c);
	for (size_t i = 0; i < n; i++)
		want[i].buf = c->pool + (c->used + i) * c->granule;
	struct kinspect_error *err = kinspect_memory_read_batch(&c->inner, want, n);
	c->stats.batches++;
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!want[i].ok)
			continue;
		uint8_t *data = c->pool + c->used * c->granule;
		if (data != want[i].buf)
			memmove(data, want[i].buf, c->granule);
		struct slot *s = find(c, want[i].addr);
		s->addr = want[i].addr;
		s->data = data;
		c->used++;
		c->stats.misses++;
		c->stats.batched++;
	}
}

/* Fetch the granules of RANGES the cache lacks, in batches of up to
 * PREFETCH_MAX, half the cache at most (so that one prefetch does not
 * push out what it brought). */
static void prefetch(struct kinspect_memory_cache *c, const struct kinspect_memory_range *ranges, size_t nr)
{
	if (!c->inner.read_batch)
		return;
	check_generation(c);
	struct kinspect_memory_batch want[PREFETCH_MAX];
	size_t n = 0, done = 0, limit = c->max_granules / 2 > 1 ? c->max_granules / 2 : 2;
	for (size_t r = 0; r < nr && done + n < limit; r++) {
		if (ranges[r].len == 0 || ranges[r].addr + (ranges[r].len - 1) < ranges[r].addr)
			continue;
		uint64_t first = ranges[r].addr & ~(uint64_t)(c->granule - 1);
		uint64_t last = (ranges[r].addr + ranges[r].len - 1) & ~(uint64_t)(c->granule - 1);
		for (uint64_t base = first; done + n < limit; base += c->granule) {
			if (find(c, base)->addr != base && !listed(want, n, base))
				want[n++] = (struct kinspect_memory_batch){ .addr = base, .len = c->granule };
			if (n == PREFETCH_MAX) {
				fetch_batch(c, want, n);
				done += n;
				n = 0;
			}
			if (base == last)
				break;
		}
	}
	/* One granule alone is no batch: the read fetches it the usual way. */
	if (n >= 2)
		fetch_batch(c, want, n);
}

static void cached_prefetch(void *ctx, const struct kinspect_memory_range *ranges, size_t nr)
{
	prefetch(ctx, ranges, nr);
}

static struct kinspect_error *cached_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_memory_cache *c = ctx;
	check_generation(c);
	/* A read over several granules fetches the missing ones together. */
	if (len > c->granule || (addr & (c->granule - 1)) + len > c->granule) {
		struct kinspect_memory_range r = { addr, len };
		prefetch(c, &r, 1);
	}
	if (len && addr + (len - 1) < addr)
		return kinspect_memory_read(&c->inner, addr, buf, len); /* the source names the wrap */
	uint8_t *out = buf;
	size_t done = 0;
	while (done < len) {
		uint64_t a = addr + done;
		uint64_t base = a & ~(uint64_t)(c->granule - 1);
		size_t off = (size_t)(a - base), n = c->granule - off;
		if (n > len - done)
			n = len - done;
		struct slot *s = find(c, base);
		if (s->addr == base) {
			c->stats.hits++;
		} else {
			struct kinspect_error *err = fill(c, base, &s);
			if (err) {
				/* Part of the granule is unreadable: read just
				 * what was asked, so that bytes before the fault
				 * and the fault's address are exact. */
				kinspect_error_destroy(err);
				c->stats.bypasses++;
				return kinspect_memory_read(&c->inner, a, out + done, len - done);
			}
		}
		memcpy(out + done, s->data + off, n);
		done += n;
	}
	return NULL;
}

/* Physical reads are rare (page contents, page-table walks): uncached. */
static struct kinspect_error *physical_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_memory_cache *c = ctx;
	return kinspect_memory_read_phys(&c->inner, addr, buf, len);
}

struct kinspect_memory kinspect_memory_cache_memory(struct kinspect_memory_cache *c)
{
	return (struct kinspect_memory){
		.read = cached_read,
		.read_phys = c->inner.read_phys ? physical_read : NULL,
		.prefetch = cached_prefetch,
		.ctx = c,
	};
}

void kinspect_memory_cache_stats(const struct kinspect_memory_cache *c, struct kinspect_memory_cache_stats *ret)
{
	*ret = c->stats;
}
