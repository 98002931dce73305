/* "kinspect iov-iter ADDR": a struct iov_iter's type, direction, cursor
 * and segments, with the states that usually mean a bug spelled out (the
 * library's findings), rendered from the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/iov-iter.h>

#include "cli/cli.h"
#include "cli/record-writer.h"
#include "core/cleanup.h"

/* Findings shown at most: the rest of a long broken walk says no more. */
#define WARNINGS_MAX 16

struct warnings {
	char *text[WARNINGS_MAX];
	size_t nr;
};

static void keep_warning(enum kinspect_iov_finding finding, const char *msg, void *arg)
{
	struct warnings *w = arg;
	(void)finding;
	if (w->nr < WARNINGS_MAX && (w->text[w->nr] = strdup(msg)))
		w->nr++;
}

/* The folio or page under a segment: one line in text, "folio_info" in JSON. */
static void render_folio(struct record_writer *w, const struct kinspect_iov_folio *f)
{
	bool file = strcmp(f->mapping_kind, "file") == 0;
	record_begin_object(w, "folio_info");
	record_json_address(w, "folio", f->folio);
	record_uint(w, "pfn", "          folio pfn 0x%" PRIx64, f->pfn);
	record_uint(w, "order", ", order %" PRIu64, f->order);
	record_int(w, "refcount", ", refcount %" PRId64, f->refcount);
	record_string(w, "mapping_kind", ", %s", f->mapping_kind);
	record_json_address(w, "mapping", f->mapping);
	if (file) {
		record_uint(w, "ino", " ino %" PRIu64, f->ino);
		record_string(w, "path", f->path[0] ? " %s" : "%s", f->path);
		record_uint(w, "index", " index 0x%" PRIx64, f->index);
	}
	record_text(w, ", flags ");
	record_begin_array(w, "flags");
	for (size_t k = 0; k < f->nr_flags; k++)
		record_string(w, NULL, k ? "|%s" : "%s", f->flags[k]);
	record_end_array(w);
	record_text(w, "\n");
	record_end_object(w);
}

/* What the segments of an iter of KIND hold. */
static const char *base_name(enum kinspect_iov_kind kind)
{
	if (kind == KINSPECT_IOV_FOLIOQ || kind == KINSPECT_IOV_XARRAY)
		return "folio";
	return kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE ? "page" : "base";
}

/* The table heading of the segments (text only). */
static void render_segment_heading(struct record_writer *w, enum kinspect_iov_kind kind)
{
	bool folioq = kind == KINSPECT_IOV_FOLIOQ, xarray = kind == KINSPECT_IOV_XARRAY;
	bool pages = kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE;
	record_text(w, "  %3s  %-7s  %-18s  %8s  %8s  %8s  %s\n", "seg", "state", base_name(kind), "size", "done", "left",
		    folioq ? "folio_queue[slot]  order  marks" : xarray ? "index  order" : pages ? "offset" : "");
}

/* One segment, with its folio when decoded. */
static void render_segment(struct record_writer *w, enum kinspect_iov_kind kind,
			   const struct kinspect_iov_segment_data *s, const struct kinspect_iov_folio *folio)
{
	enum { SEGMENT = 1, LEFT, WHERE, NR_SLOTS, ORDER, FOLIO }; /* the text's order */
	record_begin_object(w, NULL);
	record_slot(w, SEGMENT);
	record_text(w, "%c", s->position == KINSPECT_IOV_CURRENT ? '>' : ' ');
	record_uint(w, "index", " %3" PRIu64, s->index);
	record_string(w, "state", "  %-7s", kinspect_iov_position_name(s->position));
	record_address(w, base_name(kind), "  0x%016" PRIx64, s->base);
	record_uint(w, "size", "  %8" PRIx64, s->len);
	record_uint(w, "done", "  %8" PRIx64, s->done);
	record_slot(w, WHERE);
	if (kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE)
		record_uint(w, "offset", "  0x%" PRIx64, s->offset);
	if (kind == KINSPECT_IOV_FOLIOQ) {
		record_address(w, "folio_queue", "  0x%" PRIx64, s->folio_queue);
		record_uint(w, "slot", "[%" PRIu64, s->slot);
		record_slot(w, ORDER);
		record_uint(w, "order", "  %" PRIu64 "  ", s->order);
		record_bit_letters(w, "marks", s->marks, "123");
	}
	if (kind == KINSPECT_IOV_XARRAY) {
		record_uint(w, "index", "  0x%" PRIx64, s->xa_index);
		record_uint(w, "order", "  %" PRIu64, s->order);
	}
	record_text(w, "\n");
	record_slot(w, LEFT);
	record_uint(w, "left", "  %8" PRIx64, s->left);
	record_slot(w, NR_SLOTS);
	if (kind == KINSPECT_IOV_FOLIOQ)
		record_uint(w, "nr_slots", "/%" PRIu64 "]", s->nr_slots);
	record_slot(w, FOLIO);
	if (folio)
		render_folio(w, folio);
	record_end_object(w);
	record_flush(w);
}

/* The iter's own fields: its kind's pointer and counters named as the
 * kernel names them. */
static void render_iter_head(struct record_writer *w, const struct kinspect_iov_iter *it, const char *note)
{
	enum kinspect_iov_kind kind = kinspect_iov_iter_kind(it);
	uint64_t pointer = kinspect_iov_iter_pointer(it), count = kinspect_iov_iter_count(it);
	bool array = kind == KINSPECT_IOV_IOVEC || kind == KINSPECT_IOV_KVEC || kind == KINSPECT_IOV_BVEC;
	record_address(w, "address", "iov_iter 0x%" PRIx64 ": ", kinspect_iov_iter_address(it));
	record_string(w, "type", "%s", kinspect_iov_iter_type_name(it));
	record_json_int(w, "type_value", kinspect_iov_iter_type_value(it));
	record_string(w, "direction", ", %s", kinspect_iov_iter_direction(it));
	record_text(w, " (%s)", kinspect_iov_iter_data_source(it) ? "data copied out of the segments"
								  : "data copied into the segments");
	record_bool(w, "nofault", kinspect_iov_iter_nofault(it), ", nofault\n", "\n");
	record_uint(w, "count", "  count 0x%" PRIx64, count);
	record_text(w, " (%" PRIu64 ")", count);
	record_uint(w, "iov_offset", "  iov_offset 0x%" PRIx64, kinspect_iov_iter_offset(it));
	record_uint(w, "nr_segs", array ? "  nr_segs %" PRIu64 : NULL, kinspect_iov_iter_nr_segs(it));
	switch (kind) {
	case KINSPECT_IOV_IOVEC:
	case KINSPECT_IOV_KVEC:
	case KINSPECT_IOV_BVEC: record_address(w, "pointer", "  array 0x%" PRIx64, pointer); break;
	case KINSPECT_IOV_FOLIOQ:
		record_address(w, "pointer", "  folioq 0x%" PRIx64, pointer);
		record_uint(w, "folioq_slot", "  folioq_slot %" PRIu64, kinspect_iov_iter_folioq_slot(it));
		break;
	case KINSPECT_IOV_XARRAY:
		record_address(w, "pointer", "  xarray 0x%" PRIx64, pointer);
		record_int(w, "xarray_start", "  xarray_start 0x%" PRIx64, kinspect_iov_iter_xarray_start(it));
		break;
	case KINSPECT_IOV_UBUF: record_address(w, "pointer", "  ubuf 0x%" PRIx64, pointer); break;
	case KINSPECT_IOV_PIPE:
		record_address(w, "pointer", "  pipe 0x%" PRIx64, pointer);
		record_uint(w, "pipe_start_head", "  start_head %" PRIu64, kinspect_iov_iter_pipe_start_head(it));
		record_uint(w, "pipe_head", "  head %" PRIu64, kinspect_iov_iter_pipe_head(it));
		break;
	default: record_json_address(w, "pointer", pointer); break;
	}
	record_text(w, "\n");
	if (note)
		record_string(w, "note", "  (%s)\n", note);
}

/* After the segments: whether more were left, the cursor, the findings. */
static void render_iter_tail(struct record_writer *w, const struct kinspect_iov_iter *it,
			     const struct kinspect_iov_segments *segs, const struct warnings *warnings)
{
	size_t cursor;
	uint64_t left_in_segment, left_total = kinspect_iov_segments_left(segs);
	bool have_cursor = kinspect_iov_segments_cursor(segs, &cursor, &left_in_segment);
	/* The text says no more of an iter without segments. */
	bool shown = kinspect_iov_segments_nr(segs) != 0;
	record_bool(w, "truncated", kinspect_iov_segments_truncated(segs), shown ? "  ... more segments not shown\n" : NULL,
		    NULL);
	if (have_cursor) {
		record_uint(w, "cursor_segment", shown ? "  cursor in segment %" PRIu64 ": " : NULL, cursor);
		record_uint(w, "left_in_segment", shown ? "0x%" PRIx64 " bytes left in it, " : NULL, left_in_segment);
	}
	record_uint(w, "left_total", have_cursor && shown ? "0x%" PRIx64 " from the cursor to the last segment" : NULL,
		    left_total);
	if (have_cursor && shown)
		record_text(w, " (count 0x%" PRIx64 ")\n", kinspect_iov_iter_count(it));
	record_begin_array(w, "warnings");
	for (size_t i = 0; i < warnings->nr; i++)
		record_string(w, NULL, "  warning: %s\n", warnings->text[i]);
	record_end_array(w);
}

/* The iov_iter record: its fields, its segments, the findings. */
static struct kinspect_error *render_iter(struct record_writer *w, const struct kinspect_iov_iter *it,
					  const struct kinspect_iov_segments *segs, const struct warnings *warnings,
					  const char *note)
{
	enum kinspect_iov_kind kind = kinspect_iov_iter_kind(it);
	size_t nr = kinspect_iov_segments_nr(segs);
	record_begin_object(w, NULL);
	render_iter_head(w, it, note);
	record_begin_array(w, "segments");
	if (nr)
		render_segment_heading(w, kind);
	struct kinspect_error *err = NULL;
	for (size_t i = 0; i < nr && !err; i++) {
		struct kinspect_iov_segment_data s = { .size = sizeof(s) };
		struct kinspect_iov_folio f = { .size = sizeof(f) };
		if (!(err = kinspect_iov_segments_get(segs, i, &s)))
			render_segment(w, kind, &s, kinspect_iov_segments_folio(segs, i, &f) ? &f : NULL);
	}
	record_end_array(w);
	render_iter_tail(w, it, segs, warnings);
	record_end_object(w);
	return err;
}

/* --folios: each folio's full decode, as "kinspect folio" prints it (with
 * --json: one more document each, after the iter's). */
static int run_folios(struct cli *cli, const struct kinspect_iov_segments *segs)
{
	int worst = CLI_EXIT_OK;
	uint64_t previous = 0;
	size_t nr = kinspect_iov_segments_nr(segs), first = 0;
	struct kinspect_iov_folio f = { .size = sizeof(f) };
	while (first < nr && !kinspect_iov_segments_folio(segs, first, &f))
		first++;
	if (first == nr)
		return worst;
	if (cli->json)
		kinspect_json_end(&cli->json_writer);
	for (size_t i = first; i < nr; i++) {
		if (!kinspect_iov_segments_folio(segs, i, &f)) {
			previous = 0;
			continue;
		}
		if (f.folio == previous)
			continue;
		previous = f.folio;
		char folio_addr[32], *folio_argv[] = { (char *)"folio", folio_addr, NULL };
		snprintf(folio_addr, sizeof(folio_addr), "0x%" PRIx64, f.folio);
		if (!cli->json)
			putchar('\n');
		int status = cli_run_command(cli, 2, folio_argv);
		if (status > worst)
			worst = status;
	}
	if (cli->json)
		kinspect_json_init(&cli->json_writer, cli->json_out ? cli->json_out : stdout, !cli->batch);
	return worst;
}

static int run_iov_iter(struct cli *cli, int argc, char **argv)
{
	bool full_folios = false;
	const struct cli_flag flags[] = { { 'f', "folios", &full_folios, NULL }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_iov_iter, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argc - argind != 1)
		return cli_usage_error(&cli_command_iov_iter, "expected the address of a struct iov_iter");
	if (!cli_vmlinux(cli) || !cli_open_target(cli))
		return CLI_EXIT_FAILURE;
	uint64_t addr;
	if (!cli_parse_address(cli, argv[argind], &addr))
		return CLI_EXIT_FAILURE;
	struct kinspect_iov_iter *it;
	struct kinspect_error *err = kinspect_kernel_iov_iter_read(cli->kernel, addr, &it);
	if (err)
		return cli_fail(err);
	struct kinspect_iov_segments *segs;
	if ((err = kinspect_kernel_iov_iter_segments(cli->kernel, it, KINSPECT_IOV_SEGMENTS_MAX,
						     KINSPECT_IOV_SEGMENTS_FOLIOS, &segs))) {
		kinspect_iov_iter_destroy(it);
		return cli_fail(err);
	}
	/* A target that cannot show the segments: said beside the iter, not a
	 * failure; a walk that broke off: the findings name it, then it fails. */
	const struct kinspect_error *walk_err = kinspect_iov_segments_error(segs);
	_cleanup_free_ char *walk_text = walk_err ? kinspect_error_string(walk_err) : NULL;
	bool unsupported = walk_err && kinspect_error_code(walk_err) == KINSPECT_ERROR_UNSUPPORTED;
	struct warnings w = { 0 };
	kinspect_iov_segments_check(segs, keep_warning, &w);
	struct record_writer rw = record_writer_cli(cli);
	err = render_iter(&rw, it, segs, &w, unsupported ? walk_text : NULL);
	int worst = CLI_EXIT_OK;
	if (!err && full_folios)
		worst = run_folios(cli, segs);
	for (size_t i = 0; i < w.nr; i++)
		free(w.text[i]);
	kinspect_iov_segments_destroy(segs);
	kinspect_iov_iter_destroy(it);
	if (!err && walk_err && !unsupported)
		err = kinspect_error_create(KINSPECT_ERROR_OTHER, "%s", walk_text ? walk_text : "segment walk stopped");
	if (err)
		return cli_fail(err);
	return worst;
}

const struct cli_command cli_command_iov_iter = {
	.name = "iov-iter",
	.synopsis = "[--folios] ADDR",
	.summary = "decode a struct iov_iter: type, direction, cursor and segments",
	.help = "Print the struct iov_iter at ADDR (a number or a symbol): its iter_type by name,\n"
		"whether it is a data source or destination, count, iov_offset, and the\n"
		"segments it covers from the cursor on: user buffer (UBUF), iovec and kvec\n"
		"arrays, bio_vecs, and folio_queue chains (FOLIOQ: every slot with its folio,\n"
		"order and marks; the slots before the cursor shown as done).  The current\n"
		"segment is marked with '>'; states that usually mean a bug are printed as\n"
		"warnings: a cursor at or past the end of its segment, a count larger than\n"
		"what the segments hold, empty folio_queue slots.  Each folio (FOLIOQ) or page\n"
		"(BVEC, PIPE) is summarized under its segment: order, refcount, mapping,\n"
		"flags; --folios adds each folio's full decode as 'kinspect folio' prints it\n"
		"(with --json: one more JSON document per folio after the iter's).\n",
	.run = run_iov_iter,
};
