/* "kinspect cpus": the kernel's CPU sets, as
 * /sys/devices/system/cpu/{possible,present,online,active} list them
 * (kinspect/system.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/system.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

static int run_cpus(struct cli *cli, int argc, char **argv)
{
	int status = cli_begin_target_command(cli, &cli_command_cpus, argc, argv);
	if (status >= 0)
		return status;
	/* Every set first: an error prints nothing half-done. */
	char *lists[KINSPECT_CPU_SET_COUNT] = { 0 };
	uint32_t counts[KINSPECT_CPU_SET_COUNT];
	struct kinspect_error *err = NULL;
	for (int s = 0; s < KINSPECT_CPU_SET_COUNT && !err; s++)
		err = kinspect_kernel_cpu_set(cli->kernel, (enum kinspect_cpu_set)s, &lists[s], &counts[s]);
	if (!err) {
		struct record_writer w = record_writer_cli(cli);
		record_begin_object(&w, NULL);
		for (int s = 0; s < KINSPECT_CPU_SET_COUNT; s++) {
			const char *name = kinspect_cpu_set_name((enum kinspect_cpu_set)s);
			record_begin_object(&w, name);
			record_text(&w, "%s:%*s", name, (int)(9 - strlen(name)), "");
			record_string_or(&w, "cpus", "%s", lists[s], "(none)");
			record_uint(&w, "count", " (%" PRIu64 ")\n", counts[s]);
			record_end_object(&w);
		}
		record_end_object(&w);
		record_flush(&w);
	}
	for (int s = 0; s < KINSPECT_CPU_SET_COUNT; s++)
		free(lists[s]);
	return err ? cli_fail(err) : CLI_EXIT_OK;
}

const struct cli_command cli_command_cpus = {
	.name = "cpus",
	.synopsis = "",
	.summary = "The kernel's possible, present, online and active CPUs",
	.help = "Reads the CPU masks of the target given with -t (__cpu_possible_mask,\n"
		"__cpu_present_mask, __cpu_online_mask, __cpu_active_mask; bits up to\n"
		"nr_cpu_ids) and lists each set as /sys/devices/system/cpu/SET does\n"
		"(\"0-3,6\"), with how many CPUs it has.\n"
		"With --json: {\"possible\", \"present\", \"online\", \"active\": {\"cpus\" (the\n"
		"list), \"count\"}}.\n",
	.run = run_cpus,
};
