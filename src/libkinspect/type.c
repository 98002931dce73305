/* Types of a session (see kinspect/type.h): DWARF type positions behind
 * handles the session keeps, their C names, sizes and members.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/source-lines.h"
#include "libkinspect/kernel-priv.h"
#include "libkinspect/type-priv.h"

/* Deeper pointer or array nesting than this is named "...". */
#define NAME_DEPTH 8

struct kinspect_type_store *kinspect_type_store(struct kinspect_kernel *k)
{
	struct kinspect_type_store **store = kinspect_kernel_type_store(k);
	if (!*store)
		*store = calloc(1, sizeof(**store));
	return *store;
}

void kinspect_type_store_destroy(struct kinspect_type_store *store)
{
	if (!store)
		return;
	kinspect_source_lines_destroy(store->lines);
	for (struct kinspect_type *t = store->head, *next; t; t = next) {
		next = t->next;
		free(t->name);
		free(t);
	}
	free(store);
}

static char *tagged_name(const char *tag, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	char *s;
	if (asprintf(&s, "%s %s", tag, name ? name : "{...}") < 0)
		return NULL;
	return s;
}

/* The C name of the stripped type at POS ("struct page *", "char [16]"),
 * malloc()ed; NULL when memory ran out. */
static char *compose_name(struct kinspect_dwarf_types *types, struct kinspect_dwarf_type_pos *pos, int depth)
{
	Dwarf_Die *die = &pos->die, target;
	bool is_void = false;
	char *inner = NULL, *s = NULL;
	if (depth > NAME_DEPTH)
		return strdup("...");
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		return tagged_name("struct", die);
	case DW_TAG_union_type:
		return tagged_name("union", die);
	case DW_TAG_enumeration_type:
		return tagged_name("enum", die);
	case DW_TAG_subroutine_type:
		return strdup("<function>");
	case DW_TAG_pointer_type: {
		struct kinspect_error *err = kinspect_dwarf_types_die_type(types, die, &target, &is_void);
		if (err) {
			kinspect_error_destroy(err);
			return strdup("? *");
		}
		struct kinspect_dwarf_type_pos to = { .die = target };
		inner = is_void ? strdup("void") : compose_name(types, &to, depth + 1);
		if (inner && asprintf(&s, "%s%s*", inner, inner[strlen(inner) - 1] == '*' ? "" : " ") < 0)
			s = NULL;
		free(inner);
		return s;
	}
	case DW_TAG_array_type: {
		uint64_t dims[KINSPECT_DWARF_MAX_DIMS];
		int ndims = 0;
		struct kinspect_error *err = kinspect_dwarf_types_array_dims(types, die, dims, &ndims);
		if (!err)
			err = kinspect_dwarf_types_die_type(types, die, &target, &is_void);
		if (err) {
			kinspect_error_destroy(err);
			return strdup("? []");
		}
		struct kinspect_dwarf_type_pos elem = { .die = target };
		inner = is_void ? strdup("void") : compose_name(types, &elem, depth + 1);
		char bounds[KINSPECT_DWARF_MAX_DIMS * 24] = "";
		for (int i = pos->dims_used; i < ndims && i < KINSPECT_DWARF_MAX_DIMS; i++) {
			size_t len = strlen(bounds);
			if (dims[i])
				snprintf(bounds + len, sizeof(bounds) - len, "[%" PRIu64 "]", dims[i]);
			else
				snprintf(bounds + len, sizeof(bounds) - len, "[]");
		}
		if (inner && asprintf(&s, "%s %s", inner, bounds) < 0)
			s = NULL;
		free(inner);
		return s;
	}
	default: {
		const char *name = dwarf_diename(die);
		return strdup(name ? name : "?");
	}
	}
}

struct kinspect_error *kinspect_type_intern(struct kinspect_kernel *k, const struct kinspect_dwarf_type_pos *pos,
					    const char *name, const struct kinspect_type **ret)
{
	struct kinspect_type_store *store = kinspect_type_store(k);
	if (!store)
		return &kinspect_error_nomem;
	/* One handle per position and name: a loop over members asks the
	 * same types again and again. */
	for (struct kinspect_type *t = store->head; t; t = t->next) {
		if (t->pos.die.addr == pos->die.addr && t->pos.dims_used == pos->dims_used &&
		    (name ? t->asked && strcmp(t->name, name) == 0 : !t->asked)) {
			*ret = t;
			return NULL;
		}
	}
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_kernel_types(k, &types);
	if (err)
		return err;
	struct kinspect_type *t = calloc(1, sizeof(*t));
	if (!t)
		return &kinspect_error_nomem;
	*t = (struct kinspect_type){ .kernel = k, .types = types, .pos = *pos, .asked = name != NULL };
	t->name = name ? strdup(name) : compose_name(types, &t->pos, 0);
	if (!t->name) {
		free(t);
		return &kinspect_error_nomem;
	}
	t->next = store->head;
	store->head = t;
	*ret = t;
	return NULL;
}

/* ERR, or the static not-found error in place of a NOT_FOUND one. */
static struct kinspect_error *probe_result(struct kinspect_error *err)
{
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return &kinspect_error_not_found;
	}
	return err;
}

struct kinspect_error *kinspect_kernel_type_find(struct kinspect_kernel *k, const char *type_name,
						 const struct kinspect_type **ret)
{
	struct kinspect_type_store **store = kinspect_kernel_type_store(k);
	for (struct kinspect_type *t = *store ? (*store)->head : NULL; t; t = t->next) {
		/* Only names asked for: two definitions of "struct x" may
		 * differ, and the DWARF's choice is the one to keep. */
		if (t->asked && strcmp(t->name, type_name) == 0) {
			*ret = t;
			return NULL;
		}
	}
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_kernel_types(k, &types);
	if (err)
		return err;
	struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
	if ((err = probe_result(kinspect_dwarf_types_find_type_die(types, type_name, &pos.die))))
		return err;
	return kinspect_type_intern(k, &pos, type_name, ret);
}

const char *kinspect_type_name(const struct kinspect_type *type)
{
	return type->name;
}

struct kinspect_error *kinspect_type_size(const struct kinspect_type *type, uint64_t *ret)
{
	struct kinspect_dwarf_type_pos pos = type->pos;
	return kinspect_dwarf_types_pos_size(type->types, &pos, ret);
}

struct kinspect_error *kinspect_type_member(const struct kinspect_type *type, const char *path,
					    struct kinspect_member *ret)
{
	struct kinspect_dwarf_type_pos pos = type->pos;
	struct kinspect_dwarf_member m = { 0 };
	struct kinspect_error *err = kinspect_dwarf_types_pos_size(type->types, &pos, &m.size);
	if (!err && *path)
		err = probe_result(kinspect_dwarf_types_resolve_pos(type->types, type->name, &pos, path, &m));
	const struct kinspect_type *member_type;
	if (err || (err = kinspect_type_intern(type->kernel, &pos, NULL, &member_type)))
		return err;
	*ret = (struct kinspect_member){ .offset = m.offset, .size = m.size, .bit_offset = m.bit_offset,
					 .bit_size = m.bit_size, .is_array = m.is_array,
					 .array_length = m.array_length, .type = member_type };
	return NULL;
}

struct kinspect_error *kinspect_kernel_enum_value(struct kinspect_kernel *k, const char *name, int64_t *ret)
{
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_kernel_types(k, &types);
	if (err)
		return err;
	return probe_result(kinspect_dwarf_types_enum_value(types, name, ret));
}
