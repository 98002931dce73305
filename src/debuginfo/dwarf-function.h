/* A function's entry point and parameters from DWARF: what "break FUNC"
 * needs to name the arguments of each hit.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DWARF_FUNCTION_H
#define KINSPECT_DWARF_FUNCTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdwfl.h>

#include <kinspect/error.h>

#define KINSPECT_FUNCTION_PARAMS_MAX 16

struct kinspect_function_param {
	char name[64];
	char type[128]; /* as C spells it: "struct iov_iter *" */
	uint64_t size;  /* bytes of the type (0: unknown) */
	/* Passed by value as a struct, union or array. */
	bool aggregate;
};

struct kinspect_function {
	char name[128];
	uint64_t entry; /* in the Dwfl's address space */
	size_t nr_params;
	struct kinspect_function_param params[KINSPECT_FUNCTION_PARAMS_MAX];
	bool varargs;
	bool more_params; /* more than KINSPECT_FUNCTION_PARAMS_MAX */
};

/* The out-of-line function whose entry point is ADDR in MOD (vmlinux or a
 * .ko reported to a Dwfl at its runtime addresses). */
struct kinspect_error *kinspect_dwarf_function_at(Dwfl_Module *mod, uint64_t addr, struct kinspect_function *ret);

/* The function of subprogram DIE, entered at ENTRY. */
struct kinspect_error *kinspect_dwarf_function_from_die(Dwarf_Die *die, uint64_t entry, struct kinspect_function *ret);

/* A Dwfl holding FILE (vmlinux) at its link-time addresses.  Release with
 * dwfl_end(). */
struct kinspect_error *kinspect_dwarf_function_open(const char *file, Dwfl **ret_dwfl, Dwfl_Module **ret_mod);

#endif /* KINSPECT_DWARF_FUNCTION_H */
