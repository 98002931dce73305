/* What looks wrong in a struct iov_iter and its segments, and what is left
 * from its cursor on: the policy of which iov_iter state is an anomaly,
 * in one place for every front end.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_IOV_ITER_CHECK_H
#define KINSPECT_LINUX_IOV_ITER_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux/iov-iter.h"
#include "linux/folio.h"

/* Where the cursor is and what the segments hold from it on. */
struct kinspect_iov_check {
	bool have_cursor;
	size_t cursor_index;
	uint64_t left_in_segment, left_total;
};

/* Where an anomaly goes: what it is (kinspect/iov-iter.h) and one
 * sentence for people. */
typedef void kinspect_iov_finding_fn(void *arg, enum kinspect_iov_finding finding, const char *msg);

/* Check IT against its NR segments SEGS (TRUNCATED: the walk stopped at
 * its bound, more follow): FINDING gets each anomaly (a
 * cursor past or at the end of its segment, an empty segment or
 * folio_queue slot, a folioq_slot past its queue, a count the segments
 * cannot hold...).  The cursor's place and the bytes left go to *RET. */
void kinspect_iov_iter_check(const struct kinspect_iov_iter *it, const struct kinspect_iov_segment *segs, size_t nr,
			     bool truncated, kinspect_iov_finding_fn *finding, void *arg,
			     struct kinspect_iov_check *ret);

/* Check the folio PAGE decoded for segment INDEX (SEG) of IT: a
 * folio_queue or xarray records each folio's order, which must be the
 * folio's, and a head, never a tail page. */
void kinspect_iov_segment_check_folio(const struct kinspect_iov_iter *it, const struct kinspect_iov_segment *seg,
				      size_t index, const struct kinspect_page *page,
				      kinspect_iov_finding_fn *finding, void *arg);

#endif /* KINSPECT_LINUX_IOV_ITER_CHECK_H */
