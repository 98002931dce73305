/* Section addresses of a loaded module, as /sys/module/NAME/sections shows
 * them (and as gdb needs them to load the module's symbols).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_SECTIONS_H
#define KINSPECT_MODULE_SECTIONS_H

#include <stdint.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* A module with more sections than this is corrupted (modules have 30-60). */
#define KINSPECT_MODULE_SECTIONS_MAX 1024

/* Call FN with the name and address of each section of the struct module at
 * MODULE, from mod->sect_attrs.  A module without sect_attrs (sysfs off, or
 * while it loads) has no sections; that is not an error. */
struct kinspect_error *kinspect_module_sections(struct kinspect_dwarf_types *types,
						const struct kinspect_memory *mem, uint64_t module,
						struct kinspect_error *(*fn)(const char *name, uint64_t address,
									     void *arg),
						void *arg);

/* A NUL-terminated string of at most SIZE - 1 bytes at ADDR, read page by
 * page so that a short string at the end of a mapping does not fault. */
struct kinspect_error *kinspect_read_string(const struct kinspect_memory *mem, uint64_t addr, char *buf,
					    size_t size);

/* The NULL-terminated array of at most MAX pointers at LIST (a sysfs
 * group's bin_attrs) into PTRS and *COUNT, read up to a page end at a time
 * (the array may end its allocation: reading on could fault). */
struct kinspect_error *kinspect_read_pointer_list(const struct kinspect_memory *mem, uint64_t list, uint32_t max,
						  uint64_t *ptrs, uint32_t *count);

#endif /* KINSPECT_MODULE_SECTIONS_H */
