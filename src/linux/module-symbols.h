/* Symbols of the loaded modules, from each module's .ko (found under the
 * -m directories, build-id checked against the guest's copy): name to
 * runtime address and address to "symbol+0xoff [module]".  A symbol's
 * runtime address is its st_value plus the address the kernel gave its
 * section (mod->sect_attrs), exactly as the kernel's own kallsyms computes
 * it for modules.  The guest's build-id of a module comes from its notes
 * (mod->notes_attrs, a few reads), its section addresses are read only for
 * a module that holds the wanted name or address.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_SYMBOLS_H
#define KINSPECT_MODULE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "debuginfo/module-debuginfo.h"
#include "debuginfo/module-file.h"
#include "linux/memory.h"

struct kinspect_module_symbols;

struct kinspect_module_symbol {
	const char *module; /* owned by the kinspect_module_symbols */
	const char *name;   /* idem; a section name when the .ko is missing */
	uint64_t address;   /* runtime address of the symbol (or section) */
	uint64_t size;
	uint64_t offset;    /* of the looked-up address from ADDRESS */
	bool from_section;  /* no .ko: NAME is the section holding the address */
};

/* Walk the module list of the target behind MEM (layouts from TYPES,
 * VMLINUX's addresses moved by SLIDE) and prepare lookups in the .ko files
 * under DIRS (copied; NR_DIRS may be 0).  Sections and .ko files are read on
 * first use.  TYPES, VMLINUX and MEM must outlive the result. */
struct kinspect_error *kinspect_module_symbols_create(struct kinspect_dwarf_types *types,
						      const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						      const struct kinspect_memory *mem, const char *const *dirs,
						      size_t nr_dirs, struct kinspect_module_symbols **ret);

/* Accepts NULL. */
void kinspect_module_symbols_destroy(struct kinspect_module_symbols *ms);

/* The symbol NAME, or MODULE:NAME to look in one module only.  Global
 * symbols are preferred to local ones within a module; a name defined in
 * several modules is an error asking for MODULE:NAME.
 * KINSPECT_ERROR_NOT_FOUND when no module has it; the message names the
 * modules whose .ko could not be used. */
struct kinspect_error *kinspect_module_symbols_lookup(struct kinspect_module_symbols *ms, const char *name,
						      struct kinspect_module_symbol *ret);

/* The module symbol holding runtime address ADDR (the one whose
 * [address, address + size) holds it, else the nearest below in the same
 * section).  When the module's .ko is not available the section holding
 * ADDR is given instead (FROM_SECTION set).  KINSPECT_ERROR_NOT_FOUND when
 * no module holds ADDR. */
struct kinspect_error *kinspect_module_symbols_symbolize(struct kinspect_module_symbols *ms, uint64_t addr,
							 struct kinspect_module_symbol *ret);

/* The .ko of loaded module NAME (build-id verified) and its section
 * addresses, all owned by MS.  For the gdb proxy and "break". */
struct kinspect_error *kinspect_module_symbols_file(struct kinspect_module_symbols *ms, const char *name,
						    struct kinspect_module_file **ret_file,
						    const struct kinspect_section_address **ret_sections,
						    size_t *ret_nr_sections);

/* The relocated DWARF of loaded module NAME, created on first use, owned by MS. */
struct kinspect_error *kinspect_module_symbols_debuginfo(struct kinspect_module_symbols *ms, const char *name,
							 struct kinspect_module_debuginfo **ret);

/* Whether the DWARF CFI of the .ko of the loaded module holding runtime
 * code address ADDR describes that address (see
 * kinspect_module_debuginfo_cfi_covers()); false when no module holds it
 * or its .ko is not at hand (that one is not tried again). */
bool kinspect_module_symbols_cfi_covers(struct kinspect_module_symbols *ms, uint64_t addr);

/* The function NAME (or MODULE:NAME) of a loaded module: the module's name
 * in *RET_MODULE (owned by MS), its runtime entry address from the
 * relocated DWARF in *RET_ADDRESS and its DW_TAG_subprogram in *RET_DIE
 * (valid while MS lives).  For "break FUNCTION". */
struct kinspect_error *kinspect_module_symbols_function(struct kinspect_module_symbols *ms, const char *name,
							const char **ret_module, uint64_t *ret_address,
							Dwarf_Die *ret_die);

#endif /* KINSPECT_MODULE_SYMBOLS_H */
