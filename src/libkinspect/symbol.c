/* Symbols of a session both ways (see kinspect/symbol.h): the policy of
 * which table answers (the vmlinux's first, the loaded modules' with a
 * target) and which addresses (runtime with a target) lives here.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/symbol.h>

#include "core/error-priv.h"
#include "debuginfo/source-lines.h"
#include "debuginfo/vmlinux-priv.h"
#include "libkinspect/kernel-priv.h"
#include "libkinspect/type-priv.h"

/* The slide to apply: 0 without a target (link-time addresses). */
static struct kinspect_error *session_slide(struct kinspect_kernel *k, uint64_t *ret)
{
	*ret = 0;
	if (kinspect_kernel_target_kind(k) == KINSPECT_TARGET_NONE)
		return NULL;
	const struct kinspect_kaslr *kaslr;
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (!err)
		*ret = kaslr->slide;
	return err;
}

static void from_module(const struct kinspect_module_symbol *s, struct kinspect_symbol *ret)
{
	*ret = (struct kinspect_symbol){ .name = s->name, .module = s->module, .address = s->address,
					 .size = s->size, .offset = s->offset, .section = s->from_section };
}

/* After ERR from the vmlinux: a miss goes on to the loaded modules' symbols
 * (*RET) when there is a target, any other error is the answer. */
static struct kinspect_error *modules_after_miss(struct kinspect_kernel *k, struct kinspect_error *err,
						 struct kinspect_module_symbols **ret)
{
	if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
		return err;
	kinspect_error_destroy(err);
	if (kinspect_kernel_target_kind(k) == KINSPECT_TARGET_NONE)
		return &kinspect_error_not_found;
	return kinspect_kernel_module_symbols(k, ret);
}

struct kinspect_error *kinspect_kernel_symbol_lookup(struct kinspect_kernel *k, const char *name,
						     struct kinspect_symbol *ret)
{
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide, addr, size;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err || (err = session_slide(k, &slide)))
		return err;
	err = kinspect_vmlinux_probe_symbol(vmlinux, name, &addr, &size);
	if (!err) {
		*ret = (struct kinspect_symbol){ .name = name, .address = kinspect_kaslr_runtime(slide, addr),
						 .size = size };
		return NULL;
	}
	struct kinspect_module_symbols *ms;
	struct kinspect_module_symbol sym;
	if ((err = modules_after_miss(k, err, &ms)) || (err = kinspect_module_symbols_lookup(ms, name, &sym)))
		return err;
	from_module(&sym, ret);
	ret->offset = 0;
	return NULL;
}

struct kinspect_error *kinspect_kernel_symbolize(struct kinspect_kernel *k, uint64_t addr,
						 struct kinspect_symbol *ret)
{
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err || (err = session_slide(k, &slide)))
		return err;
	const char *name;
	uint64_t offset;
	err = kinspect_vmlinux_symbolize(vmlinux, kinspect_kaslr_link(slide, addr), &name, &offset);
	if (!err) {
		uint64_t start, size = 0;
		*ret = (struct kinspect_symbol){ .name = name, .address = addr - offset, .offset = offset };
		/* The size of that very symbol (a local name may be defined
		 * more than once). */
		struct kinspect_error *e = kinspect_vmlinux_symbol(vmlinux, name, &start, &size);
		if (!e && kinspect_kaslr_runtime(slide, start) == ret->address)
			ret->size = size;
		kinspect_error_destroy(e);
		return NULL;
	}
	struct kinspect_module_symbols *ms;
	struct kinspect_module_symbol sym;
	if ((err = modules_after_miss(k, err, &ms)))
		return err;
	if ((err = kinspect_module_symbols_symbolize(ms, addr, &sym))) {
		if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
			return err;
		kinspect_error_destroy(err);
		return &kinspect_error_not_found;
	}
	from_module(&sym, ret);
	return NULL;
}

struct kinspect_error *kinspect_kernel_source_line(struct kinspect_kernel *k, uint64_t addr, const char **ret_file,
						   int *ret_line)
{
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err || (err = session_slide(k, &slide)))
		return err;
	struct kinspect_type_store *store = kinspect_type_store(k);
	if (!store)
		return &kinspect_error_nomem;
	if (!store->lines && (err = kinspect_source_lines_create(kinspect_vmlinux_path(vmlinux), &store->lines)))
		return err;
	const char *file;
	int line;
	if ((err = kinspect_source_lines_lookup(store->lines, kinspect_kaslr_link(slide, addr), &file, &line))) {
		if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
			return err;
		kinspect_error_destroy(err);
		return &kinspect_error_not_found;
	}
	*ret_file = file;
	*ret_line = line;
	return NULL;
}
