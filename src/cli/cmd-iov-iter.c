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
static void render_folio(struct cli *cli, const struct kinspect_iov_folio *f)
{
	bool file = strcmp(f->mapping_kind, "file") == 0;
	if (!cli->json) {
		printf("          folio pfn 0x%" PRIx64 ", order %u, refcount %" PRId64 ", %s", f->pfn, f->order,
		       f->refcount, f->mapping_kind);
		if (file)
			printf(" ino %" PRIu64 "%s%s index 0x%" PRIx64, f->ino, f->path[0] ? " " : "", f->path, f->index);
		fputs(", flags ", stdout);
		for (size_t k = 0; k < f->nr_flags; k++)
			printf("%s%s", k ? "|" : "", f->flags[k]);
		putchar('\n');
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_key(j, "folio_info");
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "folio");
	kinspect_json_address(j, f->folio);
	kinspect_json_key(j, "pfn");
	kinspect_json_uint(j, f->pfn);
	kinspect_json_key(j, "order");
	kinspect_json_uint(j, f->order);
	kinspect_json_key(j, "refcount");
	kinspect_json_int(j, f->refcount);
	kinspect_json_key(j, "mapping_kind");
	kinspect_json_string(j, f->mapping_kind);
	kinspect_json_key(j, "mapping");
	kinspect_json_address(j, f->mapping);
	if (file) {
		kinspect_json_key(j, "ino");
		kinspect_json_uint(j, f->ino);
		kinspect_json_key(j, "path");
		kinspect_json_string(j, f->path);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, f->index);
	}
	kinspect_json_key(j, "flags");
	kinspect_json_begin_array(j);
	for (size_t k = 0; k < f->nr_flags; k++)
		kinspect_json_string(j, f->flags[k]);
	kinspect_json_end_array(j);
	kinspect_json_end_object(j);
}

/* What the segments of an iter of KIND hold. */
static const char *base_name(enum kinspect_iov_kind kind)
{
	if (kind == KINSPECT_IOV_FOLIOQ || kind == KINSPECT_IOV_XARRAY)
		return "folio";
	return kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE ? "page" : "base";
}

/* The table heading of the segments (text only). */
static void render_segment_heading(struct cli *cli, enum kinspect_iov_kind kind)
{
	if (cli->json)
		return;
	bool folioq = kind == KINSPECT_IOV_FOLIOQ, xarray = kind == KINSPECT_IOV_XARRAY;
	bool pages = kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE;
	printf("  %3s  %-7s  %-18s  %8s  %8s  %8s  %s\n", "seg", "state", base_name(kind), "size", "done", "left",
	       folioq ? "folio_queue[slot]  order  marks" : xarray ? "index  order" : pages ? "offset" : "");
}

/* One segment, with its folio when decoded. */
static void render_segment(struct cli *cli, enum kinspect_iov_kind kind, const struct kinspect_iov_segment_data *s,
			   const struct kinspect_iov_folio *folio)
{
	bool folioq = kind == KINSPECT_IOV_FOLIOQ, xarray = kind == KINSPECT_IOV_XARRAY;
	bool pages = kind == KINSPECT_IOV_BVEC || kind == KINSPECT_IOV_PIPE;
	if (!cli->json) {
		printf("%c %3zu  %-7s  0x%016" PRIx64 "  %8" PRIx64 "  %8" PRIx64 "  %8" PRIx64,
		       s->position == KINSPECT_IOV_CURRENT ? '>' : ' ', s->index, kinspect_iov_position_name(s->position),
		       s->base, s->len, s->done, s->left);
		if (folioq)
			printf("  0x%" PRIx64 "[%u/%u]  %u  %c%c%c", s->folio_queue, s->slot, s->nr_slots, s->order,
			       s->marks & 1 ? '1' : '-', s->marks & 2 ? '2' : '-', s->marks & 4 ? '3' : '-');
		else if (xarray)
			printf("  0x%" PRIx64 "  %u", s->xa_index, s->order);
		else if (pages)
			printf("  0x%" PRIx64, s->offset);
		putchar('\n');
		if (folio)
			render_folio(cli, folio);
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "index");
	kinspect_json_uint(j, s->index);
	kinspect_json_key(j, "state");
	kinspect_json_string(j, kinspect_iov_position_name(s->position));
	kinspect_json_key(j, base_name(kind));
	kinspect_json_address(j, s->base);
	kinspect_json_key(j, "size");
	kinspect_json_uint(j, s->len);
	kinspect_json_key(j, "done");
	kinspect_json_uint(j, s->done);
	if (pages) {
		kinspect_json_key(j, "offset");
		kinspect_json_uint(j, s->offset);
	}
	if (folioq) {
		kinspect_json_key(j, "folio_queue");
		kinspect_json_address(j, s->folio_queue);
		kinspect_json_key(j, "slot");
		kinspect_json_uint(j, s->slot);
		kinspect_json_key(j, "order");
		kinspect_json_uint(j, s->order);
		kinspect_json_key(j, "marks");
		kinspect_json_uint(j, s->marks);
	}
	if (xarray) {
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, s->xa_index);
		kinspect_json_key(j, "order");
		kinspect_json_uint(j, s->order);
	}
	if (folio)
		render_folio(cli, folio);
	kinspect_json_end_object(j);
}

/* The iter's own fields. */
static void render_iter_head(struct cli *cli, const struct kinspect_iov_iter *it, const char *note)
{
	enum kinspect_iov_kind kind = kinspect_iov_iter_kind(it);
	uint64_t pointer = kinspect_iov_iter_pointer(it), count = kinspect_iov_iter_count(it);
	if (!cli->json) {
		bool source = kinspect_iov_iter_data_source(it);
		printf("iov_iter 0x%" PRIx64 ": %s, %s (%s)%s\n", kinspect_iov_iter_address(it),
		       kinspect_iov_iter_type_name(it), kinspect_iov_iter_direction(it),
		       source ? "data copied out of the segments" : "data copied into the segments",
		       kinspect_iov_iter_nofault(it) ? ", nofault" : "");
		printf("  count 0x%" PRIx64 " (%" PRIu64 ")  iov_offset 0x%" PRIx64, count, count, kinspect_iov_iter_offset(it));
		switch (kind) {
		case KINSPECT_IOV_IOVEC:
		case KINSPECT_IOV_KVEC:
		case KINSPECT_IOV_BVEC:
			printf("  nr_segs %" PRIu64 "  array 0x%" PRIx64 "\n", kinspect_iov_iter_nr_segs(it), pointer);
			break;
		case KINSPECT_IOV_FOLIOQ:
			printf("  folioq 0x%" PRIx64 "  folioq_slot %" PRIu64 "\n", pointer, kinspect_iov_iter_folioq_slot(it));
			break;
		case KINSPECT_IOV_XARRAY:
			printf("  xarray 0x%" PRIx64 "  xarray_start 0x%" PRIx64 "\n", pointer,
			       (uint64_t)kinspect_iov_iter_xarray_start(it));
			break;
		case KINSPECT_IOV_UBUF: printf("  ubuf 0x%" PRIx64 "\n", pointer); break;
		case KINSPECT_IOV_PIPE:
			printf("  pipe 0x%" PRIx64 "  start_head %" PRIu64 "  head %" PRIu64 "\n", pointer,
			       kinspect_iov_iter_pipe_start_head(it), kinspect_iov_iter_pipe_head(it));
			break;
		default: putchar('\n'); break;
		}
		if (note)
			printf("  (%s)\n", note);
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_key(j, "address");
	kinspect_json_address(j, kinspect_iov_iter_address(it));
	kinspect_json_key(j, "type");
	kinspect_json_string(j, kinspect_iov_iter_type_name(it));
	kinspect_json_key(j, "type_value");
	kinspect_json_int(j, kinspect_iov_iter_type_value(it));
	kinspect_json_key(j, "direction");
	kinspect_json_string(j, kinspect_iov_iter_direction(it));
	kinspect_json_key(j, "nofault");
	kinspect_json_bool(j, kinspect_iov_iter_nofault(it));
	kinspect_json_key(j, "count");
	kinspect_json_uint(j, count);
	kinspect_json_key(j, "iov_offset");
	kinspect_json_uint(j, kinspect_iov_iter_offset(it));
	kinspect_json_key(j, "nr_segs");
	kinspect_json_uint(j, kinspect_iov_iter_nr_segs(it));
	kinspect_json_key(j, "pointer");
	kinspect_json_address(j, pointer);
	if (kind == KINSPECT_IOV_FOLIOQ) {
		kinspect_json_key(j, "folioq_slot");
		kinspect_json_uint(j, kinspect_iov_iter_folioq_slot(it));
	}
	if (kind == KINSPECT_IOV_XARRAY) {
		kinspect_json_key(j, "xarray_start");
		kinspect_json_int(j, kinspect_iov_iter_xarray_start(it));
	}
	if (kind == KINSPECT_IOV_PIPE) {
		kinspect_json_key(j, "pipe_start_head");
		kinspect_json_uint(j, kinspect_iov_iter_pipe_start_head(it));
		kinspect_json_key(j, "pipe_head");
		kinspect_json_uint(j, kinspect_iov_iter_pipe_head(it));
	}
	if (note) {
		kinspect_json_key(j, "note");
		kinspect_json_string(j, note);
	}
}

/* After the segments: whether more were left, the cursor, the findings. */
static void render_iter_tail(struct cli *cli, const struct kinspect_iov_iter *it,
			     const struct kinspect_iov_segments *segs, const struct warnings *w)
{
	size_t cursor;
	uint64_t left_in_segment, left_total = kinspect_iov_segments_left(segs);
	bool have_cursor = kinspect_iov_segments_cursor(segs, &cursor, &left_in_segment);
	bool truncated = kinspect_iov_segments_truncated(segs);
	if (!cli->json) {
		if (kinspect_iov_segments_nr(segs)) {
			if (truncated)
				printf("  ... more segments not shown\n");
			if (have_cursor)
				printf("  cursor in segment %zu: 0x%" PRIx64 " bytes left in it, 0x%" PRIx64
				       " from the cursor to the last segment (count 0x%" PRIx64 ")\n",
				       cursor, left_in_segment, left_total, kinspect_iov_iter_count(it));
		}
		for (size_t i = 0; i < w->nr; i++)
			printf("  warning: %s\n", w->text[i]);
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_key(j, "truncated");
	kinspect_json_bool(j, truncated);
	if (have_cursor) {
		kinspect_json_key(j, "cursor_segment");
		kinspect_json_uint(j, cursor);
		kinspect_json_key(j, "left_in_segment");
		kinspect_json_uint(j, left_in_segment);
	}
	kinspect_json_key(j, "left_total");
	kinspect_json_uint(j, left_total);
	kinspect_json_key(j, "warnings");
	kinspect_json_begin_array(j);
	for (size_t i = 0; i < w->nr; i++)
		kinspect_json_string(j, w->text[i]);
	kinspect_json_end_array(j);
}

/* The iov_iter record: its fields, its segments, the findings. */
static struct kinspect_error *render_iter(struct cli *cli, const struct kinspect_iov_iter *it,
					  const struct kinspect_iov_segments *segs, const struct warnings *w,
					  const char *note)
{
	enum kinspect_iov_kind kind = kinspect_iov_iter_kind(it);
	size_t nr = kinspect_iov_segments_nr(segs);
	if (cli->json)
		kinspect_json_begin_object(&cli->json_writer);
	render_iter_head(cli, it, note);
	if (cli->json) {
		kinspect_json_key(&cli->json_writer, "segments");
		kinspect_json_begin_array(&cli->json_writer);
	} else if (nr) {
		render_segment_heading(cli, kind);
	}
	struct kinspect_error *err = NULL;
	for (size_t i = 0; i < nr && !err; i++) {
		struct kinspect_iov_segment_data s = { .size = sizeof(s) };
		struct kinspect_iov_folio f = { .size = sizeof(f) };
		if (!(err = kinspect_iov_segments_get(segs, i, &s)))
			render_segment(cli, kind, &s, kinspect_iov_segments_folio(segs, i, &f) ? &f : NULL);
	}
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	render_iter_tail(cli, it, segs, w);
	if (cli->json)
		kinspect_json_end_object(&cli->json_writer);
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
	err = render_iter(cli, it, segs, &w, unsupported ? walk_text : NULL);
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
