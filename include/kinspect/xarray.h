/* Kernel xarrays of a session (a page cache's i_pages, an IDR, the range
 * behind an ITER_XARRAY): present entries in index order, the node layout
 * from the vmlinux's DWARF, every node checked against its parent.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_XARRAY_H
#define KINSPECT_XARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One present entry.  Valid only during the
 * kinspect_kernel_xarray_for_each() callback that receives it. */
struct kinspect_xarray_entry;

/* Call FN for each present entry of the struct xarray at ADDRESS on
 * KERNEL's target (opening it) with an index in [FIRST, LAST], in index
 * order, at most MAX_ENTRIES of them; *RET_TRUNCATED (may be NULL) says
 * whether the walk stopped there with more entries in the range.  An error
 * of FN ends the walk and is returned.  A damaged tree (a node whose shift
 * or parent does not fit, more than a million nodes) gives FN the entries
 * before the damage, then KINSPECT_ERROR_FORMAT naming the node; memory
 * that cannot be read a fault error.  *RET_TRUNCATED is written only on
 * success. */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_xarray_for_each(struct kinspect_kernel *kernel, uint64_t address, uint64_t first, uint64_t last,
				size_t max_entries,
				struct kinspect_error *(*fn)(const struct kinspect_xarray_entry *entry, void *arg),
				void *arg, bool *ret_truncated);

/* The first index the entry covers, and its order: it covers 1 << order
 * indexes (a multi-index entry such as a large folio). */
KINSPECT_EXPORT uint64_t kinspect_xarray_entry_index(const struct kinspect_xarray_entry *entry);
KINSPECT_EXPORT unsigned int kinspect_xarray_entry_order(const struct kinspect_xarray_entry *entry);

/* The raw entry: a pointer (a struct folio *, ...) or an encoded value. */
KINSPECT_EXPORT uint64_t kinspect_xarray_entry_raw(const struct kinspect_xarray_entry *entry);

/* Whether it is a value entry (xa_mk_value(): shadow and swap entries in a
 * page cache) and then its value. */
KINSPECT_EXPORT bool kinspect_xarray_entry_is_value(const struct kinspect_xarray_entry *entry);
KINSPECT_EXPORT uint64_t kinspect_xarray_entry_value(const struct kinspect_xarray_entry *entry);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_XARRAY_H */
