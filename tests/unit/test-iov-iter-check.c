/* The library's iov_iter anomaly checks on iters and segments made here:
 * each anomaly found with its sentence, none on sound iters.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "linux/iov-iter-check.h"
#include "tap.h"

struct findings {
	char text[8][256];
	enum kinspect_iov_finding what[8];
	int n;
};

static void record(void *arg, enum kinspect_iov_finding what, const char *msg)
{
	struct findings *f = arg;
	if (f->n < 8) {
		f->what[f->n] = what;
		snprintf(f->text[f->n++], sizeof(f->text[0]), "%s", msg);
	}
}

/* Whether a finding of kind WHAT was reported. */
static bool found_kind(const struct findings *f, enum kinspect_iov_finding what)
{
	for (int i = 0; i < f->n; i++) {
		if (f->what[i] == what)
			return true;
	}
	return false;
}

static bool found(const struct findings *f, const char *part)
{
	for (int i = 0; i < f->n; i++) {
		if (strstr(f->text[i], part))
			return true;
	}
	return false;
}

static struct findings check(const struct kinspect_iov_iter *it, const struct kinspect_iov_segment *segs, size_t nr,
			     bool truncated, struct kinspect_iov_check *c)
{
	struct findings f = { 0 };
	kinspect_iov_iter_check(it, segs, nr, truncated, record, &f, c);
	return f;
}

int main(void)
{
	struct kinspect_iov_check c;
	/* Three order-0 folios, the cursor 0x100 into the second: sound. */
	struct kinspect_iov_iter folioq = { .kind = KINSPECT_IOV_FOLIOQ, .count = 0x1f00, .iov_offset = 0x100 };
	struct kinspect_iov_segment segs[3] = {
		{ .index = 0, .position = KINSPECT_IOV_DONE, .base = 0x1000, .len = 0x1000, .nr_slots = 3 },
		{ .index = 1, .position = KINSPECT_IOV_CURRENT, .base = 0x2000, .len = 0x1000, .cursor = 0x100, .nr_slots = 3 },
		{ .index = 2, .position = KINSPECT_IOV_AHEAD, .base = 0x3000, .len = 0x1000, .nr_slots = 3 },
	};
	struct findings f = check(&folioq, segs, 3, false, &c);
	is_int(f.n, 0, "a sound ITER_FOLIOQ has no findings");
	ok(c.have_cursor && c.cursor_index == 1 && c.left_in_segment == 0xf00 && c.left_total == 0x1f00,
	   "cursor in segment 1, 0xf00 left in it, 0x1f00 in all");

	/* The count says more than the segments hold. */
	folioq.count = 0x5000;
	f = check(&folioq, segs, 3, false, &c);
	ok(found(&f, "count 0x5000 is more than the 0x1f00 bytes") && found_kind(&f, KINSPECT_IOV_FINDING_COUNT_PAST_SEGMENTS),
	   "a count past the segments: %s", f.text[0]);
	f = check(&folioq, segs, 3, true, &c);
	is_int(f.n, 0, "not when the walk was cut short (more segments follow)");

	/* The cursor at the very end of the last segment. */
	folioq.count = 0x1000;
	segs[1].position = KINSPECT_IOV_DONE;
	segs[2].position = KINSPECT_IOV_CURRENT;
	segs[2].cursor = 0x1000;
	f = check(&folioq, segs, 3, false, &c);
	ok(found(&f, "cursor at the end of segment 2 (iov_offset 0x1000 == its size), and no segment follows") &&
		   found_kind(&f, KINSPECT_IOV_FINDING_CURSOR_AT_END),
	   "a cursor at the end: %s", f.text[0]);
	segs[2].cursor = 0x1800;
	f = check(&folioq, segs, 3, false, &c);
	ok(found(&f, "cursor past the end of segment 2: iov_offset 0x1800 > its 0x1000 bytes") &&
		   found_kind(&f, KINSPECT_IOV_FINDING_CURSOR_PAST_END),
	   "a cursor past the end");

	/* An empty slot, and a folioq_slot past its queue. */
	segs[2].cursor = 0;
	segs[2].base = 0;
	segs[2].folioq = 0xffff888000001000;
	segs[2].slot = 2;
	f = check(&folioq, segs, 3, false, &c);
	ok(found(&f, "slot 2 of folio_queue 0xffff888000001000 is empty") && found_kind(&f, KINSPECT_IOV_FINDING_EMPTY_SLOT),
	   "an empty slot");
	struct kinspect_iov_segment done[1] = { { .position = KINSPECT_IOV_DONE, .base = 0x1000, .len = 0x1000,
						   .nr_slots = 1 } };
	struct kinspect_iov_iter past = { .kind = KINSPECT_IOV_FOLIOQ, .count = 0, .folioq_slot = 1, .iov_offset = 8 };
	f = check(&past, done, 1, false, &c);
	ok(found(&f, "folioq_slot 1 is past the 1 folios of its folio_queue and no queue follows") &&
		   found(&f, "iov_offset 0x8 with no current folio") &&
		   found_kind(&f, KINSPECT_IOV_FINDING_SLOT_PAST_QUEUE) &&
		   found_kind(&f, KINSPECT_IOV_FINDING_OFFSET_WITHOUT_FOLIO),
	   "a folioq_slot past its queue, with an offset");
	struct kinspect_iov_iter none = { .kind = KINSPECT_IOV_FOLIOQ, .count = 0x10 };
	f = check(&none, NULL, 0, false, &c);
	ok(found(&f, "count is 0x10 but the folio_queue holds no folios") && found_kind(&f, KINSPECT_IOV_FINDING_NO_FOLIOS),
	   "a count with no folios");

	/* An empty IOVEC segment. */
	struct kinspect_iov_iter iovec = { .kind = KINSPECT_IOV_IOVEC, .count = 0x10 };
	struct kinspect_iov_segment v[2] = { { .position = KINSPECT_IOV_CURRENT, .base = 0x7000, .len = 0x10 },
					     { .index = 1, .position = KINSPECT_IOV_AHEAD, .base = 0x8000, .len = 0 } };
	f = check(&iovec, v, 2, false, &c);
	ok(f.n == 1 && found(&f, "segment 1 is empty") && f.what[0] == KINSPECT_IOV_FINDING_EMPTY_SEGMENT,
	   "an empty segment ahead");

	/* A folio's own order and head-ness against the queue's record. */
	struct kinspect_page page = { .order = 2, .tail = true };
	struct kinspect_iov_segment s = { .base = 0x1000, .order = 0 };
	struct findings g = { 0 };
	kinspect_iov_segment_check_folio(&folioq, &s, 4, &page, record, &g);
	ok(found(&g, "segment 4: the folio_queue says order 0, the folio has order 2") &&
		   found(&g, "segment 4: 0x1000 is a tail page, not a folio") &&
		   found_kind(&g, KINSPECT_IOV_FINDING_FOLIO_ORDER) && found_kind(&g, KINSPECT_IOV_FINDING_TAIL_PAGE),
	   "order and tail page against the folio_queue");
	struct findings h = { 0 };
	kinspect_iov_segment_check_folio(&iovec, &s, 4, &page, record, &h);
	is_int(h.n, 0, "no folio checks for an ITER_IOVEC");

	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
