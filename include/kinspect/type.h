/* Types of a kernel session from the vmlinux's DWARF: found by name, their
 * sizes, members by C designator ("mem[1].base", "a.b.c") with offset,
 * size and type, and enumeration constants.  Layouts come from the DWARF
 * (or the layout cache of the vmlinux's build-id): never hard-coded.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_TYPE_H
#define KINSPECT_TYPE_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A type: owned by the session, valid as long as it. */
struct kinspect_type;

/* The type TYPE_NAME, written as in C: "struct iov_iter", "union x",
 * "enum iter_type", or a bare name for a typedef or base type ("u64",
 * "unsigned int"), in *RET.  Only complete definitions count.  The static
 * KINSPECT_ERROR_NOT_FOUND error when the DWARF has none (probing for a
 * type that may not exist allocates nothing). */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_type_find(struct kinspect_kernel *kernel,
								 const char *type_name,
								 const struct kinspect_type **ret);

/* Its name: as it was asked for ("u64"), or for a member's type the C
 * name of the type with typedefs and qualifiers stripped ("unsigned long",
 * "struct page *", "char [16]").  Owned by the session. */
KINSPECT_EXPORT const char *kinspect_type_name(const struct kinspect_type *type);

/* Its size in bytes in *RET (0 for a flexible array).
 * KINSPECT_ERROR_FORMAT when the DWARF gives it none (a function type). */
KINSPECT_EXPORT struct kinspect_error *kinspect_type_size(const struct kinspect_type *type, uint64_t *ret);

/* Where a member lies in the type it was asked of. */
struct kinspect_member {
	/* Bytes from the start of the outer type; for a bit-field, the byte
	 * holding its first bit (gdb's "ptype/o" offset column). */
	uint64_t offset;
	/* Bytes of the member's type (its declared type for a bit-field, 0
	 * for a flexible array). */
	uint64_t size;
	/* Bits from the start of the outer type, and the width of a
	 * bit-field (0 for anything else). */
	uint64_t bit_offset;
	uint32_t bit_size;
	/* An array: the number of elements of its outermost (not yet
	 * indexed) dimension, 0 for a flexible array. */
	bool is_array;
	uint64_t array_length;
	/* The member's type, owned by the session. */
	const struct kinspect_type *type;
};

/* The member PATH of TYPE, a C member designator: "count",
 * "__ubuf_iovec.iov_len", "mem[1].base", "[2]" for an array's element
 * (an index adds whole elements and is not checked against the length).
 * Members of anonymous structs and unions are found as in C.  In *RET.
 * The static KINSPECT_ERROR_NOT_FOUND error when TYPE has no such member;
 * KINSPECT_ERROR_INVALID_ARGUMENT for a malformed PATH or one that indexes
 * what is not an array or names a member of what is not a struct. */
KINSPECT_EXPORT struct kinspect_error *kinspect_type_member(const struct kinspect_type *type, const char *path,
							    struct kinspect_member *ret);

/* The value of the enumeration constant NAME ("ITER_FOLIOQ") in *RET
 * (constants of unsigned enumerations above INT64_MAX come back wrapped).
 * The static KINSPECT_ERROR_NOT_FOUND error when there is none. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_enum_value(struct kinspect_kernel *kernel, const char *name,
								  int64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_TYPE_H */
