/* The loaded modules of a session (see kinspect/module.h): the policy of
 * how a module's build-id is read (its notes in a few reads, its section
 * list when those are missing) and which .ko is its file (the one with the
 * same build-id) lives here, for every front end.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kinspect/module.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/module-file.h"
#include "libkinspect/kernel-priv.h"
#include "linux/module-info.h"
#include "linux/modules.h"

/* The list walk first, every module kept: then what each one points to
 * can be fetched for all of them at once (kinspect_module_info_prefetch()). */
struct module_list {
	struct kinspect_module *modules;
	size_t nr, capacity;
};

static struct kinspect_error *keep_module(const struct kinspect_module *m, void *arg)
{
	struct module_list *l = arg;
	if (l->nr == l->capacity) {
		size_t n = l->capacity ? 2 * l->capacity : 16;
		struct kinspect_module *p = realloc(l->modules, n * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		l->modules = p;
		l->capacity = n;
	}
	l->modules[l->nr++] = *m;
	return NULL;
}

struct kinspect_error *kinspect_kernel_for_each_module(struct kinspect_kernel *k,
						       struct kinspect_error *(*fn)(const struct kinspect_module *,
										    void *),
						       void *arg)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_module_info *info;
	struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
	if (!err)
		err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (!err)
		err = kinspect_kernel_module_info(k, &info);
	if (err)
		return err;
	struct module_list l = { 0 };
	struct kinspect_error *walk_err = kinspect_modules_for_each(types, vmlinux, kaslr->slide, mem, keep_module, &l);
	uint64_t *addresses = malloc((l.nr + 1) * sizeof(*addresses));
	if (addresses) {
		for (size_t i = 0; i < l.nr; i++)
			addresses[i] = l.modules[i].address;
		/* The section lists (one read per section) are not fetched ahead. */
		kinspect_module_info_prefetch(info, addresses, l.nr);
		free(addresses);
	}
	for (size_t i = 0; i < l.nr && !err; i++)
		err = fn(&l.modules[i], arg);
	free(l.modules);
	if (err) {
		kinspect_error_destroy(walk_err);
		return err;
	}
	return walk_err;
}

const char *kinspect_module_name(const struct kinspect_module *m)
{
	return m->name;
}

const char *kinspect_module_state(const struct kinspect_module *m)
{
	return m->state;
}

uint64_t kinspect_module_address(const struct kinspect_module *m)
{
	return m->address;
}

uint64_t kinspect_module_base(const struct kinspect_module *m)
{
	return m->base;
}

uint64_t kinspect_module_size(const struct kinspect_module *m)
{
	return m->size;
}

int64_t kinspect_module_refcount(const struct kinspect_module *m)
{
	return m->refcount;
}

struct kinspect_error *kinspect_kernel_module_build_id(struct kinspect_kernel *k, const struct kinspect_module *m,
						       uint8_t *buf, size_t size, size_t *ret_len)
{
	struct kinspect_module_info *info;
	struct kinspect_error *err = kinspect_kernel_module_info(k, &info);
	if (err)
		return err;
	uint8_t id[KINSPECT_BUILD_ID_MAX];
	size_t len = 0;
	/* The notes give the build-id in a few reads; the section list (one
	 * read per section) only when they cannot. */
	err = kinspect_module_info_build_id(info, m->address, id, &len);
	if (err) {
		struct kinspect_section_address *sections;
		size_t nr;
		struct kinspect_error *e = kinspect_module_info_sections(info, m->address, &sections, &nr);
		if (!e) {
			const struct kinspect_memory *mem;
			kinspect_error_destroy(err);
			err = kinspect_kernel_memory(k, &mem);
			if (!err)
				err = kinspect_module_build_id(mem, sections, nr, id, &len);
			kinspect_section_addresses_free(sections, nr);
		}
		kinspect_error_destroy(e);
	}
	if (err)
		return kinspect_error_wrap(err, "build-id of module %s", m->name);
	if (len > size)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "module %s: a %zu-byte build-id, room for %zu",
					     m->name, len, size);
	memcpy(buf, id, len);
	*ret_len = len;
	return NULL;
}

struct kinspect_error *kinspect_kernel_module_taints(struct kinspect_kernel *k, const struct kinspect_module *m,
						     char **ret)
{
	struct kinspect_module_info *info;
	char buf[KINSPECT_MODULE_TAINTS_MAX + 1];
	struct kinspect_error *err = kinspect_kernel_module_info(k, &info);
	if (!err)
		err = kinspect_module_info_taints(info, m->address, buf);
	if (err)
		return kinspect_error_wrap(err, "taints of module %s", m->name);
	if (!(*ret = strdup(buf)))
		return &kinspect_error_nomem;
	return NULL;
}

unsigned int kinspect_module_nr_regions(const struct kinspect_module *m)
{
	return m->nr_regions;
}

void kinspect_module_region(const struct kinspect_module *m, unsigned int i, const char **ret_name,
			    uint64_t *ret_base, uint64_t *ret_size)
{
	*ret_name = m->regions[i].name;
	*ret_base = m->regions[i].base;
	*ret_size = m->regions[i].size;
}

struct kinspect_error *kinspect_kernel_module_users(struct kinspect_kernel *k, const struct kinspect_module *m,
						    struct kinspect_error *(*fn)(const char *, void *), void *arg,
						    bool *ret_permanent)
{
	struct kinspect_module_info *info;
	struct kinspect_error *err = kinspect_kernel_module_info(k, &info);
	if (!err)
		err = kinspect_module_info_used_by(info, m->address, fn, arg, ret_permanent);
	return err ? kinspect_error_wrap(err, "module %s", m->name) : NULL;
}

struct kinspect_error *kinspect_kernel_module_sections(struct kinspect_kernel *k, const struct kinspect_module *m,
						       struct kinspect_error *(*fn)(const char *, uint64_t, void *),
						       void *arg)
{
	struct kinspect_module_info *info;
	struct kinspect_section_address *sections = NULL;
	size_t nr = 0;
	struct kinspect_error *err = kinspect_kernel_module_info(k, &info);
	if (!err)
		err = kinspect_module_info_sections(info, m->address, &sections, &nr);
	for (size_t i = 0; !err && i < nr; i++)
		err = fn(sections[i].name, sections[i].address, arg);
	kinspect_section_addresses_free(sections, nr);
	return err ? kinspect_error_wrap(err, "sections of module %s", m->name) : NULL;
}

struct kinspect_error *kinspect_kernel_module_file(struct kinspect_kernel *k, const struct kinspect_module *m,
						   const char **ret_path, bool *ret_verified)
{
	uint8_t id[KINSPECT_BUILD_ID_MAX];
	size_t len = 0;
	struct kinspect_error *err = kinspect_kernel_module_build_id(k, m, id, sizeof(id), &len);
	if (err) {
		/* Looked for by name alone, and said so: a module being loaded
		 * may not have its notes yet. */
		_cleanup_free_ char *why = kinspect_error_string(err);
		kinspect_error_destroy(err);
		if (strcmp(m->state, "live") == 0)
			kinspect_warn("module %s: cannot read its build-id: %s", m->name, why ? why : "?");
		len = 0;
	}
	const struct kinspect_module_file *file;
	if ((err = kinspect_kernel_find_module_file(k, m->name, id, len, &file)))
		return err;
	if (len == 0)
		kinspect_warn("module %s: %s is not verified (no build-id in memory)", m->name,
			      kinspect_module_file_path(file));
	*ret_path = kinspect_module_file_path(file);
	*ret_verified = len != 0;
	return NULL;
}
