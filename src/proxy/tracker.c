/* Module load/unload breakpoints (see tracker.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"
#include "core/log.h"
#include "linux/kaslr.h"
#include "proxy/tracker.h"

static uint64_t symbol(const struct kinspect_vmlinux *vmlinux, uint64_t slide, const char *name)
{
	uint64_t addr;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, name, &addr, NULL);
	if (err) {
		kinspect_error_destroy(err);
		kinspect_info("gdb-proxy: no %s in the vmlinux", name);
		return 0;
	}
	return kinspect_kaslr_runtime(slide, addr);
}

void proxy_tracker_init(struct proxy_tracker *t, const struct kinspect_vmlinux *vmlinux, uint64_t slide)
{
	/* do_init_module() is noinline and runs after the sections and
	 * sect_attrs are in place, before mod->init; free_module() runs for
	 * every unload and failed load (kernel/module/main.c since v2.6). */
	*t = (struct proxy_tracker){
		.load = symbol(vmlinux, slide, "do_init_module"),
		.unload = symbol(vmlinux, slide, "free_module"),
	};
}

static struct kinspect_error *breakpoint(struct kinspect_gdbstub *gs, char op, uint64_t addr)
{
	return kinspect_gdbstub_breakpoint(gs, addr, op == 'Z');
}

struct kinspect_error *proxy_tracker_plant(struct proxy_tracker *t, struct kinspect_gdbstub *gs)
{
	if (t->planted)
		return NULL;
	struct kinspect_error *err = NULL;
	if (t->load)
		err = breakpoint(gs, 'Z', t->load);
	if (!err && t->unload)
		err = breakpoint(gs, 'Z', t->unload);
	if (err)
		return kinspect_error_wrap(err, "planting the module breakpoints");
	t->planted = true;
	return NULL;
}

void proxy_tracker_forget(struct proxy_tracker *t)
{
	t->planted = false;
}

enum proxy_tracker_event proxy_tracker_event_at(const struct proxy_tracker *t, uint64_t addr)
{
	if (!t->planted || !addr)
		return PROXY_TRACKER_NONE;
	if (addr == t->load)
		return PROXY_TRACKER_LOAD;
	if (addr == t->unload)
		return PROXY_TRACKER_UNLOAD;
	return PROXY_TRACKER_NONE;
}

struct kinspect_error *proxy_tracker_step_over(struct proxy_tracker *t, struct kinspect_gdbstub *gs,
					       size_t thread_index, uint64_t addr)
{
	if (!t->planted)
		return NULL;
	/* QEMU hits a breakpoint again at once when resumed on it: gdb steps
	 * over its own ones the same way. */
	struct kinspect_error *err = breakpoint(gs, 'z', addr);
	if (!err)
		err = kinspect_gdbstub_step(gs, thread_index);
	if (!err)
		err = breakpoint(gs, 'Z', addr);
	return kinspect_error_wrap(err, "stepping over the module breakpoint at 0x%" PRIx64, addr);
}
