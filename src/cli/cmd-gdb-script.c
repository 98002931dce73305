/* "kinspect gdb-script": gdb commands for this kernel that gdb without
 * Python cannot define by itself, because they depend on the vmlinux:
 * which per-CPU variable points to the current task, and whether gdb,
 * having moved every section of the vmlinux by the KASLR slide, moved the
 * per-CPU area too where the kernel does not.  The library says both
 * (kinspect/per-cpu.h); this file only writes them in gdb's language.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/per-cpu.h>

#include "cli/cli.h"
#include "cli/gdb-script.h"

/* gdb numbers QEMU's vCPUs as threads 1, 2, ... in CPU order, and a core
 * file's NT_PRSTATUS notes the same way: thread N is CPU N - 1. */
static const char gdb_commands[] =
	"# kinspect's per-kernel gdb commands for Linux %1$s, from its vmlinux\n"
	"# (\"kinspect -k VMLINUX gdb-script\"; \"kinspect gdb\" sources them).\n"
	"# Without Python gdb has no $lx_per_cpu() or $lx_current(): these are\n"
	"# commands that set a convenience variable and print it.\n"
	"\n"
	"define kinspect-per-cpu-address\n"
	"  if $argc == 2\n"
	"    set $lx_cpu = $arg1\n"
	"  else\n"
	"    set $lx_cpu = $_thread - 1\n"
	"  end\n"
	"  set $lx_per_cpu_address = (unsigned long)&$arg0\n"
	"%2$s"
	"  set $lx_per_cpu_address = $lx_per_cpu_address + __per_cpu_offset[$lx_cpu]\n"
	"end\n"
	"document kinspect-per-cpu-address\n"
	"Set $lx_per_cpu_address to CPU's copy of the per-CPU VARIABLE (kinspect-per-cpu-address\n"
	"VARIABLE [CPU]; CPU: the selected thread's, thread N being CPU N-1).\n"
	"end\n"
	"\n"
	"define lx-per-cpu\n"
	"  if $argc < 1 || $argc > 2\n"
	"    echo usage: lx-per-cpu VARIABLE [CPU]\\n\n"
	"  else\n"
	"    if $argc == 2\n"
	"      kinspect-per-cpu-address $arg0 $arg1\n"
	"    else\n"
	"      kinspect-per-cpu-address $arg0\n"
	"    end\n"
	"    set $lx_per_cpu = *(typeof(&$arg0))$lx_per_cpu_address\n"
	"    print $lx_per_cpu\n"
	"  end\n"
	"end\n"
	"document lx-per-cpu\n"
	"Set $lx_per_cpu to CPU's copy of the per-CPU variable VARIABLE of the vmlinux and\n"
	"print it (lx-per-cpu VARIABLE [CPU], e.g. lx-per-cpu runqueues.nr_running 1): what\n"
	"scripts/gdb's $lx_per_cpu(\"VARIABLE\", CPU) gives.  CPU defaults to the selected\n"
	"thread's (gdb's thread N is CPU N-1).\n"
	"end\n"
	"\n"
	"define lx-current\n"
	"  if $argc > 1\n"
	"    echo usage: lx-current [CPU]\\n\n"
	"  else\n"
	"    if $argc == 1\n"
	"      kinspect-per-cpu-address %3$s $arg0\n"
	"    else\n"
	"      kinspect-per-cpu-address %3$s\n"
	"    end\n"
	"    set $lx_current = *(struct task_struct **)$lx_per_cpu_address\n"
	"    print $lx_current\n"
	"  end\n"
	"end\n"
	"document lx-current\n"
	"Set $lx_current to the task CPU runs (its per-CPU %3$s) and print it\n"
	"(lx-current [CPU]; CPU: the selected thread's): scripts/gdb's $lx_current(CPU).\n"
	"end\n";

/* Where gdb moved the per-CPU area by the slide and the kernel did not:
 * back to its link-time place (vmlinux variables only; others stay). */
static const char unmoved_area[] =
	"  if $lx_per_cpu_address >= (unsigned long)&__per_cpu_start && $lx_per_cpu_address < (unsigned long)&__per_cpu_end\n"
	"    set $lx_per_cpu_address = $lx_per_cpu_address - (unsigned long)&__per_cpu_start + 0x%" PRIx64 "\n"
	"  end\n";

char *cli_gdb_script_text(struct kinspect_kernel *kernel, struct kinspect_error **ret_err)
{
	const char *current;
	uint64_t start;
	bool moves;
	struct kinspect_vmlinux *vmlinux;
	if ((*ret_err = kinspect_kernel_vmlinux(kernel, &vmlinux)) ||
	    (*ret_err = kinspect_kernel_current_task_variable(kernel, &current, NULL)) ||
	    (*ret_err = kinspect_kernel_per_cpu_area(kernel, &start, &moves)))
		return NULL;
	char *fix = NULL, *text = NULL;
	if (moves ? !(fix = strdup("")) : asprintf(&fix, unmoved_area, start) < 0)
		fix = NULL;
	if (!fix || asprintf(&text, gdb_commands, kinspect_vmlinux_release(vmlinux) ? kinspect_vmlinux_release(vmlinux) : "(release unknown)", fix, current) < 0)
		text = NULL;
	free(fix);
	if (!text)
		*ret_err = kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	return text;
}

static int run_gdb_script(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_gdb_script, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_gdb_script, "no arguments: the script is for the vmlinux of -k");
	if (cli->json)
		return cli_usage_error(&cli_command_gdb_script, "it writes gdb commands: --json does not apply");
	/* The vmlinux says it all: no target is opened. */
	cli->target = NULL;
	struct kinspect_kernel *k = cli_session(cli);
	if (!k)
		return CLI_EXIT_FAILURE;
	struct kinspect_error *err;
	char *text = cli_gdb_script_text(k, &err);
	if (!text)
		return cli_fail(err);
	fputs(text, stdout);
	free(text);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_gdb_script = {
	.name = "gdb-script",
	.synopsis = "",
	.summary = "Print gdb commands for this kernel: lx-current, lx-per-cpu",
	.help = "Writes gdb commands for the vmlinux of -k that gdb without Python cannot\n"
		"define by itself: lx-per-cpu VARIABLE [CPU] and lx-current [CPU], which set\n"
		"$lx_per_cpu and $lx_current and print them (scripts/gdb has them as the\n"
		"functions $lx_per_cpu() and $lx_current()).  CPU defaults to the selected\n"
		"thread's: gdb's thread N is CPU N-1 on QEMU's gdbstub and in a dump.  The\n"
		"commands read the per-CPU data of the vmlinux from the guest through gdb,\n"
		"whichever way gdb reaches it; \"kinspect gdb\" sources them for you.  Only\n"
		"the vmlinux is read (-t is not used).  Example:\n"
		"  kinspect -k vmlinux gdb-script >lx.gdb; then in gdb: source lx.gdb\n",
	.run = run_gdb_script,
};
