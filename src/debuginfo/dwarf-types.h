/* Type layouts from DWARF, looked up by name on demand: sizes, member
 * offsets (through anonymous unions and structs), bit-fields, array lengths
 * and enumeration constants.  Nothing is indexed up front.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DWARF_TYPES_H
#define KINSPECT_DWARF_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/error.h>

struct kinspect_dwarf_types;

/* Where a member lies in its outermost type. */
struct kinspect_dwarf_member {
	/* Bytes from the start of the outer type; for a bit-field, the byte
	 * holding its first bit (gdb's "ptype/o" offset column). */
	uint64_t offset;
	/* Bytes of the member's type (its declared type for a bit-field, 0 for
	 * a flexible array). */
	uint64_t size;
	/* Bits from the start of the outer type. */
	uint64_t bit_offset;
	/* Width in bits of a bit-field, 0 for anything else. */
	uint32_t bit_size;
	/* True if the member is an array; then ARRAY_LENGTH is the number of
	 * elements of its outermost (not yet indexed) dimension, 0 for a
	 * flexible array. */
	bool is_array;
	uint64_t array_length;
};

/* Open the DWARF of the ELF file at PATH (a vmlinux, or for tests any
 * object: relocatable files are relocated) and store a new handle in *RET.
 * KINSPECT_ERROR_OS if PATH cannot be read, KINSPECT_ERROR_FORMAT if it is
 * not ELF or has no DWARF. */
struct kinspect_error *kinspect_dwarf_types_create(const char *path, struct kinspect_dwarf_types **ret);

/* Close TYPES; accepts NULL. */
void kinspect_dwarf_types_destroy(struct kinspect_dwarf_types *types);

/* Type names are written as in C: "struct module", "union x", "enum
 * iter_type", or a bare name for a typedef or base type ("u64",
 * "unsigned int").  Only complete definitions are used; a type that is
 * only declared is KINSPECT_ERROR_NOT_FOUND. */

/* The size in bytes of TYPE_NAME in *RET. */
struct kinspect_error *kinspect_dwarf_types_sizeof(struct kinspect_dwarf_types *types, const char *type_name,
						   uint64_t *ret);

/* Where the member PATH of TYPE_NAME lies, in *RET.  PATH is a C member
 * designator: "count", "__ubuf_iovec.iov_len", "mem[1].base" (indexing an
 * array adds whole elements; the index is not checked against the length).
 * Members of anonymous unions and structs are found as in C.
 * KINSPECT_ERROR_NOT_FOUND names the type and member if there is none. */
struct kinspect_error *kinspect_dwarf_types_member(struct kinspect_dwarf_types *types, const char *type_name,
						   const char *path, struct kinspect_dwarf_member *ret);

/* Whether TYPE_NAME exists and has the member PATH, in *RET (false if either
 * is missing).  Errors only for malformed DWARF, a bad PATH or no memory. */
struct kinspect_error *kinspect_dwarf_types_has_member(struct kinspect_dwarf_types *types, const char *type_name,
						       const char *path, bool *ret);

/* The number of elements of the array member PATH of TYPE_NAME in *RET
 * (outermost dimension; 0 for a flexible array).  KINSPECT_ERROR_INVALID_ARGUMENT
 * if the member is not an array. */
struct kinspect_error *kinspect_dwarf_types_array_length(struct kinspect_dwarf_types *types,
							 const char *type_name, const char *path, uint64_t *ret);

/* The value of the enumeration constant NAME ("ITER_FOLIOQ") in *RET.
 * Constants of unsigned enumerations above INT64_MAX come back wrapped. */
struct kinspect_error *kinspect_dwarf_types_enum_value(struct kinspect_dwarf_types *types, const char *name,
						       int64_t *ret);

/* Call FN for every member reachable by name directly in TYPE_NAME (members
 * of anonymous unions and structs included, in declaration order), with its
 * name and layout; a non-NULL error from FN stops the walk and is returned. */
struct kinspect_error *
kinspect_dwarf_types_for_each_member(struct kinspect_dwarf_types *types, const char *type_name,
				     struct kinspect_error *(*fn)(const char *name,
								  const struct kinspect_dwarf_member *member,
								  void *arg),
				     void *arg);

/* Call FN for every constant of the enumeration TYPE_NAME ("enum pageflags"),
 * in declaration order, with its name and value; a non-NULL error from FN
 * stops the walk and is returned. */
struct kinspect_error *
kinspect_dwarf_types_for_each_enumerator(struct kinspect_dwarf_types *types, const char *type_name,
					 struct kinspect_error *(*fn)(const char *name, int64_t value, void *arg),
					 void *arg);

#endif /* KINSPECT_DWARF_TYPES_H */
