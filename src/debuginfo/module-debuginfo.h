/* The DWARF of a loaded module, relocated to the addresses the kernel gave
 * its sections: a .ko is ET_REL, its DWARF is full of relocations
 * (.rela.debug_*, even for DW_FORM_strp names), so it only makes sense once
 * each SHF_ALLOC section has its runtime address.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_DEBUGINFO_H
#define KINSPECT_MODULE_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include <kinspect/error.h>

#include "debuginfo/module-file.h"

/* Where the kernel put one section of a module (/sys/module/NAME/sections,
 * or mod->sect_attrs read from the guest). */
struct kinspect_section_address {
	const char *name;
	uint64_t address;
};

struct kinspect_module_debuginfo;

/* Relocate the DWARF of FILE, the .ko of module MODULE_NAME, for the
 * section addresses SECTIONS (NR_SECTIONS of them, copied; a SHF_ALLOC
 * section not among them is treated as not loaded).  FILE must outlive the
 * result.  KINSPECT_ERROR_FORMAT if FILE has no usable DWARF. */
struct kinspect_error *kinspect_module_debuginfo_create(const struct kinspect_module_file *file,
							const char *module_name,
							const struct kinspect_section_address *sections,
							size_t nr_sections, struct kinspect_module_debuginfo **ret);

/* Accepts NULL. */
void kinspect_module_debuginfo_destroy(struct kinspect_module_debuginfo *md);

/* The libdwfl module and its relocated DWARF, owned by MD.  Addresses in
 * the DWARF plus *RET_BIAS (0 for a module: its sections already carry
 * their runtime addresses) are runtime addresses. */
Dwfl_Module *kinspect_module_debuginfo_dwfl_module(const struct kinspect_module_debuginfo *md);
Dwarf *kinspect_module_debuginfo_dwarf(const struct kinspect_module_debuginfo *md, uint64_t *ret_bias);

/* The function NAME defined in the module: its runtime entry address (the
 * DW_AT_low_pc of its out-of-line code, bias applied) in *RET_ADDRESS and
 * its DW_TAG_subprogram DIE in *RET_DIE (its DW_TAG_formal_parameter
 * children are the parameters; names and types may sit on the abstract
 * origin: read them with dwarf_attr_integrate()).  KINSPECT_ERROR_NOT_FOUND
 * if the module defines no such function out of line. */
/* Whether the module's DWARF call frame information (its relocated
 * .debug_frame, else .eh_frame) describes the frame at runtime code
 * address ADDR: a DWARF unwinder given this .ko (gdb's) unwinds it. */
bool kinspect_module_debuginfo_cfi_covers(struct kinspect_module_debuginfo *md, uint64_t addr);

struct kinspect_error *kinspect_module_debuginfo_function(struct kinspect_module_debuginfo *md, const char *name,
							  uint64_t *ret_address, Dwarf_Die *ret_die);

#endif /* KINSPECT_MODULE_DEBUGINFO_H */
