/* What the kernel-structure fuzzers share: the real vmlinux named by
 * FUZZ_VMLINUX, its DWARF layouts and the link address of its module list,
 * opened once in LLVMFuzzerInitialize (a failure ends the run, exit 2).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_FUZZ_KERNEL_H
#define KINSPECT_FUZZ_KERNEL_H

#include <stdio.h>
#include <stdlib.h>

#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"

static struct kinspect_vmlinux *vmlinux;
static struct kinspect_dwarf_types *types;
static uint64_t modules_link;

static void fuzz_die(struct kinspect_error *err)
{
	kinspect_error_fputs(err, stderr);
	exit(2);
}

static void fuzz_open_kernel(void)
{
	const char *path = getenv("FUZZ_VMLINUX");
	struct kinspect_error *err = NULL;
	if (!path)
		err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "set FUZZ_VMLINUX to a vmlinux with DWARF");
	if (!err)
		err = kinspect_vmlinux_open(path, &vmlinux);
	if (!err)
		err = kinspect_dwarf_types_create(path, &types);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "modules", &modules_link, NULL);
	if (err)
		fuzz_die(err);
}

#endif /* KINSPECT_FUZZ_KERNEL_H */
