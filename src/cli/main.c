/* kinspect: global options and command dispatch.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-log.h"
#include "cli/cache-environment.h"
#include "cli/cli.h"
#include "cli/gdb-script.h"
#include "core/cleanup.h"

/* "kinspect gdb" (cmd-gdb.c). */
extern const struct cli_command cli_command_gdb;

static const struct cli_command *const commands[] = {
	&cli_command_info,
	&cli_command_sym,
	&cli_command_read,
	&cli_command_lsmod,
	&cli_command_bt,
	&cli_command_ps,
	&cli_command_iov_iter,
	&cli_command_break,
	&cli_command_xarray,
	&cli_command_page,
	&cli_command_folio,
	&cli_command_print,
	&cli_command_gdb_proxy,
	&cli_command_dmesg,
	&cli_command_cmdline,
	&cli_command_cpus,
	&cli_command_sys,
	&cli_command_gdb,
	&cli_command_gdb_script,
	&cli_command_triage,
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
	fputs("usage: kinspect [-t TARGET] [-k VMLINUX] [-m MODDIR]... [--json] COMMAND [ARGS]\n"
	      "\n"
	      "Inspect a Linux kernel running in QEMU, live or from a dump, with its vmlinux\n"
	      "and module debug info.\n"
	      "\n"
	      "Options:\n"
	      "  -t, --target TARGET   host:port or unix:PATH of a QEMU gdbstub, or a dump file\n"
	      "  -k, --vmlinux FILE    the kernel's unstripped vmlinux (with DWARF)\n"
	      "  -m, --module-dir DIR  where to look for .ko, .ko.xz and .ko.zst files, searched\n"
	      "                        recursively (repeatable; default: those of\n"
	      "                        /usr/lib/debug/lib/modules/RELEASE and\n"
	      "                        /lib/modules/RELEASE that exist, RELEASE from the vmlinux,\n"
	      "                        under $KINSPECT_SYSROOT if set)\n"
	      "  -j, --json            print JSON instead of text (with -x: one line per command)\n"
	      "  -x, --script FILE     run the commands in FILE ('-': stdin), one per line,\n"
	      "                        over one connection or dump\n"
	      "      --keep-stopped    leave a live guest stopped when done (default: resume it\n"
	      "                        if it ran before kinspect came, else leave it stopped)\n"
	      "      --qmp SOCKET      QEMU's QMP socket (unix:PATH, PATH or HOST:PORT), asked\n"
	      "                        before connecting whether the guest runs.  Without it,\n"
	      "                        on QEMU 8.1+ a guest found plain \"paused\" (it ran, or\n"
	      "                        a user stopped it) is resumed when done\n"
	      "      --no-cache        neither use nor write the layout cache (also KINSPECT_NO_CACHE=1)\n"
	      "      --timeout SECONDS bound of every wait on a live target (default: 10)\n"
	      "      --max-module-size MIB  refuse a .ko.xz or .ko.zst, or a compressed debug\n"
	      "                        section, that decompresses to more (default: 512)\n"
	      "  -v, --verbose         say more on stderr (repeat for debug output)\n"
	      "  -q, --quiet           only errors on stderr\n"
	      "  -h, --help            this help; 'kinspect COMMAND --help' for a command\n"
	      "  -V, --version         print the version\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fputs("  help [COMMAND]  show help\n\nSee kinspect(1) for details.\n", out);
}

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	}
	return NULL;
}

static int unknown_command(const char *name)
{
	char msg[160];
	snprintf(msg, sizeof(msg), "unknown command '%.100s'", name);
	cli_note_error(msg);
	fprintf(stderr, "kinspect: unknown command '%s' (see 'kinspect --help')\n", name);
	return CLI_EXIT_USAGE;
}

/* "kinspect help [COMMAND]" */
static int run_help(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	const struct cli_command *cmd = cli_find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	char *help_argv[] = { argv[1], (char *)"--help", NULL };
	struct cli cli = { 0 };
	return cmd->run(&cli, 2, help_argv);
}

static int add_module_dir(struct cli *cli, const char *dir)
{
	const char **dirs = realloc(cli->module_dirs, (cli->nr_module_dirs + 1) * sizeof(*dirs));
	if (!dirs) {
		fputs("kinspect: out of memory\n", stderr);
		return -1;
	}
	dirs[cli->nr_module_dirs++] = dir;
	cli->module_dirs = dirs;
	return 0;
}

static int parse_global_options(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "target", required_argument, NULL, 't' },
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "module-dir", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "script", required_argument, NULL, 'x' },
		{ "keep-stopped", no_argument, NULL, 'S' },
		{ "qmp", required_argument, NULL, 'Q' },
		{ "no-cache", no_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "max-module-size", required_argument, NULL, 'Z' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int verbosity = CLI_LOG_WARNING;
	int c;
	/* "+": stop at the command name; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+t:k:m:jx:vqhV", options, NULL)) != -1) {
		switch (c) {
		case 't': cli->target = optarg; break;
		case 'k': cli->vmlinux_path = optarg; break;
		case 'm':
			if (add_module_dir(cli, optarg) < 0)
				return CLI_EXIT_FAILURE;
			break;
		case 'j': cli->json = true; break;
		case 'x': cli->script = optarg; break;
		case 'S': cli->keep_stopped = true; break;
		case 'Q': cli->qmp = optarg; break;
		case 'C': cli->no_cache = true; break;
		case 'T': {
			char *end;
			double seconds = strtod(optarg, &end);
			if (*end || !(seconds >= 0.001 && seconds <= 3600)) {
				fprintf(stderr, "kinspect: --timeout takes seconds from 0.001 to 3600, not '%s'\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			cli->timeout_ms = (int)(seconds * 1000);
			break;
		}
		case 'Z': {
			char *end;
			unsigned long mib = strtoul(optarg, &end, 10);
			if (*end || end == optarg || mib < 1 || mib > 65536) {
				fprintf(stderr, "kinspect: --max-module-size takes MiB from 1 to 65536, not '%s'\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			cli->max_module_size = (uint64_t)mib << 20;
			break;
		}
		case 'v':
			if (verbosity < CLI_LOG_DEBUG)
				verbosity++;
			break;
		case 'q': verbosity = CLI_LOG_ERROR; break;
		case 'h': print_usage(stdout); return CLI_EXIT_OK;
		case 'V': printf("kinspect %s\n", kinspect_version()); return CLI_EXIT_OK;
		default:
			fputs("kinspect: see 'kinspect --help'\n", stderr);
			return CLI_EXIT_USAGE;
		}
	}
	cli_log_set_level((enum cli_log_level)verbosity);
	return -1;
}

volatile sig_atomic_t cli_signalled;
volatile sig_atomic_t cli_live;

/* SIGINT, SIGTERM, SIGHUP: with a live guest, end the command at its next
 * exchange with the stub (see kinspect_gdbstub_set_cancel) so that the
 * cleanup leaves the guest as it was found; with none, die at once. */
static void on_signal(int sig)
{
	if (!cli_live) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	cli_signalled = sig;
}

static void catch_signals(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		struct sigaction old, sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		/* An ignored signal (nohup, a background job) stays ignored. */
		if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(signals[i], &sa, NULL);
	}
}

/* Why writing stdout failed first (ENOSPC, EPIPE), for the last word. */
static int output_errno;

/* -x --json pairs output lines with script lines: a command that failed
 * says so in one line of its own, {command, status, error}. */
static void print_error_line(struct cli *cli, const char *command, int status)
{
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_init(j, cli->json_out ? cli->json_out : stdout, false);
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "command");
	kinspect_json_string(j, command);
	kinspect_json_key(j, "status");
	kinspect_json_int(j, status);
	kinspect_json_key(j, "error");
	kinspect_json_string(j, cli_last_error()[0] ? cli_last_error() : "failed");
	kinspect_json_end_object(j);
	kinspect_json_end(j);
}

int cli_run_command(struct cli *cli, int argc, char **argv)
{
	const struct cli_command *cmd = cli_find_command(argv[0]);
	bool lines = cli->json && cli->batch && cli->command_depth == 0;
	cli_clear_last_error();
	if (!cmd) {
		int status = unknown_command(argv[0]);
		if (lines)
			print_error_line(cli, argv[0], status);
		return status;
	}
	/* In -x --json the document of a command is held back until it ends,
	 * so that one that fails after a partial result ("[]") gives its error
	 * line instead; commands that stream (break) write as they go.
	 * Commands run by a command (iov-iter --folios) write where it does. */
	_cleanup_free_ char *held = NULL;
	size_t held_size = 0;
	FILE *hold = NULL;
	if (cli->command_depth == 0) {
		cli->json_out = stdout;
		if (lines && !cmd->streams && (hold = open_memstream(&held, &held_size)))
			cli->json_out = hold;
	}
	/* One document per command; in batch mode one line each (JSON Lines). */
	if (cli->json)
		kinspect_json_init(&cli->json_writer, cli->json_out, !cli->batch);
	cli->command_depth++;
	int status = cmd->run(cli, argc, argv);
	cli->command_depth--;
	struct kinspect_json *j = &cli->json_writer;
	if (cli->json && j->started) {
		if (!kinspect_json_end(j) && status == CLI_EXIT_OK) {
			cli_log(CLI_LOG_ERROR, "internal error: malformed JSON output");
			status = CLI_EXIT_FAILURE;
		}
	}
	if (hold) {
		cli->json_out = stdout;
		bool complete = fclose(hold) == 0 && held;
		if (status == CLI_EXIT_OK && complete)
			fwrite(held, 1, held_size, stdout);
		else
			print_error_line(cli, argv[0], status == CLI_EXIT_OK ? CLI_EXIT_FAILURE : status);
	} else if (cli->json && cli->batch && !j->started && status != CLI_EXIT_OK) {
		print_error_line(cli, argv[0], status);
	}
	if (fflush(stdout) != 0 && !output_errno)
		output_errno = errno;
	return status;
}

/* -x FILE: many commands over one target. */
static int run_script(struct cli *cli)
{
	cli->batch = true;
	if (strcmp(cli->script, "-") == 0)
		return cli_run_script(cli, stdin, "<stdin>");
	FILE *f = fopen(cli->script, "re");
	if (!f) {
		fprintf(stderr, "kinspect: cannot open script %s: %s\n", cli->script, strerror(errno));
		return CLI_EXIT_FAILURE;
	}
	int status = cli_run_script(cli, f, cli->script);
	fclose(f);
	return status;
}

int main(int argc, char **argv)
{
	struct cli cli = { .timeout_ms = 10000 };
	/* A reader that goes away ("| head") must not kill kinspect before it
	 * has taken its breakpoints out and resumed the guest: the write fails
	 * with EPIPE instead, and the command ends through its cleanup. */
	signal(SIGPIPE, SIG_IGN);
	catch_signals();
	int status = parse_global_options(&cli, argc, argv);
	if (status >= 0)
		goto out;
	/* The library reads no environment: the cache directory is ours to
	 * find (XDG_CACHE_HOME, HOME, KINSPECT_NO_CACHE), and every session
	 * gets it (cli_session(), the proxy's for its module copies too). */
	if (!cli_cache_reuse_from_environment())
		cli.no_cache = true;
	cli.cache_dir = cli_cache_dir_from_environment();
	if (cli.script) {
		if (optind < argc) {
			fputs("kinspect: -x takes its commands from the script, not the command line\n", stderr);
			status = CLI_EXIT_USAGE;
			goto out;
		}
		status = run_script(&cli);
		goto out;
	}
	if (optind >= argc) {
		print_usage(stderr);
		status = CLI_EXIT_USAGE;
		goto out;
	}
	char **cmd_argv = argv + optind;
	int cmd_argc = argc - optind;
	if (strcmp(cmd_argv[0], "help") == 0) {
		status = run_help(cmd_argc, cmd_argv);
		goto out;
	}
	status = cli_run_command(&cli, cmd_argc, cmd_argv);
out:
	cli_close(&cli);
	free(cli.cache_dir);
	free(cli.module_dirs);
	if (cli_signalled) {
		cli_log(CLI_LOG_ERROR, "ended by signal %d (%s): the guest is left as it was found",
			     (int)cli_signalled, strsignal(cli_signalled));
		status = 128 + cli_signalled;
	}
	/* Output that did not arrive (a full disk, a closed pipe) is a
	 * failure of the command, whatever it computed. */
	if (fflush(stdout) != 0 && !output_errno)
		output_errno = errno;
	if (ferror(stdout) || output_errno) {
		fprintf(stderr, "kinspect: error: writing the output: %s\n", strerror(output_errno ? output_errno : EIO));
		if (status == CLI_EXIT_OK)
			status = CLI_EXIT_FAILURE;
	}
	return status;
}
