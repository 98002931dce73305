/* The loaded modules of a kernel session: the kernel's "modules" list
 * walked with struct module's layout from the vmlinux's DWARF, and each
 * module's build-id, taints and .ko file.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_H
#define KINSPECT_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One loaded module as read from the target.  Valid only during the
 * kinspect_kernel_for_each_module() callback that receives it. */
struct kinspect_module;

/* Call FN for every module on KERNEL's list, in list order (newest first),
 * until FN returns an error (which is returned).  The walk is bounded and
 * refuses pointers that are not kernel addresses: its error names the
 * module and the field, after FN saw the modules before it. */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_for_each_module(struct kinspect_kernel *kernel,
				struct kinspect_error *(*fn)(const struct kinspect_module *module, void *arg), void *arg);

/* Its name ("loop").  Owned by MODULE. */
KINSPECT_EXPORT const char *kinspect_module_name(const struct kinspect_module *module);

/* "live", "coming", "going", "unformed" or "?".  Static. */
KINSPECT_EXPORT const char *kinspect_module_state(const struct kinspect_module *module);

/* The address of its struct module. */
KINSPECT_EXPORT uint64_t kinspect_module_address(const struct kinspect_module *module);

/* Its base and size as /proc/modules shows them (the text's base; the
 * size of every region). */
KINSPECT_EXPORT uint64_t kinspect_module_base(const struct kinspect_module *module);
KINSPECT_EXPORT uint64_t kinspect_module_size(const struct kinspect_module *module);

/* Its reference count, or -1 if the kernel was built without module
 * unloading. */
KINSPECT_EXPORT int64_t kinspect_module_refcount(const struct kinspect_module *module);

/* The NT_GNU_BUILD_ID the loaded module carries in memory: its bytes in
 * BUF (SIZE bytes; 64 always suffice), their number in *RET_LEN.
 * KINSPECT_ERROR_NOT_FOUND if the module has none. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_module_build_id(struct kinspect_kernel *kernel,
								       const struct kinspect_module *module,
								       uint8_t *buf, size_t size, size_t *ret_len);

/* Its taint letters as /sys/module/NAME/taint shows them ("" when
 * untainted), malloc()ed in *RET. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_module_taints(struct kinspect_kernel *kernel,
								     const struct kinspect_module *module, char **ret);

/* The .ko, .ko.xz or .ko.zst file under the session's module directories
 * whose build-id is the loaded module's, in *RET_PATH (owned by KERNEL).
 * KINSPECT_ERROR_NOT_FOUND, saying what was found instead (no file, one of
 * another build), when there is none. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_module_file(struct kinspect_kernel *kernel,
								   const struct kinspect_module *module,
								   const char **ret_path);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_MODULE_H */
