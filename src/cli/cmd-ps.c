/* "kinspect ps": the kernel's tasks, with threads.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/task.h>

#include "cli/cli.h"

struct ps {
	struct cli *cli;
	unsigned int count;
};

/* One task: the text line and the JSON object from the same fields. */
static struct kinspect_error *print_task(const struct kinspect_task *t, void *arg)
{
	struct ps *ps = arg;
	ps->count++;
	bool running = kinspect_task_on_cpu(t), kthread = kinspect_task_is_kernel_thread(t);
	int32_t pid = kinspect_task_pid(t), ppid = kinspect_task_ppid(t), tgid = kinspect_task_tgid(t);
	int64_t cpu = kinspect_task_cpu(t), idle_cpu = kinspect_task_idle_cpu(t);
	const char *comm = kinspect_task_comm(t), *state = kinspect_task_state(t);
	const char *state_name = kinspect_task_state_name(t), *raw = kinspect_task_raw_state(t);
	uint64_t address = kinspect_task_address(t), bits = kinspect_task_state_bits(t);
	if (ps->cli->json) {
		struct kinspect_json *j = &ps->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "pid");
		kinspect_json_int(j, pid);
		kinspect_json_key(j, "tgid");
		kinspect_json_int(j, tgid);
		kinspect_json_key(j, "comm");
		kinspect_json_string(j, comm);
		kinspect_json_key(j, "state");
		kinspect_json_string(j, state);
		kinspect_json_key(j, "state_name");
		kinspect_json_string(j, state_name);
		kinspect_json_key(j, "cpu");
		kinspect_json_int(j, cpu);
		kinspect_json_key(j, "on_cpu");
		kinspect_json_bool(j, running);
		kinspect_json_key(j, "task");
		kinspect_json_address(j, address);
		kinspect_json_key(j, "kernel_thread");
		kinspect_json_bool(j, kthread);
		kinspect_json_key(j, "ppid");
		kinspect_json_int(j, ppid);
		kinspect_json_key(j, "raw_state");
		kinspect_json_string(j, raw);
		kinspect_json_key(j, "state_bits");
		kinspect_json_uint(j, bits);
		kinspect_json_key(j, "idle_cpu");
		if (idle_cpu >= 0)
			kinspect_json_int(j, idle_cpu);
		else
			kinspect_json_null(j);
		kinspect_json_end_object(j);
		return NULL;
	}
	printf("%c%7d %7d %7d %3" PRId64 " %-2s %-2s %-14s 0x%016" PRIx64 " %s%s%s\n", running ? '>' : ' ', pid, ppid,
	       tgid, cpu, raw, state, state_name, address, kthread ? "[" : "", comm, kthread ? "]" : "");
	return NULL;
}

static int run_ps(struct cli *cli, int argc, char **argv)
{
	int status = cli_begin_target_command(cli, &cli_command_ps, argc, argv);
	if (status >= 0)
		return status;
	struct ps ps = { .cli = cli };
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	else
		printf("%8s %7s %7s %3s %-2s %-17s %-18s %s\n", "PID", "PPID", "TGID", "CPU", "ST", "STATE", "TASK",
		       "COMM");
	struct kinspect_error *err = kinspect_kernel_for_each_task(cli->kernel, print_task, &ps);
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_ps = {
	.name = "ps",
	.synopsis = "",
	.summary = "List the kernel's tasks: pid, parent, thread group, CPU, state, task address",
	.help = "Lists each CPU's idle task (pid 0, swapper/N: its runqueue's rq->idle),\n"
		"then walks init_task.tasks and each process's thread list\n"
		"(signal->thread_head), with layouts from the vmlinux's DWARF.  PPID is the\n"
		"parent's pid as /proc/PID/stat shows it (real_parent's thread group).\n"
		"STATE is the letter and name the guest's own task_state_array[] gives (what\n"
		"/proc/PID/stat shows); ST is the raw state (task->__state | exit_state) as\n"
		"crash's ps shows it: RU, IN, UN, ID, ZO, ST, TR, DE, PA, WA (waking: R in\n"
		"/proc), NE (new: R in /proc), ?? for a mix it has no name for.  '>' marks\n"
		"the task each CPU runs (its per-CPU current task); kernel threads are in\n"
		"[brackets].  Live, the task_structs are read ahead in batches, found\n"
		"through the pid idr: a few round trips for dozens of tasks.\n"
		"With --json: [{\"pid\", \"tgid\", \"comm\", \"state\", \"state_name\", \"cpu\",\n"
		"\"on_cpu\", \"task\", \"kernel_thread\", \"ppid\", \"raw_state\", \"state_bits\",\n"
		"\"idle_cpu\" (the CPU whose idle task it is, else null)}].\n",
	.run = run_ps,
};
