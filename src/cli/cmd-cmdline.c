/* "kinspect cmdline": the kernel's boot command line, as /proc/cmdline
 * shows it (kinspect/system.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>

#include <kinspect/system.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

static int run_cmdline(struct cli *cli, int argc, char **argv)
{
	int status = cli_begin_target_command(cli, &cli_command_cmdline, argc, argv);
	if (status >= 0)
		return status;
	char *line;
	struct kinspect_error *err = kinspect_kernel_cmdline(cli->kernel, &line);
	if (err)
		return cli_fail(err);
	struct record_writer w = record_writer_cli(cli);
	record_begin_object(&w, NULL);
	record_string(&w, "cmdline", "%s\n", line);
	record_end_object(&w);
	record_flush(&w);
	free(line);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_cmdline = {
	.name = "cmdline",
	.synopsis = "",
	.summary = "The kernel's boot command line, as /proc/cmdline shows it",
	.help = "Reads saved_command_line from the target given with -t: the command line the\n"
		"kernel was booted with, bootconfig's additions included, as /proc/cmdline\n"
		"shows it.  Its length is saved_command_line_len where the kernel has it, else\n"
		"up to its NUL, at most twice COMMAND_LINE_SIZE (boot_command_line's size).\n"
		"With --json: {\"cmdline\"}.\n",
	.run = run_cmdline,
};
