/* Page flag and page type names from enum pageflags and enum pagetype.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"
#include "linux/page-flags.h"

struct collect {
	struct kinspect_page_flag_names *names;
	bool done; /* __NR_PAGEFLAGS seen: the rest are aliases */
};

static const char *const second_page_flags[4] = { "has_hwpoisoned", "large_rmappable", "partially_mapped",
						   "double_map" };

static struct kinspect_error *collect_flag(const char *name, int64_t value, void *arg)
{
	struct collect *c = arg;
	struct kinspect_page_flag_names *n = c->names;
	const char *bare = strncmp(name, "PG_", 3) == 0 ? name + 3 : name;
	if (value >= 0 && value < KINSPECT_PAGE_FLAGS_MAX) {
		if (strcmp(bare, "anon_exclusive") == 0)
			n->anon_exclusive_bit = (int)value;
		else if (strcmp(bare, "swapcache") == 0)
			n->swapcache_bit = (int)value;
		for (int i = 0; i < 4; i++) {
			if (strcmp(bare, second_page_flags[i]) == 0)
				n->second_page_bits[i] = (int)value;
		}
	}
	if (c->done)
		return NULL;
	if (strcmp(name, "__NR_PAGEFLAGS") == 0) {
		if (value < 0 || value > KINSPECT_PAGE_FLAGS_MAX)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "__NR_PAGEFLAGS is %lld",
						     (long long)value);
		c->names->nr = (unsigned int)value;
		c->done = true;
		return NULL;
	}
	if (value < 0 || value >= KINSPECT_PAGE_FLAGS_MAX || c->names->names[value])
		return NULL;
	if (strncmp(name, "PG_", 3) == 0)
		name += 3;
	if (!(c->names->names[value] = strdup(name)))
		return &kinspect_error_nomem;
	return NULL;
}

static struct kinspect_error *collect_type(const char *name, int64_t value, void *arg)
{
	struct kinspect_page_flag_names *names = arg;
	if (strcmp(name, "PAGE_TYPE_BASE") == 0) {
		names->type_base = (uint32_t)value;
		names->type_scheme = KINSPECT_PAGE_TYPES_BITS;
		return NULL;
	}
	const char *prefix = strncmp(name, "PGTY_", 5) == 0 ? "PGTY_" : strncmp(name, "PG_", 3) == 0 ? "PG_" : NULL;
	/* PGTY_mapcount_underflow is a mapcount gone wrong, not a type. */
	if (!prefix || strcmp(name, "PGTY_mapcount_underflow") == 0 || names->nr_types == KINSPECT_PAGE_TYPES_MAX)
		return NULL;
	if (prefix[2] == 'T')
		names->type_scheme = KINSPECT_PAGE_TYPES_BYTE;
	char *copy = strdup(name + strlen(prefix));
	if (!copy)
		return &kinspect_error_nomem;
	names->types[names->nr_types].name = copy;
	names->types[names->nr_types++].value = (uint32_t)value;
	return NULL;
}

struct kinspect_error *kinspect_page_flag_names_init(struct kinspect_dwarf_types *types,
						     struct kinspect_page_flag_names *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->anon_exclusive_bit = ret->swapcache_bit = -1;
	for (int i = 0; i < 4; i++) {
		ret->second_page_bits[i] = -1;
		ret->second_page_names[i] = second_page_flags[i];
	}
	struct collect c = { .names = ret };
	struct kinspect_error *err = kinspect_dwarf_types_for_each_enumerator(types, "enum pageflags", collect_flag, &c);
	if (!err && !c.done)
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "enum pageflags has no __NR_PAGEFLAGS");
	if (err)
		kinspect_page_flag_names_deinit(ret);
	return err;
}

struct kinspect_error *kinspect_page_type_names_load(struct kinspect_dwarf_types *types,
						     struct kinspect_page_flag_names *names)
{
	struct kinspect_error *err = kinspect_dwarf_types_for_each_enumerator(types, "enum pagetype", collect_type, names);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return NULL; /* KINSPECT_PAGE_TYPES_NONE */
	}
	return err;
}

void kinspect_page_flag_names_deinit(struct kinspect_page_flag_names *names)
{
	for (unsigned int i = 0; i < KINSPECT_PAGE_FLAGS_MAX; i++)
		free(names->names[i]);
	for (unsigned int i = 0; i < names->nr_types; i++)
		free(names->types[i].name);
	memset(names, 0, sizeof(*names));
}

unsigned int kinspect_page_flags_decode(const struct kinspect_page_flag_names *names, uint64_t flags,
					enum kinspect_page_flags_role role, bool anon, bool swapbacked,
					uint64_t not_flags, const char **ret, uint64_t *ret_unnamed)
{
	unsigned int n = 0;
	uint64_t unnamed = 0;
	int hwpoison = kinspect_page_flag_bit(names, "hwpoison");
	for (unsigned int bit = 0; bit < names->nr && bit < 64; bit++) {
		if (!((flags >> bit) & 1) || ((not_flags >> bit) & 1))
			continue;
		const char *name = NULL;
		if (anon && (int)bit == names->anon_exclusive_bit)
			name = "anon_exclusive";
		else if (role == KINSPECT_PAGE_FLAGS_FOLIO && swapbacked && (int)bit == names->swapcache_bit)
			name = "swapcache";
		else if (role == KINSPECT_PAGE_FLAGS_FOLIO || (int)bit == hwpoison)
			name = names->names[bit];
		for (int i = 0; role == KINSPECT_PAGE_FLAGS_SECOND && !name && i < 4; i++) {
			if ((int)bit == names->second_page_bits[i])
				name = names->second_page_names[i];
		}
		if (name && n < KINSPECT_PAGE_FLAG_NAMES_MAX)
			ret[n++] = name;
		else
			unnamed |= 1ULL << bit;
	}
	*ret_unnamed = unnamed;
	return n;
}

int kinspect_page_flag_bit(const struct kinspect_page_flag_names *names, const char *name)
{
	for (unsigned int i = 0; i < names->nr; i++) {
		if (names->names[i] && strcmp(names->names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *kinspect_page_type_name(const struct kinspect_page_flag_names *names, uint32_t page_type)
{
	switch (names->type_scheme) {
	case KINSPECT_PAGE_TYPES_BYTE:
		/* include/linux/page-flags.h, v6.12: page_type >> 24 is the type. */
		for (unsigned int i = 0; i < names->nr_types; i++) {
			if (names->types[i].value == page_type >> 24)
				return names->types[i].name;
		}
		return NULL;
	case KINSPECT_PAGE_TYPES_BITS:
		/* v6.9..v6.11: PageType(page, flag) is
		 * (page_type & (PAGE_TYPE_BASE | flag)) == PAGE_TYPE_BASE. */
		for (unsigned int i = 0; i < names->nr_types; i++) {
			uint32_t mask = names->type_base | names->types[i].value;
			if (names->types[i].value && (page_type & mask) == names->type_base)
				return names->types[i].name;
		}
		return NULL;
	default:
		return NULL;
	}
}
