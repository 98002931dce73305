/* xarray walks (see xarray.h).  Entry encoding (include/linux/xarray.h):
 * bit 0 set: a value entry; low bits 10: internal — a node pointer (+2)
 * when above 4096, else a sibling (multi-index entry, points back to its
 * canonical slot), a retry or a zero entry; otherwise a pointer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

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

/* The node at NODE (a struct xa_node) covering indexes from BASE, found
 * in PARENT's slots with the shift EXPECTED_SHIFT. */
static struct kinspect_error *walk_node(struct walk *w, uint64_t node, uint64_t parent, uint64_t base,
					int expected_shift)
{
	if (++w->nodes > KINSPECT_XARRAY_NODES_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "xarray: more than %u nodes", KINSPECT_XARRAY_NODES_MAX);
	struct kinspect_kstruct n;
	struct kinspect_error *err = kinspect_kstruct_read(w->types, w->mem, "struct xa_node", node, &n);
	if (err)
		return err;
	uint64_t shift, node_parent;
	err = kinspect_kstruct_uint(&n, "shift", &shift);
	if (!err)
		err = kinspect_kstruct_uint(&n, "parent", &node_parent);
	/* A node must sit below its parent with a shift one chunk smaller:
	 * that also rules out cycles. */
	if (!err && (shift % w->chunk_shift || shift >= 64 || (expected_shift >= 0 && shift != (uint64_t)expected_shift) ||
		     node_parent != parent))
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT,
					    "xarray node 0x%llx: shift %llu, parent 0x%llx (expected shift %d, parent 0x%llx)",
					    (unsigned long long)node, (unsigned long long)shift,
					    (unsigned long long)node_parent, expected_shift, (unsigned long long)parent);
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

struct kinspect_error *kinspect_xarray_for_each(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
						uint64_t xa, uint64_t first, uint64_t last,
						struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *e,
									     void *arg, bool *stop),
						void *arg)
{
	struct walk w = { .types = types, .mem = mem, .first = first, .last = last, .fn = fn, .arg = arg };
	struct kinspect_error *err = kinspect_dwarf_types_array_length(types, "struct xa_node", "slots", &w.chunk_size);
	if (err)
		return err;
	if (w.chunk_size < 2 || (w.chunk_size & (w.chunk_size - 1)) || w.chunk_size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct xa_node has %llu slots",
					     (unsigned long long)w.chunk_size);
	while ((UINT64_C(1) << w.chunk_shift) < w.chunk_size)
		w.chunk_shift++;
	struct kinspect_kstruct x;
	if ((err = kinspect_kstruct_read(types, mem, "struct xarray", xa, &x)))
		return err;
	uint64_t head;
	err = kinspect_kstruct_uint(&x, "xa_head", &head);
	kinspect_kstruct_release(&x);
	if (err || !head)
		return err;
	if (is_internal(head) && head > XA_NODE_MIN)
		return walk_node(&w, head - 2, 0, 0, -1);
	/* A single entry at index 0 lives in the head itself. */
	if (!is_internal(head) && first == 0)
		return report(&w, 0, 0, head);
	return NULL;
}
