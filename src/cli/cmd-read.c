/* "kinspect read": raw bytes of guest memory, as a hexdump.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <kinspect/kernel.h>

#include "cli/cli.h"
#include "cli/record-writer.h"
#include "core/cleanup.h"

/* Large enough for a folio's worth of pages, small enough to stay a
 * terminal command; more is a mistake in LEN more often than not. */
#define READ_MAX (16u << 20)

/* The record: LEN bytes of BUF at ADDR, a hexdump in the text. */
static void render_read(struct record_writer *w, uint64_t addr, const uint8_t *buf, size_t len, bool physical)
{
	record_begin_object(w, NULL);
	record_json_address(w, "address", addr);
	record_json_uint(w, "length", len);
	record_bool(w, "physical", physical, NULL, NULL);
	record_hexdump(w, "hex", addr, buf, len);
	record_end_object(w);
}

static int run_read(struct cli *cli, int argc, char **argv)
{
	bool physical = false;
	const struct cli_flag flags[] = { { 'p', "phys", &physical, NULL }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_read, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argc - argind != 2)
		return cli_usage_error(&cli_command_read, "expected ADDR and LEN");
	const char *addr_text = argv[argind], *len_text = argv[argind + 1];
	char *end;
	unsigned long long len = strtoull(len_text, &end, 0);
	if (*end || len == 0 || len > READ_MAX)
		return cli_usage_error(&cli_command_read, "LEN must be 1 to %u bytes, not '%s'", READ_MAX, len_text);
	if (!cli_open_target(cli))
		return CLI_EXIT_FAILURE;
	uint64_t addr;
	if (!cli_parse_address(cli, addr_text, &addr))
		return CLI_EXIT_FAILURE;
	_cleanup_free_ uint8_t *buf = malloc(len);
	if (!buf)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	struct kinspect_error *err = cli_read(cli, addr, buf, len, physical);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "read %llu bytes at %s 0x%" PRIx64, len,
						    physical ? "physical" : "virtual", addr));
	struct record_writer w = record_writer_cli(cli);
	render_read(&w, addr, buf, len, physical);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_read = {
	.name = "read",
	.synopsis = "[--phys] ADDR LEN",
	.summary = "Hexdump LEN bytes of guest memory at ADDR (a number or a symbol)",
	.help = "Reads from the target given with -t (a live gdbstub or a dump).  ADDR is a\n"
		"number (0x... for hex) or a symbol of the vmlinux, moved by the KASLR slide,\n"
		"or else a symbol of a loaded module (NAME or MODULE:NAME, from its .ko\n"
		"under -m; see 'kinspect sym --help').\n"
		"  --phys   ADDR is a physical address\n"
		"LEN is at most 16 MiB.  An unreadable address is an error naming it.\n"
		"With --json: {\"address\", \"length\", \"physical\", \"hex\"}.\n",
	.run = run_read,
};
