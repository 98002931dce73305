/* Example: stop a live guest at a kernel function, print the arguments it
 * was called with (named and typed from DWARF) and the kernel stack, and
 * let the guest go on, through libkinspect alone.
 *   cc break-args.c $(pkg-config --cflags --libs kinspect)
 *   break-args VMLINUX HOST:PORT FUNCTION [MODULE-DIR...]
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>

#include <kinspect/kinspect.h>

static struct kinspect_error *show(struct kinspect_breakpoint *bp, const struct kinspect_breakpoint_hit *hit)
{
	printf("hit %s at 0x%" PRIx64 " on cpu %u task 0x%" PRIx64 "\n", kinspect_breakpoint_function(bp),
	       kinspect_breakpoint_hit_pc(hit), kinspect_breakpoint_hit_cpu(hit), kinspect_breakpoint_hit_task(hit));
	for (size_t i = 0; i < kinspect_breakpoint_nr_args(bp); i++) {
		uint64_t value;
		bool is_address;
		if (kinspect_breakpoint_hit_arg(hit, i, &value, &is_address))
			printf("  %s = %s0x%" PRIx64 " (%s)\n", kinspect_breakpoint_arg_name(bp, i), is_address ? "&" : "",
			       value, kinspect_breakpoint_arg_type(bp, i));
	}
	struct kinspect_stack_trace *trace;
	struct kinspect_error *err = kinspect_breakpoint_hit_stack_trace(hit, &trace);
	if (err)
		return err;
	for (size_t i = 0; i < kinspect_stack_trace_nr_frames(trace); i++)
		printf("  #%zu 0x%016" PRIx64 " %s\n", i, kinspect_stack_frame_ip(trace, i),
		       kinspect_stack_frame_symbol(trace, i));
	kinspect_stack_trace_destroy(trace);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s VMLINUX HOST:PORT FUNCTION [MODULE-DIR...]\n", argv[0]);
		return 2;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	options.module_dirs = (const char *const *)argv + 4;
	options.nr_module_dirs = (size_t)(argc - 4);
	struct kinspect_kernel *kernel = NULL;
	struct kinspect_breakpoint *bp = NULL;
	const struct kinspect_breakpoint_hit *hit;
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &kernel);
	if (!err)
		err = kinspect_kernel_breakpoint_create(kernel, argv[3], &bp);
	if (!err)
		err = kinspect_breakpoint_wait(bp, 60000, &hit); /* the guest runs until a hit */
	if (!err)
		err = show(bp, hit);
	/* The breakpoint out, the guest left as the session found it:
	 * running on if it ran. */
	kinspect_breakpoint_destroy(bp);
	kinspect_kernel_destroy(kernel);
	if (err) {
		fputs("break-args: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	return 0;
}
