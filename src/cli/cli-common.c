/* Helpers shared by the subcommands.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/symbol.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/cleanup.h"

/* The message of the last failure, for batch mode's JSON Lines. */
static char last_error[512];

const char *cli_last_error(void)
{
	return last_error;
}

void cli_clear_last_error(void)
{
	last_error[0] = '\0';
}

void cli_note_error(const char *msg)
{
	snprintf(last_error, sizeof(last_error), "%s", msg);
}

int cli_fail(struct kinspect_error *err)
{
	char *text = kinspect_error_string(err);
	snprintf(last_error, sizeof(last_error), "%s", text ? text : "out of memory");
	free(text);
	cli_log_error(err);
	kinspect_error_destroy(err);
	return CLI_EXIT_FAILURE;
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	fprintf(stderr, "kinspect %s: ", cmd->name);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nusage: kinspect [OPTIONS] %s %s\n(see 'kinspect %s --help')\n", cmd->name,
		cmd->synopsis, cmd->name);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

void cli_print_help(const struct cli_command *cmd)
{
	printf("usage: kinspect [OPTIONS] %s %s\n\n%s.\n\n%s", cmd->name, cmd->synopsis, cmd->summary,
	       cmd->help);
}

/* Whether option word A (not "--") takes the next word as its value. */
static bool option_takes_next(const char *a, const char *shortopts, const struct option *longopts)
{
	if (a[1] == '-') {
		/* --NAME=VALUE has it; else the option named NAME, or the one
		 * NAME abbreviates (getopt_long's rule; an ambiguous or
		 * unknown one is getopt_long's to report). */
		const char *name = a + 2;
		if (strchr(name, '='))
			return false;
		size_t len = strlen(name);
		const struct option *found = NULL;
		for (const struct option *o = longopts; o && o->name; o++) {
			if (strncmp(o->name, name, len) != 0)
				continue;
			if (strlen(o->name) == len)
				return o->has_arg == required_argument;
			if (found && found->has_arg != o->has_arg)
				return false;
			found = o;
		}
		return found && found->has_arg == required_argument;
	}
	/* A cluster of short options: the first that takes a value takes the
	 * rest of the word, or the next word when none is left. */
	for (const char *p = a + 1; *p; p++) {
		const char *o = *p == ':' || *p == '+' || *p == '-' ? NULL : strchr(shortopts, *p);
		if (!o)
			return false;
		if (o[1] == ':')
			return o[2] != ':' && p[1] == '\0';
	}
	return false;
}

int cli_options_first(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	/* Rotate each option (and its value) to the end of the options
	 * found so far, before the operands seen before it: argv[first..i)
	 * are operands.  glibc's getopt_long permutes too, but it would take
	 * "-1" for an option, and POSIXLY_CORRECT in the environment turns
	 * permuting off. */
	int first = 1;
	for (int i = 1; i < argc;) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0' || isdigit((unsigned char)a[1])) {
			i++;
			continue;
		}
		bool end = strcmp(a, "--") == 0;
		int n = !end && i + 1 < argc && option_takes_next(a, shortopts, longopts) ? 2 : 1;
		char *words[2] = { argv[i], n == 2 ? argv[i + 1] : NULL };
		memmove(argv + first + n, argv + first, (size_t)(i - first) * sizeof(*argv));
		for (int k = 0; k < n; k++)
			argv[first + k] = words[k];
		first += n;
		i += n;
		if (end)
			break;
	}
	return first;
}

int cli_parse_command_options(const struct cli_command *cmd, int argc, char **argv,
			      const struct cli_flag *flags, int *argind)
{
	struct option options[CLI_FLAGS_MAX + 2] = { { "help", no_argument, NULL, 'h' } };
	char shortopts[2 * CLI_FLAGS_MAX + 3] = "+h";
	size_t n = 0, len = 2;
	for (; flags && flags[n].name && n < CLI_FLAGS_MAX; n++) {
		options[n + 1] = (struct option){ flags[n].name, flags[n].arg ? required_argument : no_argument, NULL,
						  flags[n].short_name };
		if (flags[n].short_name >= CLI_LONG_ONLY)
			continue;
		shortopts[len++] = (char)flags[n].short_name;
		if (flags[n].arg)
			shortopts[len++] = ':';
	}
	/* 0, not 1: glibc then forgets the previous command's scan (batch
	 * mode parses many command lines in one process). */
	int nr_options = cli_options_first(argc, argv, shortopts, options);
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(nr_options, argv, shortopts, options, NULL)) != -1) {
		if (c == 'h') {
			cli_print_help(cmd);
			return CLI_EXIT_OK;
		}
		size_t i = 0;
		while (i < n && flags[i].short_name != c)
			i++;
		if (c == '?' || c == ':' || i == n) {
			/* getopt_long names the option that lacks its value in
			 * optopt; an unknown one leaves 0 there (long) or a
			 * character it does not know (short). */
			bool lacks_value = optopt >= CLI_LONG_ONLY ||
					   (optopt > 0 && optopt < CLI_LONG_ONLY && strchr(shortopts + 1, optopt));
			return cli_usage_error(cmd, lacks_value ? "missing value: '%s'" : "unknown option '%s'",
					       argv[optind - 1]);
		}
		if (flags[i].arg)
			*flags[i].arg = optarg;
		else
			*flags[i].value = true;
	}
	*argind = optind;
	return -1;
}

/* The session, created on first use from the global options. */
static struct kinspect_kernel *cli_kernel(struct cli *cli)
{
	if (cli->kernel)
		return cli->kernel;
	struct kinspect_options o;
	kinspect_options_init(&o);
	o.vmlinux = cli->vmlinux_path;
	o.module_dirs = cli->module_dirs;
	o.nr_module_dirs = cli->nr_module_dirs;
	/* KINSPECT_SYSROOT: the guest's files unpacked in a directory (its
	 * debug package, its root file system). */
	o.sysroot = getenv("KINSPECT_SYSROOT");
	o.cache_dir = cli->cache_dir;
	o.timeout_ms = cli->timeout_ms;
	o.qmp = cli->qmp;
	o.cancel = &cli_signalled;
	o.max_module_size = cli->max_module_size;
	/* The library's diagnostics in the CLI's form, at -v/-q's level. */
	o.log = cli_log_library;
	o.log_level = (int)cli_log_level();
	o.flags = (cli->keep_stopped ? KINSPECT_KEEP_STOPPED : 0) | (cli->no_cache ? KINSPECT_NO_DERIVED_CACHES : 0) |
		  (getenv("KINSPECT_NO_MEMORY_CACHE") ? KINSPECT_NO_MEMORY_CACHE : 0);
	struct kinspect_error *err = kinspect_kernel_create(cli->target, &o, &cli->kernel);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	return cli->kernel;
}

struct kinspect_vmlinux *cli_vmlinux(struct cli *cli)
{
	if (cli->vmlinux)
		return cli->vmlinux;
	struct kinspect_kernel *k = cli_kernel(cli);
	struct kinspect_error *err = k ? kinspect_kernel_vmlinux(k, &cli->vmlinux) : NULL;
	if (err)
		cli_fail(err);
	return cli->vmlinux;
}

bool cli_open_target(struct cli *cli)
{
	if (cli->target_open)
		return true;
	struct kinspect_kernel *k = cli_kernel(cli);
	if (!k)
		return false;
	/* From here a signal only asks the command to end: connecting stops
	 * the guest, and only an orderly end lets it go on. */
	if (kinspect_kernel_target_kind(k) == KINSPECT_TARGET_GDBSTUB)
		cli_live = 1;
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err) {
		cli_fail(err);
		return false;
	}
	cli->target_open = true;
	return true;
}

struct kinspect_kernel *cli_target_session(struct cli *cli)
{
	if (!cli_open_target(cli) || !cli_vmlinux(cli))
		return NULL;
	uint64_t slide;
	const char *method;
	struct kinspect_error *err = kinspect_kernel_kaslr(cli->kernel, &slide, &method);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	return cli->kernel;
}

struct kinspect_kernel *cli_session(struct cli *cli)
{
	if (!cli_vmlinux(cli) || (cli->target && !cli_open_target(cli)))
		return NULL;
	uint64_t slide;
	const char *method;
	struct kinspect_error *err = cli->target ? kinspect_kernel_kaslr(cli->kernel, &slide, &method) : NULL;
	if (err) {
		cli_fail(err);
		return NULL;
	}
	return cli->kernel;
}

int cli_begin_target_command(struct cli *cli, const struct cli_command *cmd, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(cmd, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[argind]);
	return cli_target_session(cli) ? -1 : CLI_EXIT_FAILURE;
}

const char **cli_module_dir_list(const struct cli *cli, size_t extra, size_t *ret_nr)
{
	const char **dirs = calloc(cli->nr_module_dirs + extra + 1, sizeof(*dirs));
	if (!dirs)
		return NULL;
	for (size_t i = 0; i < cli->nr_module_dirs; i++)
		dirs[i] = cli->module_dirs[i];
	*ret_nr = cli->nr_module_dirs;
	return dirs;
}

struct kinspect_error *cli_read(struct cli *cli, uint64_t addr, void *buf, size_t len, bool physical)
{
	return physical ? kinspect_kernel_read_phys(cli->kernel, addr, buf, len)
			: kinspect_kernel_read(cli->kernel, addr, buf, len);
}

bool cli_parse_number(const char *text, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)text[0]))
		return false;
	errno = 0;
	*ret = strtoull(text, &end, 0);
	return !*end && errno == 0;
}

bool cli_parse_address(struct cli *cli, const char *text, uint64_t *ret)
{
	if (cli_parse_number(text, ret))
		return true;
	/* A symbol name of the vmlinux, moved by the KASLR slide when there
	 * is a target, or of a loaded module. */
	if (!cli_session(cli))
		return false;
	struct kinspect_symbol sym;
	struct kinspect_error *err = kinspect_kernel_symbol_lookup(cli->kernel, text, &sym);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
		err = kinspect_error_wrap(err, "'%s' is neither a number nor a symbol of the vmlinux%s", text,
					  cli->target ? " or a module" : "");
	if (err) {
		cli_fail(err);
		return false;
	}
	*ret = sym.address;
	return true;
}

void cli_close(struct cli *cli)
{
	/* The target first, then the layout cache saved and the rest. */
	kinspect_kernel_destroy(cli->kernel);
	cli->target_open = false;
	cli->kernel = NULL;
	cli->vmlinux = NULL;
}

void cli_hexdump(uint64_t addr, const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;
		printf("%016" PRIx64 " ", addr + off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				putchar(' ');
			if (i < n)
				printf(" %02x", buf[off + i]);
			else
				fputs("   ", stdout);
		}
		fputs("  |", stdout);
		for (size_t i = 0; i < n; i++)
			putchar(isprint(buf[off + i]) ? buf[off + i] : '.');
		puts("|");
	}
}

void cli_json_hex(struct kinspect_json *json, const uint8_t *buf, size_t len)
{
	_cleanup_free_ char *hex = malloc(2 * len + 1);
	if (!hex) {
		kinspect_json_null(json);
		return;
	}
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = '\0';
	kinspect_json_string(json, hex);
}

void cli_format_build_id(const struct kinspect_vmlinux *vmlinux, char *buf, size_t size)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	buf[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
}
