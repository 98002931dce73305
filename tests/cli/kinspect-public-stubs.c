/* For kinspect-public, the CLI built on libkinspect.so alone: what the
 * front end still takes from the library's internals (cmd-gdb-proxy.c
 * and its bridge, cli-compat.c) stubbed out, so that
 * linking proves the rest needs nothing but the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>

#include "cli/cli.h"

static int unavailable(struct cli *cli, int argc, char **argv)
{
	(void)cli;
	(void)argc;
	fprintf(stderr, "kinspect: %s: not in this build (it is not on the public API yet)\n", argv[0]);
	return CLI_EXIT_FAILURE;
}

const struct cli_command cli_command_gdb_proxy = {
	.name = "gdb-proxy", .synopsis = "", .summary = "(not in this build)", .help = "", .run = unavailable,
};

void cli_compat_library_logger(void)
{
}
