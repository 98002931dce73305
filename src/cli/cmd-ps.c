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

static struct kinspect_error *print_task(const struct kinspect_task *t, void *arg)
{
	struct ps *ps = arg;
	ps->count++;
	bool running = kinspect_task_on_cpu(t), kthread = kinspect_task_is_kernel_thread(t);
	if (ps->cli->json) {
		struct kinspect_json *j = &ps->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "pid");
		kinspect_json_int(j, kinspect_task_pid(t));
		kinspect_json_key(j, "tgid");
		kinspect_json_int(j, kinspect_task_tgid(t));
		kinspect_json_key(j, "comm");
		kinspect_json_string(j, kinspect_task_comm(t));
		kinspect_json_key(j, "state");
		kinspect_json_string(j, kinspect_task_state(t));
		kinspect_json_key(j, "state_name");
		kinspect_json_string(j, kinspect_task_state_name(t));
		kinspect_json_key(j, "cpu");
		kinspect_json_int(j, kinspect_task_cpu(t));
		kinspect_json_key(j, "on_cpu");
		kinspect_json_bool(j, running);
		kinspect_json_key(j, "task");
		kinspect_json_address(j, kinspect_task_address(t));
		kinspect_json_key(j, "kernel_thread");
		kinspect_json_bool(j, kthread);
		kinspect_json_end_object(j);
		return NULL;
	}
	printf("%c%7d %7d %3" PRId64 " %-2s %-14s 0x%016" PRIx64 " %s%s%s\n", running ? '>' : ' ', kinspect_task_pid(t),
	       kinspect_task_tgid(t), kinspect_task_cpu(t), kinspect_task_state(t), kinspect_task_state_name(t),
	       kinspect_task_address(t), kthread ? "[" : "", kinspect_task_comm(t), kthread ? "]" : "");
	return NULL;
}

static int run_ps(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_ps, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_ps, "unexpected argument '%s'", argv[argind]);
	if (!cli_target_session(cli))
		return CLI_EXIT_FAILURE;
	struct ps ps = { .cli = cli };
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	else
		printf("%8s %7s %3s %-17s %-18s %s\n", "PID", "TGID", "CPU", "STATE", "TASK", "COMM");
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
	.summary = "List the kernel's tasks: pid, thread group, CPU, state, task address",
	.help = "Walks init_task.tasks and each process's thread list (signal->thread_head)\n"
		"with layouts from the vmlinux's DWARF.  STATE is the letter and name the\n"
		"guest's own task_state_array[] gives (what /proc/PID/stat shows); '>' marks\n"
		"the task each CPU runs (its per-CPU current task); kernel threads are in\n"
		"[brackets].\n"
		"With --json: [{\"pid\", \"tgid\", \"comm\", \"state\", \"state_name\", \"cpu\",\n"
		"\"on_cpu\", \"task\", \"kernel_thread\"}].\n",
	.run = run_ps,
};
