/* Module load/unload breakpoints (see tracker.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
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
	char cmd[48];
	const char *reply;
	size_t len;
	snprintf(cmd, sizeof(cmd), "%c0,%" PRIx64 ",1", op, addr);
	struct kinspect_error *err = kinspect_gdbstub_exchange(gs, cmd, strlen(cmd), NULL, NULL, &reply, &len);
	if (err)
		return err;
	if (len != 2 || memcmp(reply, "OK", 2) != 0)
		return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "'%s' answered '%.40s'", cmd, reply);
	return NULL;
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
					       const char *thread, uint64_t addr, char **ret_stop)
{
	*ret_stop = NULL;
	if (!t->planted)
		return NULL;
	/* QEMU hits a breakpoint again at once when resumed on it: gdb steps
	 * over its own ones the same way. */
	struct kinspect_error *err = breakpoint(gs, 'z', addr);
	if (err)
		return err;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "vCont;s:%.80s", thread);
	err = kinspect_gdbstub_send_resume(gs, cmd, strlen(cmd));
	const char *stop = NULL;
	size_t len = 0;
	/* Only this vCPU runs, one instruction: the answer is quick. */
	for (int i = 0; !err && !stop && i < 100; i++) {
		err = kinspect_gdbstub_wait_stop(gs, 100, &stop, &len);
		if (!err && stop && stop[0] == 'O')
			stop = NULL;
	}
	if (!err && !stop)
		err = kinspect_error_create(KINSPECT_ERROR_TIMEOUT, "no stop after stepping over 0x%" PRIx64, addr);
	if (err)
		return kinspect_error_wrap(err, "stepping over the module breakpoint");
	if (stop[0] != 'T' && stop[0] != 'S') {
		*ret_stop = strndup(stop, len);
		return *ret_stop ? NULL : &kinspect_error_nomem;
	}
	return breakpoint(gs, 'Z', addr);
}
