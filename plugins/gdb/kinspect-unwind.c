/* kinspect-unwind.so: a gdb JIT-reader plugin, loaded with
 * "jit-reader-load kinspect-unwind.so", that will unwind kernel frames with
 * the kernel's ORC tables.  gdb calls its unwind callback for every frame
 * before its own unwinders; a frame the plugin declines (GDB_FAIL) falls
 * through to them.  Until the ORC unwinder lands in libkinspect, the plugin
 * declines every frame, so loading it never changes a backtrace.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <gdb/jit-reader.h>
#include <string.h>


/* gdb refuses readers that do not declare this. */
GDB_DECLARE_GPL_COMPATIBLE_READER

/* The reader is for kernel frames, not for JIT-compiled code: there is no
 * in-target JIT descriptor, so gdb never hands it debug info to read. */
static enum gdb_status read_debug_info(struct gdb_reader_funcs *self, struct gdb_symbol_callbacks *cb,
				       void *memory, long memory_sz)
{
	return GDB_FAIL;
}

static enum gdb_status unwind_frame(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	return GDB_FAIL;
}

/* Only called for frames this reader unwound, which is none yet. */
static struct gdb_frame_id get_frame_id(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	struct gdb_frame_id id;
	memset(&id, 0, sizeof(id));
	return id;
}

static void destroy_reader(struct gdb_reader_funcs *self)
{
}

static struct gdb_reader_funcs reader_funcs = {
	.reader_version = GDB_READER_INTERFACE_VERSION,
	.priv_data = NULL,
	.read = read_debug_info,
	.unwind = unwind_frame,
	.get_frame_id = get_frame_id,
	.destroy = destroy_reader,
};

__attribute__((visibility("default"))) struct gdb_reader_funcs *gdb_init_reader(void)
{
	return &reader_funcs;
}
