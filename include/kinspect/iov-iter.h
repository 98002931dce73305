/* struct iov_iter of a kernel session: its type (every iter_type the
 * kernel's DWARF names), direction and cursor, the segments it still
 * covers, the folio or page behind each, and the checks that say which
 * states of an iter usually mean a bug.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_IOV_ITER_H
#define KINSPECT_IOV_ITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of an iter: which member of its union points at the segments.
 * New kinds are added at the end. */
enum kinspect_iov_kind {
	KINSPECT_IOV_UNKNOWN, /* an iter_type this library does not know */
	KINSPECT_IOV_UBUF,    /* one user buffer (v6.0+) */
	KINSPECT_IOV_IOVEC,   /* an array of struct iovec (user memory) */
	KINSPECT_IOV_KVEC,    /* an array of struct kvec (kernel memory) */
	KINSPECT_IOV_BVEC,    /* an array of struct bio_vec (pages) */
	KINSPECT_IOV_XARRAY,  /* a range of an xarray of folios (v5.11+) */
	KINSPECT_IOV_FOLIOQ,  /* a chain of struct folio_queue (v6.12+) */
	KINSPECT_IOV_DISCARD, /* no memory: the data is dropped */
	KINSPECT_IOV_PIPE,    /* a pipe's ring (before v6.7) */
};

/* Where a segment stands relative to the cursor. */
enum kinspect_iov_position {
	KINSPECT_IOV_DONE,    /* consumed (folio_queue slots before the cursor, PIPE slots filled) */
	KINSPECT_IOV_CURRENT, /* the cursor is in it */
	KINSPECT_IOV_AHEAD,   /* not reached yet */
};

/* What kinspect_iov_segments_check() can find.  New findings are added at
 * the end; a caller that does not know one still has its message. */
enum kinspect_iov_finding {
	/* The segment walk ended in an error (kinspect_iov_segments_error()). */
	KINSPECT_IOV_FINDING_WALK_STOPPED,
	/* The folio or page behind a segment could not be decoded. */
	KINSPECT_IOV_FINDING_FOLIO_UNREADABLE,
	/* A folio_queue or xarray records another order than its folio's. */
	KINSPECT_IOV_FINDING_FOLIO_ORDER,
	/* A segment's folio is a tail page, not a folio. */
	KINSPECT_IOV_FINDING_TAIL_PAGE,
	/* iov_offset is past the end of the current segment. */
	KINSPECT_IOV_FINDING_CURSOR_PAST_END,
	/* iov_offset is at the end of the current segment with bytes left to
	 * do (the kernel moves on at its next use; a bug if nothing follows). */
	KINSPECT_IOV_FINDING_CURSOR_AT_END,
	/* An empty folio_queue slot. */
	KINSPECT_IOV_FINDING_EMPTY_SLOT,
	/* A segment of no bytes. */
	KINSPECT_IOV_FINDING_EMPTY_SEGMENT,
	/* folioq_slot is past the folios of its folio_queue. */
	KINSPECT_IOV_FINDING_SLOT_PAST_QUEUE,
	/* count is not 0 but the folio_queue holds no folios. */
	KINSPECT_IOV_FINDING_NO_FOLIOS,
	/* iov_offset is not 0 but no folio is current. */
	KINSPECT_IOV_FINDING_OFFSET_WITHOUT_FOLIO,
	/* count is more than the segments hold from the cursor on. */
	KINSPECT_IOV_FINDING_COUNT_PAST_SEGMENTS,
};

/* The bound a caller should give kinspect_kernel_iov_iter_segments()
 * unless it has a reason to give another. */
#define KINSPECT_IOV_SEGMENTS_MAX 4096

/* ---- the iter ------------------------------------------------------------ */

/* A struct iov_iter as read from the target: a copy, owned by the caller,
 * valid after the target has run on. */
struct kinspect_iov_iter;

/* Read the struct iov_iter at ADDRESS on KERNEL's target (opening it) into
 * a new *RET, freed with kinspect_iov_iter_destroy().  A layout from the
 * vmlinux's DWARF: a fault names the address, a kernel whose struct
 * iov_iter lacks what its iter_type needs is KINSPECT_ERROR_NOT_FOUND. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_iov_iter_read(struct kinspect_kernel *kernel, uint64_t address,
								     struct kinspect_iov_iter **ret);

/* Accepts NULL. */
KINSPECT_EXPORT void kinspect_iov_iter_destroy(struct kinspect_iov_iter *iter);

/* The address it was read from. */
KINSPECT_EXPORT uint64_t kinspect_iov_iter_address(const struct kinspect_iov_iter *iter);

/* Its kind, its iter_type's enum constant by name ("ITER_FOLIOQ"; "iter_type
 * N" for a value no constant has; owned by ITER) and the raw value (before
 * v5.14, the type word without its direction bit). */
KINSPECT_EXPORT enum kinspect_iov_kind kinspect_iov_iter_kind(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT const char *kinspect_iov_iter_type_name(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT int64_t kinspect_iov_iter_type_value(const struct kinspect_iov_iter *iter);

/* True for ITER_SOURCE (the kernel copies data out of the segments: a
 * write), false for ITER_DEST (into them: a read).  As a word: "source" or
 * "dest" (static). */
KINSPECT_EXPORT bool kinspect_iov_iter_data_source(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT const char *kinspect_iov_iter_direction(const struct kinspect_iov_iter *iter);

/* Page faults are not taken while copying (v5.16+; false before). */
KINSPECT_EXPORT bool kinspect_iov_iter_nofault(const struct kinspect_iov_iter *iter);

/* Bytes left (count), bytes done in the current segment (iov_offset), and
 * segments left (nr_segs: IOVEC, KVEC and BVEC; 0 for the others). */
KINSPECT_EXPORT uint64_t kinspect_iov_iter_count(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT uint64_t kinspect_iov_iter_offset(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT uint64_t kinspect_iov_iter_nr_segs(const struct kinspect_iov_iter *iter);

/* The segment pointer its kind uses: __iov (iov before v6.4), kvec, bvec,
 * xarray, folioq, ubuf or pipe. */
KINSPECT_EXPORT uint64_t kinspect_iov_iter_pointer(const struct kinspect_iov_iter *iter);

/* FOLIOQ: the slot of the first folio_queue the cursor is in.  XARRAY: the
 * byte position of the iter's start in the xarray.  PIPE: the ring slots
 * this iter filled, from start_head up to head.  0 for other kinds. */
KINSPECT_EXPORT uint64_t kinspect_iov_iter_folioq_slot(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT int64_t kinspect_iov_iter_xarray_start(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT uint64_t kinspect_iov_iter_pipe_start_head(const struct kinspect_iov_iter *iter);
KINSPECT_EXPORT uint64_t kinspect_iov_iter_pipe_head(const struct kinspect_iov_iter *iter);

/* ---- its segments -------------------------------------------------------- */

/* The segments of an iter, read at once, with the folios behind them when
 * asked: owned by the caller, freed with kinspect_iov_segments_destroy(). */
struct kinspect_iov_segments;

/* Decode the folio (FOLIOQ, XARRAY) or page (BVEC, PIPE) behind each
 * segment: see kinspect_iov_segments_folio().  Without it, the checks of
 * kinspect_iov_segments_check() that need the folios are not made. */
#define KINSPECT_IOV_SEGMENTS_FOLIOS 0x1u

/* Read the segments ITER still covers on KERNEL's target into a new *RET:
 * the consumed folio_queue slots first, then the current segment, then
 * those ahead; at most MAX_SEGMENTS (kinspect_iov_segments_truncated()
 * says whether more were left).  FLAGS: 0 or KINSPECT_IOV_SEGMENTS_FOLIOS.
 * Every walk is bounded and loop-proof.  A walk that fails part way still
 * succeeds: *RET holds the segments read before the failure and
 * kinspect_iov_segments_error() the failure (a fault, a folio_queue chain
 * that loops back, an xarray hole inside the iter...).  Errors are
 * returned only when nothing could be walked: out of memory, the target
 * or the DWARF cannot be opened, unknown FLAGS
 * (KINSPECT_ERROR_INVALID_ARGUMENT).  Folios that cannot be decoded are findings, not
 * errors. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_iov_iter_segments(struct kinspect_kernel *kernel,
									 const struct kinspect_iov_iter *iter,
									 size_t max_segments, unsigned int flags,
									 struct kinspect_iov_segments **ret);

/* Accepts NULL. */
KINSPECT_EXPORT void kinspect_iov_segments_destroy(struct kinspect_iov_segments *segments);

/* How many segments were read, and whether the walk stopped at its bound
 * with more left. */
KINSPECT_EXPORT size_t kinspect_iov_segments_nr(const struct kinspect_iov_segments *segments);
KINSPECT_EXPORT bool kinspect_iov_segments_truncated(const struct kinspect_iov_segments *segments);

/* The error the walk ended in, or NULL.  Owned by SEGMENTS.
 * KINSPECT_ERROR_UNSUPPORTED means the target cannot show these segments
 * (not that the iter is damaged). */
KINSPECT_EXPORT const struct kinspect_error *kinspect_iov_segments_error(const struct kinspect_iov_segments *segments);

/* Whether a segment is current: then its index in *RET_INDEX and the bytes
 * left in it in *RET_LEFT (both may be NULL). */
KINSPECT_EXPORT bool kinspect_iov_segments_cursor(const struct kinspect_iov_segments *segments, size_t *ret_index,
						  uint64_t *ret_left);

/* The bytes the segments hold from the cursor on (a fresh iter's count). */
KINSPECT_EXPORT uint64_t kinspect_iov_segments_left(const struct kinspect_iov_segments *segments);

/* One segment.  A struct, not a handle with accessors: a segment is a
 * dozen plain numbers a caller reads together, and SIZE (set by the caller
 * to sizeof(struct kinspect_iov_segment_data)) lets later versions append
 * members without breaking programs built against this one: the library
 * fills only the first SIZE bytes it knows. */
struct kinspect_iov_segment_data {
	size_t size;
	size_t index;
	enum kinspect_iov_position position;
	uint64_t base;   /* iov_base, ubuf, bv_page, the pipe buffer's page, or the folio */
	uint64_t offset; /* BVEC: bv_offset; PIPE: the buffer's offset; 0 otherwise */
	uint64_t len;    /* bytes the segment holds (FOLIOQ, XARRAY: PAGE_SIZE << order) */
	uint64_t done;   /* bytes of it consumed (CURRENT: iov_offset) */
	uint64_t left;   /* len - done, 0 when the cursor is past its end */
	/* FOLIOQ: the folio_queue, the slot in it and the queue's folio count. */
	uint64_t folio_queue;
	unsigned int slot, nr_slots;
	/* FOLIOQ, XARRAY: the folio's order as the queue or the xarray records it. */
	unsigned int order;
	/* FOLIOQ: bit i set when the folio carries folio_queue mark i + 1
	 * (marks, marks2, marks3). */
	unsigned int marks;
	/* XARRAY: the folio's first page index in the xarray. */
	uint64_t xa_index;
};

/* Segment INDEX (below kinspect_iov_segments_nr()) into *RET, whose SIZE
 * the caller has set.  KINSPECT_ERROR_INVALID_ARGUMENT for an INDEX out of
 * range or a SIZE smaller than that of the first version's struct. */
KINSPECT_EXPORT struct kinspect_error *kinspect_iov_segments_get(const struct kinspect_iov_segments *segments,
								 size_t index, struct kinspect_iov_segment_data *ret);

/* What the folio behind a segment says: the summary a reader of an iter
 * wants beside each segment.  SIZE as for struct
 * kinspect_iov_segment_data; the strings are owned by the SEGMENTS. */
struct kinspect_iov_folio {
	size_t size;
	uint64_t folio; /* its head page's struct page */
	uint64_t pfn;   /* the head page's frame */
	unsigned int order;
	int64_t refcount;
	const char *mapping_kind; /* "none", "anon", "ksm", "movable", "file" or "slab" */
	uint64_t mapping;         /* raw, low bits included */
	/* mapping_kind "file": the inode number, the path within its file
	 * system ("" if unknown) and the folio's index in the file. */
	uint64_t ino;
	const char *path;
	uint64_t index;
	/* The names of the folio's flags ("uptodate", "lru"...). */
	const char *const *flags;
	size_t nr_flags;
};

/* The folio or page behind segment INDEX into *RET (SIZE set by the
 * caller): true when the segments were read with
 * KINSPECT_IOV_SEGMENTS_FOLIOS and it could be decoded, false (and *RET
 * untouched) otherwise. */
KINSPECT_EXPORT bool kinspect_iov_segments_folio(const struct kinspect_iov_segments *segments, size_t index,
						 struct kinspect_iov_folio *ret);

/* "done", "current" or "ahead".  Static. */
KINSPECT_EXPORT const char *kinspect_iov_position_name(enum kinspect_iov_position position);

/* ---- the checks ---------------------------------------------------------- */

/* Call FN once for each anomaly of the iter SEGMENTS was read from and of
 * its segments, with what was found and one sentence for people ("cursor
 * at the end of segment 2 (iov_offset 0x1000 == its size), and no segment
 * follows"; owned by the library, valid during the call).  In this order:
 * the walk's error, then what the folios say (segment by segment), then
 * the cursor, empty segments and count.  The policy of what is an anomaly
 * lives here, for every front end. */
KINSPECT_EXPORT void kinspect_iov_segments_check(const struct kinspect_iov_segments *segments,
						 void (*fn)(enum kinspect_iov_finding finding, const char *message,
							    void *arg),
						 void *arg);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_IOV_ITER_H */
