/* Example: the loaded modules of a dump or a live guest, with their
 * build-id and the .ko file that matches it, through libkinspect alone.
 * Build against an installed libkinspect with
 *   cc lsmod.c $(pkg-config --cflags --libs kinspect)
 * and run as
 *   lsmod VMLINUX TARGET [MODULE-DIR...]
 * (TARGET: a dump file, HOST:PORT or unix:PATH of QEMU's gdbstub).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <kinspect/kinspect.h>

static struct kinspect_error *print_module(const struct kinspect_module *m, void *arg)
{
	struct kinspect_kernel *kernel = arg;
	printf("%-20s %-8s %8" PRIu64 " 0x%016" PRIx64 " %3" PRId64, kinspect_module_name(m),
	       kinspect_module_state(m), kinspect_module_size(m), kinspect_module_base(m),
	       kinspect_module_refcount(m));
	uint8_t id[64];
	size_t len;
	struct kinspect_error *err = kinspect_kernel_module_build_id(kernel, m, id, sizeof(id), &len);
	if (err) {
		/* A module being loaded may not have its notes yet. */
		printf(" -");
		kinspect_error_destroy(err);
	} else {
		putchar(' ');
		for (size_t i = 0; i < len; i++)
			printf("%02x", id[i]);
	}
	const char *path;
	bool verified;
	err = kinspect_kernel_module_file(kernel, m, &path, &verified);
	printf(" %s\n", err ? "-" : path);
	kinspect_error_destroy(err);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s VMLINUX TARGET [MODULE-DIR...]\n", argv[0]);
		return 2;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	options.module_dirs = (const char *const *)argv + 3;
	options.nr_module_dirs = (size_t)(argc - 3);
	struct kinspect_kernel *kernel = NULL;
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &kernel);
	if (!err)
		err = kinspect_kernel_for_each_module(kernel, print_module, kernel);
	kinspect_kernel_destroy(kernel);
	if (err) {
		fputs("lsmod: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	return 0;
}
