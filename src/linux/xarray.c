/* xarray walks (see xarray.h).  Entry encoding (include/linux/xarray.h):
 * bit 0 set: a value entry; low bits 10: internal — a node pointer (+2)
 * when above 4096, else a sibling (multi-index entry, points back to its
 * canonical slot), a retry or a zero entry; otherwise a pointer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/array.h"
#include "core/error-priv.h"
#include "linux/kstruct.h"
#include "linux/xarray.h"

/* xa_is_node(): internal and above this. */
#define XA_NODE_MIN 4096

struct walk {
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	uint64_t first, last;
	uint64_t chunk_size;
	unsigned int chunk_shift;
	unsigned long nodes;
	bool stop;
	struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *e, void *arg, bool *stop);
	void *arg;
};

static bool is_internal(uint64_t entry)
{
	return (entry & 3) == 2;
}

static struct kinspect_error *report(struct walk *w, uint64_t index, unsigned int order, uint64_t entry)
{
	struct kinspect_xarray_entry e = { .index = index, .order = order, .entry = entry };
	if (entry & 1) {
		e.is_value = true;
		e.value = entry >> 1;
	}
	return w->fn(&e, w->arg, &w->stop);
}

/* Read the node at NODE (a struct xa_node), found in PARENT's slots where
 * the shift EXPECTED_SHIFT (-1: any, for the root) belongs, into *RET
 * (released by the caller, also on error) and its shift into *RET_SHIFT;
 * one more node counted in *NODES. */
static struct kinspect_error *read_node(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					unsigned int chunk_shift, unsigned long *nodes, uint64_t node, uint64_t parent,
					int expected_shift, struct kinspect_kstruct *ret, uint64_t *ret_shift)
{
	*ret = (struct kinspect_kstruct){ 0 };
	if (++*nodes > KINSPECT_XARRAY_NODES_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "xarray: more than %u nodes", KINSPECT_XARRAY_NODES_MAX);
	struct kinspect_error *err = kinspect_kstruct_read(types, mem, "struct xa_node", node, ret);
	if (err)
		return err;
	uint64_t shift, node_parent;
	err = kinspect_kstruct_uint(ret, "shift", &shift);
	if (!err)
		err = kinspect_kstruct_uint(ret, "parent", &node_parent);
	/* A node must sit below its parent with a shift one chunk smaller:
	 * that also rules out cycles. */
	if (!err && (shift % chunk_shift || shift >= 64 || (expected_shift >= 0 && shift != (uint64_t)expected_shift) ||
		     node_parent != parent))
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT,
					    "xarray node 0x%llx: shift %llu, parent 0x%llx (expected shift %d, parent 0x%llx)",
					    (unsigned long long)node, (unsigned long long)shift,
					    (unsigned long long)node_parent, expected_shift, (unsigned long long)parent);
	*ret_shift = shift;
	return err;
}

/* The node at NODE (a struct xa_node) covering indexes from BASE, found
 * in PARENT's slots with the shift EXPECTED_SHIFT. */
static struct kinspect_error *walk_node(struct walk *w, uint64_t node, uint64_t parent, uint64_t base,
					int expected_shift)
{
	struct kinspect_kstruct n;
	uint64_t shift = 0;
	struct kinspect_error *err = read_node(w->types, w->mem, w->chunk_shift, &w->nodes, node, parent,
					       expected_shift, &n, &shift);
	for (uint64_t slot = 0; !err && !w->stop && slot < w->chunk_size; slot++) {
		uint64_t span = UINT64_C(1) << shift;
		uint64_t index = base + slot * span;
		if (index > w->last)
			break;
		if (index + (span - 1) < w->first)
			continue;
		char path[32];
		uint64_t entry;
		snprintf(path, sizeof(path), "slots[%llu]", (unsigned long long)slot);
		if ((err = kinspect_kstruct_uint(&n, path, &entry)) || !entry)
			continue;
		if (is_internal(entry) && entry > XA_NODE_MIN) {
			if (shift == 0)
				err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "xarray node 0x%llx: a node below shift 0",
							    (unsigned long long)node);
			else
				err = walk_node(w, entry - 2, node, index, (int)(shift - w->chunk_shift));
			continue;
		}
		if (is_internal(entry))
			continue; /* sibling, retry or zero entry */
		/* A multi-index entry: its siblings follow in this node. */
		unsigned int order = (unsigned int)shift;
		uint64_t next = slot + 1;
		while (next < w->chunk_size) {
			uint64_t sib;
			snprintf(path, sizeof(path), "slots[%llu]", (unsigned long long)next);
			if (kinspect_kstruct_uint(&n, path, &sib) || !is_internal(sib) || sib > XA_NODE_MIN ||
			    (sib >> 2) != slot)
				break;
			next++;
		}
		if (next - slot > 1) {
			uint64_t count = next - slot;
			while ((UINT64_C(1) << (order - shift)) < count)
				order++;
		}
		if (index >= w->first)
			err = report(w, index, order, entry);
	}
	kinspect_kstruct_release(&n);
	return err;
}

/* XA_CHUNK_SIZE (the length of xa_node.slots) and its log2. */
static struct kinspect_error *chunk_geometry(struct kinspect_dwarf_types *types, uint64_t *ret_size,
					     unsigned int *ret_shift)
{
	struct kinspect_error *err = kinspect_dwarf_types_array_length(types, "struct xa_node", "slots", ret_size);
	if (err)
		return err;
	if (*ret_size < 2 || (*ret_size & (*ret_size - 1)) || *ret_size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct xa_node has %llu slots",
					     (unsigned long long)*ret_size);
	*ret_shift = 0;
	while ((UINT64_C(1) << *ret_shift) < *ret_size)
		++*ret_shift;
	return NULL;
}

static struct kinspect_error *read_head(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					uint64_t xa, uint64_t *ret)
{
	struct kinspect_kstruct x;
	struct kinspect_error *err = kinspect_kstruct_read(types, mem, "struct xarray", xa, &x);
	if (err)
		return err;
	err = kinspect_kstruct_uint(&x, "xa_head", ret);
	kinspect_kstruct_release(&x);
	return err;
}

struct kinspect_error *kinspect_xarray_for_each(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
						uint64_t xa, uint64_t first, uint64_t last,
						struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *e,
									     void *arg, bool *stop),
						void *arg)
{
	struct walk w = { .types = types, .mem = mem, .first = first, .last = last, .fn = fn, .arg = arg };
	uint64_t head;
	struct kinspect_error *err = chunk_geometry(types, &w.chunk_size, &w.chunk_shift);
	if (!err)
		err = read_head(types, mem, xa, &head);
	if (err || !head)
		return err;
	if (is_internal(head) && head > XA_NODE_MIN)
		return walk_node(&w, head - 2, 0, 0, -1);
	/* A single entry at index 0 lives in the head itself. */
	if (!is_internal(head) && first == 0)
		return report(&w, 0, 0, head);
	return NULL;
}

/* ---- level by level ---------------------------------------------------- */

struct level_node {
	uint64_t node, parent, base;
	int shift; /* expected; -1 for the root */
};

/* Queue a node for the next level: nodes read plus queued stay within
 * the bound of a walk. */
static struct kinspect_error *push_node(struct kinspect_xarray_levels *l, uint64_t node, uint64_t parent,
					uint64_t base, int shift)
{
	if (l->nodes + l->nr_next >= l->max_nodes)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "xarray: more than %zu nodes", l->max_nodes);
	if (!kinspect_array_reserve(l->next, l->next_capacity, l->nr_next, 16))
		return &kinspect_error_nomem;
	l->next[l->nr_next++] = (struct level_node){ node, parent, base, shift };
	return NULL;
}

static bool push_entry(struct kinspect_xarray_levels *l, uint64_t index, uint64_t entry)
{
	if (l->nr_entries == l->max_entries ||
	    !kinspect_array_reserve(l->entries, l->entries_capacity, l->nr_entries, 64))
		return false;
	l->entries[l->nr_entries++] = (struct kinspect_xarray_level_entry){ index, entry };
	return true;
}

struct kinspect_error *kinspect_xarray_levels_init(struct kinspect_xarray_levels *l, struct kinspect_dwarf_types *types,
						   const struct kinspect_memory *mem, uint64_t xa, size_t max_nodes,
						   size_t max_entries, struct kinspect_ahead *next_round)
{
	if (max_nodes > KINSPECT_XARRAY_NODES_MAX)
		max_nodes = KINSPECT_XARRAY_NODES_MAX;
	*l = (struct kinspect_xarray_levels){ .types = types, .mem = mem, .max_nodes = max_nodes,
					      .max_entries = max_entries };
	uint64_t head;
	struct kinspect_error *err = chunk_geometry(types, &l->chunk_size, &l->chunk_shift);
	if (!err)
		err = kinspect_dwarf_types_sizeof(types, "struct xa_node", &l->node_size);
	if (!err)
		err = read_head(types, mem, xa, &head);
	if (err)
		return err;
	if (is_internal(head) && head > XA_NODE_MIN) {
		if ((err = push_node(l, head - 2, 0, 0, -1)))
			return err;
		kinspect_ahead_add(next_round, head - 2, l->node_size);
	} else if (head && !is_internal(head) && !push_entry(l, 0, head)) {
		return &kinspect_error_nomem;
	}
	return NULL;
}

bool kinspect_xarray_levels_done(const struct kinspect_xarray_levels *l)
{
	return l->nr_next == 0;
}

static int by_index(const void *a, const void *b)
{
	const struct kinspect_xarray_level_entry *x = a, *y = b;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Take NODE's present entries and child nodes (the children into L's next
 * level, their ranges into NEXT_ROUND). */
static struct kinspect_error *level_node(struct kinspect_xarray_levels *l, const struct level_node *ln,
					 struct kinspect_ahead *next_round)
{
	struct kinspect_kstruct n;
	uint64_t shift = 0;
	struct kinspect_error *err = read_node(l->types, l->mem, l->chunk_shift, &l->nodes, ln->node, ln->parent,
					       ln->shift, &n, &shift);
	for (uint64_t slot = 0; !err && slot < l->chunk_size; slot++) {
		char path[32];
		uint64_t entry;
		snprintf(path, sizeof(path), "slots[%llu]", (unsigned long long)slot);
		if ((err = kinspect_kstruct_uint(&n, path, &entry)) || !entry)
			continue;
		uint64_t index = ln->base + (slot << shift);
		if (is_internal(entry) && entry > XA_NODE_MIN) {
			if (shift == 0)
				err = kinspect_error_create(KINSPECT_ERROR_FORMAT,
							    "xarray node 0x%llx: a node below shift 0",
							    (unsigned long long)ln->node);
			else if (!(err = push_node(l, entry - 2, ln->node, index, (int)(shift - l->chunk_shift))))
				kinspect_ahead_add(next_round, entry - 2, l->node_size);
		} else if (!is_internal(entry) && !push_entry(l, index, entry)) {
			break; /* the caller's bound, or memory: what was found stands */
		}
	}
	kinspect_kstruct_release(&n);
	return err;
}

struct kinspect_error *kinspect_xarray_levels_step(struct kinspect_xarray_levels *l, struct kinspect_ahead *next_round)
{
	/* This level becomes the one being read; the next starts empty. */
	struct level_node *level = l->next;
	size_t nr = l->nr_next;
	l->next = NULL;
	l->nr_next = l->next_capacity = 0;
	struct kinspect_error *err = NULL;
	for (size_t i = 0; i < nr && !err; i++)
		err = level_node(l, &level[i], next_round);
	free(level);
	if (!err && kinspect_xarray_levels_done(l) && l->nr_entries > 1)
		qsort(l->entries, l->nr_entries, sizeof(*l->entries), by_index);
	return err;
}

void kinspect_xarray_levels_release(struct kinspect_xarray_levels *l)
{
	free(l->next);
	free(l->entries);
	l->next = NULL;
	l->entries = NULL;
	l->nr_next = l->nr_entries = 0;
}
