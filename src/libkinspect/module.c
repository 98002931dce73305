/* The loaded modules of a session (see kinspect/module.h): the policy of
 * how a module's build-id is read (its notes in a few reads, its section
 * list when those are missing) and which .ko is its file (the one with the
 * same build-id) lives here, for every front end.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <kinspect/module.h>

#include "core/error-priv.h"
#include "debuginfo/module-file.h"
#include "libkinspect/kernel-priv.h"
#include "linux/module-info.h"
#include "linux/modules.h"

struct walk {
	struct kinspect_error *(*fn)(const struct kinspect_module *module, void *arg);
	void *arg;
};

static struct kinspect_error *each(const struct kinspect_module *module, void *arg)
{
	struct walk *w = arg;
	return w->fn(module, w->arg);
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
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (!err)
		err = kinspect_kernel_types(k, &types);
	if (!err)
		err = kinspect_kernel_memory(k, &mem);
	if (!err)
		err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err)
		return err;
	struct walk w = { fn, arg };
	return kinspect_modules_for_each(types, vmlinux, kaslr->slide, mem, each, &w);
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

struct kinspect_error *kinspect_kernel_module_file(struct kinspect_kernel *k, const struct kinspect_module *m,
						   const char **ret_path)
{
	uint8_t id[KINSPECT_BUILD_ID_MAX];
	size_t len;
	struct kinspect_error *err = kinspect_kernel_module_build_id(k, m, id, sizeof(id), &len);
	if (err)
		return err;
	size_t nr_dirs;
	const char *const *dirs = kinspect_kernel_module_dirs(k, &nr_dirs);
	if (nr_dirs == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s: no module directories to search",
					     m->name);
	struct kinspect_module_file *file;
	if ((err = kinspect_module_file_find(dirs, nr_dirs, m->name, id, len, &file)))
		return err;
	if ((err = kinspect_kernel_keep_module_file(k, file)))
		return err;
	*ret_path = kinspect_module_file_path(file);
	return NULL;
}
