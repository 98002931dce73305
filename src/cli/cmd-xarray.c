/* "kinspect xarray ADDR [FIRST [LAST]]": the present entries of a kernel
 * xarray (a page cache's i_pages, an IDR, ...) in index order, rendered
 * from the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <kinspect/xarray.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

/* Entries printed at most. */
#define DEFAULT_MAX 4096

/* One entry: a line of the table, or an object of "entries". */
static struct kinspect_error *render_entry(const struct kinspect_xarray_entry *e, void *arg)
{
	struct record_writer *w = arg;
	bool is_value = kinspect_xarray_entry_is_value(e);
	record_begin_object(w, NULL);
	record_uint(w, "index", "%10" PRIu64, kinspect_xarray_entry_index(e));
	record_uint(w, "order", "  %5" PRIu64, kinspect_xarray_entry_order(e));
	/* A value entry shows its value, the others the entry. */
	record_address(w, "entry", is_value ? NULL : "  0x%016" PRIx64, kinspect_xarray_entry_raw(e));
	if (is_value)
		record_uint(w, "value", "  value 0x%" PRIx64, kinspect_xarray_entry_value(e));
	record_end_object(w);
	record_text(w, "\n");
	return NULL;
}

/* The xarray record: its address, its entries from FIRST to LAST, whether
 * more were left out. */
static struct kinspect_error *render_xarray(struct cli *cli, uint64_t xa, uint64_t first, uint64_t last)
{
	struct record_writer w = record_writer_cli(cli);
	bool truncated = false;
	record_begin_object(&w, NULL);
	record_address(&w, "xarray", "xarray 0x%" PRIx64 ":\n", xa);
	record_text(&w, "%10s  %5s  %s\n", "index", "order", "entry");
	record_begin_array(&w, "entries");
	struct kinspect_error *err =
		kinspect_kernel_xarray_for_each(cli->kernel, xa, first, last, DEFAULT_MAX, render_entry, &w, &truncated);
	record_end_array(&w);
	record_bool(&w, "truncated", truncated, NULL, NULL);
	if (truncated)
		record_text(&w, "... more than %u entries: give FIRST and LAST\n", DEFAULT_MAX);
	record_end_object(&w);
	return err;
}

static int run_xarray(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_xarray, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	int nr = argc - argind;
	if (nr < 1 || nr > 3)
		return cli_usage_error(&cli_command_xarray, "expected ADDR [FIRST [LAST]]");
	uint64_t first = 0, last = UINT64_MAX;
	if ((nr > 1 && !cli_parse_number(argv[argind + 1], &first)) ||
	    (nr > 2 && !cli_parse_number(argv[argind + 2], &last)) || first > last)
		return cli_usage_error(&cli_command_xarray, "FIRST and LAST are indexes, FIRST <= LAST");
	uint64_t xa;
	if (!cli_vmlinux(cli) || !cli_open_target(cli) || !cli_parse_address(cli, argv[argind], &xa))
		return CLI_EXIT_FAILURE;
	struct kinspect_error *err = render_xarray(cli, xa, first, last);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "xarray at 0x%" PRIx64, xa));
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_xarray = {
	.name = "xarray",
	.synopsis = "ADDR [FIRST [LAST]]",
	.summary = "list the entries of a kernel xarray (e.g. a page cache's i_pages)",
	.help = "Print the present entries of the struct xarray at ADDR (a number or a symbol)\n"
		"with indexes from FIRST to LAST (default: all, at most 4096 entries): index,\n"
		"order (a multi-index entry such as a large folio covers 2^order indexes) and\n"
		"the entry, or the value of a value entry (shadow and swap entries).  Node\n"
		"layout from DWARF; every node is checked against its parent, so a corrupted\n"
		"tree ends in an error, never a loop.\n",
	.run = run_xarray,
};
