/* Type DIEs for code that walks types itself (the value printer): the
 * lookups and layout rules of dwarf-types.c, on libdw DIEs.  These always
 * open the DWARF; the layout cache does not hold DIEs.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DWARF_TYPES_PRIV_H
#define KINSPECT_DWARF_TYPES_PRIV_H

#include <elfutils/libdw.h>

#include "debuginfo/dwarf-types.h"

/* Deeper than any real type; bounds recursion on cyclic (corrupt) DWARF. */
#define KINSPECT_DWARF_MAX_DEPTH 64
#define KINSPECT_DWARF_MAX_DIMS 8

/* A type position: a type DIE with typedefs and qualifiers stripped, and
 * for an array how many of its dimensions were already indexed. */
struct kinspect_dwarf_type_pos {
	Dwarf_Die die;
	int dims_used;
};

/* Misses of the lookups below are the static kinspect_error_not_found
 * (they back the public lookups that probe, see kinspect/type.h). */

/* The stripped type TYPE_NAME ("struct module", "u64") in *RET. */
struct kinspect_error *kinspect_dwarf_types_find_type_die(struct kinspect_dwarf_types *types, const char *type_name,
							  Dwarf_Die *ret);

/* The global variable NAME defined in the DWARF (a top-level
 * DW_TAG_variable with a location; else its declaration, which has no
 * address): its stripped type in *RET_TYPE, and
 * its link-time address in *RET_ADDR if the location is a plain address
 * (*RET_HAS_ADDR false otherwise).  KINSPECT_ERROR_NOT_FOUND if none. */
struct kinspect_error *kinspect_dwarf_types_find_variable(struct kinspect_dwarf_types *types, const char *name,
							  Dwarf_Die *ret_type, uint64_t *ret_addr,
							  bool *ret_has_addr);

/* Follow typedefs and qualifiers from DIE (declarations completed by name). */
struct kinspect_error *kinspect_dwarf_types_strip(struct kinspect_dwarf_types *types, Dwarf_Die *die,
						  Dwarf_Die *ret);

/* The stripped DW_AT_type of DIE; *RET_VOID true (and no error) if it has
 * none (void). */
struct kinspect_error *kinspect_dwarf_types_die_type(struct kinspect_dwarf_types *types, Dwarf_Die *die,
						     Dwarf_Die *ret, bool *ret_void);

/* The size in bytes of the type at POS. */
struct kinspect_error *kinspect_dwarf_types_pos_size(struct kinspect_dwarf_types *types,
						     struct kinspect_dwarf_type_pos *pos, uint64_t *ret);

/* The dimensions of the array type DIE (0 for a flexible one) in DIMS
 * (KINSPECT_DWARF_MAX_DIMS entries) and their number in *RET_NDIMS. */
struct kinspect_error *kinspect_dwarf_types_array_dims(struct kinspect_dwarf_types *types, Dwarf_Die *die,
						       uint64_t *dims, int *ret_ndims);

/* Where the member DIE MEMBER lies in its struct or union: bits from its
 * start in *RET_BIT_OFFSET, bit-field width in *RET_BIT_SIZE (0 if none),
 * its stripped type in *RET_TYPE. */
struct kinspect_error *kinspect_dwarf_types_member_die(struct kinspect_dwarf_types *types, Dwarf_Die *member,
						       uint64_t *ret_bit_offset, uint32_t *ret_bit_size,
						       Dwarf_Die *ret_type);

/* The value of the enumerator DIE of the enumeration ENUM_DIE (unsigned
 * enumerations' values above INT64_MAX come back wrapped). */
struct kinspect_error *kinspect_dwarf_types_enumerator_value(struct kinspect_dwarf_types *types, Dwarf_Die *enum_die,
							     Dwarf_Die *die, int64_t *ret);

/* Resolve the member designator PATH ("a.b[2].c") from the type at *POS,
 * leaving *POS at the type it designates and its layout (relative to the
 * start of the type at *POS on entry) in *RET.  NAME names the start in
 * messages.  KINSPECT_ERROR_NOT_FOUND if a member is missing. */
struct kinspect_error *kinspect_dwarf_types_resolve_pos(struct kinspect_dwarf_types *types, const char *name,
							struct kinspect_dwarf_type_pos *pos, const char *path,
							struct kinspect_dwarf_member *ret);

#endif /* KINSPECT_DWARF_TYPES_PRIV_H */
