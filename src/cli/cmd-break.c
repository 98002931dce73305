/* "kinspect break FUNCTION": a breakpoint of the session (libkinspect's
 * kinspect/breakpoint.h) and, at each hit, its record (the vCPU, the task,
 * the function's arguments by name) printed once for text and --json, the
 * actions run on the arguments, and the guest let go on.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/breakpoint.h>
#include <kinspect/task.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "cli/record-writer.h"
#include "core/cleanup.h"

#define COUNT_MAX 1000000
#define DEFAULT_WAIT_SECONDS 60

/* While the break waits, SIGINT, SIGTERM and SIGHUP end it (through the
 * session's cancel flag), even where they were ignored: a break started in
 * the background of a script is ended by kill -INT. */
static void on_signal(int sig)
{
	cli_signalled = sig;
}

struct run {
	struct cli *cli;
	const char *function; /* as given */
	struct kinspect_breakpoint *bp;
	const char *actions;
	unsigned long count;
	int wait_ms;
};

/* The task of a hit, for its record. */
struct hit_task {
	bool known;
	int32_t pid;
	char comm[17];
};

static struct kinspect_error *get_task(const struct kinspect_task *task, void *arg)
{
	struct hit_task *t = arg;
	t->known = true;
	t->pid = kinspect_task_pid(task);
	snprintf(t->comm, sizeof(t->comm), "%s", kinspect_task_comm(task));
	return NULL;
}

/* ACTIONS with every {NAME} replaced by the value of argument NAME. */
static struct kinspect_error *expand_actions(const struct run *r, const struct kinspect_breakpoint_hit *hit,
					     char **ret)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	if (!f)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	struct kinspect_error *err = NULL;
	for (const char *p = r->actions; *p && !err; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			fputc(*p, f);
			continue;
		}
		_cleanup_free_ char *name = strndup(p + 1, (size_t)(close - p - 1));
		if (!name) {
			err = kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
			break;
		}
		int i = kinspect_breakpoint_arg_index(r->bp, name);
		uint64_t value;
		bool is_address;
		/* {cpu}: the vCPU that hit, for "bt --cpu {cpu}"; an argument
		 * named cpu wins. */
		if (i < 0 && strcmp(name, "cpu") == 0)
			fprintf(f, "%u", kinspect_breakpoint_hit_cpu(hit));
		else if (i < 0)
			err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "--do: %s has no argument '%s'", r->function,
						    name);
		else if (!kinspect_breakpoint_hit_arg(hit, (size_t)i, &value, &is_address))
			err = kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
						    "--do: where argument '%s' is at entry is unknown", name);
		else
			fprintf(f, "0x%" PRIx64, value);
		p = close;
	}
	if (fclose(f) != 0 && !err)
		err = kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	if (err) {
		free(out);
		return err;
	}
	*ret = out;
	return NULL;
}

/* The record of one hit: text, or one JSON line, from the same fields. */
static void print_hit(const struct run *r, const struct kinspect_breakpoint_hit *hit, const struct hit_task *t)
{
	struct cli *cli = r->cli;
	uint64_t task = kinspect_breakpoint_hit_task(hit);
	if (cli->json)
		kinspect_json_init(&cli->json_writer, stdout, false);
	struct record_writer w = record_writer_cli(cli);
	record_begin_object(&w, NULL);
	record_uint(&w, "hit", "hit %" PRIu64, kinspect_breakpoint_hit_number(hit));
	record_text(&w, "/%lu: ", r->count);
	record_string(&w, "function", "%s", r->function);
	record_address(&w, "address", " at 0x%" PRIx64, kinspect_breakpoint_hit_pc(hit));
	record_uint(&w, "cpu", " on cpu %" PRIu64, kinspect_breakpoint_hit_cpu(hit));
	if (task)
		record_json_address(&w, "task", task);
	else
		record_null(&w, "task");
	record_int_opt(&w, "pid", ", pid %" PRId64, t->known, t->pid);
	record_string(&w, "comm", " \"%s\"", t->known ? t->comm : NULL);
	record_text(&w, "\n");
	record_begin_array(&w, "args");
	for (size_t i = 0; i < kinspect_breakpoint_nr_args(r->bp); i++) {
		uint64_t value;
		bool is_address = false, known = kinspect_breakpoint_hit_arg(hit, i, &value, &is_address);
		const char *key = is_address ? "address" : "value";
		/* JSON: name, type, value; the text: "  NAME = VALUE (TYPE)". */
		record_begin_object(&w, NULL);
		record_slot(&w, 1);
		record_string(&w, "name", "  %s = ", kinspect_breakpoint_arg_name(r->bp, i));
		record_slot(&w, 3);
		record_string(&w, "type", " (%s)\n", kinspect_breakpoint_arg_type(r->bp, i));
		record_slot(&w, 2);
		if (known) {
			record_address(&w, key, is_address ? "&0x%" PRIx64 : "0x%" PRIx64, value);
		} else {
			record_null(&w, key);
			record_text(&w, "<unknown>");
		}
		record_flush(&w);
		record_end_object(&w);
	}
	record_end_array(&w);
	record_end_object(&w);
	if (cli->json)
		kinspect_json_end(&cli->json_writer);
	fflush(stdout);
}

/* One hit: its record, then the actions. */
static int handle_hit(struct run *r, const struct kinspect_breakpoint_hit *hit)
{
	struct hit_task t = { 0 };
	uint64_t task = kinspect_breakpoint_hit_task(hit);
	if (task)
		kinspect_error_destroy(kinspect_kernel_find_task(r->cli->kernel, -1, task, get_task, &t));
	print_hit(r, hit, &t);
	if (!r->actions)
		return CLI_EXIT_OK;
	_cleanup_free_ char *line = NULL;
	struct kinspect_error *err = expand_actions(r, hit, &line);
	if (err)
		return cli_fail(err);
	return cli_run_line(r->cli, line);
}

static int run_hits(struct run *r)
{
	int worst = CLI_EXIT_OK;
	struct kinspect_error *err = NULL;
	unsigned long hits = 0;
	while (hits < r->count && !cli_signalled) {
		const struct kinspect_breakpoint_hit *hit;
		if ((err = kinspect_breakpoint_wait(r->bp, r->wait_ms, &hit)))
			break;
		hits++;
		int status = handle_hit(r, hit);
		if (status > worst)
			worst = status;
	}
	/* A signal (the session's cancel flag) ends the break, not kinspect:
	 * the breakpoint is taken out and the status says so. */
	bool interrupted = cli_signalled != 0;
	cli_signalled = 0;
	int status = CLI_EXIT_OK;
	if (err && interrupted) {
		kinspect_error_destroy(err);
		err = NULL;
	}
	if (err) {
		bool timed_out = kinspect_error_code(err) == KINSPECT_ERROR_TIMEOUT;
		status = cli_fail(kinspect_error_wrap(err, "break %s: %lu of %lu hits", r->function, hits, r->count));
		if (timed_out)
			cli_log(CLI_LOG_ERROR, "(--wait sets how long to wait for each hit)");
	} else if (interrupted) {
		cli_warn("break %s: interrupted after %lu of %lu hits", r->function, hits, r->count);
		status = CLI_EXIT_INTERRUPTED;
	}
	/* Stopped again (it runs after a timeout or a signal) with the
	 * breakpoint out; the session's end resumes it if it was running
	 * before kinspect came. */
	if ((err = kinspect_breakpoint_remove(r->bp)))
		status = cli_fail(err);
	return status > worst ? status : worst;
}

static int parse_options(struct run *r, int argc, char **argv, int *argind)
{
	static const struct option options[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "do", required_argument, NULL, 'd' },
		{ "wait", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* Options anywhere: "break FUNCTION --count 2" as well. */
	static const char shortopts[] = "+c:d:w:h";
	int nr_options = cli_options_first(argc, argv, shortopts, options);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(nr_options, argv, shortopts, options, NULL)) != -1) {
		uint64_t n;
		switch (c) {
		case 'h': cli_print_help(&cli_command_break); return CLI_EXIT_OK;
		case 'c':
			if (!cli_parse_number(optarg, &n) || n == 0 || n > COUNT_MAX)
				return cli_usage_error(&cli_command_break, "--count takes 1 to %d, not '%s'", COUNT_MAX,
						       optarg);
			r->count = (unsigned long)n;
			break;
		case 'd': r->actions = optarg; break;
		case 'w':
			if (!cli_parse_number(optarg, &n) || n > 86400)
				return cli_usage_error(&cli_command_break, "--wait takes 0 to 86400 seconds, not '%s'",
						       optarg);
			r->wait_ms = (int)n * 1000;
			break;
		default:
			return cli_usage_error(&cli_command_break, "unknown option or missing value: '%s'",
					       argv[optind - 1]);
		}
	}
	*argind = optind;
	return -1;
}

static int run_break(struct cli *cli, int argc, char **argv)
{
	struct run r = { .cli = cli, .count = 1, .wait_ms = DEFAULT_WAIT_SECONDS * 1000 };
	int argind = 0, status = parse_options(&r, argc, argv, &argind);
	if (status >= 0)
		return status;
	if (argc - argind != 1)
		return cli_usage_error(&cli_command_break, "expected one FUNCTION");
	r.function = argv[argind];
	if (!cli_open_target(cli) || !cli_vmlinux(cli))
		return CLI_EXIT_FAILURE;
	uint64_t address;
	struct kinspect_error *err = cli_parse_number(r.function, &address)
					     ? kinspect_kernel_breakpoint_create_at(cli->kernel, address, &r.bp)
					     : kinspect_kernel_breakpoint_create(cli->kernel, r.function, &r.bp);
	if (err)
		return cli_fail(err);
	const char *unknown = kinspect_breakpoint_args_unknown(r.bp);
	if (unknown)
		cli_warn("%s: arguments unknown: %s", r.function, unknown);
	cli_info("breakpoint at %s (0x%" PRIx64 "), waiting for %lu hit%s", r.function,
		     kinspect_breakpoint_address(r.bp), r.count, r.count == 1 ? "" : "s");
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_signal }, old[3];
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < 3; i++)
		sigaction(signals[i], &sa, &old[i]);
	/* Each hit prints its own document; the actions theirs. */
	bool batch = cli->batch;
	cli->batch = true;
	status = run_hits(&r);
	cli->batch = batch;
	for (size_t i = 0; i < 3; i++)
		sigaction(signals[i], &old[i], NULL);
	if (cli->json)
		kinspect_json_init(&cli->json_writer, cli->json_out ? cli->json_out : stdout, !batch);
	kinspect_breakpoint_destroy(r.bp);
	return status;
}

const struct cli_command cli_command_break = {
	.name = "break",
	.synopsis = "[--count N] [--do ACTIONS] [--wait SECONDS] FUNCTION",
	.summary = "stop at a kernel function on a live guest, show its arguments, run actions",
	.help = "Plant a breakpoint at FUNCTION (a symbol or an address) through the QEMU\n"
		"gdbstub, let the guest run, and at each hit print the vCPU, the task that hit\n"
		"and the function's arguments by name (from DWARF, read where the calling\n"
		"convention puts them at the function's first instruction), run ACTIONS, and\n"
		"let the guest go on.  After N hits (default 1), on Ctrl-C, or when no hit\n"
		"comes within --wait SECONDS (default 60; 0 waits without limit) the\n"
		"breakpoint is removed and the guest is left as it was before kinspect\n"
		"connected (running, or stopped with --keep-stopped).\n"
		"\n"
		"ACTIONS are kinspect commands separated by ';', run while the guest is\n"
		"stopped at the hit; {NAME} is replaced by the value of argument NAME, and\n"
		"{cpu} by the number of the vCPU that hit (unless FUNCTION has an argument\n"
		"named cpu), e.g.\n"
		"  kinspect -t :1234 -k vmlinux break p9_client_read_once --count 2 \\\n"
		"      --do 'iov-iter {to}; bt --cpu {cpu}'\n"
		"With --json every hit prints one JSON line, {\"hit\", \"function\", \"address\",\n"
		"\"cpu\", \"task\", \"pid\", \"comm\", \"args\": [{\"name\", \"type\", \"value\" or \"address\"}]},\n"
		"and every action its own.\n"
		"Exit status 130 after Ctrl-C (SIGINT, SIGTERM or SIGHUP), with the breakpoint removed.\n",
	.run = run_break,
	.streams = true,
};
