/* Why a kernel stopped (see kinspect/crash.h): the kernel's own variables
 * (panic_cpu, tainted_mask, the timekeeper), its log read through
 * src/linux/crash-log.c, and the panicking CPU's stack.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/crash.h>
#include <kinspect/dmesg.h>
#include <kinspect/object.h>
#include <kinspect/system.h>
#include <kinspect/type.h>
#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/crash-log.h"
#include "linux/module-info.h"

struct kinspect_crash {
	int panic_cpu;
	struct kinspect_crash_log log;
	uint64_t taint_mask;
	char taints[KINSPECT_MODULE_TAINTS_MAX + 1];
	bool have_time;
	uint64_t uptime_s;
	int64_t realtime_s;
	struct kinspect_stack_trace *trace;
	char *trace_error;
	int64_t fault_frame;
	uint64_t fault_pt_regs;
	bool have_regs;
	struct kinspect_regs regs;
	char signature[512];
};

static struct kinspect_error *log_record(const struct kinspect_dmesg_record *record, void *arg)
{
	struct kinspect_crash_log *log = arg;
	size_t len;
	const char *text = kinspect_dmesg_record_text(record, &len), *end = text + len;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);
		kinspect_crash_log_line(log, kinspect_dmesg_record_seq(record), kinspect_dmesg_record_timestamp_ns(record),
					text, n);
		text += n + (nl != NULL);
	}
	return NULL;
}

/* The frame the kernel stopped for (kinspect_crash_fault_frame()): above
 * the first kernel-mode exception frame, else the caller of the last
 * panic() frame (or vpanic(), panic()'s body on kernels that have one). */
static void find_fault_frame(struct kinspect_crash *c)
{
	const struct kinspect_stack_trace *t = c->trace;
	size_t n = kinspect_stack_trace_nr_frames(t);
	c->fault_frame = -1;
	for (size_t i = 0; i < n; i++) {
		const char *kind = kinspect_stack_frame_kind(t, i);
		if ((!strcmp(kind, "pt_regs") || !strcmp(kind, "iret")) && !kinspect_stack_frame_user_mode(t, i)) {
			/* The frame kind names the frame the registers lead to:
			 * the interrupted code itself. */
			c->fault_frame = (int64_t)i;
			c->fault_pt_regs = kinspect_stack_frame_pt_regs(t, i);
			return;
		}
	}
	for (size_t i = n; i-- > 0;) {
		const char *sym = kinspect_stack_frame_symbol(t, i);
		size_t len = strcspn(sym, "+");
		if ((len == 5 && !strncmp(sym, "panic", 5)) || (len == 6 && !strncmp(sym, "vpanic", 6))) {
			if (i + 1 < n)
				c->fault_frame = (int64_t)i + 1;
			return;
		}
	}
}

/* The report: what led to the panic, or without a panic the first. */
static const struct kinspect_crash_report *the_report(const struct kinspect_crash *c)
{
	if (c->log.panicked || c->panic_cpu >= 0)
		return c->log.have_cause ? &c->log.cause : NULL;
	return c->log.have_first ? &c->log.first : NULL;
}

/* The function name of frame I: its symbol without +offset and module. */
static void frame_function(const struct kinspect_stack_trace *t, size_t i, char *buf, size_t size)
{
	const char *sym = kinspect_stack_frame_symbol(t, i);
	snprintf(buf, size, "%.*s", (int)strcspn(sym, "+ "), sym);
}

/* The registers kinspect_crash_registers() gives: the CPU's own, or those
 * the exception frame at FAULT_PT_REGS saved, found by unwinding to it. */
static void find_registers(struct kinspect_kernel *k, struct kinspect_crash *c)
{
	struct kinspect_unwind_frame frame;
	bool user;
	struct kinspect_error *err = kinspect_kernel_cpu_unwind_frame(k, (unsigned int)c->panic_cpu, &frame, &user);
	if (err || user) {
		kinspect_error_destroy(err);
		return;
	}
	if (!c->fault_pt_regs) {
		c->regs = frame.regs;
		c->have_regs = true;
		return;
	}
	for (unsigned int i = 0; i < KINSPECT_STACK_MAX_FRAMES; i++) {
		struct kinspect_unwind_info info;
		if ((err = kinspect_kernel_unwind_step(k, &frame, &frame, &info)) || info.end)
			break;
		if (info.kind == KINSPECT_UNWIND_PT_REGS && info.pt_regs == c->fault_pt_regs && !info.user_mode) {
			c->regs = frame.regs;
			c->have_regs = true;
			return;
		}
	}
	kinspect_error_destroy(err);
}

static void make_signature(struct kinspect_crash *c)
{
	const char *kind = kinspect_crash_kind(c);
	const struct kinspect_stack_trace *t = c->trace;
	if (t && c->fault_frame >= 0) {
		size_t i = (size_t)c->fault_frame, n = kinspect_stack_trace_nr_frames(t);
		/* A module frame's symbol names its module: "f+0x1a [mod]". */
		int len = snprintf(c->signature, sizeof(c->signature), "%s: %s", kind, kinspect_stack_frame_symbol(t, i));
		for (size_t j = i + 1; j < n && j <= i + 2 && len > 0 && (size_t)len < sizeof(c->signature); j++) {
			if (kinspect_stack_frame_user_mode(t, j))
				break;
			char name[128];
			frame_function(t, j, name, sizeof(name));
			len += snprintf(c->signature + len, sizeof(c->signature) - (size_t)len, " < %s", name);
		}
		return;
	}
	const struct kinspect_crash_report *r = the_report(c);
	const char *what = r ? (r->rip[0] ? r->rip : r->line) : c->log.panicked ? c->log.panic_message : "";
	snprintf(c->signature, sizeof(c->signature), "%s%s%s", kind, what[0] ? ": " : "", what);
}

struct kinspect_error *kinspect_kernel_crash(struct kinspect_kernel *k, struct kinspect_crash **ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	struct kinspect_crash *c = calloc(1, sizeof(*c));
	if (!c)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	kinspect_crash_log_init(&c->log, kinspect_arch()->log_kernel_pc_prefix);
	c->fault_frame = -1;
	char *taints = NULL;
	if ((err = kinspect_kernel_panic_cpu(k, &c->panic_cpu))) {
		kinspect_crash_destroy(c);
		return err;
	}
	if ((err = kinspect_kernel_taints(k, &c->taint_mask, &taints)))
		goto fail;
	snprintf(c->taints, sizeof(c->taints), "%s", taints);
	free(taints);
	if ((err = kinspect_kernel_dmesg_for_each(k, 0, log_record, &c->log, NULL)))
		goto fail;
	kinspect_crash_log_end(&c->log);
	uint64_t mono;
	int64_t real;
	struct kinspect_error *time_err = kinspect_kernel_time(k, &mono, &real);
	if (!time_err) {
		c->have_time = true;
		c->uptime_s = mono;
		c->realtime_s = real;
	}
	kinspect_error_destroy(time_err);
	if (c->panic_cpu >= 0) {
		struct kinspect_error *trace_err = kinspect_kernel_stack_trace_cpu(k, (unsigned int)c->panic_cpu, &c->trace);
		if (trace_err) {
			c->trace_error = strdup(kinspect_error_message(trace_err));
			kinspect_error_destroy(trace_err);
		} else {
			find_fault_frame(c);
			find_registers(k, c);
		}
	}
	make_signature(c);
	*ret = c;
	return NULL;
fail:
	kinspect_crash_destroy(c);
	return err;
}

void kinspect_crash_destroy(struct kinspect_crash *c)
{
	if (!c)
		return;
	kinspect_stack_trace_destroy(c->trace);
	free(c->trace_error);
	free(c);
}

const char *kinspect_crash_kind(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	if (r)
		return kinspect_crash_kind_name(r->kind);
	return kinspect_crash_kind_name(c->panic_cpu >= 0 || c->log.panicked ? KINSPECT_CRASH_PANIC : KINSPECT_CRASH_NONE);
}

int kinspect_crash_panic_cpu(const struct kinspect_crash *c)
{
	return c->panic_cpu;
}

const char *kinspect_crash_panic_message(const struct kinspect_crash *c, uint64_t *ret_seq)
{
	if (!c->log.panicked)
		return NULL;
	if (ret_seq)
		*ret_seq = c->log.panic_seq;
	return c->log.panic_message;
}

const char *kinspect_crash_report_line(const struct kinspect_crash *c, uint64_t *ret_seq)
{
	const struct kinspect_crash_report *r = the_report(c);
	if (r && ret_seq)
		*ret_seq = r->seq;
	return r ? r->line : NULL;
}

const char *kinspect_crash_earlier_report(const struct kinspect_crash *c, uint64_t *ret_seq)
{
	const struct kinspect_crash_report *r = the_report(c);
	if (!c->log.have_first || (r && r->seq == c->log.first.seq))
		return NULL;
	if (ret_seq)
		*ret_seq = c->log.first.seq;
	return c->log.first.line;
}

int64_t kinspect_crash_report_cpu(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	return r ? r->cpu : c->log.panic_cpu;
}

int64_t kinspect_crash_report_pid(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	return r ? r->pid : c->log.panic_pid;
}

const char *kinspect_crash_report_comm(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	const char *comm = r ? r->comm : c->log.panic_comm;
	return comm[0] ? comm : NULL;
}

const char *kinspect_crash_report_pc(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	return r && r->rip[0] ? r->rip : NULL;
}

int64_t kinspect_crash_oom_victim_pid(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	return r ? r->victim_pid : -1;
}

const char *kinspect_crash_oom_victim_comm(const struct kinspect_crash *c)
{
	const struct kinspect_crash_report *r = the_report(c);
	return r && r->victim_comm[0] ? r->victim_comm : NULL;
}

uint64_t kinspect_crash_taint_mask(const struct kinspect_crash *c)
{
	return c->taint_mask;
}

const char *kinspect_crash_taints(const struct kinspect_crash *c)
{
	return c->taints;
}

bool kinspect_crash_time(const struct kinspect_crash *c, uint64_t *ret_uptime_s, int64_t *ret_realtime_s)
{
	if (c->have_time) {
		*ret_uptime_s = c->uptime_s;
		*ret_realtime_s = c->realtime_s;
	}
	return c->have_time;
}

const struct kinspect_stack_trace *kinspect_crash_trace(const struct kinspect_crash *c)
{
	return c->trace;
}

const char *kinspect_crash_trace_error(const struct kinspect_crash *c)
{
	return c->trace_error;
}

int64_t kinspect_crash_fault_frame(const struct kinspect_crash *c, uint64_t *ret_pt_regs)
{
	if (ret_pt_regs)
		*ret_pt_regs = c->fault_pt_regs;
	return c->fault_frame;
}

const char *kinspect_crash_signature(const struct kinspect_crash *c)
{
	return c->signature;
}

bool kinspect_crash_registers(const struct kinspect_crash *c, struct kinspect_regs *ret)
{
	if (c->have_regs)
		*ret = c->regs;
	return c->have_regs;
}
