/* The vmlinux's DWARF call frame information (.debug_frame): which code
 * addresses a DWARF unwinder (gdb's) can unwind, so that a front end
 * combining unwinders leaves those frames to it.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_VMLINUX_CFI_H
#define KINSPECT_VMLINUX_CFI_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/error.h>

struct kinspect_vmlinux_cfi;

/* The CFI of the ELF file at PATH; an error when it has none. */
struct kinspect_error *kinspect_vmlinux_cfi_open(const char *path, struct kinspect_vmlinux_cfi **ret);

/* Whether the CFI describes the frame at link-time code address ADDR. */
bool kinspect_vmlinux_cfi_covers(struct kinspect_vmlinux_cfi *cfi, uint64_t addr);

/* Accepts NULL. */
void kinspect_vmlinux_cfi_destroy(struct kinspect_vmlinux_cfi *cfi);

#endif /* KINSPECT_VMLINUX_CFI_H */
