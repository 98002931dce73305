/* Walking a kernel xarray (the page cache's i_pages, ITER_XARRAY ranges):
 * present entries in index order, layouts from DWARF (struct xarray,
 * struct xa_node; XA_CHUNK_SIZE from the length of xa_node.slots).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_XARRAY_H
#define KINSPECT_LINUX_XARRAY_H

#include <stdbool.h>
#include <stdint.h>

#include "debuginfo/dwarf-types.h"
#include "linux/ahead.h"
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

/* ---- level by level, for walks that read ahead -------------------------
 * The present entries of an xarray found breadth first: each step reads one
 * level of nodes, which the round before fetched, and adds the next level's
 * nodes to the coming round, so a tree of depth D costs D rounds however
 * wide it is.  Every node gets the checks kinspect_xarray_for_each() makes. */

struct kinspect_xarray_level_entry {
	uint64_t index; /* first index the entry covers */
	uint64_t entry; /* the raw entry: a pointer or a value entry */
};

struct kinspect_xarray_levels {
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	uint64_t chunk_size, node_size;
	unsigned int chunk_shift;
	unsigned long nodes;
	size_t max_nodes;
	struct level_node *next; /* the level the next step reads */
	size_t nr_next, next_capacity;
	/* What was found so far; in index order once done. */
	struct kinspect_xarray_level_entry *entries;
	size_t nr_entries, entries_capacity, max_entries;
};

/* Start on the xarray at XA: read its head (through MEM) and add the root
 * node to NEXT_ROUND.  More than MAX_NODES nodes (at most
 * KINSPECT_XARRAY_NODES_MAX) are an error; at most MAX_ENTRIES entries are
 * kept (the first found: a bound, not an error).  Release L with
 * kinspect_xarray_levels_release(), also on error. */
struct kinspect_error *kinspect_xarray_levels_init(struct kinspect_xarray_levels *l, struct kinspect_dwarf_types *types,
						   const struct kinspect_memory *mem, uint64_t xa, size_t max_nodes,
						   size_t max_entries, struct kinspect_ahead *next_round);

/* Read the next level's nodes; add their children to NEXT_ROUND.  An
 * error names the node that failed a check. */
struct kinspect_error *kinspect_xarray_levels_step(struct kinspect_xarray_levels *l, struct kinspect_ahead *next_round);

/* Whether no level is left: the entries are then complete and sorted. */
bool kinspect_xarray_levels_done(const struct kinspect_xarray_levels *l);

void kinspect_xarray_levels_release(struct kinspect_xarray_levels *l);

#endif /* KINSPECT_LINUX_XARRAY_H */
