/* "kinspect triage": one report per dump (or live guest) of why its kernel
 * stopped, from the library's crash model (kinspect/crash.h) and the
 * walkers bt, ps, lsmod and dmesg use; over many dumps, in parallel.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <kinspect/crash.h>
#include <kinspect/dmesg.h>
#include <kinspect/module.h>
#include <kinspect/stack.h>
#include <kinspect/symbol.h>
#include <kinspect/target.h>
#include <kinspect/task.h>

#include "cli/cli.h"
#include "cli/cli-log.h"
#include "cli/dmesg-render.h"
#include "cli/record-writer.h"
#include "cli/trace-render.h"
#include "core/cleanup.h"

/* At most this many log records in a report, from the first report on. */
#define TRIAGE_LOG_MAX 200
#define TRIAGE_JOBS_MAX 64

struct triage {
	struct cli *cli;
	struct record_writer w;
	struct trace_render r;
	unsigned int log_lines;
	struct kinspect_crash *crash;
	unsigned int nr_modules;
};

/* "dump: PATH (FORMAT, VMCOREINFO)", the kernel, when it stopped. */
static void render_kernel(struct triage *t)
{
	struct record_writer *w = &t->w;
	struct kinspect_kernel *k = t->cli->kernel;
	record_string(w, "target", "target:      %s", kinspect_kernel_target(k));
	record_string(w, "format", " (%s", kinspect_kernel_target_format(k));
	bool paging = false, vmcoreinfo = false;
	if (kinspect_kernel_target_kind(k) == KINSPECT_TARGET_DUMP &&
	    !kinspect_kernel_dump_details(k, &paging, &vmcoreinfo))
		record_bool(w, "vmcoreinfo", vmcoreinfo, ", VMCOREINFO)\n", ", no VMCOREINFO)\n");
	else
		record_text(w, ")\n");
	record_string(w, "release", "kernel:      %s", kinspect_vmlinux_release(t->cli->vmlinux));
	char build_id[2 * 64 + 1];
	cli_format_build_id(t->cli->vmlinux, build_id, sizeof(build_id));
	record_string_or(w, "build_id", ", build-id %s\n", build_id[0] ? build_id : NULL, "(none)");
	uint64_t uptime;
	int64_t realtime;
	if (kinspect_crash_time(t->crash, &uptime, &realtime)) {
		char when[64] = "?";
		time_t tt = (time_t)realtime;
		struct tm tm;
		if (gmtime_r(&tt, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		record_uint(w, "uptime_s", "stopped:     %" PRIu64 " s after boot", uptime);
		record_int(w, "time", ", at %" PRId64, realtime);
		record_text(w, " (%s)\n", when);
	} else {
		record_null(w, "uptime_s");
		record_null(w, "time");
	}
}

/* The kind, the panic, the first report and the taints. */
static void render_reason(struct triage *t)
{
	struct record_writer *w = &t->w;
	const struct kinspect_crash *c = t->crash;
	record_string(w, "kind", "kind:        %s\n", kinspect_crash_kind(c));
	record_string(w, "signature", "signature:   %s\n", kinspect_crash_signature(c));
	int cpu = kinspect_crash_panic_cpu(c);
	record_int_opt(w, "panic_cpu", "panic:       on CPU %" PRId64, cpu >= 0, cpu);
	const char *message = kinspect_crash_panic_message(c, NULL);
	if (cpu >= 0 || message)
		record_string_or(w, "panic_message", cpu >= 0 ? ": %s\n" : "panic:       %s\n", message, "(no panic line in the log)");
	else
		record_null(w, "panic_message");
	uint64_t seq = 0;
	const char *line = kinspect_crash_report_line(c, &seq);
	int64_t rcpu = kinspect_crash_report_cpu(c), pid = kinspect_crash_report_pid(c);
	if (line) {
		record_begin_object(w, "report");
		record_string(w, "line", "report:      %s\n", line);
		record_uint(w, "seq", "             (log record %" PRIu64 ")", seq);
		record_int_opt(w, "cpu", " on CPU %" PRId64, rcpu >= 0, rcpu);
		record_int_opt(w, "pid", ", pid %" PRId64, pid >= 0, pid);
		record_string(w, "comm", " (%s)", kinspect_crash_report_comm(c));
		record_string(w, "pc", ", pc %s", kinspect_crash_report_pc(c));
		record_text(w, "\n");
		int64_t victim = kinspect_crash_oom_victim_pid(c);
		record_int_opt(w, "oom_victim_pid", "oom victim:  pid %" PRId64, victim >= 0, victim);
		record_string(w, "oom_victim_comm", " (%s)\n", kinspect_crash_oom_victim_comm(c));
		record_end_object(w);
	} else {
		record_null(w, "report");
	}
	const char *earlier = kinspect_crash_earlier_report(c, &seq);
	record_string(w, "earlier_report", "earlier:     %s", earlier);
	if (earlier)
		record_text(w, " (log record %" PRIu64 ")\n", seq);
	const char *taints = kinspect_crash_taints(c);
	record_string_as(w, "taints", taints, "taints:      %s", taints[0] ? "Tainted: " : "Not tainted");
	record_text(w, "%s\n", taints);
	record_json_uint(w, "taint_mask", kinspect_crash_taint_mask(c));
}

/* The frame the kernel stopped for, and the registers there. */
static void render_fault(struct triage *t)
{
	struct record_writer *w = &t->w;
	struct kinspect_kernel *k = t->cli->kernel;
	const struct kinspect_crash *c = t->crash;
	const struct kinspect_stack_trace *trace = kinspect_crash_trace(c);
	uint64_t pt_regs = 0;
	int64_t i = trace ? kinspect_crash_fault_frame(c, &pt_regs) : -1;
	if (i < 0) {
		record_null(w, "fault");
	} else {
		record_begin_object(w, "fault");
		record_uint(w, "frame", "fault:       frame #%" PRIu64, (uint64_t)i);
		record_string(w, "symbol", " %s", kinspect_stack_frame_symbol(trace, (size_t)i));
		record_address(w, "ip", " at 0x%" PRIx64, kinspect_stack_frame_ip(trace, (size_t)i));
		record_json_string(w, "module", kinspect_stack_frame_module(trace, (size_t)i));
		const char *file;
		int line;
		struct kinspect_error *err = kinspect_kernel_source_line(
			k, kinspect_stack_frame_lookup_address(trace, (size_t)i), &file, &line);
		if (!err) {
			record_string(w, "file", " (%s", file);
			record_int(w, "line", ":%" PRId64 ")", line);
		} else {
			record_null(w, "file");
			record_null(w, "line");
		}
		kinspect_error_destroy(err);
		if (pt_regs)
			record_address(w, "pt_regs", ", exception frame 0x%" PRIx64 "\n", pt_regs);
		else
			record_string_as(w, "pt_regs", NULL, "%s\n", ", called panic()");
		record_end_object(w);
	}
	struct kinspect_regs regs;
	if (!kinspect_crash_registers(c, &regs)) {
		record_null(w, "registers");
		return;
	}
	record_begin_object(w, "registers");
	record_text(w, "registers:   (%s)\n            ", pt_regs ? "saved by the exception frame" : "the CPU's, where it stopped");
	unsigned int shown = 0;
	for (unsigned int r = 0; r < kinspect_kernel_nr_registers(k) && r < KINSPECT_REGS_MAX; r++) {
		if (!(regs.valid >> r & 1))
			continue;
		const char *name = kinspect_kernel_register_name(k, r);
		record_json_address(w, name, regs.value[r]);
		record_text(w, "%s %-6s 0x%016" PRIx64, shown && shown % 3 == 0 ? "\n            " : "", name,
			    regs.value[r]);
		shown++;
	}
	record_text(w, "\n");
	record_end_object(w);
}

/* KEY's value next (a JSON key alone: the record that follows has none). */
static void json_key(struct triage *t, const char *key)
{
	if (record_is_json(&t->w))
		kinspect_json_key(&t->cli->json_writer, key);
}

/* The panicking CPU's stack, then every other CPU's. */
static struct kinspect_error *render_stacks(struct triage *t)
{
	struct record_writer *w = &t->w;
	struct kinspect_kernel *k = t->cli->kernel;
	const struct kinspect_stack_trace *trace = kinspect_crash_trace(t->crash);
	int panic_cpu = kinspect_crash_panic_cpu(t->crash);
	if (trace) {
		record_text(w, "\nthe panicking CPU:\n");
		record_flush(w);
		json_key(t, "stack");
		trace_render(&t->r, trace);
	} else {
		record_null(w, "stack");
		const char *why = kinspect_crash_trace_error(t->crash);
		record_string(w, "stack_error", "\nthe panicking CPU's stack: %s\n", why);
	}
	unsigned int nr_cpus = 0;
	struct kinspect_error *err = kinspect_kernel_nr_cpus(k, &nr_cpus);
	if (err)
		return err;
	record_text(w, "\n%s:\n", panic_cpu >= 0 ? "the other CPUs" : "the CPUs");
	record_flush(w);
	record_begin_array(w, "cpus");
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		if ((int)cpu == panic_cpu)
			continue;
		struct kinspect_stack_trace *other;
		if ((err = kinspect_kernel_stack_trace_cpu(k, cpu, &other)))
			break;
		trace_render(&t->r, other);
		kinspect_stack_trace_destroy(other);
	}
	record_end_array(w);
	return err;
}

/* Tasks in D state (TASK_UNINTERRUPTIBLE), each with its stack. */
struct blocked {
	struct triage *t;
	uint64_t tasks[64];
	unsigned int nr, more;
};

static struct kinspect_error *blocked_task(const struct kinspect_task *task, void *arg)
{
	struct blocked *b = arg;
	if (strcmp(kinspect_task_state(task), "D") != 0)
		return NULL;
	if (b->nr < sizeof(b->tasks) / sizeof(b->tasks[0]))
		b->tasks[b->nr++] = kinspect_task_address(task);
	else
		b->more++;
	return NULL;
}

static struct kinspect_error *render_blocked(struct triage *t)
{
	struct record_writer *w = &t->w;
	struct blocked b = { .t = t };
	struct kinspect_error *err = kinspect_kernel_for_each_task(t->cli->kernel, blocked_task, &b);
	if (err)
		return err;
	record_text(w, "\ntasks in D state: %u%s\n", b.nr + b.more, b.nr ? "" : " (none)");
	record_flush(w);
	record_begin_array(w, "blocked_tasks");
	for (unsigned int i = 0; i < b.nr && !err; i++) {
		struct kinspect_stack_trace *trace;
		if ((err = kinspect_kernel_stack_trace_task(t->cli->kernel, b.tasks[i], &trace)))
			break;
		trace_render(&t->r, trace);
		kinspect_stack_trace_destroy(trace);
	}
	record_end_array(w);
	record_json_uint(w, "blocked_tasks_not_shown", b.more);
	return err;
}

/* The loaded modules, the one that holds the fault frame flagged. */
static struct kinspect_error *render_module(const struct kinspect_module *m, void *arg)
{
	struct triage *t = arg;
	struct record_writer *w = &t->w;
	const struct kinspect_stack_trace *trace = kinspect_crash_trace(t->crash);
	int64_t fault = trace ? kinspect_crash_fault_frame(t->crash, NULL) : -1;
	const char *fault_module = fault >= 0 ? kinspect_stack_frame_module(trace, (size_t)fault) : NULL;
	bool faulting = fault_module && strcmp(fault_module, kinspect_module_name(m)) == 0;
	t->nr_modules++;
	record_begin_object(w, NULL);
	record_string(w, "name", " %s", kinspect_module_name(m));
	record_json_address(w, "base", kinspect_module_base(m));
	record_json_uint(w, "size", kinspect_module_size(m));
	record_bool(w, "faulting", faulting, " (the fault)", NULL);
	record_end_object(w);
	return NULL;
}

static struct kinspect_error *count_record(const struct kinspect_dmesg_record *r, void *arg)
{
	*(uint64_t *)arg = kinspect_dmesg_record_seq(r) + 1;
	return NULL;
}

static void render_log(struct triage *t)
{
	struct record_writer *w = &t->w;
	uint64_t end = 0, report = 0, first;
	struct kinspect_error *err = kinspect_kernel_dmesg_for_each(t->cli->kernel, 0, count_record, &end, NULL);
	/* From the first report (the oops text), else the panic line, when it is among the last
	 * TRIAGE_LOG_MAX records, else the last LOG_LINES. */
	first = end > t->log_lines ? end - t->log_lines : 0;
	if ((kinspect_crash_report_line(t->crash, &report) || kinspect_crash_panic_message(t->crash, &report)) &&
	    report < first)
		first = report;
	if (end > TRIAGE_LOG_MAX && first < end - TRIAGE_LOG_MAX)
		first = end - TRIAGE_LOG_MAX;
	if (end > first && t->log_lines)
		record_uint(w, "log_from", "\nlog from record %" PRIu64 ":\n", first);
	else
		record_json_uint(w, "log_from", first);
	record_flush(w);
	record_begin_array(w, "log");
	struct dmesg_render d = { .cli = t->cli, .levels = 0xff };
	if (!err && t->log_lines)
		err = kinspect_kernel_dmesg_for_each(t->cli->kernel, first, dmesg_render_record, &d, NULL);
	record_end_array(w);
	if (err) {
		record_string(w, "log_error", "(the log cannot be read: %s)\n", kinspect_error_message(err));
		kinspect_error_destroy(err);
	}
}

/* The whole report of the session's target. */
static struct kinspect_error *report(struct triage *t)
{
	struct record_writer *w = &t->w;
	struct kinspect_error *err = kinspect_kernel_crash(t->cli->kernel, &t->crash);
	if (err)
		return err;
	record_begin_object(w, NULL);
	render_kernel(t);
	render_reason(t);
	render_fault(t);
	if (!(err = render_stacks(t)) && !(err = render_blocked(t))) {
		record_text(w, "\nmodules:");
		t->nr_modules = 0;
		record_begin_array(w, "modules");
		err = kinspect_kernel_for_each_module(t->cli->kernel, render_module, t);
		record_end_array(w);
		record_text(w, "%s\n", err ? " (the module list cannot be read)" : t->nr_modules ? "" : " (none)");
		kinspect_error_destroy(err);
		err = NULL;
		render_log(t);
	}
	record_end_object(w);
	record_flush(w);
	kinspect_crash_destroy(t->crash);
	t->crash = NULL;
	return err;
}

/* One target: a session of its own, its report as a JSON line of its own
 * or text, an error as a line {"target", "error"} too.  True on success. */
static bool triage_target(struct triage *t, const char *target)
{
	struct cli *cli = t->cli;
	if (target) {
		cli_close(cli);
		cli->target = target;
	}
	if (cli->json)
		kinspect_json_init(&cli->json_writer, cli->json_out ? cli->json_out : stdout, false);
	struct kinspect_error *err = NULL;
	bool ok = cli_target_session(cli) != NULL;
	if (ok && (err = report(t)))
		ok = false;
	if (err)
		cli_fail(err);
	if (!ok && cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_init(j, j->out, false);
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "target");
		kinspect_json_string(j, cli->target);
		kinspect_json_key(j, "error");
		kinspect_json_string(j, cli_last_error()[0] ? cli_last_error() : "failed");
		kinspect_json_end_object(j);
	}
	if (cli->json) {
		kinspect_json_end(&cli->json_writer);
		/* Each target is a document of its own (JSON Lines). */
		cli->json_writer.started = false;
	} else if (!ok) {
		printf("target:      %s\nerror:       %s\n", cli->target, cli_last_error());
	}
	fflush(stdout);
	return ok;
}

/* --jobs N: targets I, I + N, ... in child I, each report into a file of
 * its own, printed in order once all are done. */
static int triage_parallel(struct triage *t, char **targets, size_t nr, unsigned int jobs)
{
	char dir[] = "/tmp/kinspect-triage.XXXXXX";
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *template = NULL;
	if (tmp && *tmp && asprintf(&template, "%s/kinspect-triage.XXXXXX", tmp) < 0)
		template = NULL;
	char *where = template ? template : dir;
	if (!mkdtemp(where)) {
		cli_log(CLI_LOG_ERROR, "triage --jobs: cannot make a directory for the reports: %s", strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	fflush(stdout);
	pid_t pids[TRIAGE_JOBS_MAX];
	unsigned int started = 0;
	for (unsigned int j = 0; j < jobs; j++) {
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0) {
			bool all = true;
			for (size_t i = j; i < nr; i += jobs) {
				char path[4096];
				snprintf(path, sizeof(path), "%s/%zu", where, i);
				if (!freopen(path, "w", stdout))
					_exit(CLI_EXIT_FAILURE);
				t->cli->json_out = stdout;
				all &= triage_target(t, targets[i]);
			}
			cli_close(t->cli);
			fflush(stdout);
			_exit(all ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
		}
		pids[started++] = pid;
	}
	int status = started == jobs ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
	for (unsigned int j = 0; j < started; j++) {
		int st;
		while (waitpid(pids[j], &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = CLI_EXIT_FAILURE;
	}
	for (size_t i = 0; i < nr; i++) {
		char path[4096], buf[65536];
		snprintf(path, sizeof(path), "%s/%zu", where, i);
		FILE *f = fopen(path, "r");
		if (!f) {
			status = CLI_EXIT_FAILURE;
			continue;
		}
		if (i && !t->cli->json)
			putchar('\n');
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, stdout);
		fclose(f);
		unlink(path);
	}
	rmdir(where);
	return status;
}

static int run_triage(struct cli *cli, int argc, char **argv)
{
	const char *lines_arg = NULL, *jobs_arg = NULL;
	const struct cli_flag flags[] = { { 'n', "lines", NULL, &lines_arg }, { 'j', "jobs", NULL, &jobs_arg }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_triage, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	uint64_t lines = 30, jobs = 1;
	if (lines_arg && (!cli_parse_number(lines_arg, &lines) || lines > TRIAGE_LOG_MAX))
		return cli_usage_error(&cli_command_triage, "--lines %s: a number of log records, 0 to %d", lines_arg,
				       TRIAGE_LOG_MAX);
	if (jobs_arg && (!cli_parse_number(jobs_arg, &jobs) || jobs < 1 || jobs > TRIAGE_JOBS_MAX))
		return cli_usage_error(&cli_command_triage, "--jobs %s: a number of processes, 1 to %d", jobs_arg,
				       TRIAGE_JOBS_MAX);
	if (argind == argc && !cli->target)
		return cli_usage_error(&cli_command_triage, "give DUMP files, or a target with -t");
	if (argind < argc && cli->target)
		return cli_usage_error(&cli_command_triage, "give DUMP files or -t, not both");
	struct triage t = { .cli = cli, .w = record_writer_cli(cli), .log_lines = (unsigned int)lines };
	t.r = (struct trace_render){ .cli = cli, .lines = false, .w = &t.w };
	size_t nr = (size_t)(argc - argind);
	if (nr == 0)
		return triage_target(&t, NULL) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
	if (jobs > nr)
		jobs = nr;
	if (jobs > 1)
		return triage_parallel(&t, argv + argind, nr, (unsigned int)jobs);
	status = CLI_EXIT_OK;
	for (size_t i = 0; i < nr; i++) {
		if (i && !cli->json)
			printf("\n");
		if (!triage_target(&t, argv[argind + i]))
			status = CLI_EXIT_FAILURE;
	}
	return status;
}

const struct cli_command cli_command_triage = {
	.name = "triage",
	.synopsis = "[--lines N] [--jobs N] [DUMP...]",
	.summary = "Why a kernel stopped: one report per dump (panic, oops, BUG, hung task, OOM...)",
	.help = "For each DUMP (all read with the vmlinux of -k), or the target of -t: the\n"
		"kernel and when it stopped; what the kernel logged first (its first oops,\n"
		"BUG, WARNING, hung-task, lockup, RCU-stall or OOM report) and its panic\n"
		"message; the taint flags; the frame the kernel stopped for on the\n"
		"panicking CPU (above its exception frame, else the caller of panic()) with\n"
		"the registers there; that CPU's stack and every other CPU's; the tasks in\n"
		"D state with their stacks; the modules (the faulting one flagged); the log\n"
		"from the first report on (at most 200 records) or its last N records.\n"
		"A signature line (kind: fault function+offset [module] < caller < caller)\n"
		"groups equal crashes.\n"
		"  -n, --lines N  log records to show at least (default 30; 0: none)\n"
		"  -j, --jobs N   read N dumps at a time, each in a process of its own\n"
		"                 (bounded memory per dump); reports stay in DUMP order\n"
		"With --json: one line per target (JSON Lines), an object {\"target\",\n"
		"\"format\", \"vmcoreinfo\", \"release\", \"build_id\", \"uptime_s\", \"time\",\n"
		"\"kind\", \"signature\", \"panic_cpu\", \"panic_message\", \"report\" {\"line\",\n"
		"\"seq\", \"cpu\", \"pid\", \"comm\", \"pc\", \"oom_victim_pid\", \"oom_victim_comm\"},\n"
		"\"earlier_report\", \"taints\", \"taint_mask\", \"fault\" {\"frame\", \"symbol\", \"ip\", \"module\", \"file\",\n"
		"\"line\", \"pt_regs\"}, \"registers\" {NAME: VALUE}, \"stack\" (bt's trace),\n"
		"\"cpus\" [traces], \"blocked_tasks\" [traces], \"blocked_tasks_not_shown\",\n"
		"\"modules\" [{\"name\", \"base\", \"size\", \"faulting\"}], \"log_from\" (its first\n"
		"record's sequence number), \"log\" [dmesg records]};\n"
		"a target that cannot be read: {\"target\", \"error\"}.  The schema is\n"
		"triage.schema.json (installed with kinspect's gdb files).  Exit status 1\n"
		"when any target could not be read.\n",
	.run = run_triage,
};
