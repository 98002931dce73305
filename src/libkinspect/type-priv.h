/* The type handles of a session, for object.c: a DWARF type position and
 * its name, kept by the session until it ends.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_TYPE_PRIV_H
#define KINSPECT_TYPE_PRIV_H

#include <kinspect/type.h>

#include "debuginfo/dwarf-types-priv.h"

struct kinspect_type {
	struct kinspect_kernel *kernel;
	struct kinspect_dwarf_types *types;
	struct kinspect_dwarf_type_pos pos;
	char *name;
	bool asked; /* NAME is what kinspect_kernel_type_find() was asked */
	struct kinspect_type *next;
};

/* What the session keeps for type.c and symbol.c. */
struct kinspect_source_lines;
struct kinspect_type_store {
	struct kinspect_type *head;
	struct kinspect_source_lines *lines; /* opened on first use */
};

/* The session's store, created on first use; NULL when memory ran out. */
struct kinspect_type_store *kinspect_type_store(struct kinspect_kernel *kernel);

/* The session's handle of the type at POS, named NAME (NULL: its C name
 * composed from the DWARF), made on first use. */
struct kinspect_error *kinspect_type_intern(struct kinspect_kernel *kernel, const struct kinspect_dwarf_type_pos *pos,
					    const char *name, const struct kinspect_type **ret);

#endif /* KINSPECT_TYPE_PRIV_H */
