/* struct iov_iter and its segments (see iov-iter.h).
 *
 * Layouts differ across kernels, and the code follows what the DWARF has:
 * - v5.14 (commit 8cd54c1c8480 "iov_iter: separate direction from
 *   flavour"): u8 iter_type + bool data_source; before, one "type" word
 *   with the direction in bit 0.
 * - v6.4 (commit de4f5fed3f23 "iov_iter: add iter_iovec() helper"): the
 *   iovec pointer is __iov, before iov.
 * - v6.7 (commit 1ab9d8ff0b9c "iov_iter: Kill ITER_PIPE"): no ITER_PIPE;
 *   before, head and start_head index the pipe's ring.
 * - v6.12 (commit db0aa2e9566f "mm: Define struct folio_queue and
 *   ITER_FOLIOQ to handle a sequence of folios"): ITER_FOLIOQ, folioq and
 *   folioq_slot.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "linux/iov-iter.h"
#include "linux/kstruct.h"
#include "linux/xarray.h"

static const struct {
	const char *name;
	enum kinspect_iov_kind kind;
} kinds[] = {
	{ "ITER_UBUF", KINSPECT_IOV_UBUF },	{ "ITER_IOVEC", KINSPECT_IOV_IOVEC },
	{ "ITER_KVEC", KINSPECT_IOV_KVEC },	{ "ITER_BVEC", KINSPECT_IOV_BVEC },
	{ "ITER_XARRAY", KINSPECT_IOV_XARRAY }, { "ITER_FOLIOQ", KINSPECT_IOV_FOLIOQ },
	{ "ITER_DISCARD", KINSPECT_IOV_DISCARD }, { "ITER_PIPE", KINSPECT_IOV_PIPE },
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The enum iter_type constant with VALUE: its name and kind. */
static void name_type(struct kinspect_dwarf_types *types, int64_t value, bool masked, struct kinspect_iov_iter *it)
{
	for (size_t i = 0; i < NR_KINDS; i++) {
		int64_t v;
		struct kinspect_error *err = kinspect_dwarf_types_enum_value(types, kinds[i].name, &v);
		if (err) {
			kinspect_error_destroy(err);
			continue;
		}
		/* Before v5.14 the type word holds one flag bit per flavour. */
		if (masked ? (v & value) != 0 : v == value) {
			snprintf(it->type_name, sizeof(it->type_name), "%s", kinds[i].name);
			it->kind = kinds[i].kind;
			return;
		}
	}
	snprintf(it->type_name, sizeof(it->type_name), "iter_type %lld", (long long)value);
	it->kind = KINSPECT_IOV_UNKNOWN;
}

/* The member of the segment-pointer union that KIND uses. */
static const char *pointer_member(const struct kinspect_kstruct *s, enum kinspect_iov_kind kind)
{
	static const char *const iovec[] = { "__iov", "iov", NULL };
	static const char *const kvec[] = { "kvec", NULL }, *const bvec[] = { "bvec", NULL };
	static const char *const xarray[] = { "xarray", NULL }, *const folioq[] = { "folioq", NULL };
	static const char *const ubuf[] = { "ubuf", NULL }, *const pipe[] = { "pipe", NULL };
	static const char *const any[] = { "__iov", "iov", "ubuf", NULL };
	switch (kind) {
	case KINSPECT_IOV_IOVEC: return kinspect_kstruct_pick(s, iovec);
	case KINSPECT_IOV_KVEC: return kinspect_kstruct_pick(s, kvec);
	case KINSPECT_IOV_BVEC: return kinspect_kstruct_pick(s, bvec);
	case KINSPECT_IOV_XARRAY: return kinspect_kstruct_pick(s, xarray);
	case KINSPECT_IOV_FOLIOQ: return kinspect_kstruct_pick(s, folioq);
	case KINSPECT_IOV_UBUF: return kinspect_kstruct_pick(s, ubuf);
	case KINSPECT_IOV_PIPE: return kinspect_kstruct_pick(s, pipe);
	default: return kinspect_kstruct_pick(s, any);
	}
}

struct kinspect_error *kinspect_iov_iter_read(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					      uint64_t addr, struct kinspect_iov_iter *ret)
{
	struct kinspect_kstruct s;
	struct kinspect_error *err = kinspect_kstruct_read(types, mem, "struct iov_iter", addr, &s);
	if (err)
		return err;
	*ret = (struct kinspect_iov_iter){ .address = addr };
	uint64_t v;
	if (kinspect_kstruct_has(&s, "iter_type")) {
		if (!(err = kinspect_kstruct_uint(&s, "iter_type", &v))) {
			name_type(types, (int64_t)v, false, ret);
			ret->type_value = (int64_t)v;
		}
		if (!err && !(err = kinspect_kstruct_uint(&s, "data_source", &v)))
			ret->data_source = v != 0;
	} else if (!(err = kinspect_kstruct_uint(&s, "type", &v))) {
		/* Bit 0 is READ (0) or WRITE (1): WRITE takes data from the
		 * segments. */
		ret->data_source = v & 1;
		ret->type_value = (int64_t)(v & ~UINT64_C(1));
		name_type(types, ret->type_value, true, ret);
	}
	if (!err && kinspect_kstruct_has(&s, "nofault") && !(err = kinspect_kstruct_uint(&s, "nofault", &v)))
		ret->nofault = v != 0;
	if (!err)
		err = kinspect_kstruct_uint(&s, "count", &ret->count);
	if (!err)
		err = kinspect_kstruct_uint(&s, "iov_offset", &ret->iov_offset);
	/* nr_segs shares a union with the PIPE and XARRAY fields. */
	bool array = ret->kind == KINSPECT_IOV_IOVEC || ret->kind == KINSPECT_IOV_KVEC || ret->kind == KINSPECT_IOV_BVEC;
	if (!err && array)
		err = kinspect_kstruct_uint(&s, "nr_segs", &ret->nr_segs);
	if (!err && ret->kind == KINSPECT_IOV_PIPE && !(err = kinspect_kstruct_uint(&s, "head", &ret->pipe_head)))
		err = kinspect_kstruct_uint(&s, "start_head", &ret->pipe_start_head);
	const char *ptr = pointer_member(&s, ret->kind);
	if (!err && ptr)
		err = kinspect_kstruct_uint(&s, ptr, &ret->pointer);
	if (!err && ret->kind == KINSPECT_IOV_FOLIOQ)
		err = kinspect_kstruct_uint(&s, "folioq_slot", &ret->folioq_slot);
	if (!err && ret->kind == KINSPECT_IOV_XARRAY && !(err = kinspect_kstruct_uint(&s, "xarray_start", &v)))
		ret->xarray_start = (int64_t)v;
	kinspect_kstruct_release(&s);
	if (err)
		return kinspect_error_wrap(err, "struct iov_iter at 0x%llx", (unsigned long long)addr);
	return NULL;
}

/* ---- segments ------------------------------------------------------------ */

struct walk {
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	const struct kinspect_iov_iter *it;
	size_t max, emitted;
	bool *truncated;
	struct kinspect_error *(*fn)(const struct kinspect_iov_segment *seg, void *arg);
	void *arg;
};

/* Hand SEG to the caller; false once the bound is reached. */
static struct kinspect_error *emit(struct walk *w, struct kinspect_iov_segment *seg, bool *more)
{
	if (w->emitted >= w->max) {
		*w->truncated = true;
		*more = false;
		return NULL;
	}
	seg->index = w->emitted++;
	*more = true;
	return w->fn(seg, w->arg);
}

/* UBUF: one user buffer; iov_offset bytes of it done, count left. */
static struct kinspect_error *walk_ubuf(struct walk *w)
{
	const struct kinspect_iov_iter *it = w->it;
	struct kinspect_iov_segment seg = {
		.position = KINSPECT_IOV_CURRENT,
		.base = it->pointer,
		.len = it->iov_offset + it->count,
		.cursor = it->iov_offset,
	};
	bool more;
	return emit(w, &seg, &more);
}

/* IOVEC, KVEC, BVEC: an array of nr_segs entries from the current one. */
static struct kinspect_error *walk_array(struct walk *w, const char *type, const char *base, const char *offset,
					 const char *len)
{
	const struct kinspect_iov_iter *it = w->it;
	uint64_t size;
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(w->types, type, &size);
	if (err)
		return err;
	for (uint64_t i = 0; i < it->nr_segs; i++) {
		struct kinspect_kstruct e;
		if ((err = kinspect_kstruct_read(w->types, w->mem, type, it->pointer + i * size, &e)))
			return kinspect_error_wrap(err, "segment %llu", (unsigned long long)i);
		struct kinspect_iov_segment seg = { .position = i ? KINSPECT_IOV_AHEAD : KINSPECT_IOV_CURRENT };
		err = kinspect_kstruct_uint(&e, base, &seg.base);
		if (!err && offset)
			err = kinspect_kstruct_uint(&e, offset, &seg.offset);
		if (!err)
			err = kinspect_kstruct_uint(&e, len, &seg.len);
		kinspect_kstruct_release(&e);
		if (err)
			return err;
		if (i == 0)
			seg.cursor = it->iov_offset;
		bool more;
		if ((err = emit(w, &seg, &more)) || !more)
			return err;
	}
	return NULL;
}

/* FOLIOQ: the slots of the current folio_queue (those before folioq_slot
 * done), then the queues after it. */
static struct kinspect_error *walk_folioq(struct walk *w)
{
	const struct kinspect_iov_iter *it = w->it;
	uint64_t nr_slots;
	struct kinspect_error *err =
		kinspect_dwarf_types_array_length(w->types, "struct folio_queue", "vec.folios", &nr_slots);
	if (err)
		return err;
	uint64_t q = it->pointer;
	uint64_t seen[64];
	size_t nr_seen = 0;
	for (size_t depth = 0; q && depth < KINSPECT_FOLIOQ_CHAIN_MAX; depth++) {
		/* A cycle would list the same folios forever: remember the
		 * first queues (cycles of longer period end at the bound). */
		for (size_t i = 0; i < nr_seen; i++) {
			if (seen[i] == q)
				return kinspect_error_create(KINSPECT_ERROR_FORMAT,
							     "folio_queue chain loops back to 0x%llx",
							     (unsigned long long)q);
		}
		if (nr_seen < sizeof(seen) / sizeof(seen[0]))
			seen[nr_seen++] = q;
		struct kinspect_kstruct fq;
		if ((err = kinspect_kstruct_read(w->types, w->mem, "struct folio_queue", q, &fq)))
			return err;
		uint64_t nr = 0, next = 0, marks[3] = { 0 };
		static const char *const mark_names[3] = { "marks", "marks2", "marks3" };
		err = kinspect_kstruct_uint(&fq, "vec.nr", &nr);
		if (!err)
			err = kinspect_kstruct_uint(&fq, "next", &next);
		for (int m = 0; !err && m < 3; m++) {
			if (kinspect_kstruct_has(&fq, mark_names[m]))
				err = kinspect_kstruct_uint(&fq, mark_names[m], &marks[m]);
		}
		if (!err && nr > nr_slots)
			err = kinspect_error_create(KINSPECT_ERROR_FORMAT,
						    "folio_queue 0x%llx holds %llu folios in %llu slots",
						    (unsigned long long)q, (unsigned long long)nr,
						    (unsigned long long)nr_slots);
		for (uint64_t slot = 0; !err && slot < nr; slot++) {
			char path[48];
			uint64_t order = 0;
			struct kinspect_iov_segment seg = {
				.folioq = q, .slot = (unsigned int)slot, .nr_slots = (unsigned int)nr,
			};
			snprintf(path, sizeof(path), "vec.folios[%llu]", (unsigned long long)slot);
			err = kinspect_kstruct_uint(&fq, path, &seg.base);
			snprintf(path, sizeof(path), "orders[%llu]", (unsigned long long)slot);
			if (!err)
				err = kinspect_kstruct_uint(&fq, path, &order);
			if (err)
				break;
			if (order >= 64) {
				err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "folio_queue 0x%llx slot %llu: order %llu",
							    (unsigned long long)q, (unsigned long long)slot,
							    (unsigned long long)order);
				break;
			}
			seg.order = (unsigned int)order;
			/* PAGE_SIZE << order (folioq_folio_size()). */
			seg.len = kinspect_arch()->page_size << order;
			for (int m = 0; m < 3; m++)
				seg.marks |= (unsigned int)((marks[m] >> slot) & 1) << m;
			if (depth == 0 && slot < it->folioq_slot) {
				seg.position = KINSPECT_IOV_DONE;
				seg.cursor = seg.len;
			} else if (depth == 0 && slot == it->folioq_slot) {
				seg.position = KINSPECT_IOV_CURRENT;
				seg.cursor = it->iov_offset;
			} else {
				seg.position = KINSPECT_IOV_AHEAD;
			}
			bool more;
			if ((err = emit(w, &seg, &more)) || !more)
				break;
		}
		kinspect_kstruct_release(&fq);
		if (err || *w->truncated)
			return err;
		q = next;
	}
	if (q)
		*w->truncated = true;
	return NULL;
}

/* PIPE: the ring slots from start_head to head, filled by this iter; the
 * count is the room left in the pipe, not what these hold. */
static struct kinspect_error *walk_pipe(struct walk *w)
{
	const struct kinspect_iov_iter *it = w->it;
	struct kinspect_kstruct pipe;
	struct kinspect_error *err = kinspect_kstruct_read(w->types, w->mem, "struct pipe_inode_info", it->pointer, &pipe);
	if (err)
		return err;
	uint64_t ring_size = 0, bufs = 0, size = 0;
	err = kinspect_kstruct_uint(&pipe, "ring_size", &ring_size);
	if (!err)
		err = kinspect_kstruct_uint(&pipe, "bufs", &bufs);
	kinspect_kstruct_release(&pipe);
	if (!err)
		err = kinspect_dwarf_types_sizeof(w->types, "struct pipe_buffer", &size);
	if (err)
		return err;
	/* The ring size is a power of two; head and start_head are free-running
	 * 32-bit counters. */
	uint32_t filled = (uint32_t)(it->pipe_head - it->pipe_start_head);
	if (ring_size == 0 || (ring_size & (ring_size - 1)) || filled > ring_size)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "pipe 0x%llx: ring of %llu slots, %u filled",
					     (unsigned long long)it->pointer, (unsigned long long)ring_size, filled);
	for (uint32_t i = 0; i < filled; i++) {
		uint64_t slot = ((uint32_t)it->pipe_start_head + i) & (ring_size - 1);
		struct kinspect_kstruct b;
		if ((err = kinspect_kstruct_read(w->types, w->mem, "struct pipe_buffer", bufs + slot * size, &b)))
			return err;
		struct kinspect_iov_segment seg = { .position = KINSPECT_IOV_DONE };
		err = kinspect_kstruct_uint(&b, "page", &seg.base);
		if (!err)
			err = kinspect_kstruct_uint(&b, "offset", &seg.offset);
		if (!err)
			err = kinspect_kstruct_uint(&b, "len", &seg.len);
		kinspect_kstruct_release(&b);
		if (err)
			return err;
		seg.cursor = seg.len;
		bool more;
		if ((err = emit(w, &seg, &more)) || !more)
			return err;
	}
	return NULL;
}

/* XARRAY: the folios of the xarray holding bytes xarray_start + iov_offset
 * onwards, count of them, as iterate_xarray() copies them. */
struct xarray_walk {
	struct walk *w;
	uint64_t pos;  /* byte position of the cursor */
	uint64_t left; /* bytes still to cover */
	uint64_t next_index;
	bool first;
};

static struct kinspect_error *xarray_segment(const struct kinspect_xarray_entry *e, void *arg, bool *stop)
{
	struct xarray_walk *x = arg;
	if (e->is_value)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "xarray index %llu holds a value entry (0x%llx), not a folio",
					     (unsigned long long)e->index, (unsigned long long)e->value);
	/* xas_for_each() skips holes: bytes the iter means would come from the
	 * next folio. */
	if (!x->first && e->index != x->next_index)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "xarray hole at indexes %llu..%llu inside the iter",
					     (unsigned long long)x->next_index, (unsigned long long)e->index - 1);
	uint64_t size = kinspect_arch()->page_size << e->order;
	uint64_t start = e->index * kinspect_arch()->page_size;
	if (x->first && start + size <= x->pos)
		return NULL; /* before the cursor (looked back for a large folio) */
	struct kinspect_iov_segment seg = {
		.position = x->first ? KINSPECT_IOV_CURRENT : KINSPECT_IOV_AHEAD,
		.base = e->entry,
		.len = size,
		.order = e->order,
		.xa_index = e->index,
	};
	if (x->first && x->pos > start)
		seg.cursor = x->pos - start < size ? x->pos - start : size;
	x->first = false;
	x->next_index = e->index + (UINT64_C(1) << e->order);
	uint64_t here = size - seg.cursor;
	x->left = here >= x->left ? 0 : x->left - here;
	bool more;
	struct kinspect_error *err = emit(x->w, &seg, &more);
	if (!more || x->left == 0)
		*stop = true;
	return err;
}

static struct kinspect_error *walk_xarray(struct walk *w)
{
	const struct kinspect_iov_iter *it = w->it;
	if (it->count == 0)
		return NULL;
	uint64_t pos = (uint64_t)it->xarray_start + it->iov_offset;
	struct xarray_walk x = { .w = w, .pos = pos, .left = it->count, .first = true };
	uint64_t first = pos / kinspect_arch()->page_size;
	uint64_t last = (pos + it->count - 1) / kinspect_arch()->page_size;
	/* A large folio holding POS starts at a lower index: look back as far
	 * as the largest order could reach. */
	uint64_t from = first > 511 ? first - 511 : 0;
	return kinspect_xarray_for_each(w->types, w->mem, it->pointer, from, last, xarray_segment, &x);
}

struct kinspect_error *kinspect_iov_iter_segments(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
						  const struct kinspect_iov_iter *it, size_t max_segments,
						  struct kinspect_error *(*fn)(const struct kinspect_iov_segment *seg,
									       void *arg),
						  void *arg, bool *truncated)
{
	struct walk w = {
		.types = types, .mem = mem, .it = it, .max = max_segments, .truncated = truncated, .fn = fn, .arg = arg,
	};
	*truncated = false;
	switch (it->kind) {
	case KINSPECT_IOV_UBUF: return walk_ubuf(&w);
	case KINSPECT_IOV_IOVEC: return walk_array(&w, "struct iovec", "iov_base", NULL, "iov_len");
	case KINSPECT_IOV_KVEC: return walk_array(&w, "struct kvec", "iov_base", NULL, "iov_len");
	case KINSPECT_IOV_BVEC: return walk_array(&w, "struct bio_vec", "bv_page", "bv_offset", "bv_len");
	case KINSPECT_IOV_FOLIOQ: return walk_folioq(&w);
	case KINSPECT_IOV_PIPE: return walk_pipe(&w);
	case KINSPECT_IOV_XARRAY: return walk_xarray(&w);
	default: return NULL; /* DISCARD and unknown types: no segments */
	}
}
