/* What a kernel's log says about why it stopped: the lines that open the
 * kernel's own reports (panic, oops, BUG, WARNING, hung task, lockups,
 * RCU stalls, the OOM killer), and the CPU, task and faulting RIP such a
 * report names, as the kernel prints them (kernel/panic.c,
 * arch/x86/kernel/dumpstack.c, lib/dump_stack.c, kernel/hung_task.c,
 * kernel/watchdog.c, mm/oom_kill.c).  Fed one log line at a time, so that
 * it needs no memory of the whole log.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CRASH_LOG_H
#define KINSPECT_CRASH_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a report is about, most telling first where two come together (an
 * oops that panics is an oops). */
enum kinspect_crash_kind {
	KINSPECT_CRASH_NONE,
	KINSPECT_CRASH_PANIC,       /* panic() called directly: no report before */
	KINSPECT_CRASH_OOPS,        /* a fault in kernel mode: "BUG: unable to handle...", "Oops:" */
	KINSPECT_CRASH_BUG,         /* BUG(): "kernel BUG at FILE:LINE!" */
	KINSPECT_CRASH_WARNING,     /* WARN(): "WARNING: CPU: N PID: P at ..." */
	KINSPECT_CRASH_HUNG_TASK,   /* "INFO: task COMM:PID blocked for more than N seconds." */
	KINSPECT_CRASH_SOFT_LOCKUP, /* "watchdog: BUG: soft lockup - CPU#N stuck for Ns!" */
	KINSPECT_CRASH_HARD_LOCKUP, /* "Watchdog detected hard LOCKUP on cpu N" */
	KINSPECT_CRASH_RCU_STALL,   /* "rcu: INFO: rcu_sched self-detected stall on CPU" */
	KINSPECT_CRASH_OOM,         /* "COMM invoked oom-killer: ..." */
};

/* The name of KIND as triage reports it ("oops", "hung-task", ...). */
const char *kinspect_crash_kind_name(enum kinspect_crash_kind kind);

#define KINSPECT_CRASH_LINE_MAX 256

/* One report: its kind, its first line and that line's log sequence
 * number, and what its later lines named (empty strings, -1 when not). */
struct kinspect_crash_report {
	enum kinspect_crash_kind kind;
	char line[KINSPECT_CRASH_LINE_MAX];
	uint64_t seq;
	/* "CPU: 1 UID: 0 PID: 117 Comm: sh Not tainted ..." (dump_stack's header) */
	int64_t cpu, pid;
	char comm[32];
	/* "RIP: 0010:sysrq_handle_crash+0x16/0x20 [mod]": the kernel-mode pc,
	 * after the architecture's prefix */
	char rip[KINSPECT_CRASH_LINE_MAX];
	/* "Out of memory: Killed process 183 (sh) ...": the OOM killer's victim */
	int64_t victim_pid;
	char victim_comm[32];
};

struct kinspect_crash_log {
	/* The first report of the log, and the latest so far (the one later
	 * CPU:/RIP: lines belong to) with when it began and, once its end
	 * marker came ("---[ end trace", the OOM killer's "Killed process"),
	 * when it ended. */
	bool have_first, have_current, current_ended;
	struct kinspect_crash_report first, current;
	uint64_t current_start_ns, current_end_ns;
	/* The panic line: "Kernel panic - not syncing: MESSAGE", and the
	 * report that led to it: the latest one, when it ended at most a
	 * second before the panic (an oops, then panic("Fatal exception")) or,
	 * never ended, began at most ten seconds before (a lockup or hung
	 * task report, then its panic).  An older one is another story. */
	bool panicked, have_cause;
	char panic_message[KINSPECT_CRASH_LINE_MAX];
	uint64_t panic_seq;
	struct kinspect_crash_report cause;
	/* The panic's own dump_stack header (CPU, PID, Comm), when printed. */
	int64_t panic_cpu, panic_pid;
	char panic_comm[32];
	/* internal: which header the next CPU:/RIP: lines belong to, and
	 * how the architecture prints a kernel-mode pc in a report */
	int context;
	const char *pc_prefix;
};

/* Start LOG empty, for a kernel whose reports print the faulting
 * kernel-mode pc after PC_PREFIX (the architecture's: "RIP: 0010:" on
 * x86-64; static). */
void kinspect_crash_log_init(struct kinspect_crash_log *log, const char *pc_prefix);

/* Feed line LINE (LEN bytes, no newline) of the record with sequence
 * number SEQ and timestamp TS_NS. */
void kinspect_crash_log_line(struct kinspect_crash_log *log, uint64_t seq, uint64_t ts_ns, const char *line,
			     size_t len);

/* After the last line: the first report is known. */
void kinspect_crash_log_end(struct kinspect_crash_log *log);

#endif /* KINSPECT_CRASH_LOG_H */
