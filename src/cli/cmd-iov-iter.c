/* "kinspect iov-iter ADDR": a struct iov_iter's type, direction, cursor
 * and segments, with the states that usually mean a bug spelled out.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/iov-iter.h"

#define WARNINGS_MAX 16

struct listing {
	struct kinspect_iov_segment *segs;
	size_t nr, cap;
	bool truncated;
	char *warnings[WARNINGS_MAX];
	size_t nr_warnings;
	/* From the cursor on. */
	uint64_t left_in_segment, left_total;
	bool have_cursor;
	size_t cursor_index;
};

static struct kinspect_error *collect(const struct kinspect_iov_segment *seg, void *arg)
{
	struct listing *l = arg;
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct kinspect_iov_segment *s = realloc(l->segs, cap * sizeof(*s));
		if (!s)
			return &kinspect_error_nomem;
		l->segs = s;
		l->cap = cap;
	}
	l->segs[l->nr++] = *seg;
	return NULL;
}

static void warn(struct listing *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(struct listing *l, const char *fmt, ...)
{
	if (l->nr_warnings >= WARNINGS_MAX)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&l->warnings[l->nr_warnings], fmt, ap) >= 0)
		l->nr_warnings++;
	va_end(ap);
}

/* Work out what is left from the cursor on, and what looks wrong. */
static void judge(const struct kinspect_iov_iter *it, struct listing *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		const struct kinspect_iov_segment *s = &l->segs[i];
		if (s->position == KINSPECT_IOV_DONE)
			continue;
		uint64_t left = s->cursor <= s->len ? s->len - s->cursor : 0;
		if (s->position == KINSPECT_IOV_CURRENT) {
			l->have_cursor = true;
			l->cursor_index = i;
			l->left_in_segment = left;
			if (s->cursor > s->len)
				warn(l, "cursor past the end of segment %zu: iov_offset 0x%" PRIx64 " > its 0x%" PRIx64 " bytes",
				     i, s->cursor, s->len);
			else if (s->cursor == s->len && s->len && it->count)
				warn(l, "cursor at the end of segment %zu (iov_offset 0x%" PRIx64 " == its size)%s", i,
				     s->cursor, i + 1 == l->nr && !l->truncated ? ", and no segment follows" : "");
		}
		l->left_total += left;
		if (it->kind == KINSPECT_IOV_FOLIOQ && !s->base)
			warn(l, "slot %u of folio_queue 0x%" PRIx64 " is empty", s->slot, s->folioq);
		if (it->kind != KINSPECT_IOV_FOLIOQ && s->len == 0 && s->position != KINSPECT_IOV_DONE)
			warn(l, "segment %zu is empty", i);
	}
	if (it->kind == KINSPECT_IOV_FOLIOQ && !l->have_cursor) {
		if (l->nr && l->segs[0].nr_slots <= it->folioq_slot)
			warn(l, "folioq_slot %" PRIu64 " is past the %u folios of its folio_queue%s", it->folioq_slot,
			     l->segs[0].nr_slots, l->nr > l->segs[0].nr_slots ? "" : " and no queue follows");
		else if (!l->nr && it->count)
			warn(l, "count is 0x%" PRIx64 " but the folio_queue holds no folios", it->count);
		/* The kernel moves to the next queue on its next use. */
		if (it->iov_offset)
			warn(l, "iov_offset 0x%" PRIx64 " with no current folio", it->iov_offset);
	}
	bool has_segments = it->kind == KINSPECT_IOV_UBUF || it->kind == KINSPECT_IOV_IOVEC ||
			    it->kind == KINSPECT_IOV_KVEC || it->kind == KINSPECT_IOV_BVEC ||
			    it->kind == KINSPECT_IOV_FOLIOQ;
	if (has_segments && !l->truncated && it->count > l->left_total)
		warn(l, "count 0x%" PRIx64 " is more than the 0x%" PRIx64 " bytes the segments hold from the cursor on",
		     it->count, l->left_total);
}

static const char *position_name(enum kinspect_iov_position p)
{
	return p == KINSPECT_IOV_DONE ? "done" : p == KINSPECT_IOV_CURRENT ? "current" : "ahead";
}

static const char *direction(const struct kinspect_iov_iter *it)
{
	return it->data_source ? "source" : "dest";
}

static void print_text(const struct kinspect_iov_iter *it, const struct listing *l, const char *note)
{
	printf("iov_iter 0x%" PRIx64 ": %s, %s (%s)%s\n", it->address, it->type_name, direction(it),
	       it->data_source ? "data copied out of the segments" : "data copied into the segments",
	       it->nofault ? ", nofault" : "");
	printf("  count 0x%" PRIx64 " (%" PRIu64 ")  iov_offset 0x%" PRIx64, it->count, it->count, it->iov_offset);
	switch (it->kind) {
	case KINSPECT_IOV_IOVEC:
	case KINSPECT_IOV_KVEC:
	case KINSPECT_IOV_BVEC: printf("  nr_segs %" PRIu64 "  array 0x%" PRIx64 "\n", it->nr_segs, it->pointer); break;
	case KINSPECT_IOV_FOLIOQ:
		printf("  folioq 0x%" PRIx64 "  folioq_slot %" PRIu64 "\n", it->pointer, it->folioq_slot);
		break;
	case KINSPECT_IOV_XARRAY:
		printf("  xarray 0x%" PRIx64 "  xarray_start 0x%" PRIx64 "\n", it->pointer, (uint64_t)it->xarray_start);
		break;
	case KINSPECT_IOV_UBUF: printf("  ubuf 0x%" PRIx64 "\n", it->pointer); break;
	case KINSPECT_IOV_PIPE:
		printf("  pipe 0x%" PRIx64 "  start_head %" PRIu64 "  head %" PRIu64 "\n", it->pointer,
		       it->pipe_start_head, it->pipe_head);
		break;
	default: putchar('\n'); break;
	}
	if (note)
		printf("  (%s)\n", note);
	if (l->nr) {
		bool folioq = it->kind == KINSPECT_IOV_FOLIOQ;
		bool bvec = it->kind == KINSPECT_IOV_BVEC || it->kind == KINSPECT_IOV_PIPE;
		printf("  %3s  %-7s  %-18s  %8s  %8s  %8s  %s\n", "seg", "state", folioq ? "folio" : bvec ? "page" : "base",
		       "size", "done", "left", folioq ? "folio_queue[slot]  order  marks" : bvec ? "offset" : "");
		for (size_t i = 0; i < l->nr; i++) {
			const struct kinspect_iov_segment *s = &l->segs[i];
			uint64_t left = s->cursor <= s->len ? s->len - s->cursor : 0;
			printf("%c %3zu  %-7s  0x%016" PRIx64 "  %8" PRIx64 "  %8" PRIx64 "  %8" PRIx64,
			       s->position == KINSPECT_IOV_CURRENT ? '>' : ' ', s->index, position_name(s->position),
			       s->base, s->len, s->cursor, left);
			if (folioq)
				printf("  0x%" PRIx64 "[%u/%u]  %u  %c%c%c", s->folioq, s->slot, s->nr_slots, s->order,
				       s->marks & 1 ? '1' : '-', s->marks & 2 ? '2' : '-', s->marks & 4 ? '3' : '-');
			else if (bvec)
				printf("  0x%" PRIx64, s->offset);
			putchar('\n');
		}
		if (l->truncated)
			printf("  ... more segments not shown\n");
		if (l->have_cursor)
			printf("  cursor in segment %zu: 0x%" PRIx64 " bytes left in it, 0x%" PRIx64
			       " from the cursor to the last segment (count 0x%" PRIx64 ")\n",
			       l->cursor_index, l->left_in_segment, l->left_total, it->count);
	}
	for (size_t i = 0; i < l->nr_warnings; i++)
		printf("  warning: %s\n", l->warnings[i]);
}

static void print_json(struct cli *cli, const struct kinspect_iov_iter *it, const struct listing *l, const char *note)
{
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "address");
	kinspect_json_address(j, it->address);
	kinspect_json_key(j, "type");
	kinspect_json_string(j, it->type_name);
	kinspect_json_key(j, "type_value");
	kinspect_json_int(j, it->type_value);
	kinspect_json_key(j, "direction");
	kinspect_json_string(j, direction(it));
	kinspect_json_key(j, "nofault");
	kinspect_json_bool(j, it->nofault);
	kinspect_json_key(j, "count");
	kinspect_json_uint(j, it->count);
	kinspect_json_key(j, "iov_offset");
	kinspect_json_uint(j, it->iov_offset);
	kinspect_json_key(j, "nr_segs");
	kinspect_json_uint(j, it->nr_segs);
	kinspect_json_key(j, "pointer");
	kinspect_json_address(j, it->pointer);
	if (it->kind == KINSPECT_IOV_FOLIOQ) {
		kinspect_json_key(j, "folioq_slot");
		kinspect_json_uint(j, it->folioq_slot);
	}
	if (it->kind == KINSPECT_IOV_XARRAY) {
		kinspect_json_key(j, "xarray_start");
		kinspect_json_int(j, it->xarray_start);
	}
	if (it->kind == KINSPECT_IOV_PIPE) {
		kinspect_json_key(j, "pipe_start_head");
		kinspect_json_uint(j, it->pipe_start_head);
		kinspect_json_key(j, "pipe_head");
		kinspect_json_uint(j, it->pipe_head);
	}
	if (note) {
		kinspect_json_key(j, "note");
		kinspect_json_string(j, note);
	}
	kinspect_json_key(j, "segments");
	kinspect_json_begin_array(j);
	for (size_t i = 0; i < l->nr; i++) {
		const struct kinspect_iov_segment *s = &l->segs[i];
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, s->index);
		kinspect_json_key(j, "state");
		kinspect_json_string(j, position_name(s->position));
		bool pages = it->kind == KINSPECT_IOV_BVEC || it->kind == KINSPECT_IOV_PIPE;
		kinspect_json_key(j, it->kind == KINSPECT_IOV_FOLIOQ ? "folio" : pages ? "page" : "base");
		kinspect_json_address(j, s->base);
		kinspect_json_key(j, "size");
		kinspect_json_uint(j, s->len);
		kinspect_json_key(j, "done");
		kinspect_json_uint(j, s->cursor);
		if (pages) {
			kinspect_json_key(j, "offset");
			kinspect_json_uint(j, s->offset);
		}
		if (it->kind == KINSPECT_IOV_FOLIOQ) {
			kinspect_json_key(j, "folio_queue");
			kinspect_json_address(j, s->folioq);
			kinspect_json_key(j, "slot");
			kinspect_json_uint(j, s->slot);
			kinspect_json_key(j, "order");
			kinspect_json_uint(j, s->order);
			kinspect_json_key(j, "marks");
			kinspect_json_uint(j, s->marks);
		}
		kinspect_json_end_object(j);
	}
	kinspect_json_end_array(j);
	kinspect_json_key(j, "truncated");
	kinspect_json_bool(j, l->truncated);
	if (l->have_cursor) {
		kinspect_json_key(j, "cursor_segment");
		kinspect_json_uint(j, l->cursor_index);
		kinspect_json_key(j, "left_in_segment");
		kinspect_json_uint(j, l->left_in_segment);
	}
	kinspect_json_key(j, "left_total");
	kinspect_json_uint(j, l->left_total);
	kinspect_json_key(j, "warnings");
	kinspect_json_begin_array(j);
	for (size_t i = 0; i < l->nr_warnings; i++)
		kinspect_json_string(j, l->warnings[i]);
	kinspect_json_end_array(j);
	kinspect_json_end_object(j);
}

static int run_iov_iter(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_iov_iter, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argc - argind != 1)
		return cli_usage_error(&cli_command_iov_iter, "expected the address of a struct iov_iter");
	struct kinspect_dwarf_types *types = cli_types(cli);
	if (!types || !cli_open_target(cli))
		return CLI_EXIT_FAILURE;
	uint64_t addr;
	if (!cli_parse_address(cli, argv[argind], &addr))
		return CLI_EXIT_FAILURE;
	struct kinspect_memory mem = cli_memory(cli);
	struct kinspect_iov_iter it;
	struct kinspect_error *err = kinspect_iov_iter_read(types, &mem, addr, &it);
	if (err)
		return cli_fail(err);
	struct listing l = { 0 };
	_cleanup_free_ char *note = NULL;
	err = kinspect_iov_iter_segments(types, &mem, &it, KINSPECT_IOV_SEGMENTS_MAX, collect, &l, &l.truncated);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_UNSUPPORTED) {
		note = kinspect_error_string(err);
		kinspect_error_destroy(err);
		err = NULL;
	}
	if (err) {
		/* Show what was read before the walk failed, then fail. */
		warn(&l, "segment walk stopped: %s", kinspect_error_message(err));
	}
	judge(&it, &l);
	if (cli->json)
		print_json(cli, &it, &l, note);
	else
		print_text(&it, &l, note);
	for (size_t i = 0; i < l.nr_warnings; i++)
		free(l.warnings[i]);
	free(l.segs);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_iov_iter = {
	.name = "iov-iter",
	.synopsis = "ADDR",
	.summary = "decode a struct iov_iter: type, direction, cursor and segments",
	.help = "Print the struct iov_iter at ADDR (a number or a symbol): its iter_type by name,\n"
		"whether it is a data source or destination, count, iov_offset, and the\n"
		"segments it covers from the cursor on: user buffer (UBUF), iovec and kvec\n"
		"arrays, bio_vecs, and folio_queue chains (FOLIOQ: every slot with its folio,\n"
		"order and marks; the slots before the cursor shown as done).  The current\n"
		"segment is marked with '>'; states that usually mean a bug are printed as\n"
		"warnings: a cursor at or past the end of its segment, a count larger than\n"
		"what the segments hold, empty folio_queue slots.\n",
	.run = run_iov_iter,
};
