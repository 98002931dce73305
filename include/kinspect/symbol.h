/* Symbols of a kernel session both ways, the vmlinux's and the loaded
 * modules' alike: a name to its address, an address to the symbol that
 * holds it.  Addresses are runtime ones (the KASLR slide applied) when the
 * session has a target, link-time ones of the vmlinux without.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_SYMBOL_H
#define KINSPECT_SYMBOL_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A symbol as found.  The strings belong to the session (a module's until
 * the module list is read again, after a live guest ran), except NAME of a
 * vmlinux symbol found by kinspect_kernel_symbol_lookup(): the caller's
 * NAME itself. */
struct kinspect_symbol {
	const char *name;   /* a section name when SECTION is set */
	const char *module; /* NULL for the vmlinux */
	uint64_t address;   /* of the symbol's start */
	uint64_t size;      /* 0 when the symbol table gives none */
	uint64_t offset;    /* kinspect_kernel_symbolize(): the address asked minus ADDRESS */
	/* The module's .ko was not found: NAME is the section of the loaded
	 * module that holds the address (kinspect_kernel_symbolize() only). */
	bool section;
};

/* The symbol NAME of the vmlinux, else (with a target) of a loaded module,
 * NAME or MODULE:NAME (from its .ko, build-id checked), in *RET (OFFSET 0).
 * Not found: the static KINSPECT_ERROR_NOT_FOUND error when the vmlinux
 * alone was asked (no target); with a target, an error saying what the
 * module search found (modules whose .ko could not be used, no module
 * directory).  A name several modules define is
 * KINSPECT_ERROR_INVALID_ARGUMENT asking for MODULE:NAME. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_symbol_lookup(struct kinspect_kernel *kernel,
								     const char *name,
								     struct kinspect_symbol *ret);

/* The symbol that holds ADDR: the vmlinux's function or object whose
 * [address, address + size) holds it, else the nearest one below in the
 * same section; else (with a target) a loaded module's, or the module's
 * section when its .ko is missing.  In *RET, with OFFSET = ADDR - ADDRESS.
 * The static KINSPECT_ERROR_NOT_FOUND error when nothing holds ADDR. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_symbolize(struct kinspect_kernel *kernel, uint64_t addr,
								 struct kinspect_symbol *ret);

/* The source file and line of code address ADDR from the vmlinux's DWARF
 * line tables (opened on first use), in *RET_FILE (owned by the session)
 * and *RET_LINE.  The static KINSPECT_ERROR_NOT_FOUND error when no line
 * table covers ADDR (a module's code among others). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_source_line(struct kinspect_kernel *kernel, uint64_t addr,
								   const char **ret_file, int *ret_line);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_SYMBOL_H */
