/* "kinspect sys": the kernel at a glance, as crash's "sys" starts
 * (kinspect/system.h): release, version, machine, node name, uptime, load
 * average, CPUs and memory.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/system.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

enum { UTS_RELEASE, UTS_VERSION, UTS_MACHINE, UTS_NODENAME, NR_UTS };
static const char *const uts_fields[NR_UTS] = { "release", "version", "machine", "nodename" };

struct sys_facts {
	char *uts[NR_UTS];
	uint64_t uptime_s;
	int64_t realtime_s;
	uint64_t load[3];
	char *online;
	uint32_t nr_online;
	uint64_t memory;
	uint64_t taint_mask;
	char *taints;
	int panic_cpu;
};

static struct kinspect_error *read_facts(struct kinspect_kernel *k, struct sys_facts *f)
{
	struct kinspect_error *err = NULL;
	for (int i = 0; i < NR_UTS && !err; i++)
		err = kinspect_kernel_utsname(k, uts_fields[i], &f->uts[i]);
	if (!err)
		err = kinspect_kernel_time(k, &f->uptime_s, &f->realtime_s);
	if (!err)
		err = kinspect_kernel_load_average(k, f->load);
	if (!err)
		err = kinspect_kernel_cpu_set(k, KINSPECT_CPU_SET_ONLINE, &f->online, &f->nr_online);
	if (!err)
		err = kinspect_kernel_memory_total(k, &f->memory);
	if (!err)
		err = kinspect_kernel_taints(k, &f->taint_mask, &f->taints);
	if (!err)
		err = kinspect_kernel_panic_cpu(k, &f->panic_cpu);
	return err;
}

static void render_sys(struct cli *cli, const struct sys_facts *f)
{
	struct record_writer w = record_writer_cli(cli);
	record_begin_object(&w, NULL);
	record_string(&w, "release", "release:      %s\n", f->uts[UTS_RELEASE]);
	record_string(&w, "version", "version:      %s\n", f->uts[UTS_VERSION]);
	record_string(&w, "machine", "machine:      %s\n", f->uts[UTS_MACHINE]);
	record_string(&w, "nodename", "nodename:     %s\n", f->uts[UTS_NODENAME]);
	uint64_t s = f->uptime_s;
	record_text(&w, "uptime:       %" PRIu64 " days, %02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 " (", s / 86400,
		    s / 3600 % 24, s / 60 % 60, s % 60);
	record_uint(&w, "uptime_s", "%" PRIu64 " s)\n", s);
	record_int(&w, "realtime_s", "time:         %" PRId64 " (Unix time, the timekeeper's)\n", f->realtime_s);
	record_begin_array(&w, "load_average");
	for (int i = 0; i < 3; i++) {
		record_text(&w, i ? ", " : "load average: ");
		/* JSON: the number /proc/loadavg prints (0.52). */
		char number[32];
		snprintf(number, sizeof(number), "%" PRIu64 ".%02" PRIu64, f->load[i] / 100, f->load[i] % 100);
		record_raw(&w, NULL, "%s", number);
	}
	record_end_array(&w);
	record_text(&w, "\n");
	record_uint(&w, "cpus_online", "cpus:         %" PRIu64, f->nr_online);
	record_string(&w, "online", " online (%s)\n", f->online);
	record_mib(&w, "memory_bytes", "memory:       %.1f MiB", f->memory);
	record_uint(&w, "memtotal_kb", " (MemTotal %" PRIu64 " kB)\n", f->memory / 1024);
	/* The mask as /proc/sys/kernel/tainted says it, the letters as the
	 * kernel's own reports ("Tainted: OW"). */
	record_uint(&w, "taint_mask", "tainted:      %" PRIu64, f->taint_mask);
	record_string_or(&w, "taints", f->taints[0] ? " (%s)\n" : "%s\n", f->taints, " (not tainted)");
	record_int_opt(&w, "panic_cpu", "panic:        CPU %" PRId64 " entered panic() (see triage)\n", f->panic_cpu >= 0,
		       f->panic_cpu);
	if (f->panic_cpu < 0)
		record_text(&w, "panic:        none\n");
	record_end_object(&w);
	record_flush(&w);
}

static int run_sys(struct cli *cli, int argc, char **argv)
{
	int status = cli_begin_target_command(cli, &cli_command_sys, argc, argv);
	if (status >= 0)
		return status;
	struct sys_facts f = { 0 };
	/* Everything first: an error prints nothing half-done. */
	struct kinspect_error *err = read_facts(cli->kernel, &f);
	if (!err)
		render_sys(cli, &f);
	for (int i = 0; i < NR_UTS; i++)
		free(f.uts[i]);
	free(f.online);
	free(f.taints);
	return err ? cli_fail(err) : CLI_EXIT_OK;
}

const struct cli_command cli_command_sys = {
	.name = "sys",
	.synopsis = "",
	.summary = "The kernel at a glance: release, uptime, load average, CPUs, memory",
	.help = "Reads the running kernel's own state from the target given with -t: uname's\n"
		"fields of the initial UTS namespace (init_uts_ns: release, version, machine,\n"
		"node name), the uptime and the Unix time (the timekeeper, as of its last\n"
		"update), the load averages as /proc/loadavg prints them (avenrun), the\n"
		"online CPUs (see cpus) and the memory total, /proc/meminfo's MemTotal\n"
		"(totalram_pages), the taints (tainted_mask, as /proc/sys/kernel/tainted, and\n"
		"its letters from the kernel's taint_flags[]) and the CPU that entered panic()\n"
		"if one did (panic_cpu; the panic message, the report and the stacks: see\n"
		"triage).\n"
		"With --json: {\"release\", \"version\", \"machine\", \"nodename\", \"uptime_s\",\n"
		"\"realtime_s\", \"load_average\": [1, 5 and 15 minutes], \"cpus_online\", \"online\"\n"
		"(the list), \"memory_bytes\", \"memtotal_kb\" (as /proc/meminfo says it), \"taint_mask\",\n"
		"\"taints\" (letters), \"panic_cpu\" (null: none)}.\n",
	.run = run_sys,
};
