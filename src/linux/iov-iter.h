/* struct iov_iter: its type, direction and cursor, and the segments it
 * still covers, for every iter_type the kernel's DWARF names.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_IOV_ITER_H
#define KINSPECT_LINUX_IOV_ITER_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/iov-iter.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* Bound of a folio_queue chain (the segment bound is the caller's:
 * KINSPECT_IOV_SEGMENTS_MAX in kinspect/iov-iter.h). */
#define KINSPECT_FOLIOQ_CHAIN_MAX 1024

/* enum kinspect_iov_kind and enum kinspect_iov_position: kinspect/iov-iter.h. */

/* The public struct kinspect_iov_iter (opaque there). */
struct kinspect_iov_iter {
	uint64_t address;
	int64_t type_value;
	char type_name[48]; /* "ITER_FOLIOQ": the enum iter_type constant */
	enum kinspect_iov_kind kind;
	/* ITER_SOURCE: the kernel copies data out of the segments (a write);
	 * otherwise into them (ITER_DEST, a read). */
	bool data_source;
	bool nofault;
	uint64_t count;      /* bytes left */
	uint64_t iov_offset; /* bytes done in the current segment */
	uint64_t nr_segs;    /* segments left (IOVEC, KVEC, BVEC) */
	/* __iov, kvec, bvec, folioq, xarray, ubuf or pipe. */
	uint64_t pointer;
	uint64_t folioq_slot;
	int64_t xarray_start;
	/* PIPE (before v6.7): the ring slots this iter filled, start_head up
	 * to head. */
	uint64_t pipe_head, pipe_start_head;
};

struct kinspect_iov_segment {
	size_t index;
	enum kinspect_iov_position position;
	uint64_t base;   /* iov_base, bv_page or page (PIPE), or the folio */
	uint64_t offset; /* bv_offset (BVEC), the buffer's offset (PIPE); 0 otherwise */
	uint64_t len;    /* bytes the segment holds */
	uint64_t cursor; /* bytes of it consumed (CURRENT: iov_offset) */
	/* FOLIOQ */
	uint64_t folioq;
	unsigned int slot, nr_slots, order;
	/* Bit i set: the folio carries folio_queue mark i+1 (marks, marks2, marks3). */
	unsigned int marks;
	/* XARRAY: the first page index of the folio in the xarray (its order
	 * in ORDER). */
	uint64_t xa_index;
};

/* Read the struct iov_iter at ADDR. */
struct kinspect_error *kinspect_iov_iter_read(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					      uint64_t addr, struct kinspect_iov_iter *ret);

/* Call FN for each segment of IT, the consumed folio_queue slots first,
 * then the current one, then those ahead, at most MAX_SEGMENTS; *TRUNCATED
 * says whether more were left.  An error of FN ends the walk. */
struct kinspect_error *kinspect_iov_iter_segments(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
						  const struct kinspect_iov_iter *it, size_t max_segments,
						  struct kinspect_error *(*fn)(const struct kinspect_iov_segment *seg,
									       void *arg),
						  void *arg, bool *truncated);

#endif /* KINSPECT_LINUX_IOV_ITER_H */
