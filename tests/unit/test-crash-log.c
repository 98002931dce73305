/* The reading of the kernel's reports out of its log (src/linux/crash-log.c)
 * on lines as the kernels print them: which report is the one, its CPU,
 * task and pc, the OOM killer's victim, which report led to a panic.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "linux/crash-log.h"
#include "tap.h"

#define S 1000000000ull

struct line {
	uint64_t ts;
	const char *text;
};

static void feed(struct kinspect_crash_log *log, const struct line *lines, size_t n)
{
	kinspect_crash_log_init(log, "RIP: 0010:");
	for (size_t i = 0; i < n; i++)
		kinspect_crash_log_line(log, i, lines[i].ts, lines[i].text, strlen(lines[i].text));
	kinspect_crash_log_end(log);
}

int main(void)
{
	struct kinspect_crash_log log;

	/* sysrq c on 6.12: panic() called directly, its own header after it. */
	static const struct line sysrq[] = {
		{ 1 * S, "Run /init as init process" },
		{ 6 * S, "sysrq: Trigger a crash" },
		{ 6 * S, "Kernel panic - not syncing: sysrq triggered crash" },
		{ 6 * S, "CPU: 0 UID: 0 PID: 168 Comm: sh Not tainted 6.12.117+deb13-amd64 #1  Debian 6.12.117-1" },
		{ 6 * S, "RIP: 0033:0x47b7a0" },
	};
	feed(&log, sysrq, sizeof(sysrq) / sizeof(sysrq[0]));
	ok(log.panicked && !strcmp(log.panic_message, "sysrq triggered crash"), "panic message");
	is_int(log.panic_seq, 2, "panic line's record");
	ok(!log.have_first && !log.have_cause, "no report");
	is_int(log.panic_cpu, 0, "the panic's CPU from its header");
	is_int(log.panic_pid, 168, "... its pid (6.12 header with UID)");
	is_str(log.panic_comm, "sh", "... its comm");

	/* An oops (6.1 header, no UID), then panic("Fatal exception"). */
	static const struct line oops[] = {
		{ 10 * S, "BUG: kernel NULL pointer dereference, address: 0000000000000000" },
		{ 10 * S, "#PF: supervisor write access in kernel mode" },
		{ 10 * S, "Oops: 0002 [#1] PREEMPT SMP NOPTI" },
		{ 10 * S, "CPU: 1 PID: 117 Comm: insmod Tainted: G           OE      6.1.0-50-cloud-amd64 #1  Debian 6.1.176-1" },
		{ 10 * S, "RIP: 0010:crash_null+0x5/0x10 [kinspect_crash]" },
		{ 10 * S, "---[ end trace 0000000000000000 ]---" },
		{ 10 * S + 1000, "Kernel panic - not syncing: Fatal exception" },
	};
	feed(&log, oops, sizeof(oops) / sizeof(oops[0]));
	ok(log.have_cause && log.cause.kind == KINSPECT_CRASH_OOPS, "the oops led to the panic");
	is_str(log.cause.line, "BUG: kernel NULL pointer dereference, address: 0000000000000000", "its first line");
	is_int(log.cause.seq, 0, "the Oops: line is the same report");
	is_int(log.cause.cpu, 1, "its CPU");
	is_int(log.cause.pid, 117, "its pid (6.1 header)");
	is_str(log.cause.comm, "insmod", "its comm");
	is_str(log.cause.rip, "crash_null+0x5/0x10 [kinspect_crash]", "its kernel-mode RIP");
	ok(log.have_first && log.first.seq == 0, "and it is the first report");

	/* The OOM killer, then much later an unrelated panic. */
	static const struct line oom[] = {
		{ 20 * S, "sort invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=1000" },
		{ 20 * S, "CPU: 1 UID: 0 PID: 201 Comm: sort Not tainted 6.12.117+deb13-amd64 #1  Debian 6.12.117-1" },
		{ 20 * S, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=sort,pid=201,uid=0" },
		{ 20 * S, "Out of memory: Killed process 201 (sort) total-vm:922348kB, anon-rss:915232kB, file-rss:4kB, shmem-rss:0kB, UID:0 pgtables:1840kB oom_score_adj:1000" },
		{ 25 * S, "sysrq: Trigger a crash" },
		{ 25 * S, "Kernel panic - not syncing: sysrq triggered crash" },
	};
	feed(&log, oom, sizeof(oom) / sizeof(oom[0]));
	ok(log.have_first && log.first.kind == KINSPECT_CRASH_OOM, "the OOM report is the first");
	is_int(log.first.victim_pid, 201, "the victim's pid");
	is_str(log.first.victim_comm, "sort", "the victim's comm");
	is_int(log.first.pid, 201, "the task that invoked it");
	ok(!log.have_cause, "an OOM kill 5 s before is not the panic's cause");

	/* A hung task report (no end marker), then its panic. */
	static const struct line hung[] = {
		{ 30 * S, "INFO: task fsync:worker:4711 blocked for more than 5 seconds." },
		{ 30 * S, "      Not tainted 6.12.117+deb13-amd64 #1 Debian 6.12.117-1" },
		{ 30 * S, "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message." },
		{ 30 * S, "task:fsync:worker state:D stack:0     pid:4711  tgid:4711  ppid:1      flags:0x00004002" },
		{ 31 * S, "Kernel panic - not syncing: hung_task: blocked tasks" },
	};
	feed(&log, hung, sizeof(hung) / sizeof(hung[0]));
	ok(log.have_cause && log.cause.kind == KINSPECT_CRASH_HUNG_TASK, "the hung task led to the panic");
	is_int(log.cause.pid, 4711, "the hung task's pid (after the last colon)");
	is_str(log.cause.comm, "fsync:worker", "its comm, colons kept");

	/* Two WARNINGs and a soft lockup: the first is the first report; the
	 * lockup, never ended, led to the panic. */
	static const struct line lockup[] = {
		{ 40 * S, "WARNING: CPU: 0 PID: 1 at kernel/foo.c:12 foo+0x10/0x20" },
		{ 40 * S, "RIP: 0010:foo+0x10/0x20" },
		{ 40 * S, "---[ end trace 0000000000000000 ]---" },
		{ 41 * S, "WARNING: CPU: 1 PID: 2 at kernel/bar.c:34 bar+0x1/0x2" },
		{ 41 * S, "---[ end trace 0000000000000000 ]---" },
		{ 50 * S, "watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [spin:99]" },
		{ 50 * S, "CPU: 3 UID: 0 PID: 99 Comm: spin Tainted: G             L     7.3.4" },
		{ 50 * S, "RIP: 0010:spin_fn+0x4/0x8 [spinner]" },
		{ 50 * S, "Kernel panic - not syncing: softlockup: hung tasks" },
	};
	feed(&log, lockup, sizeof(lockup) / sizeof(lockup[0]));
	ok(log.have_first && log.first.kind == KINSPECT_CRASH_WARNING && log.first.seq == 0, "the first WARNING");
	is_int(log.first.cpu, 0, "its CPU from the WARNING line");
	is_int(log.first.pid, 1, "its pid from the WARNING line");
	is_str(log.first.rip, "foo+0x10/0x20", "its RIP");
	ok(log.have_cause && log.cause.kind == KINSPECT_CRASH_SOFT_LOCKUP, "the soft lockup led to the panic");
	is_int(log.cause.cpu, 3, "the stuck CPU");
	is_str(log.cause.rip, "spin_fn+0x4/0x8 [spinner]", "where it spun");
	is_str(kinspect_crash_kind_name(log.cause.kind), "soft-lockup", "the kind's name");

	/* Lines longer than a report line, empty and unterminated input. */
	char big[1000];
	memset(big, 'x', sizeof(big));
	memcpy(big, "BUG: ", 5);
	kinspect_crash_log_init(&log, "RIP: 0010:");
	kinspect_crash_log_line(&log, 0, 0, big, sizeof(big));
	kinspect_crash_log_line(&log, 1, 0, "", 0);
	kinspect_crash_log_line(&log, 2, 0, "CPU: ", 5);
	kinspect_crash_log_line(&log, 3, 0, "CPU: x PID: y Comm:", 19);
	kinspect_crash_log_end(&log);
	ok(log.have_first && strlen(log.first.line) == KINSPECT_CRASH_LINE_MAX - 1, "a long line is cut, not overrun");
	ok(log.first.cpu == -1 && log.first.pid == -1, "garbage numbers are not taken");
	is_str(kinspect_crash_kind_name((enum kinspect_crash_kind)99), "none", "an unknown kind's name");

	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
