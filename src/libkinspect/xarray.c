/* Xarray walks of a session (see kinspect/xarray.h): the bound on the
 * entries handed out, on top of the walker's own bound on nodes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/xarray.h>

#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/xarray.h"

struct walk {
	struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *, void *);
	void *arg;
	size_t max, count;
	bool truncated;
};

static struct kinspect_error *each(const struct kinspect_xarray_entry *e, void *arg, bool *stop)
{
	struct walk *w = arg;
	if (w->count == w->max) {
		w->truncated = true;
		*stop = true;
		return NULL;
	}
	w->count++;
	return w->fn(e, w->arg);
}

struct kinspect_error *kinspect_kernel_xarray_for_each(struct kinspect_kernel *k, uint64_t address, uint64_t first,
						       uint64_t last, size_t max_entries,
						       struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *,
										    void *),
						       void *arg, bool *ret_truncated)
{
	if (first > last)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "xarray index range %llu..%llu is empty", (unsigned long long)first,
					     (unsigned long long)last);
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_error *err = kinspect_kernel_model_unslid(k, &types, &mem);
	if (err)
		return err;
	struct walk w = { .fn = fn, .arg = arg, .max = max_entries };
	if ((err = kinspect_xarray_for_each(types, mem, address, first, last, each, &w)))
		return err;
	if (ret_truncated)
		*ret_truncated = w.truncated;
	return NULL;
}

uint64_t kinspect_xarray_entry_index(const struct kinspect_xarray_entry *e)
{
	return e->index;
}

unsigned int kinspect_xarray_entry_order(const struct kinspect_xarray_entry *e)
{
	return e->order;
}

uint64_t kinspect_xarray_entry_raw(const struct kinspect_xarray_entry *e)
{
	return e->entry;
}

bool kinspect_xarray_entry_is_value(const struct kinspect_xarray_entry *e)
{
	return e->is_value;
}

uint64_t kinspect_xarray_entry_value(const struct kinspect_xarray_entry *e)
{
	return e->value;
}
