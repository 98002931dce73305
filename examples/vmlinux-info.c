/* Example: open a vmlinux with libkinspect and print its release and
 * build-id.  Build against an installed libkinspect with
 *   cc vmlinux-info.c $(pkg-config --cflags --libs kinspect)
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include <kinspect/kinspect.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s VMLINUX\n", argv[0]);
		return 2;
	}
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_error *err = kinspect_vmlinux_open(argv[1], &vmlinux);
	if (err) {
		fputs("vmlinux-info: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	const char *release = kinspect_vmlinux_release(vmlinux);
	printf("release %s\n", release ? release : "unknown");
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	printf("build-id ");
	for (size_t i = 0; i < len; i++)
		printf("%02x", id[i]);
	printf("\n");
	kinspect_vmlinux_destroy(vmlinux);
	return 0;
}
