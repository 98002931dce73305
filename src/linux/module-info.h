/* What lsmod shows of a module beyond the list walk: its taint letters,
 * the modules using it, its section addresses and its build-id, all read
 * from guest memory with layouts from DWARF.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_INFO_H
#define KINSPECT_MODULE_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "debuginfo/module-debuginfo.h"
#include "linux/memory.h"

#define KINSPECT_BUILD_ID_MAX 64
/* Taint bits are an unsigned long: at most 64 letters. */
#define KINSPECT_MODULE_TAINTS_MAX 64

struct kinspect_module_info;

/* Layouts of struct module, struct module_use and struct taint_flag from
 * TYPES; the kernel's taint_flags[] table is read from MEM (SLIDE applied)
 * on first use. */
struct kinspect_error *kinspect_module_info_create(struct kinspect_dwarf_types *types,
						   const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						   const struct kinspect_memory *mem,
						   struct kinspect_module_info **ret);
void kinspect_module_info_destroy(struct kinspect_module_info *info);

/* The taint letters of the struct module at MODULE, as
 * /sys/module/NAME/taint shows them ("" when untainted), into BUF of at
 * least KINSPECT_MODULE_TAINTS_MAX + 1 bytes: mod->taints decoded with the
 * kernel's own taint_flags[] (only entries marked "module"). */
struct kinspect_error *kinspect_module_info_taints(struct kinspect_module_info *info, uint64_t module, char *buf);

/* The letters of the kernel's taint bits MASK (its tainted_mask), every
 * flag of taint_flags[], into BUF as for kinspect_module_info_taints(). */
struct kinspect_error *kinspect_module_info_kernel_taints(struct kinspect_module_info *info, uint64_t mask, char *buf);

/* Call FN with the name of each module that uses MODULE (mod->source_list,
 * in the order /proc/modules prints them), then set *RET_PERMANENT when the
 * module cannot be unloaded (an init but no exit: "[permanent]").  The walk
 * is bounded and detects cycles. */
struct kinspect_error *kinspect_module_info_used_by(struct kinspect_module_info *info, uint64_t module,
						    struct kinspect_error *(*fn)(const char *name, void *arg),
						    void *arg, bool *ret_permanent);

/* The sections of MODULE (mod->sect_attrs) as a new array in *RET (names
 * owned by it; free with kinspect_section_addresses_free()) and its length
 * in *RET_NR. */
struct kinspect_error *kinspect_module_info_sections(struct kinspect_module_info *info, uint64_t module,
						     struct kinspect_section_address **ret, size_t *ret_nr);
void kinspect_section_addresses_free(struct kinspect_section_address *sections, size_t nr);

/* The NT_GNU_BUILD_ID the loaded module carries in memory, read at its
 * .note.gnu.build-id section among SECTIONS, into BUF (at least
 * KINSPECT_BUILD_ID_MAX bytes); its length in *RET_LEN.
 * KINSPECT_ERROR_NOT_FOUND if the module has no such section. */
struct kinspect_error *kinspect_module_build_id(const struct kinspect_memory *mem,
						const struct kinspect_section_address *sections, size_t nr,
						uint8_t *buf, size_t *ret_len);

/* The same from mod->notes_attrs (what /sys/module/NAME/notes shows): a
 * handful of reads where the section list takes one per section.
 * KINSPECT_ERROR_UNSUPPORTED when the kernel has no notes_attrs. */
struct kinspect_error *kinspect_module_info_build_id(struct kinspect_module_info *info, uint64_t module,
						     uint8_t *buf, size_t *ret_len);

/* Fetch ahead what the calls above (but the section list) will read for
 * each of the NR struct modules at MODULES (read already, by the list walk):
 * all modules' notes_attrs in one batch, then all their notes, then the
 * users lists one entry a round, so that a live target costs a few round
 * trips for the lot instead of a few per module.  Only a speed-up: the
 * calls read (and check) everything themselves. */
void kinspect_module_info_prefetch(struct kinspect_module_info *info, const uint64_t *modules, size_t nr);

#endif /* KINSPECT_MODULE_INFO_H */
