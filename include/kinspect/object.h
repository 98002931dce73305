/* Typed objects of a kernel session: a type at an address, or a global
 * variable (a per-CPU one on a given CPU), its members, their values, and
 * the whole formatted as kinspect(1)'s print shows it (gdb's p/x), in text
 * or JSON.  Nothing is followed implicitly: an object is the bytes at its
 * address, read when asked.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_OBJECT_H
#define KINSPECT_OBJECT_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>
#include <kinspect/type.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An object: the caller's, freed with kinspect_object_destroy(); it must
 * not outlive its session. */
struct kinspect_object;

/* The object of TYPE (of KERNEL) at ADDR, in *RET.  With a target ADDR is
 * a runtime address read from the target; without one a link-time address
 * read from the vmlinux file's initialised data.  Nothing is read yet. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_object(struct kinspect_kernel *kernel,
							      const struct kinspect_type *type, uint64_t addr,
							      struct kinspect_object **ret);

/* The global variable NAME with the type its DWARF gives it, in *RET.
 * CPU is -1 for an ordinary variable; a per-CPU variable (one inside
 * [__per_cpu_start, __per_cpu_end), or linked below 4 GiB on kernels
 * without those symbols) needs a CPU and a target: its copy at
 * __per_cpu_offset[CPU] plus its per-CPU offset (its address since Linux
 * 6.15), CPU checked against the possible CPUs.  Without a target, the
 * variable's initial value in the vmlinux file.  The static
 * KINSPECT_ERROR_NOT_FOUND error when there is no such variable;
 * KINSPECT_ERROR_INVALID_ARGUMENT for a missing, needless or impossible
 * CPU. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_object_variable(struct kinspect_kernel *kernel,
								       const char *name, int cpu,
								       struct kinspect_object **ret);

/* Free OBJECT; accepts NULL. */
KINSPECT_EXPORT void kinspect_object_destroy(struct kinspect_object *object);

/* The member PATH of OBJECT (see kinspect_type_member()) as a new object
 * in *RET.  Errors as kinspect_type_member(). */
KINSPECT_EXPORT struct kinspect_error *kinspect_object_member(const struct kinspect_object *object,
							      const char *path, struct kinspect_object **ret);

/* Its type (owned by the session). */
KINSPECT_EXPORT const struct kinspect_type *kinspect_object_type(const struct kinspect_object *object);

/* The address of its first byte (for a bit-field, of the byte holding its
 * first bit), and the number of bytes it spans from there. */
KINSPECT_EXPORT uint64_t kinspect_object_address(const struct kinspect_object *object);
KINSPECT_EXPORT uint64_t kinspect_object_size(const struct kinspect_object *object);

/* Whether it is a bit-field; then its first bit's offset (0 to 7) in the
 * byte at kinspect_object_address() in *RET_BIT_OFFSET and its width in
 * *RET_BIT_SIZE (both may be NULL). */
KINSPECT_EXPORT bool kinspect_object_bit_field(const struct kinspect_object *object, uint64_t *ret_bit_offset,
					       uint32_t *ret_bit_size);

/* Read its value, an integer, enumerator, bool or pointer of at most 8
 * bytes (or a bit-field), zero-extended, into *RET.  KINSPECT_ERROR_FAULT
 * if it cannot be read, KINSPECT_ERROR_INVALID_ARGUMENT for any other
 * type. */
KINSPECT_EXPORT struct kinspect_error *kinspect_object_read_u64(const struct kinspect_object *object,
								uint64_t *ret);

/* Format the value as JSON (without it, text). */
#define KINSPECT_FORMAT_JSON 0x1u
/* JSON indented two spaces a level, as kinspect --json prints it. */
#define KINSPECT_FORMAT_PRETTY 0x2u

/* Read OBJECT (at most 1 MiB) and format it as kinspect(1)'s print does,
 * without a trailing newline, in *RET (malloc()ed, the caller frees it).
 * Text is gdb's p/x with "set print pretty": members, arrays (200 elements
 * at most, runs of 10 equal ones as <repeats N times>), bit-fields,
 * enumerators by name (flag enums as (A | B)), char arrays as strings,
 * pointers in hex with <symbol+offset> when they point into the vmlinux.
 * JSON (KINSPECT_FORMAT_JSON): structs are objects (members of anonymous
 * structs and unions merged in), arrays arrays, char arrays strings,
 * integers numbers ("0x..." strings beyond 2^53), pointers "0x..."
 * strings, enumerators names, unreadable parts null.  A read fault is
 * KINSPECT_ERROR_FAULT naming the address. */
KINSPECT_EXPORT struct kinspect_error *kinspect_object_format(const struct kinspect_object *object,
							      unsigned int flags, char **ret);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_OBJECT_H */
