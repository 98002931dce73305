/* iov_iter anomalies (see iov-iter-check.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "linux/iov-iter-check.h"

struct sink {
	kinspect_iov_finding_fn *finding;
	void *arg;
};

static void say(const struct sink *s, enum kinspect_iov_finding what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(const struct sink *s, enum kinspect_iov_finding what, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->finding(s->arg, what, msg);
}

void kinspect_iov_iter_check(const struct kinspect_iov_iter *it, const struct kinspect_iov_segment *segs, size_t nr,
			     bool truncated, kinspect_iov_finding_fn *finding, void *arg,
			     struct kinspect_iov_check *ret)
{
	const struct sink s = { finding, arg };
	*ret = (struct kinspect_iov_check){ 0 };
	for (size_t i = 0; i < nr; i++) {
		const struct kinspect_iov_segment *seg = &segs[i];
		if (seg->position == KINSPECT_IOV_DONE)
			continue;
		uint64_t left = seg->cursor <= seg->len ? seg->len - seg->cursor : 0;
		if (seg->position == KINSPECT_IOV_CURRENT) {
			ret->have_cursor = true;
			ret->cursor_index = i;
			ret->left_in_segment = left;
			if (seg->cursor > seg->len)
				say(&s, KINSPECT_IOV_FINDING_CURSOR_PAST_END, "cursor past the end of segment %zu: iov_offset 0x%" PRIx64 " > its 0x%" PRIx64 " bytes",
				    i, seg->cursor, seg->len);
			else if (seg->cursor == seg->len && seg->len && it->count)
				say(&s, KINSPECT_IOV_FINDING_CURSOR_AT_END, "cursor at the end of segment %zu (iov_offset 0x%" PRIx64 " == its size)%s", i,
				    seg->cursor, i + 1 == nr && !truncated ? ", and no segment follows" : "");
		}
		ret->left_total += left;
		if (it->kind == KINSPECT_IOV_FOLIOQ && !seg->base)
			say(&s, KINSPECT_IOV_FINDING_EMPTY_SLOT, "slot %u of folio_queue 0x%" PRIx64 " is empty", seg->slot, seg->folioq);
		if (it->kind != KINSPECT_IOV_FOLIOQ && seg->len == 0)
			say(&s, KINSPECT_IOV_FINDING_EMPTY_SEGMENT, "segment %zu is empty", i);
	}
	if (it->kind == KINSPECT_IOV_FOLIOQ && !ret->have_cursor) {
		if (nr && segs[0].nr_slots <= it->folioq_slot)
			say(&s, KINSPECT_IOV_FINDING_SLOT_PAST_QUEUE, "folioq_slot %" PRIu64 " is past the %u folios of its folio_queue%s", it->folioq_slot,
			    segs[0].nr_slots, nr > segs[0].nr_slots ? "" : " and no queue follows");
		else if (!nr && it->count)
			say(&s, KINSPECT_IOV_FINDING_NO_FOLIOS, "count is 0x%" PRIx64 " but the folio_queue holds no folios", it->count);
		/* The kernel moves to the next queue on its next use. */
		if (it->iov_offset)
			say(&s, KINSPECT_IOV_FINDING_OFFSET_WITHOUT_FOLIO, "iov_offset 0x%" PRIx64 " with no current folio", it->iov_offset);
	}
	bool has_segments = it->kind == KINSPECT_IOV_UBUF || it->kind == KINSPECT_IOV_IOVEC ||
			    it->kind == KINSPECT_IOV_KVEC || it->kind == KINSPECT_IOV_BVEC ||
			    it->kind == KINSPECT_IOV_FOLIOQ || it->kind == KINSPECT_IOV_XARRAY;
	if (has_segments && !truncated && it->count > ret->left_total)
		say(&s, KINSPECT_IOV_FINDING_COUNT_PAST_SEGMENTS, "count 0x%" PRIx64 " is more than the 0x%" PRIx64 " bytes the segments hold from the cursor on",
		    it->count, ret->left_total);
}

void kinspect_iov_segment_check_folio(const struct kinspect_iov_iter *it, const struct kinspect_iov_segment *seg,
				      size_t index, const struct kinspect_page *page,
				      kinspect_iov_finding_fn *finding, void *arg)
{
	const struct sink s = { finding, arg };
	if (it->kind != KINSPECT_IOV_FOLIOQ && it->kind != KINSPECT_IOV_XARRAY)
		return;
	if (page->order != seg->order)
		say(&s, KINSPECT_IOV_FINDING_FOLIO_ORDER, "segment %zu: the %s says order %u, the folio has order %u", index,
		    it->kind == KINSPECT_IOV_XARRAY ? "xarray" : "folio_queue", seg->order, page->order);
	if (page->tail)
		say(&s, KINSPECT_IOV_FINDING_TAIL_PAGE, "segment %zu: 0x%" PRIx64 " is a tail page, not a folio", index, seg->base);
}
