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

/* The most breakpoints the tracker has in QEMU at once. */
#define MAX_IN 3

/* Breakpoint packets for the non-zero addresses of ADDRS (NR of them), in
 * CMDS (their text in PACKETS, their address in AT): how many. */
static size_t breakpoint_commands(const uint64_t *addrs, size_t nr, bool insert,
				  char packets[MAX_IN][KINSPECT_GDBSTUB_BREAKPOINT_PACKET],
				  struct kinspect_gdbstub_command cmds[MAX_IN], uint64_t at[MAX_IN])
{
	size_t n = 0;
	for (size_t i = 0; i < nr && n < MAX_IN; i++) {
		if (!addrs[i])
			continue;
		at[n] = addrs[i];
		cmds[n] = (struct kinspect_gdbstub_command){
			.payload = packets[n],
			.len = kinspect_gdbstub_breakpoint_packet(addrs[i], insert, packets[n]),
		};
		n++;
	}
	return n;
}

struct kinspect_error *proxy_tracker_plant_and_resume(struct proxy_tracker *t, struct kinspect_gdbstub *gs,
						      const char *resume, size_t len, struct kinspect_error **plant_err)
{
	*plant_err = NULL;
	const uint64_t addrs[2] = { t->load, t->unload };
	char packets[MAX_IN][KINSPECT_GDBSTUB_BREAKPOINT_PACKET];
	struct kinspect_gdbstub_command cmds[MAX_IN];
	uint64_t at[MAX_IN];
	size_t n = t->planted ? 0 : breakpoint_commands(addrs, 2, true, packets, cmds, at);
	if (n == 0)
		return kinspect_gdbstub_send_resume(gs, resume, len);
	/* Planting costs no round trip of its own: QEMU takes the Z0s just
	 * before the resume, from the same write. */
	struct kinspect_error *err = kinspect_gdbstub_command_batch(gs, cmds, n, resume, len);
	if (err)
		return err;
	uint64_t in = 0;
	for (size_t i = 0; i < n; i++) {
		err = kinspect_gdbstub_command_ok(gs, &cmds[i]);
		if (!err)
			in = at[i];
		else if (!*plant_err)
			*plant_err = kinspect_error_wrap(err, "planting the module breakpoints");
		else
			kinspect_error_destroy(err);
	}
	if (*plant_err)
		t->stray = in; /* the one of two that went in, or 0 */
	else
		t->planted = true;
	return NULL;
}

struct kinspect_error *proxy_tracker_remove(struct proxy_tracker *t, struct kinspect_gdbstub *gs)
{
	const uint64_t addrs[3] = { t->planted ? t->load : 0, t->planted ? t->unload : 0, t->stray };
	char packets[MAX_IN][KINSPECT_GDBSTUB_BREAKPOINT_PACKET];
	struct kinspect_gdbstub_command cmds[MAX_IN];
	uint64_t at[MAX_IN];
	size_t n = breakpoint_commands(addrs, 3, false, packets, cmds, at);
	if (n == 0)
		return NULL;
	/* One round trip for all of them. */
	struct kinspect_error *err = kinspect_gdbstub_command_batch(gs, cmds, n, NULL, 0);
	for (size_t i = 0; !err && i < n; i++)
		err = kinspect_gdbstub_command_ok(gs, &cmds[i]);
	if (err)
		return kinspect_error_wrap(err, "removing the module breakpoints");
	t->planted = false;
	t->stray = 0;
	return NULL;
}

void proxy_tracker_forget(struct proxy_tracker *t)
{
	t->planted = false;
	t->stray = 0;
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
