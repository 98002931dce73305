/* "kinspect break FUNCTION": plant a breakpoint through the gdbstub, and at
 * each hit name the function's arguments (from DWARF and the calling
 * convention at entry), run actions on them, and go on.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64-call.h"
#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/dwarf-function.h"
#include "linux/kaslr.h"
#include "linux/module-symbols.h"

#define COUNT_MAX 1000000
#define DEFAULT_WAIT_SECONDS 60

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct arg_value {
	bool known;
	uint64_t value; /* the register or stack word; the address for big aggregates */
	bool is_address;
};

struct breakpoint {
	struct cli *cli;
	struct kinspect_gdbstub *gs;
	const char *function;
	uint64_t address;
	struct kinspect_function fn;
	struct kinspect_x86_64_arg where[KINSPECT_FUNCTION_PARAMS_MAX];
	const char *actions;
	unsigned long count;
	int wait_ms;
};

/* The value of argument I at a hit on vCPU THREAD. */
static struct kinspect_error *read_arg(struct breakpoint *bp, size_t thread, size_t i, struct arg_value *ret)
{
	const struct kinspect_x86_64_arg *w = &bp->where[i];
	const struct kinspect_function_param *p = &bp->fn.params[i];
	*ret = (struct arg_value){ 0 };
	if (w->unknown)
		return NULL;
	if (w->nr_regs) {
		/* One register: the value; two (a 16-byte struct): the first. */
		struct kinspect_error *err = kinspect_gdbstub_read_register(bp->gs, thread, w->regs[0], &ret->value);
		if (err)
			return err;
		if (p->size < 8 && !p->aggregate)
			ret->value &= (UINT64_C(1) << (8 * p->size)) - 1;
		ret->known = true;
		return NULL;
	}
	uint64_t rsp;
	struct kinspect_error *err = kinspect_arch()->read_sp(bp->gs, thread, &rsp);
	if (err)
		return err;
	if (p->aggregate || p->size > 8) {
		ret->value = rsp + w->stack_offset;
		ret->is_address = true;
		ret->known = true;
		return NULL;
	}
	uint8_t buf[8] = { 0 };
	if ((err = kinspect_gdbstub_read_memory(bp->gs, rsp + w->stack_offset, buf, p->size, false)))
		return err;
	ret->value = kinspect_load_le(buf, p->size);
	ret->known = true;
	return NULL;
}

/* ACTIONS with every {NAME} replaced by the value of argument NAME. */
static struct kinspect_error *expand_actions(const struct breakpoint *bp, const struct arg_value *values,
					     size_t thread, char **ret)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	if (!f)
		return &kinspect_error_nomem;
	struct kinspect_error *err = NULL;
	for (const char *p = bp->actions; *p && !err; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (!close) {
			fputc(*p, f);
			continue;
		}
		size_t n = (size_t)(close - p - 1);
		size_t i = 0;
		while (i < bp->fn.nr_params && !(strlen(bp->fn.params[i].name) == n &&
						 memcmp(bp->fn.params[i].name, p + 1, n) == 0))
			i++;
		/* {cpu}: the vCPU that hit (QEMU's threads are its vCPUs in
		 * order), for "bt --cpu {cpu}"; an argument named cpu wins. */
		if (i == bp->fn.nr_params && n == 3 && memcmp(p + 1, "cpu", 3) == 0)
			fprintf(f, "%zu", thread);
		else if (i == bp->fn.nr_params)
			err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "--do: %s has no argument '%.*s'",
						    bp->function, (int)n, p + 1);
		else if (!values[i].known)
			err = kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
						    "--do: where argument '%s' is at entry is unknown",
						    bp->fn.params[i].name);
		else
			fprintf(f, "0x%" PRIx64, values[i].value);
		p = close;
	}
	if (fclose(f) != 0 && !err)
		err = &kinspect_error_nomem;
	if (err) {
		free(out);
		return err;
	}
	*ret = out;
	return NULL;
}

static void print_hit(struct breakpoint *bp, unsigned long hit, size_t thread, const struct arg_value *values)
{
	struct cli *cli = bp->cli;
	if (!cli->json) {
		printf("hit %lu/%lu: %s at 0x%" PRIx64 " on cpu %zu\n", hit, bp->count, bp->function, bp->address, thread);
		for (size_t i = 0; i < bp->fn.nr_params; i++) {
			const struct kinspect_function_param *p = &bp->fn.params[i];
			if (!values[i].known)
				printf("  %s = <unknown> (%s)\n", p->name, p->type);
			else
				printf("  %s = %s0x%" PRIx64 " (%s)\n", p->name, values[i].is_address ? "&" : "",
				       values[i].value, p->type);
		}
		fflush(stdout);
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_init(j, stdout, false);
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "hit");
	kinspect_json_uint(j, hit);
	kinspect_json_key(j, "function");
	kinspect_json_string(j, bp->function);
	kinspect_json_key(j, "address");
	kinspect_json_address(j, bp->address);
	kinspect_json_key(j, "cpu");
	kinspect_json_uint(j, thread);
	kinspect_json_key(j, "args");
	kinspect_json_begin_array(j);
	for (size_t i = 0; i < bp->fn.nr_params; i++) {
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, bp->fn.params[i].name);
		kinspect_json_key(j, "type");
		kinspect_json_string(j, bp->fn.params[i].type);
		kinspect_json_key(j, values[i].is_address ? "address" : "value");
		if (values[i].known)
			kinspect_json_address(j, values[i].value);
		else
			kinspect_json_null(j);
		kinspect_json_end_object(j);
	}
	kinspect_json_end_array(j);
	kinspect_json_end_object(j);
	kinspect_json_end(j);
	fflush(stdout);
}

/* One hit on vCPU THREAD: arguments, actions. */
static int handle_hit(struct breakpoint *bp, unsigned long hit, size_t thread)
{
	struct arg_value values[KINSPECT_FUNCTION_PARAMS_MAX];
	for (size_t i = 0; i < bp->fn.nr_params; i++) {
		struct kinspect_error *err = read_arg(bp, thread, i, &values[i]);
		if (err)
			return cli_fail(err);
	}
	/* User addresses in the actions are those of the task that hit. */
	struct kinspect_error *err = kinspect_gdbstub_set_memory_thread(bp->gs, thread);
	if (err)
		return cli_fail(err);
	print_hit(bp, hit, thread, values);
	if (!bp->actions)
		return CLI_EXIT_OK;
	_cleanup_free_ char *line = NULL;
	if ((err = expand_actions(bp, values, thread, &line)))
		return cli_fail(err);
	return cli_run_line(bp->cli, line);
}

/* Resume from a hit on THREAD: the breakpoint is at the current pc and
 * QEMU would stop there again, so step over it with it removed. */
static struct kinspect_error *step_over(struct breakpoint *bp, size_t thread)
{
	struct kinspect_error *err = kinspect_gdbstub_breakpoint(bp->gs, bp->address, false);
	if (!err)
		err = kinspect_gdbstub_step(bp->gs, thread);
	if (!err)
		err = kinspect_gdbstub_breakpoint(bp->gs, bp->address, true);
	return err;
}

static int run_hits(struct breakpoint *bp)
{
	int worst = CLI_EXIT_OK;
	struct kinspect_error *err = kinspect_gdbstub_resume(bp->gs);
	unsigned long hits = 0;
	while (!err && hits < bp->count) {
		size_t thread;
		err = kinspect_gdbstub_wait_stop(bp->gs, bp->wait_ms, &interrupted, &thread);
		if (err)
			break;
		uint64_t pc;
		if ((err = kinspect_arch()->read_pc(bp->gs, thread, &pc)))
			break;
		if (pc != bp->address) {
			/* Someone else stopped the VM (the monitor's "stop"):
			 * leave it as it is. */
			err = kinspect_error_create(KINSPECT_ERROR_OTHER, "the VM stopped at 0x%" PRIx64 ", not at the breakpoint", pc);
			break;
		}
		int status = handle_hit(bp, ++hits, thread);
		if (status > worst)
			worst = status;
		if (interrupted)
			break;
		if (hits < bp->count && !(err = step_over(bp, thread)))
			err = kinspect_gdbstub_resume(bp->gs);
	}
	int status = CLI_EXIT_OK;
	if (err && interrupted) {
		/* The wait gave up because of the signal: not an error. */
		kinspect_error_destroy(err);
		err = NULL;
	}
	if (err) {
		bool timed_out = kinspect_error_code(err) == KINSPECT_ERROR_TIMEOUT;
		status = cli_fail(kinspect_error_wrap(err, "break %s: %lu of %lu hits", bp->function, hits, bp->count));
		if (timed_out)
			kinspect_log(KINSPECT_LOG_ERROR, "(--wait sets how long to wait for each hit)");
	} else if (interrupted) {
		kinspect_log(KINSPECT_LOG_WARNING, "break %s: interrupted after %lu of %lu hits", bp->function, hits,
			     bp->count);
		status = CLI_EXIT_INTERRUPTED;
	}
	/* Stop the VM again (it runs after a timeout or a signal) to take the
	 * breakpoint out; closing the target resumes it if it was running
	 * before kinspect came. */
	struct kinspect_error *e = kinspect_gdbstub_stop(bp->gs);
	if (!e)
		e = kinspect_gdbstub_breakpoint(bp->gs, bp->address, false);
	if (e)
		status = cli_fail(kinspect_error_wrap(e, "cannot remove the breakpoint at 0x%" PRIx64, bp->address));
	return status > worst ? status : worst;
}

/* The DWARF function at runtime address ADDRESS: in the vmlinux (at its
 * link-time address), or in the relocated DWARF of the module holding it. */
static struct kinspect_error *find_function(struct breakpoint *bp, uint64_t slide)
{
	uint64_t link = kinspect_kaslr_link(slide, bp->address);
	if (kinspect_kaslr_in_image(link)) {
		Dwfl *dwfl;
		Dwfl_Module *mod;
		struct kinspect_error *err = kinspect_dwarf_function_open(bp->cli->vmlinux_path, &dwfl, &mod);
		if (err)
			return err;
		err = kinspect_dwarf_function_at(mod, link, &bp->fn);
		dwfl_end(dwfl);
		return err;
	}
	struct kinspect_module_symbols *ms = cli_module_symbols(bp->cli);
	if (!ms)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module symbols");
	/* By name: the module symbol at the address, its DWARF entry point
	 * checked against the address. */
	struct kinspect_module_symbol sym;
	struct kinspect_module_debuginfo *md;
	struct kinspect_error *err = kinspect_module_symbols_symbolize(ms, bp->address, &sym);
	if (!err && (sym.offset || sym.from_section))
		err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "0x%" PRIx64 " is not the start of a function",
					    bp->address);
	if (!err)
		err = kinspect_module_symbols_debuginfo(ms, sym.module, &md);
	uint64_t entry;
	Dwarf_Die die;
	if (!err)
		err = kinspect_module_debuginfo_function(md, sym.name, &entry, &die);
	if (!err && entry != bp->address)
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "the DWARF of %s enters it at 0x%" PRIx64 ", not 0x%" PRIx64,
					    sym.name, entry, bp->address);
	if (!err)
		err = kinspect_dwarf_function_from_die(&die, entry, &bp->fn);
	return err;
}

/* The function's parameters and where they are at entry.  Without DWARF
 * for it the breakpoint still works; only {NAME} in actions does not. */
static void load_function(struct breakpoint *bp, uint64_t slide)
{
	struct kinspect_error *err = find_function(bp, slide);
	if (err) {
		char *text = kinspect_error_string(err);
		kinspect_log(KINSPECT_LOG_WARNING, "%s: arguments unknown: %s", bp->function, text ? text : "");
		free(text);
		kinspect_error_destroy(err);
		return;
	}
	uint64_t sizes[KINSPECT_FUNCTION_PARAMS_MAX];
	bool aggregate[KINSPECT_FUNCTION_PARAMS_MAX];
	for (size_t i = 0; i < bp->fn.nr_params; i++) {
		sizes[i] = bp->fn.params[i].size;
		aggregate[i] = bp->fn.params[i].aggregate;
	}
	kinspect_x86_64_entry_args(bp->fn.nr_params, sizes, aggregate, bp->where);
}

static int parse_options(struct breakpoint *bp, int argc, char **argv, int *argind)
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
			bp->count = (unsigned long)n;
			break;
		case 'd': bp->actions = optarg; break;
		case 'w':
			if (!cli_parse_number(optarg, &n) || n > 86400)
				return cli_usage_error(&cli_command_break, "--wait takes 0 to 86400 seconds, not '%s'",
						       optarg);
			bp->wait_ms = (int)n * 1000;
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
	struct breakpoint bp = { .cli = cli, .count = 1, .wait_ms = DEFAULT_WAIT_SECONDS * 1000 };
	int argind = 0, status = parse_options(&bp, argc, argv, &argind);
	if (status >= 0)
		return status;
	if (argc - argind != 1)
		return cli_usage_error(&cli_command_break, "expected one FUNCTION");
	bp.function = argv[argind];
	if (!cli_open_target(cli))
		return CLI_EXIT_FAILURE;
	if (!cli->gdbstub)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						      "break needs a live target (a QEMU gdbstub), not a dump"));
	bp.gs = cli->gdbstub;
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	if (!kaslr || !cli_parse_address(cli, bp.function, &bp.address))
		return CLI_EXIT_FAILURE;
	load_function(&bp, kaslr->slide);

	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term, old_hup;
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	struct kinspect_error *err = kinspect_gdbstub_breakpoint(bp.gs, bp.address, true);
	if (err) {
		status = cli_fail(kinspect_error_wrap(err, "cannot plant a breakpoint at %s", bp.function));
	} else {
		kinspect_log(KINSPECT_LOG_INFO, "breakpoint at %s (0x%" PRIx64 "), waiting for %lu hit%s", bp.function,
			     bp.address, bp.count, bp.count == 1 ? "" : "s");
		/* Each hit prints its own document; the actions theirs. */
		bool batch = cli->batch;
		cli->batch = true;
		status = run_hits(&bp);
		cli->batch = batch;
		if (cli->json)
			kinspect_json_init(&cli->json_writer, cli->json_out ? cli->json_out : stdout, !batch);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return status;
}

const struct cli_command cli_command_break = {
	.name = "break",
	.synopsis = "[--count N] [--do ACTIONS] [--wait SECONDS] FUNCTION",
	.summary = "stop at a kernel function on a live guest, show its arguments, run actions",
	.help = "Plant a breakpoint at FUNCTION (a symbol or an address) through the QEMU\n"
		"gdbstub, let the guest run, and at each hit print the function's arguments by\n"
		"name (from DWARF, read where the x86-64 calling convention puts them at the\n"
		"function's first instruction), run ACTIONS, and let the guest go on.  After N\n"
		"hits (default 1), on Ctrl-C, or when no hit comes within --wait SECONDS\n"
		"(default 60; 0 waits without limit) the breakpoint is removed and the guest\n"
		"is left as it was before kinspect connected (running, or stopped with\n"
		"--keep-stopped).\n"
		"\n"
		"ACTIONS are kinspect commands separated by ';', run while the guest is\n"
		"stopped at the hit; {NAME} is replaced by the value of argument NAME, and\n"
		"{cpu} by the number of the vCPU that hit (unless FUNCTION has an argument\n"
		"named cpu), e.g.\n"
		"  kinspect -t :1234 -k vmlinux break p9_client_read_once --count 2 \\\n"
		"      --do 'iov-iter {to}; bt --cpu {cpu}'\n"
		"With --json every hit, and every action, prints one JSON line.\n"
		"Exit status 130 after Ctrl-C (SIGINT, SIGTERM or SIGHUP), with the breakpoint removed.\n",
	.run = run_break,
	.streams = true,
};
