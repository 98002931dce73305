/* struct iov_iter of a session (see kinspect/iov-iter.h): the iter read,
 * its segments walked and kept, the folio behind each summarized, and the
 * anomaly policy (src/linux/iov-iter-check.c) run over them, so that every
 * front end reports the same findings.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/iov-iter.h>

#include "core/error-priv.h"
#include "core/log.h"
#include "libkinspect/kernel-priv.h"
#include "linux/folio.h"
#include "linux/iov-iter-check.h"
#include "linux/iov-iter.h"
#include "linux/page.h"

/* The first version's structs end here: a caller's SIZE must reach it. */
#define SEGMENT_DATA_MIN (offsetof(struct kinspect_iov_segment_data, xa_index) + sizeof(uint64_t))
#define FOLIO_MIN (offsetof(struct kinspect_iov_folio, nr_flags) + sizeof(size_t))

/* ---- the iter ------------------------------------------------------------ */

struct kinspect_error *kinspect_kernel_iov_iter_read(struct kinspect_kernel *k, uint64_t address,
						     struct kinspect_iov_iter **ret)
{
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_error *err = kinspect_kernel_model_unslid(k, &types, &mem);
	if (err)
		return err;
	struct kinspect_iov_iter *it = malloc(sizeof(*it));
	if (!it)
		return &kinspect_error_nomem;
	if ((err = kinspect_iov_iter_read(types, mem, address, it))) {
		free(it);
		return err;
	}
	*ret = it;
	return NULL;
}

void kinspect_iov_iter_destroy(struct kinspect_iov_iter *it)
{
	free(it);
}

uint64_t kinspect_iov_iter_address(const struct kinspect_iov_iter *it)
{
	return it->address;
}

enum kinspect_iov_kind kinspect_iov_iter_kind(const struct kinspect_iov_iter *it)
{
	return it->kind;
}

const char *kinspect_iov_iter_type_name(const struct kinspect_iov_iter *it)
{
	return it->type_name;
}

int64_t kinspect_iov_iter_type_value(const struct kinspect_iov_iter *it)
{
	return it->type_value;
}

bool kinspect_iov_iter_data_source(const struct kinspect_iov_iter *it)
{
	return it->data_source;
}

const char *kinspect_iov_iter_direction(const struct kinspect_iov_iter *it)
{
	return it->data_source ? "source" : "dest";
}

bool kinspect_iov_iter_nofault(const struct kinspect_iov_iter *it)
{
	return it->nofault;
}

uint64_t kinspect_iov_iter_count(const struct kinspect_iov_iter *it)
{
	return it->count;
}

uint64_t kinspect_iov_iter_offset(const struct kinspect_iov_iter *it)
{
	return it->iov_offset;
}

uint64_t kinspect_iov_iter_nr_segs(const struct kinspect_iov_iter *it)
{
	return it->nr_segs;
}

uint64_t kinspect_iov_iter_pointer(const struct kinspect_iov_iter *it)
{
	return it->pointer;
}

uint64_t kinspect_iov_iter_folioq_slot(const struct kinspect_iov_iter *it)
{
	return it->folioq_slot;
}

int64_t kinspect_iov_iter_xarray_start(const struct kinspect_iov_iter *it)
{
	return it->xarray_start;
}

uint64_t kinspect_iov_iter_pipe_start_head(const struct kinspect_iov_iter *it)
{
	return it->pipe_start_head;
}

uint64_t kinspect_iov_iter_pipe_head(const struct kinspect_iov_iter *it)
{
	return it->pipe_head;
}

const char *kinspect_iov_position_name(enum kinspect_iov_position p)
{
	return p == KINSPECT_IOV_DONE ? "done" : p == KINSPECT_IOV_CURRENT ? "current" : "ahead";
}

/* ---- segments ------------------------------------------------------------ */

/* What a segment's folio says, copied out of the decoder (gone after the
 * walk). */
struct folio {
	bool ok;
	uint64_t folio, pfn, mapping, ino, index;
	unsigned int order;
	int64_t refcount;
	const char *mapping_kind; /* static */
	char *path;
	char *flag_text;          /* the names, each NUL-terminated */
	const char **flags;
	size_t nr_flags;
};

struct finding {
	enum kinspect_iov_finding what;
	char *msg;
};

struct kinspect_iov_segments {
	struct kinspect_iov_iter it;
	struct kinspect_iov_segment *segs;
	size_t nr, cap;
	bool truncated;
	struct kinspect_error *error;
	struct folio *folios; /* one per segment, or NULL */
	/* What the folios say, kept for kinspect_iov_segments_check(). */
	struct finding *findings;
	size_t nr_findings, cap_findings;
	struct kinspect_iov_check cursor;
};

static struct kinspect_error *collect(const struct kinspect_iov_segment *seg, void *arg)
{
	struct kinspect_iov_segments *s = arg;
	if (s->nr == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct kinspect_iov_segment *p = realloc(s->segs, cap * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		s->segs = p;
		s->cap = cap;
	}
	s->segs[s->nr++] = *seg;
	return NULL;
}

/* Keep a finding of the folios (dropped when memory is short: findings are
 * best effort). */
static void keep_finding(void *arg, enum kinspect_iov_finding what, const char *msg)
{
	struct kinspect_iov_segments *s = arg;
	if (s->nr_findings == s->cap_findings) {
		size_t cap = s->cap_findings ? 2 * s->cap_findings : 8;
		struct finding *p = realloc(s->findings, cap * sizeof(*p));
		if (!p)
			return;
		s->findings = p;
		s->cap_findings = cap;
	}
	char *copy = strdup(msg);
	if (copy)
		s->findings[s->nr_findings++] = (struct finding){ what, copy };
}

static void keep_findingf(struct kinspect_iov_segments *s, enum kinspect_iov_finding what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void keep_findingf(struct kinspect_iov_segments *s, enum kinspect_iov_finding what, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	keep_finding(s, what, msg);
}

static void ignore_finding(void *arg, enum kinspect_iov_finding what, const char *msg)
{
	(void)arg, (void)what, (void)msg;
}

/* Copy what is shown of PAGE (its flag names from NAMES) into F. */
static bool copy_folio(const struct kinspect_page_flag_names *names, const struct kinspect_page *page, struct folio *f)
{
	const char *flag_names[KINSPECT_PAGE_FLAG_NAMES_MAX];
	uint64_t unnamed;
	unsigned int n = kinspect_page_flags_decode(names, page->folio_flags, KINSPECT_PAGE_FLAGS_FOLIO, page->anon,
						    page->swapbacked, 0, flag_names, &unnamed);
	size_t len = 0;
	for (unsigned int i = 0; i < n; i++)
		len += strlen(flag_names[i]) + 1;
	f->path = strdup(page->path);
	f->flag_text = malloc(len + 1);
	f->flags = malloc((n + 1) * sizeof(*f->flags));
	if (!f->path || !f->flag_text || !f->flags) {
		free(f->path);
		free(f->flag_text);
		free(f->flags);
		return false;
	}
	char *p = f->flag_text;
	for (unsigned int i = 0; i < n; i++) {
		size_t l = strlen(flag_names[i]) + 1;
		memcpy(p, flag_names[i], l);
		f->flags[i] = p;
		p += l;
	}
	f->nr_flags = n;
	f->folio = page->folio;
	f->pfn = page->folio_pfn;
	f->order = page->order;
	f->refcount = page->refcount;
	f->mapping_kind = kinspect_mapping_kind_name(page->mapping_kind);
	f->mapping = page->mapping;
	if (page->mapping_kind == KINSPECT_MAPPING_FILE) {
		f->ino = page->ino;
		f->index = page->index;
	}
	f->ok = true;
	return true;
}

/* Decode the folio behind every segment that has one.  Best effort: an
 * iter is worth showing even where its folios cannot be read. */
static void decode_folios(struct kinspect_kernel *k, struct kinspect_dwarf_types *types,
			  const struct kinspect_memory *mem, struct kinspect_iov_segments *s)
{
	enum kinspect_iov_kind kind = s->it.kind;
	bool folios = kind == KINSPECT_IOV_FOLIOQ || kind == KINSPECT_IOV_XARRAY;
	if (!s->nr || !(folios || kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE))
		return;
	if (!(s->folios = calloc(s->nr, sizeof(*s->folios))))
		return;
	struct kinspect_vmlinux *vmlinux;
	const struct kinspect_kaslr *kaslr;
	struct kinspect_memory_map map;
	struct kinspect_folio_decoder *dec = NULL;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (!err)
		err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (!err)
		err = kinspect_memory_map_read(types, vmlinux, kaslr->slide, mem, &map);
	if (!err)
		err = kinspect_folio_decoder_create(types, &map, mem, &dec);
	if (err) {
		kinspect_info("folios not decoded: %s", kinspect_error_message(err));
		kinspect_error_destroy(err);
		return;
	}
	const struct kinspect_page_flag_names *names = kinspect_folio_decoder_flag_names(dec);
	for (size_t i = 0; i < s->nr; i++) {
		const struct kinspect_iov_segment *seg = &s->segs[i];
		if (!seg->base)
			continue;
		struct kinspect_page page;
		if ((err = kinspect_folio_decode(dec, seg->base, &page))) {
			keep_findingf(s, KINSPECT_IOV_FINDING_FOLIO_UNREADABLE, "segment %zu: %s 0x%" PRIx64 ": %s", i,
				      folios ? "folio" : "page", seg->base, kinspect_error_message(err));
			kinspect_error_destroy(err);
			continue;
		}
		copy_folio(names, &page, &s->folios[i]);
		kinspect_iov_segment_check_folio(&s->it, seg, i, &page, keep_finding, s);
	}
	kinspect_folio_decoder_destroy(dec);
}

struct kinspect_error *kinspect_kernel_iov_iter_segments(struct kinspect_kernel *k, const struct kinspect_iov_iter *it,
							 size_t max_segments, unsigned int flags,
							 struct kinspect_iov_segments **ret)
{
	if (flags & ~KINSPECT_IOV_SEGMENTS_FOLIOS)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "iov_iter segments: unknown flags 0x%x",
					     flags);
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_error *err = kinspect_kernel_model_unslid(k, &types, &mem);
	if (err)
		return err;
	struct kinspect_iov_segments *s = calloc(1, sizeof(*s));
	if (!s)
		return &kinspect_error_nomem;
	s->it = *it;
	err = kinspect_iov_iter_segments(types, mem, it, max_segments, collect, s, &s->truncated);
	if (err == &kinspect_error_nomem) {
		kinspect_iov_segments_destroy(s);
		return err;
	}
	s->error = err;
	if (flags & KINSPECT_IOV_SEGMENTS_FOLIOS)
		decode_folios(k, types, mem, s);
	kinspect_iov_iter_check(&s->it, s->segs, s->nr, s->truncated, ignore_finding, NULL, &s->cursor);
	*ret = s;
	return NULL;
}

void kinspect_iov_segments_destroy(struct kinspect_iov_segments *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->folios && i < s->nr; i++) {
		if (s->folios[i].ok) {
			free(s->folios[i].path);
			free(s->folios[i].flag_text);
			free(s->folios[i].flags);
		}
	}
	for (size_t i = 0; i < s->nr_findings; i++)
		free(s->findings[i].msg);
	free(s->findings);
	free(s->folios);
	free(s->segs);
	kinspect_error_destroy(s->error);
	free(s);
}

size_t kinspect_iov_segments_nr(const struct kinspect_iov_segments *s)
{
	return s->nr;
}

bool kinspect_iov_segments_truncated(const struct kinspect_iov_segments *s)
{
	return s->truncated;
}

const struct kinspect_error *kinspect_iov_segments_error(const struct kinspect_iov_segments *s)
{
	return s->error;
}

bool kinspect_iov_segments_cursor(const struct kinspect_iov_segments *s, size_t *ret_index, uint64_t *ret_left)
{
	if (!s->cursor.have_cursor)
		return false;
	if (ret_index)
		*ret_index = s->cursor.cursor_index;
	if (ret_left)
		*ret_left = s->cursor.left_in_segment;
	return true;
}

uint64_t kinspect_iov_segments_left(const struct kinspect_iov_segments *s)
{
	return s->cursor.left_total;
}

struct kinspect_error *kinspect_iov_segments_get(const struct kinspect_iov_segments *s, size_t index,
						 struct kinspect_iov_segment_data *ret)
{
	if (index >= s->nr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "iov_iter segment %zu of %zu", index,
					     s->nr);
	if (ret->size < SEGMENT_DATA_MIN)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "struct kinspect_iov_segment_data of %zu bytes (at least %zu)", ret->size,
					     (size_t)SEGMENT_DATA_MIN);
	const struct kinspect_iov_segment *seg = &s->segs[index];
	struct kinspect_iov_segment_data d = {
		.size = ret->size < sizeof(d) ? ret->size : sizeof(d),
		.index = seg->index,
		.position = seg->position,
		.base = seg->base,
		.offset = seg->offset,
		.len = seg->len,
		.done = seg->cursor,
		.left = seg->cursor <= seg->len ? seg->len - seg->cursor : 0,
		.folio_queue = seg->folioq,
		.slot = seg->slot,
		.nr_slots = seg->nr_slots,
		.order = seg->order,
		.marks = seg->marks,
		.xa_index = seg->xa_index,
	};
	memcpy(ret, &d, d.size);
	return NULL;
}

bool kinspect_iov_segments_folio(const struct kinspect_iov_segments *s, size_t index, struct kinspect_iov_folio *ret)
{
	if (index >= s->nr || !s->folios || !s->folios[index].ok || ret->size < FOLIO_MIN)
		return false;
	const struct folio *f = &s->folios[index];
	struct kinspect_iov_folio d = {
		.size = ret->size < sizeof(d) ? ret->size : sizeof(d),
		.folio = f->folio,
		.pfn = f->pfn,
		.order = f->order,
		.refcount = f->refcount,
		.mapping_kind = f->mapping_kind,
		.mapping = f->mapping,
		.ino = f->ino,
		.path = f->path,
		.index = f->index,
		.flags = f->flags,
		.nr_flags = f->nr_flags,
	};
	memcpy(ret, &d, d.size);
	return true;
}

/* ---- the checks ---------------------------------------------------------- */

struct relay {
	void (*fn)(enum kinspect_iov_finding, const char *, void *);
	void *arg;
};

static void relay(void *arg, enum kinspect_iov_finding what, const char *msg)
{
	const struct relay *r = arg;
	r->fn(what, msg, r->arg);
}

void kinspect_iov_segments_check(const struct kinspect_iov_segments *s,
				 void (*fn)(enum kinspect_iov_finding, const char *, void *), void *arg)
{
	/* UNSUPPORTED: the target cannot show these segments, which says
	 * nothing about the iter. */
	if (s->error && kinspect_error_code(s->error) != KINSPECT_ERROR_UNSUPPORTED) {
		char msg[512];
		snprintf(msg, sizeof(msg), "segment walk stopped: %s", kinspect_error_message(s->error));
		fn(KINSPECT_IOV_FINDING_WALK_STOPPED, msg, arg);
	}
	for (size_t i = 0; i < s->nr_findings; i++)
		fn(s->findings[i].what, s->findings[i].msg, arg);
	struct relay r = { fn, arg };
	struct kinspect_iov_check unused;
	kinspect_iov_iter_check(&s->it, s->segs, s->nr, s->truncated, relay, &r, &unused);
}
