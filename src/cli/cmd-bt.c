/* "kinspect bt": kernel stack traces of a CPU or a task, unwound with ORC.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/source-lines.h"
#include "linux/stacktrace.h"
#include "linux/tasks.h"

struct bt {
	struct cli *cli;
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_tasks *tasks;
	uint64_t slide;
	bool lines;                           /* --lines */
	struct kinspect_source_lines *source; /* opened on the first frame */
};

/* " file:line" of a vmlinux code address into BUF, or "". */
static void source_line(struct bt *bt, uint64_t lookup, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!bt->lines || !kinspect_kaslr_in_image(kinspect_kaslr_link(bt->slide, lookup)))
		return;
	struct kinspect_error *err = NULL;
	if (!bt->source && (err = kinspect_source_lines_create(kinspect_vmlinux_path(bt->cli->vmlinux), &bt->source))) {
		kinspect_error_destroy(err);
		bt->lines = false;
		return;
	}
	const char *file;
	int line;
	if (!(err = kinspect_source_lines_lookup(bt->source, kinspect_kaslr_link(bt->slide, lookup), &file, &line)))
		snprintf(buf, size, " %s:%d", file, line);
	kinspect_error_destroy(err);
}

/* Registers of CPU INDEX: the dump's QEMU note, or the gdbstub's vCPU thread. */
static struct kinspect_error *cpu_state(struct cli *cli, unsigned int index, struct kinspect_orc_state *ret,
					uint32_t *ret_cs)
{
	memset(ret, 0, sizeof(*ret));
	/* The instruction pointer of a stopped CPU is exact, not a return
	 * address. */
	ret->signal = true;
	if (cli->dump) {
		const struct kinspect_elf_dump_cpu *cpu = kinspect_elf_dump_cpu(cli->dump, index);
		if (!cpu)
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the dump has %zu CPUs, no CPU %u",
						     kinspect_elf_dump_nr_cpus(cli->dump), index);
		/* QEMU's order by DWARF number. */
		static const unsigned int dwarf[16] = { 0, 3, 2, 1, 4, 5, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
		for (unsigned int i = 0; i < 16; i++)
			kinspect_x86_64_regs_set(&ret->regs, dwarf[i], cpu->gpr[i]);
		kinspect_x86_64_regs_set(&ret->regs, KINSPECT_X86_64_RIP, cpu->rip);
		*ret_cs = cpu->cs;
		return NULL;
	}
	size_t nr = kinspect_gdbstub_nr_threads(cli->gdbstub);
	if (index >= nr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the guest has %zu CPUs, no CPU %u", nr,
					     index);
	_cleanup_free_ uint8_t *g = NULL;
	size_t len;
	struct kinspect_error *err = kinspect_gdbstub_read_registers(cli->gdbstub, index, &g, &len);
	if (err)
		return err;
	static const char *const names[KINSPECT_X86_64_NR_REGS] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
		"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
	};
	for (unsigned int i = 0; i <= KINSPECT_X86_64_NR_REGS; i++) {
		const char *name = i < KINSPECT_X86_64_NR_REGS ? names[i] : "cs";
		const struct kinspect_gdbstub_register *r = kinspect_gdbstub_find_register(cli->gdbstub, name);
		if (!r || r->g_offset + r->bitsize / 8 > len || r->bitsize > 64)
			return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "the gdbstub does not send register %s",
						     name);
		uint64_t value = kinspect_load_le(g + r->g_offset, r->bitsize / 8);
		if (i < KINSPECT_X86_64_NR_REGS)
			kinspect_x86_64_regs_set(&ret->regs, i, value);
		else
			*ret_cs = (uint32_t)value;
	}
	return NULL;
}

static unsigned int nr_cpus(struct cli *cli)
{
	return (unsigned int)(cli->dump ? kinspect_elf_dump_nr_cpus(cli->dump) : kinspect_gdbstub_nr_threads(cli->gdbstub));
}

/* "function+0xoff", "[module]+0xoff" or nothing, for a code address. */
static void symbolize(struct bt *bt, uint64_t ip, bool exact, char *buf, size_t size, const char **ret_module)
{
	const char *name, *module;
	uint64_t offset;
	*ret_module = NULL;
	/* A return address may lie past the end of a function that ends in
	 * a call: name the call's function. */
	uint64_t lookup = exact ? ip : ip - 1;
	struct kinspect_error *err =
		kinspect_vmlinux_symbolize(bt->cli->vmlinux, kinspect_kaslr_link(bt->slide, lookup), &name, &offset);
	if (!err) {
		snprintf(buf, size, "%s+0x%" PRIx64, name, offset + (exact ? 0 : 1));
		return;
	}
	kinspect_error_destroy(err);
	if (kinspect_kernel_unwinder_module_of(bt->unwinder, lookup, &module, &offset)) {
		*ret_module = module;
		/* The module's own symbols when its .ko can be found (-m or
		 * the default directories); setting them up costs DWARF
		 * lookups, not paid when there is nowhere to look. */
		size_t nr_dirs;
		cli_module_dirs(bt->cli, &nr_dirs);
		struct kinspect_module_symbols *ms = nr_dirs ? cli_module_symbols(bt->cli) : NULL;
		struct kinspect_module_symbol sym;
		err = NULL;
		if (ms && !(err = kinspect_module_symbols_symbolize(ms, lookup, &sym)) && !sym.from_section) {
			snprintf(buf, size, "%s+0x%" PRIx64 " [%s]", sym.name, sym.offset + (exact ? 0 : 1), module);
			return;
		}
		kinspect_error_destroy(err);
		snprintf(buf, size, "[%s]+0x%" PRIx64, module, offset + (exact ? 0 : 1));
		return;
	}
	snprintf(buf, size, "?");
}

static const char *kind_name(enum kinspect_orc_frame_kind kind)
{
	switch (kind) {
	case KINSPECT_ORC_FRAME_PT_REGS:
		return "pt_regs";
	case KINSPECT_ORC_FRAME_IRET:
		return "iret";
	case KINSPECT_ORC_FRAME_FRAME_POINTER:
		return "frame_pointer";
	default:
		return "call";
	}
}

static struct kinspect_error *print_frame(const struct kinspect_stack_frame *f, void *arg)
{
	struct bt *bt = arg;
	bool regs = f->kind == KINSPECT_ORC_FRAME_PT_REGS || f->kind == KINSPECT_ORC_FRAME_IRET;
	char where[160], line[512] = "";
	const char *module = NULL;
	bool exact = f->index == 0 || regs;
	if (f->user_mode) {
		snprintf(where, sizeof(where), "(user mode)");
	} else {
		symbolize(bt, f->ip, exact, where, sizeof(where), &module);
		source_line(bt, exact ? f->ip : f->ip - 1, line, sizeof(line));
	}
	if (bt->cli->json) {
		struct kinspect_json *j = &bt->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "index");
		kinspect_json_uint(j, f->index);
		kinspect_json_key(j, "ip");
		kinspect_json_address(j, f->ip);
		kinspect_json_key(j, "sp");
		kinspect_json_address(j, f->sp);
		kinspect_json_key(j, "symbol");
		kinspect_json_string(j, where);
		kinspect_json_key(j, "module");
		if (module)
			kinspect_json_string(j, module);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "kind");
		kinspect_json_string(j, kind_name(f->kind));
		if (line[0]) {
			kinspect_json_key(j, "line");
			kinspect_json_string(j, line + 1);
		}
		if (regs) {
			kinspect_json_key(j, "pt_regs");
			kinspect_json_address(j, f->pt_regs);
			kinspect_json_key(j, "user_mode");
			kinspect_json_bool(j, f->user_mode);
		}
		kinspect_json_end_object(j);
		return NULL;
	}
	if (regs)
		printf("    --- %s 0x%016" PRIx64 ": %s ---\n", f->kind == KINSPECT_ORC_FRAME_PT_REGS ? "pt_regs" : "iret frame",
		       f->pt_regs, f->user_mode ? "entered from user mode" : "interrupted kernel code");
	printf("#%-2u 0x%016" PRIx64 " %s%s%s\n", f->index, f->ip, where, line,
	       f->kind == KINSPECT_ORC_FRAME_FRAME_POINTER ? " (frame pointer guess)" : "");
	if (f->user_mode)
		printf("    user rip 0x%016" PRIx64 " rsp 0x%016" PRIx64 "\n", f->ip, f->sp);
	return NULL;
}

/* One trace with its heading. */
static struct kinspect_error *trace(struct bt *bt, const char *heading_text, int cpu, const struct kinspect_task *task,
				    const struct kinspect_orc_state *state)
{
	struct cli *cli = bt->cli;
	struct kinspect_json *j = &cli->json_writer;
	if (cli->json) {
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "cpu");
		if (cpu >= 0)
			kinspect_json_int(j, cpu);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "task");
		if (task)
			kinspect_json_address(j, task->address);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "pid");
		if (task)
			kinspect_json_int(j, task->pid);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "comm");
		if (task)
			kinspect_json_string(j, task->comm);
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "frames");
		kinspect_json_begin_array(j);
	} else {
		printf("%s", heading_text);
	}
	_cleanup_free_ char *stopped = NULL;
	struct kinspect_error *err = kinspect_kernel_unwind(bt->unwinder, state, print_frame, bt, &stopped);
	if (cli->json) {
		kinspect_json_end_array(j);
		kinspect_json_key(j, "stopped");
		if (stopped)
			kinspect_json_string(j, stopped);
		else
			kinspect_json_null(j);
		kinspect_json_end_object(j);
	} else if (stopped) {
		printf("unwinding stopped: %s\n", stopped);
	}
	return err;
}

static void heading(char *buf, size_t size, int cpu, const struct kinspect_task *task)
{
	if (cpu >= 0 && task)
		snprintf(buf, size, "CPU %d: pid %d \"%s\" task 0x%016" PRIx64 "\n", cpu, task->pid, task->comm,
			 task->address);
	else if (cpu >= 0)
		snprintf(buf, size, "CPU %d\n", cpu);
	else
		snprintf(buf, size, "pid %d \"%s\" task 0x%016" PRIx64 " state %s (%s)\n", task->pid, task->comm,
			 task->address, task->state_letter, task->state_name);
}

/* The CPU running TASK_ADDR, or -1. */
static int running_on(struct bt *bt, uint64_t task_addr)
{
	for (unsigned int cpu = 0; cpu < nr_cpus(bt->cli); cpu++) {
		uint64_t current;
		struct kinspect_error *err = kinspect_tasks_cpu_current(bt->tasks, cpu, &current);
		kinspect_error_destroy(err);
		if (!err && current == task_addr)
			return (int)cpu;
	}
	return -1;
}

static struct kinspect_error *bt_cpu(struct bt *bt, unsigned int cpu)
{
	struct kinspect_orc_state state;
	uint32_t cs = 0;
	struct kinspect_error *err = cpu_state(bt->cli, cpu, &state, &cs);
	if (err)
		return err;
	struct kinspect_task task, *taskp = NULL;
	uint64_t current;
	if (!(err = kinspect_tasks_cpu_current(bt->tasks, cpu, &current)) &&
	    !(err = kinspect_tasks_read(bt->tasks, current, &task)))
		taskp = &task;
	kinspect_error_destroy(err);
	char head[256];
	heading(head, sizeof(head), (int)cpu, taskp);
	if ((cs & 3) == 3) {
		/* In user mode: the kernel stack holds nothing of interest. */
		uint64_t rip = state.regs.value[KINSPECT_X86_64_RIP];
		if (bt->cli->json) {
			struct kinspect_json *j = &bt->cli->json_writer;
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
			printf("%s    CPU %u runs in user mode at 0x%016" PRIx64 "\n", head, cpu, rip);
		}
		return NULL;
	}
	return trace(bt, head, (int)cpu, taskp, &state);
}

static struct kinspect_error *bt_task(struct bt *bt, const char *which)
{
	struct kinspect_task task;
	uint64_t number;
	struct kinspect_error *err;
	if (!cli_parse_number(which, &number))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--task %s: not a pid or task address", which);
	if (number >= KINSPECT_X86_64_KERNEL_SPACE_START)
		err = kinspect_tasks_read(bt->tasks, number, &task);
	else if (number <= INT32_MAX)
		err = kinspect_tasks_find_pid(bt->tasks, (int32_t)number, &task);
	else
		err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--task %s: not a pid or task address", which);
	if (err)
		return err;
	int cpu = running_on(bt, task.address);
	if (cpu >= 0)
		return bt_cpu(bt, (unsigned int)cpu);
	struct kinspect_orc_state state;
	if ((err = kinspect_kernel_unwinder_task_state(bt->unwinder, task.thread_sp, &state)))
		return kinspect_error_wrap(err, "pid %d", task.pid);
	char head[256];
	heading(head, sizeof(head), -1, &task);
	return trace(bt, head, -1, &task, &state);
}

static int run_bt(struct cli *cli, int argc, char **argv)
{
	const char *cpu_arg = NULL, *task_arg = NULL;
	bool all = false, lines = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			cli_print_help(&cli_command_bt);
			return CLI_EXIT_OK;
		} else if (!strcmp(a, "--all") || !strcmp(a, "-a")) {
			all = true;
		} else if (!strcmp(a, "--lines") || !strcmp(a, "-l")) {
			lines = true;
		} else if ((!strcmp(a, "--cpu") || !strcmp(a, "--task")) && i + 1 < argc) {
			*(a[2] == 'c' ? &cpu_arg : &task_arg) = argv[++i];
		} else if (!strncmp(a, "--cpu=", 6)) {
			cpu_arg = a + 6;
		} else if (!strncmp(a, "--task=", 7)) {
			task_arg = a + 7;
		} else {
			return cli_usage_error(&cli_command_bt, "unexpected argument '%s'", a);
		}
	}
	if (!!cpu_arg + !!task_arg + all != 1)
		return cli_usage_error(&cli_command_bt, "give one of --cpu N, --task PID|ADDR or --all");
	uint64_t cpu = 0;
	if (cpu_arg && (!cli_parse_number(cpu_arg, &cpu) || cpu > 4096))
		return cli_usage_error(&cli_command_bt, "--cpu %s: not a CPU number", cpu_arg);
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = kaslr ? cli_types(cli) : NULL;
	if (!types)
		return CLI_EXIT_FAILURE;
	struct kinspect_memory mem = cli_memory(cli);
	struct bt bt = { .cli = cli, .slide = kaslr->slide, .lines = lines };
	struct kinspect_error *err = kinspect_kernel_unwinder_create(types, cli->vmlinux, kaslr->slide, &mem, &bt.unwinder);
	if (!err)
		err = kinspect_tasks_create(types, cli->vmlinux, kaslr->slide, &mem, &bt.tasks);
	if (!err) {
		if (cli->json)
			kinspect_json_begin_array(&cli->json_writer);
		if (task_arg) {
			err = bt_task(&bt, task_arg);
		} else if (cpu_arg) {
			err = bt_cpu(&bt, (unsigned int)cpu);
		} else {
			for (unsigned int c = 0; c < nr_cpus(cli) && !err; c++) {
				if (c && !cli->json)
					putchar('\n');
				err = bt_cpu(&bt, c);
			}
		}
		if (cli->json)
			kinspect_json_end_array(&cli->json_writer);
	}
	kinspect_tasks_destroy(bt.tasks);
	kinspect_kernel_unwinder_destroy(bt.unwinder);
	kinspect_source_lines_destroy(bt.source);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_bt = {
	.name = "bt",
	.synopsis = "[--lines] --cpu N | --task PID|ADDR | --all",
	.summary = "Kernel stack trace of a CPU or a task, unwound with the kernel's ORC data",
	.help = "Unwinds like the kernel itself does (arch/x86/kernel/unwind_orc.c), with the\n"
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
