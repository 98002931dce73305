/* A kernel struct read from guest memory in one go, and its members read
 * out of that copy by name: offsets, sizes and bit-fields from DWARF, every
 * member bounds-checked against the struct's size.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KSTRUCT_H
#define KINSPECT_KSTRUCT_H

#include <stdbool.h>
#include <stdint.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* A struct larger than this is not one we read whole. */
#define KINSPECT_KSTRUCT_MAX (64 * 1024)

struct kinspect_kstruct {
	struct kinspect_dwarf_types *types;
	const char *type; /* "struct iov_iter" */
	uint64_t address;
	uint64_t size;
	uint8_t *bytes;
};

/* Read the TYPE at ADDRESS.  Release with kinspect_kstruct_release(). */
struct kinspect_error *kinspect_kstruct_read(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					     const char *type, uint64_t address, struct kinspect_kstruct *ret);

void kinspect_kstruct_release(struct kinspect_kstruct *s);

/* The member at PATH ("count", "vec.nr", "orders[2]") as an unsigned
 * number (at most 8 bytes; bit-fields extracted). */
struct kinspect_error *kinspect_kstruct_uint(const struct kinspect_kstruct *s, const char *path, uint64_t *ret);

/* Whether the type has a member at PATH (a layout question, cached). */
bool kinspect_kstruct_has(const struct kinspect_kstruct *s, const char *path);

/* The first of PATHS (NULL-terminated) the type has, or NULL: for members
 * renamed between kernel versions. */
const char *kinspect_kstruct_pick(const struct kinspect_kstruct *s, const char *const *paths);

#endif /* KINSPECT_KSTRUCT_H */
