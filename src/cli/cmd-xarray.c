/* "kinspect xarray ADDR [FIRST [LAST]]": the present entries of a kernel
 * xarray (a page cache's i_pages, an IDR, ...) in index order.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error-priv.h"
#include "linux/xarray.h"

/* Entries printed at most unless --max says otherwise. */
#define DEFAULT_MAX 4096

struct listing {
	struct cli *cli;
	uint64_t max, count;
	bool truncated;
};

static struct kinspect_error *print_entry(const struct kinspect_xarray_entry *e, void *arg, bool *stop)
{
	struct listing *l = arg;
	if (l->count == l->max) {
		l->truncated = true;
		*stop = true;
		return NULL;
	}
	l->count++;
	if (l->cli->json) {
		struct kinspect_json *j = &l->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, e->index);
		kinspect_json_key(j, "order");
		kinspect_json_uint(j, e->order);
		kinspect_json_key(j, "entry");
		kinspect_json_address(j, e->entry);
		if (e->is_value) {
			kinspect_json_key(j, "value");
			kinspect_json_uint(j, e->value);
		}
		kinspect_json_end_object(j);
	} else if (e->is_value) {
		printf("%10" PRIu64 "  %5u  value 0x%" PRIx64 "\n", e->index, e->order, e->value);
	} else {
		printf("%10" PRIu64 "  %5u  0x%016" PRIx64 "\n", e->index, e->order, e->entry);
	}
	return NULL;
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
	struct kinspect_dwarf_types *types = cli_types(cli);
	uint64_t xa;
	if (!types || !cli_open_target(cli) || !cli_parse_address(cli, argv[argind], &xa))
		return CLI_EXIT_FAILURE;
	struct kinspect_memory mem = cli_memory(cli);
	struct listing l = { .cli = cli, .max = DEFAULT_MAX };
	if (cli->json) {
		kinspect_json_begin_object(&cli->json_writer);
		kinspect_json_key(&cli->json_writer, "xarray");
		kinspect_json_address(&cli->json_writer, xa);
		kinspect_json_key(&cli->json_writer, "entries");
		kinspect_json_begin_array(&cli->json_writer);
	} else {
		printf("xarray 0x%" PRIx64 ":\n%10s  %5s  %s\n", xa, "index", "order", "entry");
	}
	struct kinspect_error *err = kinspect_xarray_for_each(types, &mem, xa, first, last, print_entry, &l);
	if (cli->json) {
		kinspect_json_end_array(&cli->json_writer);
		kinspect_json_key(&cli->json_writer, "truncated");
		kinspect_json_bool(&cli->json_writer, l.truncated);
		kinspect_json_end_object(&cli->json_writer);
	} else if (l.truncated) {
		printf("... more than %" PRIu64 " entries: give FIRST and LAST\n", l.max);
	}
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
