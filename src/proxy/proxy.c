/* The gdb proxy's event loop and packet dispatch (see proxy.h).
 *
 * gdb's packets go to QEMU unchanged, except: qSupported (gets
 * qXfer:libraries:read+), qOffsets and qXfer:libraries:read (answered
 * here), qRcmd for kinspect commands (run in this process, on the proxy's
 * own kernel session, their output captured for gdb's console).  QEMU's
 * answers come back unchanged, except stops at the proxy's own module
 * breakpoints, which gdb never sees: they become "library:;" stop replies
 * when the module list changed, and are stepped over otherwise.
 *
 * QEMU keeps state for its one client: the vCPU "Hg" selected (reset to the
 * stopping vCPU at each stop) and the physical-memory mode.  Whatever the
 * proxy or a second client changes is put back before gdb's next packet.
 *
 * The proxy holds one libkinspect session (struct kinspect_kernel) on its
 * QEMU connection, as the CLI does on its own: vmlinux, the layout cache,
 * the memory cache (which starts afresh whenever gdb lets the guest run or
 * writes memory), the slide, the module index and .ko files.  The module
 * list is read again only when the proxy's own breakpoints saw a module
 * come or go (or, without them, after the guest ran).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <kinspect/kernel.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "libkinspect/kernel-priv.h"
#include "proxy/capture.h"
#include "proxy/libraries.h"
#include "proxy/link.h"
#include "proxy/monitor.h"
#include "proxy/offsets.h"
#include "proxy/proxy.h"
#include "proxy/second.h"
#include "proxy/tracker.h"
#include "target/gdbstub.h"

#define MAX_GDB_BREAKPOINTS 65536

struct proxy {
	const struct kinspect_proxy_options *opts;
	struct kinspect_gdbstub *gs;
	struct proxy_link gdb;
	bool done;
	/* gdb detached (QEMU resumed the VM and dropped every breakpoint) or
	 * killed QEMU: nothing is left to put back at the end. */
	bool detached, qemu_killed;

	/* The session on QEMU's connection, made on first need; the slide
	 * found once (have_kernel). */
	struct kinspect_kernel *kernel;
	bool kernel_tried, have_kernel;
	uint64_t slide;

	/* QEMU's state as gdb left it. */
	char gdb_hg[64];
	int gdb_phymem; /* -1: unknown */
	bool phymem_asked;
	bool dirty, phymem_dirty;

	/* gdb waits for a stop reply to RESUME (a step if RESUME_STEP). */
	bool waiting_stop;
	char *resume;
	size_t resume_len;
	bool resume_step;

	/* gdb's packets that went on to QEMU (or were answered with what
	 * QEMU said to the proxy's same question, stop_regs): the rest of the
	 * round trips with QEMU are the proxy's own (bench/gdb-session.sh). */
	uint64_t relayed;

	/* QEMU's "g" answer at the last stop gdb was told of, for gdb's
	 * first packet after it when that is "g" (see stop_pc()). */
	char *stop_regs;
	size_t stop_regs_len;

	/* gdb's breakpoints (Z0/Z1) by address, to tell them from ours. */
	uint64_t *bps;
	size_t nr_bps;

	struct proxy_tracker tracker;
	struct proxy_libraries libs;
	/* The list is as the guest has it: scanned, and since then no hook
	 * fired (or, with no hooks, the VM did not run). */
	bool libs_fresh;
	bool libs_read;  /* gdb asked for the list: it wants changes */
	/* Where the last "library" stop was reported: gdb's resume hits the
	 * same breakpoint again at once, which needs no new scan. */
	uint64_t reported_at;
	char reported_thread[64];

	/* The private socket and its one client at a time. */
	int listen_fd;
	char *sock_path, *sock_dir;
	int second_fd;
	struct proxy_link second;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- threads ------------------------------------------------------------ */

/* "p1.2", "p01.-1", "2", "0", "-1" into PID (0 if none given) and TID. */
static bool parse_thread(const char *s, size_t len, int64_t *pid, int64_t *tid)
{
	uint64_t v;
	*pid = 0;
	if (len && s[0] == 'p') {
		const char *dot = memchr(s, '.', len);
		if (!dot || !kinspect_rsp_parse_hex(s + 1, (size_t)(dot - s - 1), &v))
			return false;
		*pid = (int64_t)v;
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	if (len == 2 && memcmp(s, "-1", 2) == 0) {
		*tid = -1;
		return true;
	}
	if (!kinspect_rsp_parse_hex(s, len, &v))
		return false;
	*tid = (int64_t)v;
	return true;
}

/* The client's index of thread ID (the first thread for "any" or "all"). */
static size_t thread_index(const struct kinspect_gdbstub *gs, const char *id)
{
	int64_t pid, tid;
	if (!parse_thread(id, strlen(id), &pid, &tid) || tid <= 0)
		return 0;
	for (size_t i = 0; i < kinspect_gdbstub_nr_threads(gs); i++) {
		const char *t = kinspect_gdbstub_thread_id(gs, i);
		int64_t p2, t2;
		if (parse_thread(t, strlen(t), &p2, &t2) && t2 == tid && (!pid || !p2 || p2 == pid))
			return i;
	}
	return 0;
}

/* The "thread:ID;" of a stop reply into BUF; false if it has none. */
static bool stop_thread(const char *stop, char *buf, size_t size)
{
	const char *t = strstr(stop, "thread:");
	if (!t)
		return false;
	t += 7;
	size_t n = strcspn(t, ";");
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return true;
}

/* ---- QEMU's state as gdb sees it ---------------------------------------- */

/* Whether gdb's "Hg" selects the thread at INDEX in QEMU: then the client
 * selecting it leaves QEMU as gdb left it. */
static bool hg_is_thread(const struct proxy *p, size_t index)
{
	int64_t pid, tid, p2, t2;
	if (!p->gdb_hg[0] || !parse_thread(p->gdb_hg, strlen(p->gdb_hg), &pid, &tid) || tid < 0 ||
	    index >= kinspect_gdbstub_nr_threads(p->gs))
		return false;
	/* "Any" ("Hg0", "Hgp0.0"): QEMU takes the first vCPU. */
	if (tid == 0)
		return index == 0;
	const char *t = kinspect_gdbstub_thread_id(p->gs, index);
	return parse_thread(t, strlen(t), &p2, &t2) && t2 == tid && (!pid || !p2 || p2 == pid);
}

/* Before the proxy itself uses QEMU: read memory through the vCPU gdb has
 * selected, so that "Hg" changes as little as possible (not at all when
 * gdb named that vCPU: nothing to put back then, unless the use selects
 * other vCPUs, which the caller then says with p->dirty). */
static void own_begin(struct proxy *p)
{
	size_t index = thread_index(p->gs, p->gdb_hg[0] ? p->gdb_hg : "0");
	struct kinspect_error *err = kinspect_gdbstub_set_memory_thread(p->gs, index);
	kinspect_error_destroy(err);
	if (!hg_is_thread(p, index))
		p->dirty = true;
}

/* QEMU's memory mode as gdb left it, asked before the proxy's first use
 * that may change it (a monitor command, a second client), not at connect:
 * most sessions never need it. */
static void learn_phymem(struct proxy *p)
{
	if (p->gdb_phymem >= 0 || p->phymem_asked)
		return;
	p->phymem_asked = true;
	const char *reply;
	size_t len;
	struct kinspect_error *err = kinspect_gdbstub_exchange(p->gs, "qqemu.PhyMemMode", 16, NULL, NULL, &reply, &len);
	if (!err && len == 1 && (reply[0] == '0' || reply[0] == '1'))
		p->gdb_phymem = reply[0] - '0';
	kinspect_error_destroy(err);
}

static struct kinspect_error *restore(struct proxy *p)
{
	const char *reply;
	size_t len;
	struct kinspect_error *err = NULL;
	if (p->dirty && p->gdb_hg[0]) {
		char cmd[80];
		snprintf(cmd, sizeof(cmd), "Hg%s", p->gdb_hg);
		err = kinspect_gdbstub_exchange(p->gs, cmd, strlen(cmd), NULL, NULL, &reply, &len);
	}
	p->dirty = false;
	if (!err && p->phymem_dirty && p->gdb_phymem >= 0) {
		char cmd[32];
		snprintf(cmd, sizeof(cmd), "Qqemu.PhyMemMode:%d", p->gdb_phymem);
		err = kinspect_gdbstub_exchange(p->gs, cmd, strlen(cmd), NULL, NULL, &reply, &len);
	}
	p->phymem_dirty = false;
	return err;
}

/* ---- the kernel ---------------------------------------------------------- */

/* The session on QEMU's connection (also without a vmlinux: monitor
 * commands then say what they lack); NULL after saying why once. */
static struct kinspect_kernel *ensure_session(struct proxy *p)
{
	if (p->kernel)
		return p->kernel;
	struct kinspect_options o;
	kinspect_options_init(&o);
	o.vmlinux = p->opts->vmlinux_path;
	o.module_dirs = p->opts->module_dirs;
	o.nr_module_dirs = p->opts->nr_module_dirs;
	o.cache_dir = p->opts->cache_dir;
	o.flags = p->opts->session_flags;
	if (p->opts->timeout_ms > 0)
		o.timeout_ms = p->opts->timeout_ms;
	/* No cancel flag: a signal ends the loop, and the cleanup after it
	 * still talks to QEMU (its breakpoints out, the VM as it should be). */
	struct kinspect_error *err = kinspect_kernel_create_on_gdbstub(p->gs, p->opts->qemu, &o, &p->kernel);
	if (err) {
		err = kinspect_error_wrap(err, "gdb-proxy: no kernel session");
		kinspect_log_error(err);
		kinspect_error_destroy(err);
		return NULL;
	}
	return p->kernel;
}

/* Open the vmlinux, find the slide and plant nothing yet.  Failures are
 * said once and leave a plain relay. */
static bool ensure_kernel(struct proxy *p)
{
	if (p->kernel_tried)
		return p->have_kernel;
	p->kernel_tried = true;
	if (!p->opts->vmlinux_path || kinspect_gdbstub_is_running(p->gs) || !ensure_session(p))
		return false;
	own_begin(p);
	uint64_t start = now_ms();
	struct kinspect_vmlinux *vmlinux;
	const char *method;
	struct kinspect_error *err = kinspect_kernel_vmlinux(p->kernel, &vmlinux);
	if (!err)
		err = kinspect_kernel_kaslr(p->kernel, &p->slide, &method);
	/* Finding the slide reads vCPU 0's registers (kaslr-targets.c). */
	if (!hg_is_thread(p, 0))
		p->dirty = true;
	if (err) {
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_error_destroy(err);
		kinspect_log(KINSPECT_LOG_ERROR, "gdb-proxy: %s; relaying without kernel support",
			     msg ? msg : "out of memory");
		return false;
	}
	kinspect_info("gdb-proxy: KASLR slide 0x%" PRIx64 " (%s, %" PRIu64 " ms)", p->slide, method, now_ms() - start);
	if (p->opts->track_modules && p->opts->nr_module_dirs)
		proxy_tracker_init(&p->tracker, vmlinux, p->slide);
	p->have_kernel = true;
	return true;
}

/* The module list may have changed (a hook fired, or the VM ran with no
 * hooks to tell): the session reads it again when next asked. */
static void modules_changed(struct proxy *p)
{
	p->libs_fresh = false;
	if (p->kernel)
		kinspect_kernel_forget_modules(p->kernel);
}

/* Rebuild the library list (leaving out the module at EXCLUDE). */
static struct kinspect_error *scan_libraries(struct proxy *p, uint64_t exclude, bool *changed)
{
	*changed = false;
	if (!ensure_kernel(p))
		return NULL;
	own_begin(p);
	uint64_t start = now_ms();
	struct kinspect_gdbstub_stats before, after;
	kinspect_gdbstub_stats(p->gs, &before);
	struct kinspect_error *err = proxy_libraries_scan(&p->libs, p->kernel, exclude, changed);
	if (err)
		return kinspect_error_wrap(err, "reading the module list");
	p->libs_fresh = true;
	kinspect_gdbstub_stats(p->gs, &after);
	kinspect_info("gdb-proxy: %u modules, symbols for %u (%" PRIu64 " ms, %" PRIu64 " round trips)",
		      p->libs.nr_modules, p->libs.nr_loaded, now_ms() - start, after.round_trips - before.round_trips);
	return NULL;
}

/* ---- gdb's breakpoints ------------------------------------------------- */

static bool gdb_breakpoint_at(const struct proxy *p, uint64_t addr)
{
	for (size_t i = 0; i < p->nr_bps; i++) {
		if (p->bps[i] == addr)
			return true;
	}
	return false;
}

/* Follow "Z0,ADDR,KIND" / "z1,..." that QEMU accepted. */
static void follow_breakpoint(struct proxy *p, const char *d, size_t len)
{
	uint64_t addr;
	if (len < 4 || (d[1] != '0' && d[1] != '1') || d[2] != ',')
		return;
	const char *comma = memchr(d + 3, ',', len - 3);
	if (!comma || !kinspect_rsp_parse_hex(d + 3, (size_t)(comma - d - 3), &addr))
		return;
	if (d[0] == 'Z' && p->nr_bps < MAX_GDB_BREAKPOINTS) {
		uint64_t *bps = realloc(p->bps, (p->nr_bps + 1) * sizeof(*bps));
		if (bps) {
			p->bps = bps;
			p->bps[p->nr_bps++] = addr;
		}
	} else if (d[0] == 'z') {
		for (size_t i = 0; i < p->nr_bps; i++) {
			if (p->bps[i] == addr) {
				p->bps[i] = p->bps[--p->nr_bps];
				break;
			}
		}
	}
}

/* ---- stops ------------------------------------------------------------- */

static struct kinspect_error *flush_console(struct proxy *p)
{
	if (!p->libs.console_len)
		return NULL;
	struct kinspect_error *err = proxy_link_console(&p->gdb, p->libs.console, p->libs.console_len);
	free(p->libs.console);
	p->libs.console = NULL;
	p->libs.console_len = 0;
	return err;
}

static struct kinspect_error *forward_stop(struct proxy *p, const char *stop, size_t len)
{
	struct kinspect_error *err = flush_console(p);
	if (err)
		return err;
	p->waiting_stop = false;
	return proxy_link_send(&p->gdb, stop, len);
}

static struct kinspect_error *resume_again(struct proxy *p)
{
	return kinspect_gdbstub_send_resume(p->gs, p->resume, p->resume_len);
}

/* The pc's name in the target description, from the architecture table
 * (its DWARF register names are gdb's). */
static const char *pc_register(void)
{
	const struct kinspect_arch *arch = kinspect_arch();
	return arch->reg_names[arch->pc_regnum];
}

/* The register a function's first pointer argument is in at its entry,
 * or NULL if the calling convention puts it elsewhere. */
static const char *first_arg_register(void)
{
	const uint64_t size = 8;
	const bool aggregate = false;
	const char *reg = NULL;
	uint64_t stack;
	kinspect_arch()->entry_args(1, &size, &aggregate, &reg, &stack);
	return reg;
}

/* The VM stopped at one of the proxy's breakpoints. */
static struct kinspect_error *module_event(struct proxy *p, enum proxy_tracker_event ev, size_t index,
					   const char *thread, uint64_t rip, const char *stop, size_t len)
{
	bool again = p->reported_at == rip && strcmp(p->reported_thread, thread) == 0;
	p->reported_at = 0;
	struct kinspect_error *err;
	if (!again) {
		/* A module comes or goes: the only time the list is read
		 * again while the hooks are in. */
		modules_changed(p);
	}
	if (!again && p->libs_read) {
		uint64_t exclude = 0;
		if (ev == PROXY_TRACKER_UNLOAD) {
			/* free_module(struct module *mod): mod is its first
			 * argument, where the calling convention puts it. */
			const char *reg = first_arg_register();
			if (reg && (err = kinspect_gdbstub_read_register(p->gs, index, reg, &exclude)))
				return err;
		}
		bool changed;
		err = scan_libraries(p, exclude, &changed);
		if (err)
			return err;
		if (changed) {
			/* gdb reads the list again and, with stop-on-solib-events
			 * 0, resumes by itself. */
			_cleanup_free_ char *reply = NULL;
			if (asprintf(&reply, "%.*s%slibrary:;", (int)len, stop, stop[len - 1] == ';' ? "" : ";") < 0)
				return &kinspect_error_nomem;
			p->reported_at = rip;
			snprintf(p->reported_thread, sizeof(p->reported_thread), "%s", thread);
			return forward_stop(p, reply, strlen(reply));
		}
	}
	err = proxy_tracker_step_over(&p->tracker, p->gs, index, rip);
	if (err)
		return err;
	return resume_again(p);
}

/* The pc of vCPU INDEX, which just stopped.  QEMU selected it for "Hg"
 * itself, so one "g" asks it without selecting it again; gdb asks the same
 * "g" first thing when it sees the stop, and gets this answer (see
 * p->stop_regs) instead of a second round trip.  So telling the proxy's
 * breakpoints from gdb's costs no round trip at a stop gdb sees. */
static struct kinspect_error *stop_pc(struct proxy *p, size_t index, uint64_t *ret)
{
	free(p->stop_regs);
	p->stop_regs = NULL;
	const struct kinspect_gdbstub_register *reg = kinspect_gdbstub_find_register(p->gs, pc_register());
	if (reg && reg->bitsize == 64) {
		const char *reply;
		size_t len;
		struct kinspect_error *err = kinspect_gdbstub_exchange(p->gs, "g", 1, NULL, NULL, &reply, &len);
		if (err)
			return err;
		/* Target byte order: little-endian, as on every architecture
		 * kinspect reads. */
		uint8_t le[8];
		if (len >= 2 * (reg->g_offset + 8) && reply[0] != 'E' &&
		    kinspect_rsp_hex_decode(reply + 2 * reg->g_offset, 16, le)) {
			*ret = 0;
			for (int i = 7; i >= 0; i--)
				*ret = *ret << 8 | le[i];
			if ((p->stop_regs = malloc(len)) != NULL) {
				memcpy(p->stop_regs, reply, len);
				p->stop_regs_len = len;
			}
			return NULL;
		}
	}
	/* No 64-bit pc in "g": the client's own way. */
	p->dirty = true;
	return kinspect_gdbstub_read_register(p->gs, index, pc_register(), ret);
}

/* The first stop after a plant that failed half-way: take out the
 * breakpoint that went in (tracking is off).  A stop at it (THREAD, NULL
 * when the stop is no breakpoint hit) was the proxy's own, which gdb never
 * sees: the VM goes on, and *RESUMED says so. */
static struct kinspect_error *drop_stray(struct proxy *p, const char *thread, bool *resumed)
{
	uint64_t addr = p->tracker.stray, rip = 0;
	*resumed = false;
	struct kinspect_error *err = NULL;
	if (thread && !gdb_breakpoint_at(p, addr)) {
		own_begin(p);
		err = stop_pc(p, thread_index(p->gs, thread), &rip);
	}
	if (!err)
		err = kinspect_gdbstub_breakpoint(p->gs, addr, false);
	if (err)
		return err;
	p->tracker.stray = 0;
	if (rip != addr)
		return NULL;
	*resumed = true;
	return resume_again(p);
}

static struct kinspect_error *on_stop(struct proxy *p, const char *stop, size_t len)
{
	if (stop[0] == 'O')
		return proxy_link_send(&p->gdb, stop, len); /* console output */
	/* The registers of an earlier stop are no answer now. */
	free(p->stop_regs);
	p->stop_regs = NULL;
	char thread[64] = "";
	if (stop_thread(stop, thread, sizeof(thread))) {
		/* QEMU selects the stopping vCPU for "Hg" itself. */
		snprintf(p->gdb_hg, sizeof(p->gdb_hg), "%s", thread);
	}
	p->dirty = false;
	if (!p->waiting_stop) {
		kinspect_warn("gdb-proxy: stop reply nobody waits for: %.40s", stop);
		return NULL;
	}
	bool at_breakpoint = !p->resume_step && len >= 3 && memcmp(stop, "T05", 3) == 0 && thread[0] &&
			     !strstr(stop, "watch:");
	if (p->tracker.stray) {
		bool resumed;
		struct kinspect_error *err = drop_stray(p, at_breakpoint ? thread : NULL, &resumed);
		if (err || resumed)
			return err;
	}
	if (p->tracker.planted && at_breakpoint) {
		size_t index = thread_index(p->gs, thread);
		uint64_t rip;
		own_begin(p);
		struct kinspect_error *err = stop_pc(p, index, &rip);
		if (err)
			return err;
		enum proxy_tracker_event ev = proxy_tracker_event_at(&p->tracker, rip);
		if (ev != PROXY_TRACKER_NONE && !gdb_breakpoint_at(p, rip))
			return module_event(p, ev, index, thread, rip, stop, len);
	}
	return forward_stop(p, stop, len);
}

static struct kinspect_error *poll_qemu(struct proxy *p)
{
	const char *stop;
	size_t len;
	struct kinspect_error *err = kinspect_gdbstub_wait_packet(p->gs, 0, &stop, &len);
	if (err || !stop)
		return err;
	/* The next call on the client overwrites the packet.  Copy all LEN
	 * bytes: a stub may send NUL bytes in a stop reply, where strndup()
	 * would stop while LEN still counted them (found by fuzz-proxy). */
	_cleanup_free_ char *copy = malloc(len + 1);
	if (!copy)
		return &kinspect_error_nomem;
	memcpy(copy, stop, len);
	copy[len] = '\0';
	return on_stop(p, copy, len);
}

/* ---- gdb's packets ------------------------------------------------------ */

static bool is_resume(const char *d, size_t len, bool *step)
{
	*step = false;
	if (len == 0)
		return false;
	if (d[0] == 'c' || d[0] == 'C')
		return true;
	if (d[0] == 's' || d[0] == 'S') {
		*step = true;
		return true;
	}
	if (len > 6 && memcmp(d, "vCont;", 6) == 0) {
		/* Any vCPU stepping makes it a step: QEMU's stop then ends
		 * the step, not a breakpoint of ours. */
		for (const char *a = d + 5; a && a < d + len; a = memchr(a + 1, ';', (size_t)(d + len - a - 1)))
			if (a[1] == 's' || a[1] == 'S' || a[1] == 'r')
				*step = true;
		return true;
	}
	return false;
}

static void forward_output(const char *packet, size_t len, void *arg)
{
	struct proxy *p = arg;
	struct kinspect_error *err = proxy_link_send(&p->gdb, packet, len);
	if (err) {
		kinspect_log_error(err);
		kinspect_error_destroy(err);
	}
}

static struct kinspect_error *relay(struct proxy *p, const char *d, size_t len, const char **reply,
				    size_t *reply_len)
{
	p->relayed++;
	return kinspect_gdbstub_exchange(p->gs, d, len, NULL, NULL, reply, reply_len);
}

static struct kinspect_error *handle_resume(struct proxy *p, const char *d, size_t len, bool step)
{
	char *copy = malloc(len + 1);
	if (!copy)
		return &kinspect_error_nomem;
	memcpy(copy, d, len);
	copy[len] = '\0';
	free(p->resume);
	p->resume = copy;
	p->resume_len = len;
	p->resume_step = step;
	p->relayed++;
	struct kinspect_error *err, *plant_err = NULL;
	if (p->have_kernel && p->tracker.load)
		err = proxy_tracker_plant_and_resume(&p->tracker, p->gs, d, len, &plant_err);
	else
		err = kinspect_gdbstub_send_resume(p->gs, d, len);
	if (plant_err) {
		/* Without them gdb still works: modules loaded later just do
		 * not show up by themselves. */
		kinspect_log_error(plant_err);
		kinspect_error_destroy(plant_err);
		p->tracker.load = p->tracker.unload = 0;
	}
	if (err)
		return err;
	/* With the hooks in, the list changes only when one fires; a module
	 * still "coming" goes live unseen, and its init sections with it. */
	if (!p->tracker.planted || p->libs.nr_coming)
		modules_changed(p);
	p->waiting_stop = true;
	return NULL;
}

/* A kinspect command of "monitor", run here on the proxy's session with
 * its output (and its messages) captured for gdb's console, then "OK". */
static struct kinspect_error *run_monitor(struct proxy *p, char **words)
{
	static const char unavailable[] = "kinspect: monitor commands are not available in this proxy\n";
	static const char no_session[] = "kinspect: no kernel session (see the proxy's messages)\n";
	struct kinspect_error *err = NULL;
	if (!p->opts->run_command)
		err = proxy_link_console(&p->gdb, unavailable, sizeof(unavailable) - 1);
	else if (!ensure_session(p))
		err = proxy_link_console(&p->gdb, no_session, sizeof(no_session) - 1);
	if (err || !p->opts->run_command || !p->kernel)
		return err ? err : proxy_link_send_str(&p->gdb, "OK");
	int argc = 0;
	while (words[argc])
		argc++;
	learn_phymem(p);
	own_begin(p);
	struct proxy_capture cap;
	_cleanup_free_ char *out = NULL;
	size_t out_len = 0;
	err = proxy_capture_begin(&cap);
	if (!err) {
		/* What a kinspect run shows by default, whatever -v the
		 * proxy has: warnings and errors along with the output. */
		enum kinspect_log_level level = kinspect_log_get_level();
		kinspect_log_set_level(KINSPECT_LOG_WARNING);
		p->opts->run_command(p->kernel, argc, words, p->opts->run_command_arg);
		kinspect_log_set_level(level);
		err = proxy_capture_end(&cap, &out, &out_len);
	}
	/* The command chose vCPUs and memory modes: gdb's are put back
	 * before its next packet. */
	p->dirty = p->phymem_dirty = true;
	if (err) {
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_error_destroy(err);
		char text[512];
		int n = snprintf(text, sizeof(text), "kinspect: %s\n", msg ? msg : "out of memory");
		err = proxy_link_console(&p->gdb, text, n > 0 && (size_t)n < sizeof(text) ? (size_t)n : 0);
	} else if (out_len) {
		err = proxy_link_console(&p->gdb, out, out_len);
	}
	return err ? err : proxy_link_send_str(&p->gdb, "OK");
}

static struct kinspect_error *handle_monitor(struct proxy *p, const char *d, size_t len)
{
	_cleanup_free_ char *line = NULL;
	struct kinspect_error *err = proxy_monitor_decode(d, len, &line);
	if (err) {
		kinspect_error_destroy(err);
		return proxy_link_send_str(&p->gdb, "E01");
	}
	_cleanup_free_ char **words = NULL;
	_cleanup_free_ char *buf = NULL;
	char why[512];
	enum proxy_monitor_kind kind = proxy_monitor_classify(p->opts, line, &words, &buf, why, sizeof(why));
	if (kind == PROXY_MONITOR_REFUSED) {
		err = proxy_link_console(&p->gdb, why, strlen(why));
		return err ? err : proxy_link_send_str(&p->gdb, "OK");
	}
	if (kind == PROXY_MONITOR_KINSPECT)
		return run_monitor(p, words);
	/* "qemu CMD": CMD for QEMU's monitor, whatever it is called. */
	_cleanup_free_ char *packet = NULL;
	const char *rest = line + strspn(line, " \t");
	if (strncmp(rest, "qemu", 4) == 0 && (rest[4] == ' ' || rest[4] == '\t')) {
		rest += 4 + strspn(rest + 4, " \t");
		size_t n = strlen(rest);
		packet = malloc(6 + 2 * n);
		if (!packet)
			return &kinspect_error_nomem;
		memcpy(packet, "qRcmd,", 6);
		kinspect_rsp_hex_encode(rest, n, packet + 6);
		d = packet;
		len = 6 + 2 * n;
	}
	const char *reply;
	size_t reply_len;
	p->relayed++;
	err = kinspect_gdbstub_exchange(p->gs, d, len, forward_output, p, &reply, &reply_len);
	if (err)
		return err;
	/* QEMU's monitor may have written guest memory (or reset it). */
	if (p->kernel)
		kinspect_kernel_invalidate(p->kernel);
	return proxy_link_send(&p->gdb, reply, reply_len);
}

static bool starts_with(const char *d, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(d, prefix, n) == 0;
}

static struct kinspect_error *handle_gdb_packet(struct proxy *p, const char *d, size_t len)
{
	struct kinspect_error *err;
	if (kinspect_gdbstub_is_running(p->gs)) {
		/* All-stop gdb sends nothing but 0x03 while the VM runs. */
		kinspect_warn("gdb-proxy: packet while the VM runs: %.40s", d);
		return proxy_link_send_str(&p->gdb, "E01");
	}
	if (p->stop_regs) {
		/* Only gdb's very first packet after the stop: anything else
		 * may change what "g" answers (another "Hg", a write). */
		_cleanup_free_ char *regs = p->stop_regs;
		p->stop_regs = NULL;
		if (len == 1 && d[0] == 'g' && !p->dirty) {
			p->relayed++;
			return proxy_link_send(&p->gdb, regs, p->stop_regs_len);
		}
	}
	err = restore(p);
	if (err)
		return err;
	bool step;
	if (is_resume(d, len, &step))
		return handle_resume(p, d, len, step);
	if (len == 1 && d[0] == 'k') {
		/* QEMU quits: no answer comes. */
		err = kinspect_gdbstub_send_resume(p->gs, d, len);
		kinspect_error_destroy(err);
		p->done = p->qemu_killed = true;
		return NULL;
	}
	if (starts_with(d, len, "qSupported")) {
		const char *reply;
		size_t reply_len;
		err = relay(p, d, len, &reply, &reply_len);
		if (err)
			return err;
		if (!p->opts->vmlinux_path || !p->opts->nr_module_dirs || reply_len == 0)
			return proxy_link_send(&p->gdb, reply, reply_len);
		_cleanup_free_ char *more = NULL;
		if (asprintf(&more, "%.*s;qXfer:libraries:read+", (int)reply_len, reply) < 0)
			return &kinspect_error_nomem;
		return proxy_link_send_str(&p->gdb, more);
	}
	if ((len == 9 && memcmp(d, "qAttached", 9) == 0) || starts_with(d, len, "qAttached:")) {
		/* QEMU does not answer it, and gdb then takes the VM for one it
		 * started: at "quit" (the end of gdb -batch) it kills it, and
		 * QEMU's 'k' ends QEMU.  The VM runs on its own: gdb detaches
		 * and it goes on. */
		return proxy_link_send_str(&p->gdb, "1");
	}
	if (len == 8 && memcmp(d, "qOffsets", 8) == 0 && ensure_kernel(p)) {
		char answer[64];
		err = proxy_offsets_answer(p->opts->vmlinux_path, p->slide, answer, sizeof(answer));
		if (err)
			return err;
		return proxy_link_send_str(&p->gdb, answer);
	}
	if (starts_with(d, len, "qXfer:libraries:read::") && p->opts->vmlinux_path && p->opts->nr_module_dirs) {
		const char *args = d + 22;
		if (args[0] == '0' && args[1] == ',' && !p->libs_fresh) {
			bool changed;
			err = scan_libraries(p, 0, &changed);
			if (err) {
				kinspect_log_error(err);
				kinspect_error_destroy(err);
			}
			err = restore(p);
			if (err)
				return err;
		}
		_cleanup_free_ char *answer = NULL;
		size_t answer_len;
		err = proxy_libraries_xfer(&p->libs, args, &answer, &answer_len);
		if (err) {
			kinspect_error_destroy(err);
			return proxy_link_send_str(&p->gdb, "E00");
		}
		p->libs_read = true;
		return proxy_link_send(&p->gdb, answer, answer_len);
	}
	if (starts_with(d, len, "qRcmd,"))
		return handle_monitor(p, d, len);

	const char *reply;
	size_t reply_len;
	err = relay(p, d, len, &reply, &reply_len);
	if (err)
		return err;
	bool ok = reply_len == 2 && memcmp(reply, "OK", 2) == 0;
	if (len == 1 && d[0] == '?') {
		/* QEMU removed every breakpoint, ours too. */
		proxy_tracker_forget(&p->tracker);
		p->nr_bps = 0;
	} else if (ok && starts_with(d, len, "Hg")) {
		snprintf(p->gdb_hg, sizeof(p->gdb_hg), "%.*s", (int)(len - 2), d + 2);
	} else if (ok && len == 18 && starts_with(d, len, "Qqemu.PhyMemMode:")) {
		p->gdb_phymem = d[17] == '1';
	} else if (ok && (d[0] == 'Z' || d[0] == 'z')) {
		follow_breakpoint(p, d, len);
	} else if (ok && d[0] == 'D') {
		/* QEMU resumed the VM and dropped all breakpoints.  gdb still
		 * acknowledges the "OK" and then closes: end at that EOF. */
		kinspect_debug("gdb-proxy: gdb detached");
		proxy_tracker_forget(&p->tracker);
		p->tracker.load = p->tracker.unload = 0;
		p->detached = true;
	}
	return proxy_link_send(&p->gdb, reply, reply_len);
}

static struct kinspect_error *on_gdb_input(struct proxy *p)
{
	struct kinspect_rsp_event ev;
	struct kinspect_error *err = proxy_link_next(&p->gdb, &ev);
	if (err)
		return err;
	if (ev.type == KINSPECT_RSP_EVENT_INTERRUPT) {
		if (kinspect_gdbstub_is_running(p->gs))
			return kinspect_gdbstub_send_interrupt(p->gs);
		return NULL;
	}
	if (ev.type == KINSPECT_RSP_EVENT_PACKET)
		return handle_gdb_packet(p, ev.data, ev.len);
	if (p->gdb.eof) {
		kinspect_info("gdb-proxy: gdb closed the connection");
		p->done = true;
	}
	return NULL;
}

/* ---- the private socket -------------------------------------------------- */

static void close_second(struct proxy *p)
{
	if (p->second_fd < 0)
		return;
	proxy_link_deinit(&p->second);
	close(p->second_fd);
	p->second_fd = -1;
	p->phymem_dirty = true;
}

static void accept_second(struct proxy *p)
{
	int fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (p->second_fd >= 0 || kinspect_gdbstub_is_running(p->gs)) {
		/* One at a time, and only while gdb has the VM stopped. */
		kinspect_info("gdb-proxy: refused a client on %s (%s)", p->sock_path,
			      p->second_fd >= 0 ? "one is connected" : "the VM runs");
		close(fd);
		return;
	}
	learn_phymem(p);
	struct kinspect_error *err = proxy_link_init(&p->second, "kinspect client", fd, fd, p->opts->timeout_ms);
	if (err) {
		kinspect_error_destroy(err);
		close(fd);
		return;
	}
	p->second_fd = fd;
}

static struct kinspect_error *on_second_input(struct proxy *p)
{
	struct kinspect_rsp_event ev;
	struct kinspect_error *err = proxy_link_next(&p->second, &ev);
	if (!err && ev.type == KINSPECT_RSP_EVENT_PACKET) {
		bool dirty = false;
		struct kinspect_error *qemu_err;
		err = proxy_second_packet(p->gs, &p->second, ev.data, ev.len, &dirty, &qemu_err);
		if (dirty)
			p->dirty = true;
		if (qemu_err) {
			/* QEMU failing ends the session; the client failing
			 * only its own connection. */
			kinspect_error_destroy(err);
			return qemu_err;
		}
	}
	if (err || p->second.eof) {
		kinspect_error_destroy(err);
		close_second(p);
	}
	return NULL;
}

/* ---- the loop ----------------------------------------------------------- */

static struct kinspect_error *step(struct proxy *p)
{
	bool running = kinspect_gdbstub_is_running(p->gs);
	if (running && kinspect_gdbstub_has_input(p->gs))
		return poll_qemu(p);
	if (proxy_link_has_input(&p->gdb))
		return on_gdb_input(p);
	if (p->second_fd >= 0 && proxy_link_has_input(&p->second))
		return on_second_input(p);

	struct pollfd fds[4];
	int n = 0, i_gdb = -1, i_qemu = -1, i_listen = -1, i_second = -1;
	fds[i_gdb = n++] = (struct pollfd){ .fd = p->gdb.in_fd, .events = POLLIN };
	if (running)
		fds[i_qemu = n++] = (struct pollfd){ .fd = kinspect_gdbstub_fd(p->gs), .events = POLLIN };
	if (p->listen_fd >= 0)
		fds[i_listen = n++] = (struct pollfd){ .fd = p->listen_fd, .events = POLLIN };
	if (p->second_fd >= 0)
		fds[i_second = n++] = (struct pollfd){ .fd = p->second_fd, .events = POLLIN };
	int r = poll(fds, (nfds_t)n, 1000);
	if (r < 0 && errno != EINTR)
		return kinspect_error_os(errno, NULL, "poll");
	if (r <= 0)
		return NULL;
	struct kinspect_error *err = NULL;
	if (i_qemu >= 0 && fds[i_qemu].revents)
		err = poll_qemu(p);
	if (!err && i_gdb >= 0 && fds[i_gdb].revents)
		err = on_gdb_input(p);
	if (!err && i_second >= 0 && fds[i_second].revents && p->second_fd >= 0)
		err = on_second_input(p);
	if (!err && i_listen >= 0 && fds[i_listen].revents)
		accept_second(p);
	return err;
}

/* QEMU is gone or broken: tell gdb (console output is allowed while it
 * waits for a stop) and end; closing the pipe makes gdb drop the target. */
static void report_qemu_failure(struct proxy *p, const struct kinspect_error *err)
{
	_cleanup_free_ char *msg = kinspect_error_string(err);
	if (p->waiting_stop && msg) {
		_cleanup_free_ char *text = NULL;
		if (asprintf(&text, "kinspect gdb-proxy: %s\n", msg) > 0) {
			struct kinspect_error *e2 = proxy_link_console(&p->gdb, text, strlen(text));
			kinspect_error_destroy(e2);
			/* gdb acknowledges before it prints: gone too early, it
			 * gets EPIPE and shows that instead of the message. */
			uint64_t deadline = now_ms() + 2000;
			char c = 0;
			while (c != '+' && now_ms() < deadline) {
				struct pollfd pfd = { .fd = p->gdb.in_fd, .events = POLLIN };
				if (poll(&pfd, 1, 100) > 0 && read(p->gdb.in_fd, &c, 1) <= 0)
					break;
			}
		}
	}
}

/* The session ends without gdb's "D" (a signal, gdb gone, an error of
 * gdb's link): take the proxy's own breakpoints out of QEMU, which keeps
 * them after the connection closes and would stop the VM at the next
 * insmod with nobody to resume it.  Then leave the VM running if gdb left
 * it running or if it ran before the proxy connected (connecting stopped
 * it); otherwise stopped, as gdb left it. */
static void leave_guest(struct proxy *p)
{
	if (!p->gs || p->detached || p->qemu_killed)
		return;
	bool running = kinspect_gdbstub_is_running(p->gs);
	const struct kinspect_gdbstub_run_state *rs = kinspect_gdbstub_run_state(p->gs);
	bool run = running || (rs && rs->was_running != KINSPECT_GDBSTUB_WAS_RUNNING_NO);
	struct kinspect_error *err = NULL;
	if (p->tracker.planted || p->tracker.stray) {
		/* QEMU takes breakpoint packets only from a stopped VM. */
		if (running)
			err = kinspect_gdbstub_stop(p->gs);
		if (!err)
			err = proxy_tracker_remove(&p->tracker, p->gs);
	}
	if (err) {
		err = kinspect_error_wrap(err, "gdb-proxy: removing its breakpoints");
		kinspect_log_error(err);
		kinspect_error_destroy(err);
	}
	kinspect_debug("gdb-proxy: leaving the VM %s", run ? "running" : "stopped");
	/* A stopped VM is resumed by the detach that destroy sends. */
	kinspect_gdbstub_set_keep_stopped(p->gs, !run);
}

static void proxy_deinit(struct proxy *p)
{
	close_second(p);
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	if (p->sock_path)
		unlink(p->sock_path);
	if (p->sock_dir)
		rmdir(p->sock_dir);
	free(p->sock_path);
	free(p->sock_dir);
	/* The session first: it borrows QEMU's connection. */
	kinspect_kernel_destroy(p->kernel);
	p->kernel = NULL;
	if (p->gs) {
		struct kinspect_gdbstub_stats stats;
		kinspect_gdbstub_stats(p->gs, &stats);
		kinspect_info("gdb-proxy: %" PRIu64 " round trips with QEMU, %" PRIu64 " packets from gdb, %" PRIu64
			      " of them relayed to QEMU",
			      stats.round_trips, p->gdb.packets_in, p->relayed);
		kinspect_gdbstub_destroy(p->gs);
	}
	proxy_link_deinit(&p->gdb);
	proxy_libraries_deinit(&p->libs);
	free(p->stop_regs);
	free(p->resume);
	free(p->bps);
}

struct kinspect_error *kinspect_proxy_run(const struct kinspect_proxy_options *opts, int in_fd, int out_fd)
{
	struct proxy p = { .opts = opts, .gdb_phymem = -1, .listen_fd = -1, .second_fd = -1 };
	/* Monitor commands write to standard output and error, captured
	 * while they run: gdb's link must not be on those descriptors. */
	_cleanup_close_ int own_in = -1, own_out = -1;
	if (in_fd <= 2 && (own_in = fcntl(in_fd, F_DUPFD_CLOEXEC, 3)) >= 0)
		in_fd = own_in;
	if (out_fd <= 2 && (own_out = fcntl(out_fd, F_DUPFD_CLOEXEC, 3)) >= 0)
		out_fd = own_out;
	struct kinspect_error *err = proxy_link_init(&p.gdb, "gdb", in_fd, out_fd, opts->timeout_ms);
	if (!err)
		err = kinspect_gdbstub_connect(opts->qemu, opts->timeout_ms, &p.gs);
	if (!err) {
		/* Whether the guest ran before the proxy came, for a gdb that
		 * vanishes without detaching: asked now, while the connect
		 * holds it stopped (QEMU 8.1+ sends no stop reply to tell). */
		const struct kinspect_gdbstub_run_state *rs;
		err = kinspect_gdbstub_find_run_state(p.gs, &rs);
		if (!err)
			kinspect_debug("gdb-proxy: guest %s before (%s)", kinspect_gdbstub_was_running_name(rs->was_running),
				       rs->how);
	}
	if (!err && opts->private_socket) {
		err = proxy_second_listen(opts->socket_path, &p.listen_fd, &p.sock_path, &p.sock_dir);
		if (!err)
			kinspect_info("gdb-proxy: kinspect clients: -t unix:%s", p.sock_path);
	}
	while (!err && !p.done && !(opts->quit && *opts->quit))
		err = step(&p);
	kinspect_debug("gdb-proxy: loop ended (%s)", err ? "error" : opts->quit && *opts->quit ? "signal" : "done");
	if (err)
		report_qemu_failure(&p, err);
	leave_guest(&p);
	proxy_deinit(&p);
	return err;
}
