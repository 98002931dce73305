/* A kernel image (vmlinux) on disk: identity, ELF symbols and the bytes of
 * its initialised data.  Opening checks that the file is an x86-64 vmlinux
 * with DWARF and says clearly what is wrong otherwise.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_VMLINUX_H
#define KINSPECT_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct kinspect_vmlinux;

/* Open the vmlinux at PATH and store a new handle in *RET.  Fails with a
 * KINSPECT_ERROR_OS error if PATH cannot be read, KINSPECT_ERROR_FORMAT if it
 * is not a complete x86-64 ELF executable (empty, truncated, a compressed
 * bzImage, a module, another architecture) or carries no DWARF. */
KINSPECT_EXPORT struct kinspect_error *kinspect_vmlinux_open(const char *path, struct kinspect_vmlinux **ret);

/* Close VMLINUX; accepts NULL. */
KINSPECT_EXPORT void kinspect_vmlinux_destroy(struct kinspect_vmlinux *vmlinux);

/* The path it was opened with.  Owned by VMLINUX. */
KINSPECT_EXPORT const char *kinspect_vmlinux_path(const struct kinspect_vmlinux *vmlinux);

/* The GNU build-id: store a pointer to its bytes in *RET (owned by VMLINUX)
 * and return its length, or return 0 if the image has none. */
KINSPECT_EXPORT size_t kinspect_vmlinux_build_id(const struct kinspect_vmlinux *vmlinux, const uint8_t **ret);

/* linux_banner as stored in the image, without its trailing newline
 * ("Linux version 6.12.1 (...) #1 SMP ..."), or NULL if the image does not
 * hold it.  Owned by VMLINUX. */
KINSPECT_EXPORT const char *kinspect_vmlinux_banner(const struct kinspect_vmlinux *vmlinux);

/* The release from the banner ("6.12.1-amd64"), or NULL.  Owned by VMLINUX. */
KINSPECT_EXPORT const char *kinspect_vmlinux_release(const struct kinspect_vmlinux *vmlinux);

/* Size in bytes of the DWARF .debug_info section (compressed size if it is
 * compressed). */
KINSPECT_EXPORT uint64_t kinspect_vmlinux_debug_info_size(const struct kinspect_vmlinux *vmlinux);

/* The link-time address of the ELF symbol NAME in *RET (and its size in
 * *RET_SIZE if not NULL).  KINSPECT_ERROR_NOT_FOUND if there is none. */
KINSPECT_EXPORT struct kinspect_error *kinspect_vmlinux_symbol(const struct kinspect_vmlinux *vmlinux,
							       const char *name, uint64_t *ret,
							       uint64_t *ret_size);

/* The symbol that contains link-time address ADDR: the function or object
 * whose [value, value + size) holds it, else the nearest one below it in the
 * same section.  Stores its name (owned by VMLINUX) in *RET_NAME and
 * ADDR - value in *RET_OFFSET.  KINSPECT_ERROR_NOT_FOUND if no symbol is
 * below ADDR in a section that holds it. */
KINSPECT_EXPORT struct kinspect_error *kinspect_vmlinux_symbolize(struct kinspect_vmlinux *vmlinux, uint64_t addr,
								  const char **ret_name, uint64_t *ret_offset);

/* Copy LEN bytes at link-time address ADDR from the image's file contents
 * into BUF.  KINSPECT_ERROR_FAULT if no section holds all of them in the file
 * (uninitialised data such as .bss is not in the file). */
KINSPECT_EXPORT struct kinspect_error *kinspect_vmlinux_read(const struct kinspect_vmlinux *vmlinux,
							     uint64_t addr, void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_VMLINUX_H */
