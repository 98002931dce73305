/* "kinspect ps": the kernel's tasks, with threads.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/error-priv.h"
#include "linux/tasks.h"

#define CPUS_MAX 4096

struct ps {
	struct cli *cli;
	uint64_t current[CPUS_MAX]; /* each CPU's running task */
	unsigned int nr_cpus;
	unsigned int count;
};

static bool is_running(const struct ps *ps, uint64_t task)
{
	for (unsigned int i = 0; i < ps->nr_cpus; i++) {
		if (ps->current[i] == task)
			return true;
	}
	return false;
}

static struct kinspect_error *print_task(const struct kinspect_task *t, void *arg)
{
	struct ps *ps = arg;
	ps->count++;
	bool running = is_running(ps, t->address);
	if (ps->cli->json) {
		struct kinspect_json *j = &ps->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "pid");
		kinspect_json_int(j, t->pid);
		kinspect_json_key(j, "tgid");
		kinspect_json_int(j, t->tgid);
		kinspect_json_key(j, "comm");
		kinspect_json_string(j, t->comm);
		kinspect_json_key(j, "state");
		kinspect_json_string(j, t->state_letter);
		kinspect_json_key(j, "state_name");
		kinspect_json_string(j, t->state_name);
		kinspect_json_key(j, "cpu");
		kinspect_json_int(j, t->cpu);
		kinspect_json_key(j, "on_cpu");
		kinspect_json_bool(j, running);
		kinspect_json_key(j, "task");
		kinspect_json_address(j, t->address);
		kinspect_json_key(j, "kernel_thread");
		kinspect_json_bool(j, t->kernel_thread);
		kinspect_json_end_object(j);
		return NULL;
	}
	printf("%c%7d %7d %3" PRId64 " %-2s %-14s 0x%016" PRIx64 " %s%s%s\n", running ? '>' : ' ', t->pid, t->tgid,
	       t->cpu, t->state_letter, t->state_name, t->address, t->kernel_thread ? "[" : "", t->comm,
	       t->kernel_thread ? "]" : "");
	return NULL;
}

static int run_ps(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_ps, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_ps, "unexpected argument '%s'", argv[argind]);
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = kaslr ? cli_types(cli) : NULL;
	if (!types)
		return CLI_EXIT_FAILURE;
	struct kinspect_memory mem = cli_memory(cli);
	struct kinspect_tasks *tasks;
	struct kinspect_error *err = kinspect_tasks_create(types, cli->vmlinux, kaslr->slide, &mem, &tasks);
	if (err)
		return cli_fail(err);
	struct ps ps = { .cli = cli };
	if (!(err = kinspect_tasks_nr_cpus(tasks, &ps.nr_cpus))) {
		if (ps.nr_cpus > CPUS_MAX)
			ps.nr_cpus = CPUS_MAX;
		for (unsigned int i = 0; i < ps.nr_cpus && !err; i++)
			err = kinspect_tasks_cpu_current(tasks, i, &ps.current[i]);
	}
	if (!err) {
		if (cli->json)
			kinspect_json_begin_array(&cli->json_writer);
		else
			printf("%8s %7s %3s %-17s %-18s %s\n", "PID", "TGID", "CPU", "STATE", "TASK", "COMM");
		err = kinspect_tasks_for_each(tasks, print_task, &ps);
		if (cli->json)
			kinspect_json_end_array(&cli->json_writer);
	}
	kinspect_tasks_destroy(tasks);
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
