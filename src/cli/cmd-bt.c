/* "kinspect bt": kernel stack traces of a CPU or a task, unwound with ORC.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/stack.h>
#include <kinspect/symbol.h>
#include <kinspect/task.h>

#include "cli/cli.h"
#include "cli/record-writer.h"
#include "cli/trace-render.h"
#include "core/cleanup.h"

struct bt {
	struct record_writer w;
	struct trace_render r;
};

static struct kinspect_error *bt_cpu(struct bt *bt, unsigned int cpu)
{
	struct kinspect_stack_trace *t;
	struct kinspect_error *err = kinspect_kernel_stack_trace_cpu(bt->r.cli->kernel, cpu, &t);
	if (err)
		return err;
	trace_render(&bt->r, t);
	kinspect_stack_trace_destroy(t);
	return NULL;
}

static struct kinspect_error *task_address(const struct kinspect_task *task, void *arg)
{
	*(uint64_t *)arg = kinspect_task_address(task);
	return NULL;
}

static struct kinspect_error *bt_task(struct bt *bt, const char *which)
{
	uint64_t number, address = 0;
	struct kinspect_kernel *k = bt->r.cli->kernel;
	struct kinspect_error *err;
	if (!cli_parse_number(which, &number))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--task %s: not a pid or task address", which);
	/* Above any pid: an address, which the library checks is a kernel
	 * one. */
	if (number <= INT32_MAX)
		err = kinspect_kernel_find_task(k, (int32_t)number, 0, task_address, &address);
	else
		err = kinspect_kernel_find_task(k, -1, number, task_address, &address);
	struct kinspect_stack_trace *t;
	if (!err)
		err = kinspect_kernel_stack_trace_task(k, address, &t);
	if (err)
		return err;
	trace_render(&bt->r, t);
	kinspect_stack_trace_destroy(t);
	return NULL;
}

static int run_bt(struct cli *cli, int argc, char **argv)
{
	const char *cpu_arg = NULL, *task_arg = NULL;
	bool all = false, lines = false;
	const struct cli_flag flags[] = { { 'a', "all", &all, NULL },
					  { 'l', "lines", &lines, NULL },
					  { CLI_LONG_ONLY, "cpu", NULL, &cpu_arg },
					  { CLI_LONG_ONLY + 1, "task", NULL, &task_arg },
					  { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_bt, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_bt, "unexpected argument '%s'", argv[argind]);
	if (!!cpu_arg + !!task_arg + all != 1)
		return cli_usage_error(&cli_command_bt, "give one of --cpu N, --task PID|ADDR or --all");
	uint64_t cpu = 0;
	if (cpu_arg && (!cli_parse_number(cpu_arg, &cpu) || cpu > 4096))
		return cli_usage_error(&cli_command_bt, "--cpu %s: not a CPU number", cpu_arg);
	if (!cli_target_session(cli))
		return CLI_EXIT_FAILURE;
	struct bt bt = { .w = record_writer_cli(cli) };
	bt.r = (struct trace_render){ .cli = cli, .lines = lines, .w = &bt.w };
	unsigned int nr_cpus = 0;
	struct kinspect_error *err = all ? kinspect_kernel_nr_cpus(cli->kernel, &nr_cpus) : NULL;
	if (!err) {
		record_begin_array(&bt.w, NULL);
		if (task_arg) {
			err = bt_task(&bt, task_arg);
		} else if (cpu_arg) {
			err = bt_cpu(&bt, (unsigned int)cpu);
		} else {
			for (unsigned int c = 0; c < nr_cpus && !err; c++) {
				if (c)
					record_text(&bt.w, "\n");
				err = bt_cpu(&bt, c);
			}
		}
		record_end_array(&bt.w);
	}
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_bt = {
	.name = "bt",
	.synopsis = "[--lines] --cpu N | --task PID|ADDR | --all",
	.summary = "Kernel stack trace of a CPU or a task, unwound with the kernel's ORC data",
	.help = "Unwinds like the kernel itself does (its ORC unwinder, unwind_orc.c), with the\n"
		"ORC tables of the vmlinux and of each loaded module (read from guest memory),\n"
		"through interrupt, exception and syscall entry (pt_regs frames) and across\n"
		"IRQ stacks, to the user-mode boundary.\n"
		"  --cpu N        the CPU's registers: the dump's QEMU CPU note, or the\n"
		"                 gdbstub's vCPU thread N live\n"
		"  --task PID|ADDR  a task by pid or task_struct address; a task switched out\n"
		"                 starts at its saved inactive_task_frame (task->thread.sp),\n"
		"                 a running one at its CPU's registers\n"
		"  --all          every CPU\n"
		"  --lines        add file:line to vmlinux frames (from DWARF line tables)\n"
		"Frames print as \"#N ADDRESS function+offset\", module code as\n"
		"\"function+offset [module]\" (\"[module]+offset\" without its .ko under -m);\n"
		"a \"--- pt_regs ADDR ---\" line marks an interrupt or entry frame.  A trace\n"
		"that cannot go on ends with \"unwinding stopped: REASON\" (no ORC data, a\n"
		"stack going the wrong way, a loop, an unreadable stack).\n"
		"With --json: [{\"cpu\", \"task\", \"pid\", \"comm\", (a task switched out) \"state\",\n"
		"\"state_name\", \"frames\": [{\"index\", \"ip\",\n"
		"\"sp\", \"symbol\", \"module\", \"kind\", \"line\", \"pt_regs\", \"user_mode\",\n"
		"(a user-mode frame) \"user_registers\" {PC, SP: its pc and stack pointer by the\n"
		"architecture's names}}], \"stopped\"}].\n",
	.run = run_bt,
};
