/* Example, the seeds' scenario through libkinspect alone: stop a live guest
 * where 9p reads a file (p9_client_read_once, module 9pnet), decode the
 * struct iov_iter the read fills (its type, cursor, and the folios behind
 * it), say what is wrong with it, and let the guest go on.
 *   cc seed-9p.c $(pkg-config --cflags --libs kinspect)
 *   seed-9p VMLINUX HOST:PORT MODULE-DIR [FUNCTION [ARGUMENT]]
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>

#include <kinspect/kinspect.h>

static void finding(enum kinspect_iov_finding kind, const char *message, void *arg)
{
	(void)kind, (void)arg;
	printf("  warning: %s\n", message);
}

static struct kinspect_error *decode(struct kinspect_kernel *kernel, uint64_t address)
{
	struct kinspect_iov_iter *it;
	struct kinspect_iov_segments *segs;
	struct kinspect_error *err = kinspect_kernel_iov_iter_read(kernel, address, &it);
	if (err)
		return err;
	printf("iov_iter 0x%" PRIx64 ": %s %s count %" PRIu64 " iov_offset %" PRIu64 "\n", address,
	       kinspect_iov_iter_type_name(it), kinspect_iov_iter_direction(it), kinspect_iov_iter_count(it),
	       kinspect_iov_iter_offset(it));
	err = kinspect_kernel_iov_iter_segments(kernel, it, KINSPECT_IOV_SEGMENTS_MAX, KINSPECT_IOV_SEGMENTS_FOLIOS, &segs);
	for (size_t i = 0; !err && i < kinspect_iov_segments_nr(segs); i++) {
		struct kinspect_iov_segment_data seg = { .size = sizeof(seg) };
		struct kinspect_iov_folio folio = { .size = sizeof(folio) };
		if ((err = kinspect_iov_segments_get(segs, i, &seg)))
			break;
		printf("  #%zu %-7s 0x%016" PRIx64 " len %" PRIu64 " done %" PRIu64, i,
		       kinspect_iov_position_name(seg.position), seg.base, seg.len, seg.done);
		if (kinspect_iov_segments_folio(segs, i, &folio))
			printf(" order %u %s ino %" PRIu64 " index %" PRIu64, folio.order, folio.mapping_kind, folio.ino,
			       folio.index);
		putchar('\n');
	}
	if (!err)
		kinspect_iov_segments_check(segs, finding, NULL);
	kinspect_iov_segments_destroy(segs);
	kinspect_iov_iter_destroy(it);
	return err;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s VMLINUX HOST:PORT MODULE-DIR [FUNCTION [ARGUMENT]]\n", argv[0]);
		return 2;
	}
	const char *function = argc > 4 ? argv[4] : "p9_client_read_once", *arg = argc > 5 ? argv[5] : "to";
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	options.module_dirs = (const char *const *)argv + 3;
	options.nr_module_dirs = 1;
	struct kinspect_kernel *kernel = NULL;
	struct kinspect_breakpoint *bp = NULL;
	const struct kinspect_breakpoint_hit *hit;
	uint64_t address;
	bool on_stack;
	int status = 0;
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &kernel);
	if (!err)
		err = kinspect_kernel_breakpoint_create(kernel, function, &bp);
	if (!err)
		err = kinspect_breakpoint_wait(bp, 60000, &hit); /* the guest runs until a read */
	if (!err) {
		int index = kinspect_breakpoint_arg_index(bp, arg);
		printf("hit %s on cpu %u\n", kinspect_breakpoint_function(bp), kinspect_breakpoint_hit_cpu(hit));
		if (index >= 0 && kinspect_breakpoint_hit_arg(hit, (size_t)index, &address, &on_stack) && !on_stack)
			err = decode(kernel, address);
		else
			status = fprintf(stderr, "seed-9p: %s has no pointer argument %s\n", function, arg) > 0;
	}
	kinspect_breakpoint_destroy(bp); /* the guest is left as the session found it */
	kinspect_kernel_destroy(kernel);
	if (err) {
		fputs("seed-9p: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	return status;
}
