/* "kinspect xarray ADDR [FIRST [LAST]]": the present entries of a kernel
 * xarray (a page cache's i_pages, an IDR, ...) in index order, rendered
 * from the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <kinspect/xarray.h>

#include "cli/cli.h"

/* Entries printed at most. */
#define DEFAULT_MAX 4096

/* One entry: a line of the table, or an object of "entries". */
static struct kinspect_error *render_entry(const struct kinspect_xarray_entry *e, void *arg)
{
	struct cli *cli = arg;
	uint64_t index = kinspect_xarray_entry_index(e), raw = kinspect_xarray_entry_raw(e);
	unsigned int order = kinspect_xarray_entry_order(e);
	bool is_value = kinspect_xarray_entry_is_value(e);
	if (!cli->json) {
		if (is_value)
			printf("%10" PRIu64 "  %5u  value 0x%" PRIx64 "\n", index, order, kinspect_xarray_entry_value(e));
		else
			printf("%10" PRIu64 "  %5u  0x%016" PRIx64 "\n", index, order, raw);
		return NULL;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "index");
	kinspect_json_uint(j, index);
	kinspect_json_key(j, "order");
	kinspect_json_uint(j, order);
	kinspect_json_key(j, "entry");
	kinspect_json_address(j, raw);
	if (is_value) {
		kinspect_json_key(j, "value");
		kinspect_json_uint(j, kinspect_xarray_entry_value(e));
	}
	kinspect_json_end_object(j);
	return NULL;
}

/* The xarray record around its entries: before them (BEFORE) or after. */
static void render_xarray(struct cli *cli, uint64_t xa, bool before, bool truncated)
{
	struct kinspect_json *j = &cli->json_writer;
	if (before && cli->json) {
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "xarray");
		kinspect_json_address(j, xa);
		kinspect_json_key(j, "entries");
		kinspect_json_begin_array(j);
	} else if (before) {
		printf("xarray 0x%" PRIx64 ":\n%10s  %5s  %s\n", xa, "index", "order", "entry");
	} else if (cli->json) {
		kinspect_json_end_array(j);
		kinspect_json_key(j, "truncated");
		kinspect_json_bool(j, truncated);
		kinspect_json_end_object(j);
	} else if (truncated) {
		printf("... more than %u entries: give FIRST and LAST\n", DEFAULT_MAX);
	}
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
	bool truncated = false;
	render_xarray(cli, xa, true, false);
	struct kinspect_error *err =
		kinspect_kernel_xarray_for_each(cli->kernel, xa, first, last, DEFAULT_MAX, render_entry, cli, &truncated);
	render_xarray(cli, xa, false, truncated);
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
