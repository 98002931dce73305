/* How the kernel model reads guest memory: one callback, so the same walk
 * runs over a live gdbstub or a dump.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MEMORY_H
#define KINSPECT_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "core/error-priv.h"

struct kinspect_memory {
	/* Read LEN bytes at virtual address ADDR into BUF; a fault is a
	 * KINSPECT_ERROR_FAULT error carrying the address. */
	struct kinspect_error *(*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
	/* The same at physical address ADDR; NULL when the source has no
	 * physical view (then kinspect_memory_read_phys() says so). */
	struct kinspect_error *(*read_phys)(void *ctx, uint64_t addr, void *buf, size_t len);
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
