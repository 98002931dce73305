/* Example: the kernel stack of every task in D state (uninterruptible
 * sleep: what a hung system is stuck in), or in the state given, from a
 * dump or a live guest, through libkinspect alone.
 *   cc task-stacks.c $(pkg-config --cflags --libs kinspect)
 *   task-stacks VMLINUX TARGET [STATE-LETTER [MODULE-DIR...]]
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/kinspect.h>

struct want {
	struct kinspect_kernel *kernel;
	const char *state;
	unsigned int found;
};

static struct kinspect_error *show(const struct kinspect_task *task, void *arg)
{
	struct want *w = arg;
	if (strcmp(kinspect_task_state(task), w->state) != 0)
		return NULL;
	w->found++;
	printf("pid %d \"%s\" state %s (%s)\n", kinspect_task_pid(task), kinspect_task_comm(task),
	       kinspect_task_state(task), kinspect_task_state_name(task));
	struct kinspect_stack_trace *trace;
	struct kinspect_error *err = kinspect_kernel_stack_trace_task(w->kernel, kinspect_task_address(task), &trace);
	if (err)
		return err;
	for (size_t i = 0; i < kinspect_stack_trace_nr_frames(trace); i++)
		printf("  #%zu 0x%016" PRIx64 " %s\n", i, kinspect_stack_frame_ip(trace, i),
		       kinspect_stack_frame_symbol(trace, i));
	if (kinspect_stack_trace_stopped(trace))
		printf("  unwinding stopped: %s\n", kinspect_stack_trace_stopped(trace));
	kinspect_stack_trace_destroy(trace);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s VMLINUX TARGET [STATE-LETTER [MODULE-DIR...]]\n", argv[0]);
		return 2;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	if (argc > 4) {
		options.module_dirs = (const char *const *)argv + 4;
		options.nr_module_dirs = (size_t)(argc - 4);
	}
	struct want w = { .state = argc > 3 ? argv[3] : "D" };
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &w.kernel);
	if (!err)
		err = kinspect_kernel_for_each_task(w.kernel, show, &w);
	kinspect_kernel_destroy(w.kernel);
	if (err) {
		fputs("task-stacks: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	if (!w.found)
		printf("no task in state %s\n", w.state);
	return 0;
}
