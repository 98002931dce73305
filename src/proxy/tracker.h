/* The proxy's own breakpoints that follow module loads and unloads: planted
 * in QEMU next to gdb's, never shown to gdb, stepped over by the proxy.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_TRACKER_H
#define KINSPECT_PROXY_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "target/gdbstub.h"

enum proxy_tracker_event {
	PROXY_TRACKER_NONE,
	/* do_init_module(mod): the module is complete, its init has not run. */
	PROXY_TRACKER_LOAD,
	/* free_module(mod): the module is about to go. */
	PROXY_TRACKER_UNLOAD,
};

struct proxy_tracker {
	uint64_t load, unload; /* runtime addresses, 0 when the symbol is absent */
	bool planted;
	/* The one breakpoint of a plant that failed half-way: in QEMU though
	 * tracking is off, to be taken out at the next stop (0: none). */
	uint64_t stray;
};

/* Choose the functions by symbol presence in VMLINUX (SLIDE applied).
 * Neither present: tracking is off (load and unload 0), not an error. */
void proxy_tracker_init(struct proxy_tracker *t, const struct kinspect_vmlinux *vmlinux, uint64_t slide);

/* Send RESUME (gdb's packet that sets the stopped VM running, LEN bytes),
 * inserting the breakpoints first unless they are in: the Z0 packets go
 * out in the same write as RESUME (kinspect_gdbstub_command_batch()), so
 * they cost no round trip of their own.  The VM runs on success, planted
 * or not: *PLANT_ERR (NULL if none) says why the breakpoints are not in
 * (the caller turns tracking off; a breakpoint that went in while the
 * other failed is left in t->stray).  Errors: the link's (QEMU's
 * connection is unusable then).  QEMU drops every breakpoint on "?" and
 * "D": call proxy_tracker_forget() then. */
struct kinspect_error *proxy_tracker_plant_and_resume(struct proxy_tracker *t, struct kinspect_gdbstub *gs,
						      const char *resume, size_t len, struct kinspect_error **plant_err);
void proxy_tracker_forget(struct proxy_tracker *t);

/* Take every breakpoint of the tracker out of the stopped VM, t->stray
 * too, in one round trip. */
struct kinspect_error *proxy_tracker_remove(struct proxy_tracker *t, struct kinspect_gdbstub *gs);

/* Which of the proxy's breakpoints is at ADDR. */
enum proxy_tracker_event proxy_tracker_event_at(const struct proxy_tracker *t, uint64_t addr);

/* Execute the instruction at ADDR (a breakpoint of the proxy) on vCPU
 * THREAD_INDEX alone: remove the breakpoint, single-step, put it back. */
struct kinspect_error *proxy_tracker_step_over(struct proxy_tracker *t, struct kinspect_gdbstub *gs,
					       size_t thread_index, uint64_t addr);

#endif /* KINSPECT_PROXY_TRACKER_H */
