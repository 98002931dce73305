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
#include "core/cleanup.h"

struct bt {
	struct cli *cli;
	bool lines; /* --lines, until the line tables cannot be read */
};

/* " file:line" of a vmlinux code address into BUF, or "". */
static void source_line(struct bt *bt, uint64_t lookup, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!bt->lines)
		return;
	const char *file;
	int line;
	struct kinspect_error *err = kinspect_kernel_source_line(bt->cli->kernel, lookup, &file, &line);
	if (!err)
		snprintf(buf, size, " %s:%d", file, line);
	else if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
		bt->lines = false; /* no line tables: the trace goes on without */
	kinspect_error_destroy(err);
}

/* "pid N "comm" task ADDR state S (name)" or the CPU line of a trace. */
struct heading {
	char text[256];
	bool have_task;
	int32_t pid;
	char comm[17];
};

static struct kinspect_error *task_heading(const struct kinspect_task *task, void *arg)
{
	struct heading *h = arg;
	h->have_task = true;
	h->pid = kinspect_task_pid(task);
	snprintf(h->comm, sizeof(h->comm), "%s", kinspect_task_comm(task));
	return NULL;
}

static void heading(struct cli *cli, const struct kinspect_stack_trace *t, struct heading *h)
{
	int cpu = kinspect_stack_trace_cpu(t);
	uint64_t task = kinspect_stack_trace_task(t);
	struct kinspect_error *err = task ? kinspect_kernel_find_task(cli->kernel, -1, task, task_heading, h) : NULL;
	kinspect_error_destroy(err);
	if (cpu >= 0 && h->have_task) {
		snprintf(h->text, sizeof(h->text), "CPU %d: pid %d \"%s\" task 0x%016" PRIx64 "\n", cpu, h->pid, h->comm,
			 task);
	} else if (cpu >= 0) {
		snprintf(h->text, sizeof(h->text), "CPU %d\n", cpu);
	} else {
		h->text[0] = '\0';
	}
}

static struct kinspect_error *switched_out_heading(const struct kinspect_task *task, void *arg)
{
	struct heading *h = arg;
	task_heading(task, h);
	snprintf(h->text, sizeof(h->text), "pid %d \"%s\" task 0x%016" PRIx64 " state %s (%s)\n",
		 kinspect_task_pid(task), kinspect_task_comm(task), kinspect_task_address(task), kinspect_task_state(task),
		 kinspect_task_state_name(task));
	return NULL;
}

static void print_frame(struct bt *bt, const struct kinspect_stack_trace *t, size_t i)
{
	uint64_t ip = kinspect_stack_frame_ip(t, i), sp = kinspect_stack_frame_sp(t, i);
	uint64_t pt_regs = kinspect_stack_frame_pt_regs(t, i);
	const char *kind = kinspect_stack_frame_kind(t, i), *where = kinspect_stack_frame_symbol(t, i);
	const char *module = kinspect_stack_frame_module(t, i);
	bool regs = !strcmp(kind, "pt_regs") || !strcmp(kind, "iret"), user = kinspect_stack_frame_user_mode(t, i);
	char line[512] = "";
	if (!user)
		source_line(bt, kinspect_stack_frame_lookup_address(t, i), line, sizeof(line));
	if (bt->cli->json) {
		struct kinspect_json *j = &bt->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, i);
		kinspect_json_key(j, "ip");
		kinspect_json_address(j, ip);
		kinspect_json_key(j, "sp");
		kinspect_json_address(j, sp);
		kinspect_json_key(j, "symbol");
		kinspect_json_string(j, where);
		kinspect_json_key(j, "module");
		kinspect_json_string(j, module);
		kinspect_json_key(j, "kind");
		kinspect_json_string(j, kind);
		if (line[0]) {
			kinspect_json_key(j, "line");
			kinspect_json_string(j, line + 1);
		}
		if (regs) {
			kinspect_json_key(j, "pt_regs");
			kinspect_json_address(j, pt_regs);
			kinspect_json_key(j, "user_mode");
			kinspect_json_bool(j, user);
		}
		kinspect_json_end_object(j);
		return;
	}
	if (regs)
		printf("    --- %s 0x%016" PRIx64 ": %s ---\n", !strcmp(kind, "pt_regs") ? "pt_regs" : "iret frame", pt_regs,
		       user ? "entered from user mode" : "interrupted kernel code");
	printf("#%-2zu 0x%016" PRIx64 " %s%s%s\n", i, ip, where, line,
	       !strcmp(kind, "frame_pointer") ? " (frame pointer guess)" : "");
	if (user)
		printf("    user rip 0x%016" PRIx64 " rsp 0x%016" PRIx64 "\n", ip, sp);
}

/* One trace with its heading, in text or JSON. */
static void print_trace(struct bt *bt, const struct kinspect_stack_trace *t, const struct heading *h)
{
	struct cli *cli = bt->cli;
	struct kinspect_json *j = &cli->json_writer;
	int cpu = kinspect_stack_trace_cpu(t);
	uint64_t task = kinspect_stack_trace_task(t);
	if (kinspect_stack_trace_user_mode(t)) {
		/* In user mode: the kernel stack holds nothing of interest. */
		uint64_t rip = kinspect_stack_trace_user_ip(t);
		if (cli->json) {
			kinspect_json_begin_object(j);
			kinspect_json_key(j, "cpu");
			kinspect_json_int(j, cpu);
			kinspect_json_key(j, "user_mode");
			kinspect_json_bool(j, true);
			kinspect_json_key(j, "ip");
			kinspect_json_address(j, rip);
			kinspect_json_key(j, "frames");
			kinspect_json_begin_array(j);
			kinspect_json_end_array(j);
			kinspect_json_end_object(j);
		} else {
			printf("%s    CPU %d runs in user mode at 0x%016" PRIx64 "\n", h->text, cpu, rip);
		}
		return;
	}
	if (cli->json) {
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "cpu");
		if (cpu >= 0)
			kinspect_json_int(j, cpu);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "task");
		if (h->have_task || cpu < 0)
			kinspect_json_address(j, task);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "pid");
		if (h->have_task)
			kinspect_json_int(j, h->pid);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "comm");
		kinspect_json_string(j, h->have_task ? h->comm : NULL);
		kinspect_json_key(j, "frames");
		kinspect_json_begin_array(j);
	} else {
		printf("%s", h->text);
	}
	for (size_t i = 0; i < kinspect_stack_trace_nr_frames(t); i++)
		print_frame(bt, t, i);
	const char *stopped = kinspect_stack_trace_stopped(t);
	if (cli->json) {
		kinspect_json_end_array(j);
		kinspect_json_key(j, "stopped");
		kinspect_json_string(j, stopped);
		kinspect_json_end_object(j);
	} else if (stopped) {
		printf("unwinding stopped: %s\n", stopped);
	}
}

static struct kinspect_error *bt_cpu(struct bt *bt, unsigned int cpu)
{
	struct kinspect_stack_trace *t;
	struct kinspect_error *err = kinspect_kernel_stack_trace_cpu(bt->cli->kernel, cpu, &t);
	if (err)
		return err;
	struct heading h = { 0 };
	heading(bt->cli, t, &h);
	print_trace(bt, t, &h);
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
	struct kinspect_kernel *k = bt->cli->kernel;
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
	struct heading h = { 0 };
	if (kinspect_stack_trace_cpu(t) >= 0)
		heading(bt->cli, t, &h);
	else
		kinspect_error_destroy(kinspect_kernel_find_task(k, -1, address, switched_out_heading, &h));
	print_trace(bt, t, &h);
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
	struct bt bt = { .cli = cli, .lines = lines };
	unsigned int nr_cpus = 0;
	struct kinspect_error *err = all ? kinspect_kernel_nr_cpus(cli->kernel, &nr_cpus) : NULL;
	if (!err) {
		if (cli->json)
			kinspect_json_begin_array(&cli->json_writer);
		if (task_arg) {
			err = bt_task(&bt, task_arg);
		} else if (cpu_arg) {
			err = bt_cpu(&bt, (unsigned int)cpu);
		} else {
			for (unsigned int c = 0; c < nr_cpus && !err; c++) {
				if (c && !cli->json)
					putchar('\n');
				err = bt_cpu(&bt, c);
			}
		}
		if (cli->json)
			kinspect_json_end_array(&cli->json_writer);
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
		"With --json: [{\"cpu\", \"task\", \"pid\", \"comm\", \"frames\": [{\"index\", \"ip\",\n"
		"\"sp\", \"symbol\", \"module\", \"kind\", \"line\", \"pt_regs\", \"user_mode\"}],\n\"stopped\"}].\n",
	.run = run_bt,
};
