/* The ORC tables of a running x86-64 kernel: vmlinux's (from the file)
 * and every loaded module's (from guest memory, on the first lookup in its
 * text), and the lookup of a code address among them that the ORC step
 * calls (a kinspect_orc_find_fn).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_ORC_KERNEL_H
#define KINSPECT_X86_64_ORC_KERNEL_H

#include "arch/arch.h"
#include "arch/x86_64-orc.h"

struct kinspect_orc_module;

struct kinspect_orc_kernel {
	struct kinspect_arch_unwind_kernel kernel;
	const struct kinspect_orc_format *format;
	struct kinspect_orc_table vmlinux;
	/* Module tables by struct module address, read on first need. */
	struct kinspect_orc_module *modules;
	size_t nr_modules;
	/* Where struct module keeps them (mod->arch.orc_unwind_ip,
	 * orc_unwind, num_orcs), looked up at the first module address. */
	bool layout_read, layout_known;
	uint64_t ip_off, orc_off, num_off, num_size;
};

/* Set up KERNEL's tables (KERNEL is copied; FORMAT, from the vmlinux's
 * DWARF, must outlive them): vmlinux's now, whose entries also tell
 * FORMAT's register numbering.  An error names what is missing; deinit
 * is due either way. */
struct kinspect_error *kinspect_orc_kernel_init(struct kinspect_orc_kernel *orc,
						const struct kinspect_arch_unwind_kernel *kernel,
						struct kinspect_orc_format *format);
void kinspect_orc_kernel_deinit(struct kinspect_orc_kernel *orc);

/* A kinspect_orc_find_fn over ARG, a struct kinspect_orc_kernel: a
 * module's tables that cannot be read are a warning, and its code has no
 * ORC data. */
enum kinspect_orc_lookup kinspect_orc_kernel_find(void *arg, uint64_t addr, struct kinspect_orc_entry *ret,
						  const char **ret_table);

#endif /* KINSPECT_X86_64_ORC_KERNEL_H */
