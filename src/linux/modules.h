/* The kernel's list of loaded modules, read with layouts from DWARF.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULES_H
#define KINSPECT_MODULES_H

#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* A walk of the modules list stops here: a kernel with more modules is
 * rare, a corrupted list is not. */
#define KINSPECT_MODULES_MAX 4096
#define KINSPECT_MODULE_REGIONS_MAX 8

struct kinspect_module_region {
	const char *name; /* "text", "data", ... or "core", "init" before v6.4 */
	uint64_t base, size;
};

struct kinspect_module {
	uint64_t address; /* of struct module */
	char name[64];
	const char *state; /* "live", "coming", "going", "unformed" or "?" */
	uint64_t size;     /* as /proc/modules counts it */
	uint64_t base;     /* of the text, as /proc/modules shows it */
	int64_t refcount;  /* -1 if the kernel has no module unloading */
	struct kinspect_module_region regions[KINSPECT_MODULE_REGIONS_MAX];
	unsigned int nr_regions;
};

/* Call FN for every module on the kernel's "modules" list, in list order
 * (newest first).  SLIDE is the KASLR slide of VMLINUX's addresses.  The
 * walk is bounded and refuses pointers that are not kernel addresses;
 * errors name the module and field being read. */
struct kinspect_error *kinspect_modules_for_each(struct kinspect_dwarf_types *types,
						 const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						 const struct kinspect_memory *mem,
						 struct kinspect_error *(*fn)(const struct kinspect_module *module,
									      void *arg),
						 void *arg);

#endif /* KINSPECT_MODULES_H */
