/* The loaded modules of a kernel session: the kernel's "modules" list
 * walked with struct module's layout from the vmlinux's DWARF, and each
 * module's build-id, taints and .ko file.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_H
#define KINSPECT_MODULE_H

#include <stdbool.h>
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
 * until FN returns an error (which is returned).  The whole list is read
 * first, and what the calls below read for every module (notes, users)
 * fetched ahead in batches: on a live target a few round trips for all
 * modules instead of a few per module.  The walk is bounded and refuses
 * pointers that are not kernel addresses: a damaged list gives FN the
 * modules before the damage, then an error naming the module and field. */
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

/* Its memory regions: text, data, rodata, ... (mod->mem[] since v6.4) or
 * core and init before.  INDEX below kinspect_module_nr_regions(); the
 * name is static. */
KINSPECT_EXPORT unsigned int kinspect_module_nr_regions(const struct kinspect_module *module);
KINSPECT_EXPORT void kinspect_module_region(const struct kinspect_module *module, unsigned int index,
					    const char **ret_name, uint64_t *ret_base, uint64_t *ret_size);

/* Call FN with the name of each module that uses MODULE, in the order
 * /proc/modules prints them, then set *RET_PERMANENT when it cannot be
 * unloaded (an init but no exit). */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_module_users(struct kinspect_kernel *kernel, const struct kinspect_module *module,
			     struct kinspect_error *(*fn)(const char *name, void *arg), void *arg, bool *ret_permanent);

/* Call FN with each ELF section's name and address, as
 * /sys/module/NAME/sections shows them (mod->sect_attrs). */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_module_sections(struct kinspect_kernel *kernel, const struct kinspect_module *module,
				struct kinspect_error *(*fn)(const char *name, uint64_t address, void *arg), void *arg);

/* The module's file under the session's module directories: the .ko,
 * .ko.xz or .ko.zst with the loaded module's build-id, in *RET_PATH (owned
 * by KERNEL), *RET_VERIFIED true.  When the build-id cannot be read from
 * memory, the file of that name, *RET_VERIFIED false (and a warning
 * logged).  KINSPECT_ERROR_NOT_FOUND, saying what was found instead (no
 * file, one of another build), when there is none. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_module_file(struct kinspect_kernel *kernel,
								   const struct kinspect_module *module,
								   const char **ret_path, bool *ret_verified);

/* The directories searched for .ko files, *RET_NR of them: the options'
 * module_dirs, or else those of the default ones that exist (see
 * kinspect_options), found from the vmlinux's release on first use (the
 * vmlinux is opened then; none if it cannot be).  Owned by KERNEL. */
KINSPECT_EXPORT const char *const *kinspect_kernel_module_dirs(struct kinspect_kernel *kernel, size_t *ret_nr);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_MODULE_H */
