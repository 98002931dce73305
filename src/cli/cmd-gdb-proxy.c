/* "kinspect gdb-proxy": gdb's remote target, between gdb and QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kinspect/gdb-proxy.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/cleanup.h"

static bool is_monitor_command(const char *name)
{
	/* Not itself, and "help" stays QEMU's. */
	return strcmp(name, "gdb-proxy") != 0 && cli_find_command(name) != NULL;
}

/* A "monitor" command (the proxy checked it against its allowlist): run as
 * "kinspect CMD ..." would, on a struct cli whose session is the proxy's
 * own (KERNEL, on its QEMU connection), in this process. */
static int run_monitor_command(struct kinspect_kernel *kernel, int argc, char **argv, void *arg)
{
	struct cli *cli = arg;
	cli->kernel = kernel;
	return cli_run_command(cli, argc, argv);
}

static volatile sig_atomic_t quit;

static void on_quit_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* SIGTERM, SIGHUP and SIGINT end the session cleanly (the proxy's
 * breakpoints out of QEMU, the VM as it should be, the socket directory
 * removed) instead of killing the process with all of that left behind.
 * No SA_RESTART: a blocked poll() or accept() returns at once. */
static void catch_quit_signals(void)
{
	static const int signals[] = { SIGTERM, SIGHUP, SIGINT };
	struct sigaction sa = { .sa_handler = on_quit_signal }, old;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		/* An ignored SIGHUP or SIGINT stays ignored (nohup, a
		 * background job): whoever started us chose that. */
		if (signals[i] != SIGTERM && sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &sa, NULL);
	}
}

static int run_gdb_proxy(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "vmlinux", required_argument, NULL, 'k' },
		{ "module-dir", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "socket", required_argument, NULL, 's' },
		{ "no-track", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 },
	};
	size_t nr_dirs = 0;
	_cleanup_free_ const char **dirs = cli_module_dir_list(cli, (size_t)argc, &nr_dirs);
	if (!dirs)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	/* The proxy's session: what cli_kernel() would open, its diagnostics
	 * (the proxy's own too) in the CLI's form at -v/-q's level. */
	struct kinspect_options session;
	kinspect_options_init(&session);
	session.vmlinux = cli->vmlinux_path;
	session.timeout_ms = cli->timeout_ms;
	session.cache_dir = cli->cache_dir;
	session.max_module_size = cli->max_module_size;
	session.flags = cli->no_cache ? KINSPECT_NO_DERIVED_CACHES : 0;
	session.log = cli_log_library;
	struct kinspect_gdb_proxy_options opts;
	kinspect_gdb_proxy_options_init(&opts);
	opts.qemu = cli->target;
	opts.session = &session;
	opts.private_socket = true;
	opts.is_monitor_command = is_monitor_command;
	opts.run_command = run_monitor_command;
	opts.track_modules = true;
	const char *listen_on = NULL;
	/* Options anywhere: "gdb-proxy HOST:PORT -k VMLINUX" as well. */
	static const char shortopts[] = "+hk:m:v";
	int nr_options = cli_options_first(argc, argv, shortopts, options);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(nr_options, argv, shortopts, options, NULL)) != -1) {
		switch (c) {
		case 'h': cli_print_help(&cli_command_gdb_proxy); return CLI_EXIT_OK;
		case 'k': session.vmlinux = optarg; break;
		case 'm': dirs[nr_dirs++] = optarg; break;
		case 'l': listen_on = optarg; break;
		case 's': opts.socket_path = optarg; break;
		case 'n': opts.track_modules = false; break;
		case 'v':
			if (cli_log_level() < CLI_LOG_DEBUG)
				cli_log_set_level((enum cli_log_level)(cli_log_level() + 1));
			break;
		default: return cli_usage_error(&cli_command_gdb_proxy, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		opts.qemu = argv[optind++];
	if (optind < argc)
		return cli_usage_error(&cli_command_gdb_proxy, "unexpected argument '%s'", argv[optind]);
	if (!opts.qemu)
		return cli_usage_error(&cli_command_gdb_proxy, "which QEMU gdbstub? give HOST:PORT");
	session.module_dirs = dirs;
	session.nr_module_dirs = nr_dirs;
	session.log_level = (int)cli_log_level();
	if (getenv("KINSPECT_NO_MEMORY_CACHE"))
		session.flags |= KINSPECT_NO_MEMORY_CACHE;

	/* Monitor commands see what "kinspect -k VMLINUX -m DIR... CMD" would,
	 * without a --json, a script or any other global option (kinspect/gdb-proxy.h). */
	struct cli monitor = {
		.target = opts.qemu,
		.vmlinux_path = session.vmlinux,
		.module_dirs = dirs,
		.nr_module_dirs = nr_dirs,
		.keep_stopped = true,
		.no_cache = cli->no_cache,
		.cache_dir = cli->cache_dir,
		.timeout_ms = cli->timeout_ms,
	};
	opts.run_command_arg = &monitor;
	/* A gdb that goes away must not kill us in the middle of a write. */
	signal(SIGPIPE, SIG_IGN);
	catch_quit_signals();
	opts.quit = &quit;

	int in_fd = 0, out_fd = 1;
	_cleanup_close_ int conn = -1;
	if (listen_on) {
		struct kinspect_error *err = kinspect_gdb_proxy_accept(&opts, listen_on, &conn);
		if (err)
			return cli_fail(err);
		in_fd = out_fd = conn;
	}
	struct kinspect_error *err = kinspect_gdb_proxy_serve(&opts, in_fd, out_fd);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "gdb-proxy"));
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_gdb_proxy = {
	.name = "gdb-proxy",
	.synopsis = "[-k VMLINUX] [-m MODDIR]... [--listen HOST:PORT] [--socket PATH] [--no-track] HOST:PORT",
	.summary = "Serve gdb as its remote target: KASLR, module symbols, kinspect commands",
	.help = "Sits between gdb and QEMU's gdbstub at HOST:PORT (or -t), speaking the remote\n"
		"protocol on stdin/stdout, for gdb's\n"
		"  (gdb) target remote | kinspect gdb-proxy -k vmlinux -m MODDIR 127.0.0.1:1234\n"
		"Every packet passes through unchanged, and in addition:\n"
		"  - qOffsets answers TextSeg= with the KASLR slide, so vmlinux's symbols\n"
		"    move to where the kernel runs (load vmlinux in gdb first);\n"
		"  - the loaded modules are gdb libraries (qXfer:libraries:read): each module\n"
		"    whose .ko is found under -m (build-id checked) has its symbols, types\n"
		"    and lines at its section addresses; a missing .ko is reported;\n"
		"  - breakpoints of its own on do_init_module and free_module, hidden from\n"
		"    gdb, tell gdb of modules loaded and removed later, before a new\n"
		"    module's init function runs (a pending breakpoint there is hit);\n"
		"  - 'monitor CMD ARGS' runs 'kinspect CMD ARGS' against the stopped guest,\n"
		"    inside the proxy (its session and QEMU connection), when CMD is a\n"
		"    kinspect command (prefix 'kinspect' to force it, 'qemu' to send a\n"
		"    command to QEMU's monitor; 'info SUBCOMMAND' is QEMU's); any other\n"
		"    monitor command goes to QEMU.  monitor runs only info, sym, read, lsmod,\n"
		"    bt, ps, iov-iter, xarray, page, folio, print, dmesg, cmdline, cpus and\n"
		"    sys, with their own options.\n"
		"  -k, --vmlinux FILE      the kernel's vmlinux (also as a global option)\n"
		"  -m, --module-dir DIR    where the .ko files are (repeatable)\n"
		"  --listen HOST:PORT      wait for one gdb on TCP ('target remote HOST:PORT')\n"
		"                          instead of stdin/stdout; an empty HOST (':PORT') is\n"
		"                          127.0.0.1.  There is no authentication: whoever\n"
		"                          connects controls the guest (kinspect(1), SECURITY)\n"
		"  --socket PATH           the private socket where other kinspect commands reach\n"
		"                          the guest while gdb is attached ('kinspect -t unix:PATH');\n"
		"                          default: a new directory under $XDG_RUNTIME_DIR or /tmp\n"
		"  --no-track              no breakpoints of its own (modules loaded later are\n"
		"                          seen only after a reconnect)\n"
		"  -v                      say more on stderr (socket path, slide, module counts)\n",
	.run = run_gdb_proxy,
};
