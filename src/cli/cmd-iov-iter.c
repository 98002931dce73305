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
#include "core/log.h"
#include "linux/folio.h"
#include "linux/iov-iter-check.h"
#include "linux/iov-iter.h"
#include "linux/page.h"

#define WARNINGS_MAX 16

/* What the folio of a segment (FOLIOQ) or its page (BVEC, PIPE) says. */
struct folio_summary {
	bool ok;
	struct kinspect_page page;
	/* Copies: the names belong to the decoder, gone before printing. */
	char flags[KINSPECT_PAGE_FLAG_NAMES_MAX][32];
	unsigned int nr_flags;
};

struct listing {
	struct kinspect_iov_segment *segs;
	struct folio_summary *folios; /* one per segment, when decoded */
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

static void add_finding(void *arg, const char *msg)
{
	warn(arg, "%s", msg);
}

/* Decode the folio behind every segment that has one.  Best effort: an
 * iter is worth printing even where its folios cannot be read. */
static void summarize_folios(struct cli *cli, const struct kinspect_iov_iter *it, struct listing *l)
{
	bool folios = it->kind == KINSPECT_IOV_FOLIOQ || it->kind == KINSPECT_IOV_XARRAY;
	if (!l->nr || !(folios || it->kind == KINSPECT_IOV_BVEC || it->kind == KINSPECT_IOV_PIPE))
		return;
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = cli_types(cli);
	if (!kaslr || !types || !(l->folios = calloc(l->nr, sizeof(*l->folios))))
		return;
	struct kinspect_memory mem = cli_memory(cli);
	struct kinspect_memory_map map;
	struct kinspect_folio_decoder *dec = NULL;
	struct kinspect_error *err = kinspect_memory_map_read(types, cli->vmlinux, kaslr->slide, &mem, &map);
	if (!err)
		err = kinspect_folio_decoder_create(types, &map, &mem, &dec);
	if (err) {
		kinspect_log(KINSPECT_LOG_INFO, "folios not decoded: %s", kinspect_error_message(err));
		kinspect_error_destroy(err);
		return;
	}
	const struct kinspect_page_flag_names *names = kinspect_folio_decoder_flag_names(dec);
	for (size_t i = 0; i < l->nr; i++) {
		struct folio_summary *f = &l->folios[i];
		if (!l->segs[i].base)
			continue;
		err = kinspect_folio_decode(dec, l->segs[i].base, &f->page);
		if (err) {
			warn(l, "segment %zu: %s 0x%" PRIx64 ": %s", i, folios ? "folio" : "page", l->segs[i].base,
			     kinspect_error_message(err));
			kinspect_error_destroy(err);
			continue;
		}
		f->ok = true;
		uint64_t unnamed;
		const char *flag_names[KINSPECT_PAGE_FLAG_NAMES_MAX];
		f->nr_flags = kinspect_page_flags_decode(names, f->page.folio_flags, KINSPECT_PAGE_FLAGS_FOLIO,
							 f->page.anon, f->page.swapbacked, 0, flag_names, &unnamed);
		for (unsigned int k = 0; k < f->nr_flags; k++)
			snprintf(f->flags[k], sizeof(f->flags[k]), "%s", flag_names[k]);
		kinspect_iov_segment_check_folio(it, &l->segs[i], i, &f->page, add_finding, l);
	}
	kinspect_folio_decoder_destroy(dec);
}

static void print_folio_summary(const struct folio_summary *f)
{
	const struct kinspect_page *p = &f->page;
	printf("          folio pfn 0x%" PRIx64 ", order %u, refcount %" PRId64 ", %s", p->folio_pfn, p->order,
	       p->refcount, kinspect_mapping_kind_name(p->mapping_kind));
	if (p->mapping_kind == KINSPECT_MAPPING_FILE)
		printf(" ino %" PRIu64 "%s%s index 0x%" PRIx64, p->ino, p->path[0] ? " " : "", p->path, p->index);
	fputs(", flags ", stdout);
	for (unsigned int k = 0; k < f->nr_flags; k++)
		printf("%s%s", k ? "|" : "", f->flags[k]);
	putchar('\n');
}

static void json_folio_summary(struct kinspect_json *j, const struct folio_summary *f)
{
	const struct kinspect_page *p = &f->page;
	kinspect_json_key(j, "folio_info");
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "folio");
	kinspect_json_address(j, p->folio);
	kinspect_json_key(j, "pfn");
	kinspect_json_uint(j, p->folio_pfn);
	kinspect_json_key(j, "order");
	kinspect_json_uint(j, p->order);
	kinspect_json_key(j, "refcount");
	kinspect_json_int(j, p->refcount);
	kinspect_json_key(j, "mapping_kind");
	kinspect_json_string(j, kinspect_mapping_kind_name(p->mapping_kind));
	kinspect_json_key(j, "mapping");
	kinspect_json_address(j, p->mapping);
	if (p->mapping_kind == KINSPECT_MAPPING_FILE) {
		kinspect_json_key(j, "ino");
		kinspect_json_uint(j, p->ino);
		kinspect_json_key(j, "path");
		kinspect_json_string(j, p->path);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, p->index);
	}
	kinspect_json_key(j, "flags");
	kinspect_json_begin_array(j);
	for (unsigned int k = 0; k < f->nr_flags; k++)
		kinspect_json_string(j, f->flags[k]);
	kinspect_json_end_array(j);
	kinspect_json_end_object(j);
}

/* Work out what is left from the cursor on, and what looks wrong (the
 * library's checks). */
static void judge(const struct kinspect_iov_iter *it, struct listing *l)
{
	struct kinspect_iov_check c;
	kinspect_iov_iter_check(it, l->segs, l->nr, l->truncated, add_finding, l, &c);
	l->have_cursor = c.have_cursor;
	l->cursor_index = c.cursor_index;
	l->left_in_segment = c.left_in_segment;
	l->left_total = c.left_total;
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
		bool folioq = it->kind == KINSPECT_IOV_FOLIOQ, xarray = it->kind == KINSPECT_IOV_XARRAY;
		bool bvec = it->kind == KINSPECT_IOV_BVEC || it->kind == KINSPECT_IOV_PIPE;
		printf("  %3s  %-7s  %-18s  %8s  %8s  %8s  %s\n", "seg", "state", folioq || xarray ? "folio" : bvec ? "page" : "base",
		       "size", "done", "left",
		       folioq ? "folio_queue[slot]  order  marks" : xarray ? "index  order" : bvec ? "offset" : "");
		for (size_t i = 0; i < l->nr; i++) {
			const struct kinspect_iov_segment *s = &l->segs[i];
			uint64_t left = s->cursor <= s->len ? s->len - s->cursor : 0;
			printf("%c %3zu  %-7s  0x%016" PRIx64 "  %8" PRIx64 "  %8" PRIx64 "  %8" PRIx64,
			       s->position == KINSPECT_IOV_CURRENT ? '>' : ' ', s->index, position_name(s->position),
			       s->base, s->len, s->cursor, left);
			if (folioq)
				printf("  0x%" PRIx64 "[%u/%u]  %u  %c%c%c", s->folioq, s->slot, s->nr_slots, s->order,
				       s->marks & 1 ? '1' : '-', s->marks & 2 ? '2' : '-', s->marks & 4 ? '3' : '-');
			else if (xarray)
				printf("  0x%" PRIx64 "  %u", s->xa_index, s->order);
			else if (bvec)
				printf("  0x%" PRIx64, s->offset);
			putchar('\n');
			if (l->folios && l->folios[i].ok)
				print_folio_summary(&l->folios[i]);
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
		bool folio = it->kind == KINSPECT_IOV_FOLIOQ || it->kind == KINSPECT_IOV_XARRAY;
		kinspect_json_key(j, folio ? "folio" : pages ? "page" : "base");
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
		if (it->kind == KINSPECT_IOV_XARRAY) {
			kinspect_json_key(j, "index");
			kinspect_json_uint(j, s->xa_index);
			kinspect_json_key(j, "order");
			kinspect_json_uint(j, s->order);
		}
		if (l->folios && l->folios[i].ok)
			json_folio_summary(j, &l->folios[i]);
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
	bool full_folios = false;
	const struct cli_flag flags[] = { { 'f', "folios", &full_folios, NULL }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_iov_iter, argc, argv, flags, &argind);
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
	summarize_folios(cli, &it, &l);
	judge(&it, &l);
	if (cli->json)
		print_json(cli, &it, &l, note);
	else
		print_text(&it, &l, note);
	int worst = CLI_EXIT_OK;
	if (full_folios && l.folios) {
		/* Each folio's full decode, as "kinspect folio" prints it (with
		 * --json: one more document each, after the iter's). */
		if (cli->json)
			kinspect_json_end(&cli->json_writer);
		for (size_t i = 0; i < l.nr; i++) {
			if (!l.folios[i].ok || (i && l.folios[i - 1].ok && l.folios[i - 1].page.folio == l.folios[i].page.folio))
				continue;
			char folio_addr[32], *folio_argv[] = { (char *)"folio", folio_addr, NULL };
			snprintf(folio_addr, sizeof(folio_addr), "0x%" PRIx64, l.folios[i].page.folio);
			if (!cli->json)
				putchar('\n');
			status = cli_run_command(cli, 2, folio_argv);
			if (status > worst)
				worst = status;
		}
		if (cli->json)
			kinspect_json_init(&cli->json_writer, cli->json_out ? cli->json_out : stdout, !cli->batch);
	}
	for (size_t i = 0; i < l.nr_warnings; i++)
		free(l.warnings[i]);
	free(l.segs);
	free(l.folios);
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
