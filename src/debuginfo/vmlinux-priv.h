/* Library-internal access to a vmlinux's file contents, without the copy
 * kinspect_vmlinux_read() makes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DEBUGINFO_VMLINUX_PRIV_H
#define KINSPECT_DEBUGINFO_VMLINUX_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

/* Point *RET at the LEN bytes at link-time address ADDR in the file
 * contents of VMLINUX's sections (the mapped file: no copy, no alignment
 * beyond the section's).  Valid while VMLINUX is open.  Errors as
 * kinspect_vmlinux_read(). */
struct kinspect_error *kinspect_vmlinux_contents(const struct kinspect_vmlinux *vmlinux, uint64_t addr, size_t len,
						 const void **ret);

/* kinspect_vmlinux_symbol(), a miss being the static
 * kinspect_error_not_found (for the lookups that probe). */
struct kinspect_error *kinspect_vmlinux_probe_symbol(const struct kinspect_vmlinux *vmlinux, const char *name,
						     uint64_t *ret, uint64_t *ret_size);

#endif
