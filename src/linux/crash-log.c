/* Reading the kernel's own reports out of its log (crash-log.h).  The
 * line formats are the kernel's: panic() (kernel/panic.c), the oops
 * header and die() (arch/x86/mm/fault.c, arch/x86/kernel/dumpstack.c),
 * dump_stack_print_info() (lib/dump_stack.c: "CPU: N UID: U PID: P Comm:
 * C", UID since v6.10), __warn() (kernel/panic.c), check_hung_task()
 * (kernel/hung_task.c), watchdog_timer_fn() and the hard-lockup detector
 * (kernel/watchdog*.c), print_cpu_stall() (kernel/rcu/tree_stall.h) and
 * the OOM killer (mm/oom_kill.c).  They have stayed stable across the
 * kernels tested; a line not recognised is simply not a report.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/crash-log.h"

enum { CONTEXT_NONE, CONTEXT_REPORT, CONTEXT_PANIC };

const char *kinspect_crash_kind_name(enum kinspect_crash_kind kind)
{
	static const char *const names[] = {
		[KINSPECT_CRASH_NONE] = "none",
		[KINSPECT_CRASH_PANIC] = "panic",
		[KINSPECT_CRASH_OOPS] = "oops",
		[KINSPECT_CRASH_BUG] = "bug",
		[KINSPECT_CRASH_WARNING] = "warning",
		[KINSPECT_CRASH_HUNG_TASK] = "hung-task",
		[KINSPECT_CRASH_SOFT_LOCKUP] = "soft-lockup",
		[KINSPECT_CRASH_HARD_LOCKUP] = "hard-lockup",
		[KINSPECT_CRASH_RCU_STALL] = "rcu-stall",
		[KINSPECT_CRASH_OOM] = "oom",
	};
	return (unsigned int)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "none";
}

static void init_report(struct kinspect_crash_report *r)
{
	memset(r, 0, sizeof(*r));
	r->cpu = r->pid = r->victim_pid = -1;
}

void kinspect_crash_log_init(struct kinspect_crash_log *log, const char *pc_prefix)
{
	memset(log, 0, sizeof(*log));
	log->pc_prefix = pc_prefix;
	init_report(&log->first);
	init_report(&log->current);
	init_report(&log->cause);
	log->panic_cpu = log->panic_pid = -1;
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Whether PATTERN occurs in the LEN bytes at S. */
static bool contains(const char *s, size_t len, const char *pattern)
{
	size_t n = strlen(pattern);
	for (size_t i = 0; n <= len && i <= len - n; i++) {
		if (memcmp(s + i, pattern, n) == 0)
			return true;
	}
	return false;
}

/* The first line of a report: its kind, or NONE. */
static enum kinspect_crash_kind report_kind(const char *s, size_t len)
{
	if (contains(s, len, "BUG: soft lockup - CPU#"))
		return KINSPECT_CRASH_SOFT_LOCKUP;
	if (contains(s, len, "Watchdog detected hard LOCKUP on cpu"))
		return KINSPECT_CRASH_HARD_LOCKUP;
	if (starts(s, len, "kernel BUG at "))
		return KINSPECT_CRASH_BUG;
	if (starts(s, len, "BUG: kernel NULL pointer dereference") || starts(s, len, "BUG: unable to handle") ||
	    starts(s, len, "Oops: ") || starts(s, len, "general protection fault") ||
	    /* arm64's __do_kernel_fault() and die() */
	    starts(s, len, "Unable to handle kernel ") || starts(s, len, "Internal error: "))
		return KINSPECT_CRASH_OOPS;
	if (starts(s, len, "BUG: "))
		return KINSPECT_CRASH_BUG;
	if (starts(s, len, "WARNING: "))
		return KINSPECT_CRASH_WARNING;
	if (starts(s, len, "INFO: task ") && contains(s, len, " blocked for more than "))
		return KINSPECT_CRASH_HUNG_TASK;
	if (starts(s, len, "rcu: INFO: ") && contains(s, len, "stall"))
		return KINSPECT_CRASH_RCU_STALL;
	if (contains(s, len, " invoked oom-killer: "))
		return KINSPECT_CRASH_OOM;
	return KINSPECT_CRASH_NONE;
}

static void copy(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	/* The kernel's own trailing blanks and newlines carry nothing. */
	while (len && (dst[len - 1] == ' ' || dst[len - 1] == '\n'))
		dst[--len] = '\0';
}

/* The value after WORD (" PID: ", " CPU: "...) in the line, as a number. */
static int64_t number_after(const char *line, const char *word)
{
	const char *p = strstr(line, word);
	if (!p)
		return -1;
	char *end;
	long long v = strtoll(p + strlen(word), &end, 10);
	return end == p + strlen(word) || v < 0 ? -1 : v;
}

/* The word after WORD in the line into BUF. */
static void word_after(const char *line, const char *word, char *buf, size_t size)
{
	const char *p = strstr(line, word);
	buf[0] = '\0';
	if (!p)
		return;
	p += strlen(word);
	size_t n = strcspn(p, " ");
	copy(buf, size, p, n);
}

/* dump_stack's header, "CPU: 1 UID: 0 PID: 117 Comm: sh Not tainted ...",
 * and __warn()'s "WARNING: CPU: 0 PID: 1 at ...": the CPU and the task. */
static void task_header(const char *line, int64_t *cpu, int64_t *pid, char *comm, size_t comm_size)
{
	char padded[KINSPECT_CRASH_LINE_MAX + 2];
	snprintf(padded, sizeof(padded), " %s", line);
	if (*cpu < 0)
		*cpu = number_after(padded, " CPU: ");
	if (*pid < 0)
		*pid = number_after(padded, " PID: ");
	if (!comm[0])
		word_after(padded, " Comm: ", comm, comm_size);
}

/* "INFO: task COMM:PID blocked for more than N seconds.": COMM may hold
 * colons; the pid follows the last one before " blocked". */
static void hung_task(struct kinspect_crash_report *r)
{
	const char *start = r->line + strlen("INFO: task "), *end = strstr(start, " blocked for more than ");
	if (!end)
		return;
	const char *colon = NULL;
	for (const char *p = start; p < end; p++) {
		if (*p == ':')
			colon = p;
	}
	if (!colon)
		return;
	copy(r->comm, sizeof(r->comm), start, (size_t)(colon - start));
	r->pid = strtoll(colon + 1, NULL, 10);
}

/* "Out of memory: Killed process 183 (sh) total-vm:...", also
 * "Memory cgroup out of memory: Killed process ...". */
static void oom_victim(struct kinspect_crash_report *r, const char *line)
{
	const char *p = strstr(line, "Killed process ");
	if (!p || r->victim_pid >= 0)
		return;
	char *end;
	r->victim_pid = strtoll(p + strlen("Killed process "), &end, 10);
	const char *open = strchr(end, '('), *close = open ? strchr(open, ')') : NULL;
	if (open && close)
		copy(r->victim_comm, sizeof(r->victim_comm), open + 1, (size_t)(close - open - 1));
}

/* The end of a report: the kernel's "---[ end trace ... ]---" after an
 * oops, BUG or WARNING, the OOM killer's kill. */
static bool report_end(const struct kinspect_crash_report *r, const char *line, size_t len)
{
	if (starts(line, len, "---[ end trace"))
		return true;
	return r->kind == KINSPECT_CRASH_OOM && contains(line, len, "Killed process ");
}

#define CAUSE_AFTER_END_NS 1000000000ull   /* 1 s */
#define CAUSE_AFTER_START_NS 10000000000ull /* 10 s */

void kinspect_crash_log_line(struct kinspect_crash_log *log, uint64_t seq, uint64_t ts, const char *s, size_t len)
{
	char line[KINSPECT_CRASH_LINE_MAX];
	copy(line, sizeof(line), s, len);
	len = strlen(line);
	const char *panic = "Kernel panic - not syncing: ";
	if (starts(line, len, panic)) {
		if (!log->panicked) {
			log->panicked = true;
			copy(log->panic_message, sizeof(log->panic_message), line + strlen(panic), len - strlen(panic));
			log->panic_seq = seq;
			log->context = CONTEXT_PANIC;
			if (log->have_current &&
			    (log->current_ended ? ts - log->current_end_ns <= CAUSE_AFTER_END_NS
						: ts - log->current_start_ns <= CAUSE_AFTER_START_NS)) {
				log->have_cause = true;
				log->cause = log->current;
			}
		}
		return;
	}
	if (log->panicked)
		goto panic_context;
	struct kinspect_crash_report *r = &log->current;
	enum kinspect_crash_kind kind = report_kind(line, len);
	/* An oops's own "Oops:" line after its "BUG: unable to handle"
	 * header is the same report. */
	bool same = log->have_current && !log->current_ended && kind == KINSPECT_CRASH_OOPS &&
		    r->kind == KINSPECT_CRASH_OOPS && starts(line, len, "Oops: ");
	if (kind != KINSPECT_CRASH_NONE && !same) {
		if (log->have_current && !log->have_first) {
			log->have_first = true;
			log->first = *r;
		}
		init_report(r);
		log->have_current = true;
		log->current_ended = false;
		log->current_start_ns = ts;
		r->kind = kind;
		copy(r->line, sizeof(r->line), line, len);
		r->seq = seq;
		log->context = CONTEXT_REPORT;
		if (kind == KINSPECT_CRASH_WARNING)
			task_header(line, &r->cpu, &r->pid, r->comm, sizeof(r->comm));
		if (kind == KINSPECT_CRASH_HUNG_TASK)
			hung_task(r);
		return;
	}
	if (log->context != CONTEXT_REPORT || log->current_ended)
		return;
	if (starts(line, len, "CPU: ") && strstr(line, " PID: ")) {
		task_header(line, &r->cpu, &r->pid, r->comm, sizeof(r->comm));
	} else if (log->pc_prefix && starts(line, len, log->pc_prefix) && !r->rip[0]) {
		size_t n = strlen(log->pc_prefix);
		copy(r->rip, sizeof(r->rip), line + n, len - n);
	} else if (r->kind == KINSPECT_CRASH_OOM) {
		oom_victim(r, line);
	}
	if (report_end(r, line, len)) {
		log->current_ended = true;
		log->current_end_ns = ts;
	}
	return;
panic_context:
	if (log->context == CONTEXT_PANIC && starts(line, len, "CPU: ") && strstr(line, " PID: "))
		task_header(line, &log->panic_cpu, &log->panic_pid, log->panic_comm, sizeof(log->panic_comm));
}

void kinspect_crash_log_end(struct kinspect_crash_log *log)
{
	if (log->have_current && !log->have_first) {
		log->have_first = true;
		log->first = log->current;
	}
}
