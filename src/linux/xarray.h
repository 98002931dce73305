/* Walking a kernel xarray (the page cache's i_pages, ITER_XARRAY ranges):
 * present entries in index order, layouts from DWARF (struct xarray,
 * struct xa_node; XA_CHUNK_SIZE from the length of xa_node.slots).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_XARRAY_H
#define KINSPECT_LINUX_XARRAY_H

#include <stdbool.h>
#include <stdint.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* Nodes visited at most in one walk: a hostile tree ends there. */
#define KINSPECT_XARRAY_NODES_MAX (1u << 20)

/* The public struct kinspect_xarray_entry (opaque there). */
struct kinspect_xarray_entry {
	uint64_t index; /* first index the entry covers */
	unsigned int order; /* it covers 1 << order indexes (multi-index entries) */
	uint64_t entry; /* the raw entry */
	bool is_value;  /* a value entry (xa_mk_value: shadow, swap), not a pointer */
	uint64_t value; /* its value when is_value */
};

/* Call FN for each present entry of the xarray at XA with an index in
 * [FIRST, LAST], in index order.  FN returning an error ends the walk with it;
 * *STOP set by FN ends it without one. */
struct kinspect_error *kinspect_xarray_for_each(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
						uint64_t xa, uint64_t first, uint64_t last,
						struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *e,
									     void *arg, bool *stop),
						void *arg);

#endif /* KINSPECT_LINUX_XARRAY_H */
