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
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/cache-path.h"
#include "target/memory-cache.h"
#include "target/qmp.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/layout-cache.h"

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
	kinspect_log_error(err);
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
	char shortopts[CLI_FLAGS_MAX + 3] = "+h";
	size_t n = 0;
	for (; flags && flags[n].name && n < CLI_FLAGS_MAX; n++) {
		options[n + 1] = (struct option){ flags[n].name, no_argument, NULL, flags[n].short_name };
		shortopts[n + 2] = flags[n].short_name;
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
		if (i == n)
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		*flags[i].value = true;
	}
	*argind = optind;
	return -1;
}

struct kinspect_vmlinux *cli_vmlinux(struct cli *cli)
{
	if (cli->vmlinux)
		return cli->vmlinux;
	if (!cli->vmlinux_path) {
		kinspect_log(KINSPECT_LOG_ERROR, "this command needs the kernel's vmlinux: give it with -k VMLINUX");
		return NULL;
	}
	struct kinspect_error *err = kinspect_vmlinux_open(cli->vmlinux_path, &cli->vmlinux);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	return cli->vmlinux;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Connect to the gdbstub and decide what to leave behind: a guest that ran
 * is resumed when done, one that was stopped (a breakpoint, the monitor's
 * "stop", -S) stays stopped.  QMP, asked before connecting, is the only
 * sure witness: connecting stops a running VM, and QEMU 8.1 and later no
 * longer say so.  Without it, what the stub can tell
 * (kinspect_gdbstub_find_run_state()); what it cannot is taken as running,
 * since a guest wrongly resumed is seen at once and one wrongly left paused
 * may stay so unnoticed.  (A "stop" or "cont" between the QMP question and
 * the connect is not seen: the window is one connect long.) */
static struct kinspect_error *open_gdbstub(struct cli *cli)
{
	struct kinspect_qmp_status qmp;
	if (cli->qmp) {
		struct kinspect_error *err = kinspect_qmp_query_status(cli->qmp, cli->timeout_ms, &qmp);
		if (err)
			return kinspect_error_wrap(err, "--qmp %s: cannot learn whether the guest runs (nothing touched)",
						   cli->qmp);
	}
	/* From here a signal only asks the command to end: connecting stops
	 * the guest, and only an orderly end lets it go on. */
	cli_live = 1;
	struct kinspect_error *err = kinspect_gdbstub_connect(cli->target, cli->timeout_ms, &cli->gdbstub);
	if (err)
		return err;
	kinspect_gdbstub_set_cancel(cli->gdbstub, &cli_signalled);
	const struct kinspect_gdbstub_run_state *found;
	if (cli->qmp) {
		struct kinspect_gdbstub_run_state state;
		kinspect_qmp_run_state(&qmp, &state);
		kinspect_gdbstub_set_run_state(cli->gdbstub, &state);
	}
	err = kinspect_gdbstub_find_run_state(cli->gdbstub, &found);
	if (err)
		return err;
	struct cli_run_state rs;
	cli_run_state(cli, &rs);
	kinspect_gdbstub_set_keep_stopped(cli->gdbstub, !rs.resume);
	kinspect_info("guest %s (%s)", rs.decision, found->how);
	kinspect_gdbstub_stats(cli->gdbstub, &cli->connect_stats);
	return NULL;
}

bool cli_open_target(struct cli *cli)
{
	if (cli->gdbstub || cli->dump)
		return true;
	if (!cli->target) {
		kinspect_log(KINSPECT_LOG_ERROR, "this command needs a target: give it with -t HOST:PORT or -t DUMP");
		return false;
	}
	struct kinspect_error *err;
	if (is_file(cli->target)) {
		err = kinspect_elf_dump_open(cli->target, &cli->dump);
	} else if (!strchr(cli->target, ':')) {
		kinspect_log(KINSPECT_LOG_ERROR, "-t %s: no such file, and not HOST:PORT or unix:PATH", cli->target);
		return false;
	} else {
		err = open_gdbstub(cli);
	}
	if (err) {
		cli_fail(err);
		return false;
	}
	return true;
}

void cli_run_state(const struct cli *cli, struct cli_run_state *ret)
{
	const struct kinspect_gdbstub_run_state *found = kinspect_gdbstub_run_state(cli->gdbstub);
	*ret = (struct cli_run_state){ .found = found };
	if (cli->keep_stopped) {
		ret->decision = "left stopped when done (--keep-stopped)";
	} else if (!found) {
		ret->decision = "not learned: left stopped";
	} else if (found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO) {
		ret->decision = "stopped before kinspect came: left stopped";
	} else if (found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES) {
		ret->resume = true;
		ret->decision = "running before kinspect came: resumed when done";
	} else {
		ret->resume = true;
		ret->decision = "running or paused before kinspect came: resumed; give --qmp to tell them apart";
	}
}

const struct kinspect_kaslr *cli_kaslr(struct cli *cli)
{
	if (cli->have_kaslr)
		return &cli->kaslr;
	if (!cli_open_target(cli))
		return NULL;
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return NULL;
	struct kinspect_error *err = cli->dump ? kinspect_kaslr_find_dump(cli->dump, vmlinux, &cli->kaslr)
					       : kinspect_kaslr_find_live(cli->gdbstub, vmlinux, &cli->kaslr);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	cli->have_kaslr = true;
	return &cli->kaslr;
}

void cli_close_target(struct cli *cli)
{
	if (cli->gdbstub) {
		/* -vv shows the traffic, for benchmarks and for slow links. */
		struct kinspect_gdbstub_stats stats;
		kinspect_gdbstub_stats(cli->gdbstub, &stats);
		kinspect_debug("gdbstub %s: %llu round trips (%llu to connect), %llu memory reads (\"m\"), "
			       "%llu bytes sent, %llu received",
			       cli->target, (unsigned long long)stats.round_trips,
			       (unsigned long long)cli->connect_stats.round_trips, (unsigned long long)stats.memory_packets,
			       (unsigned long long)stats.bytes_sent, (unsigned long long)stats.bytes_received);
	}
	if (cli->memory_cache) {
		struct kinspect_memory_cache_stats cs;
		kinspect_memory_cache_stats(cli->memory_cache, &cs);
		kinspect_debug("memory cache: %llu hits, %llu misses, %llu uncached after faults, %llu flushes, "
			       "%llu granules fetched ahead in %llu batches",
			       (unsigned long long)cs.hits, (unsigned long long)cs.misses,
			       (unsigned long long)cs.bypasses, (unsigned long long)cs.flushes,
			       (unsigned long long)cs.batched, (unsigned long long)cs.batches);
		kinspect_memory_cache_destroy(cli->memory_cache);
		cli->memory_cache = NULL;
	}
	kinspect_gdbstub_destroy(cli->gdbstub);
	cli->gdbstub = NULL;
	kinspect_elf_dump_destroy(cli->dump);
	cli->dump = NULL;
}

struct kinspect_error *cli_read(struct cli *cli, uint64_t addr, void *buf, size_t len, bool physical)
{
	if (cli->gdbstub)
		return kinspect_gdbstub_read_memory(cli->gdbstub, addr, buf, len, physical);
	if (physical)
		return kinspect_elf_dump_read_phys(cli->dump, addr, buf, len);
	return kinspect_elf_dump_read_virt(cli->dump, addr, buf, len);
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
	/* A symbol name, moved by the KASLR slide when there is a target. */
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return false;
	uint64_t addr;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, text, &addr, NULL);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && cli->target) {
		/* Not in the vmlinux: a symbol of a loaded module (NAME or MODULE:NAME). */
		struct kinspect_module_symbols *ms = cli_module_symbols(cli);
		if (!ms) {
			kinspect_error_destroy(err);
			return false;
		}
		struct kinspect_module_symbol sym;
		kinspect_error_destroy(err);
		err = kinspect_module_symbols_lookup(ms, text, &sym);
		if (!err) {
			*ret = sym.address;
			return true;
		}
	}
	if (err) {
		cli_fail(kinspect_error_wrap(err, "'%s' is neither a number nor a symbol of the vmlinux or a module",
					     text));
		return false;
	}
	if (cli->target) {
		const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
		if (!kaslr)
			return false;
		addr = kinspect_kaslr_runtime(kaslr->slide, addr);
	}
	*ret = addr;
	return true;
}

/* Whether answers may come from and go to the layout cache: not with
 * --no-cache, nor with KINSPECT_NO_CACHE set to anything but "" or "0". */
static bool cache_wanted(const struct cli *cli)
{
	return !cli->no_cache && kinspect_cache_enabled();
}

/* The layout cache of VMLINUX's build-id, loaded; NULL when caching is
 * off or impossible (no build-id, no home).  A cache file that is not valid
 * is ignored here and replaced when the run saves its answers. */
static struct kinspect_layout_cache *open_layout_cache(struct cli *cli, struct kinspect_vmlinux *vmlinux)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	char *path = NULL;
	struct kinspect_layout_cache *cache = NULL;
	struct kinspect_error *err = NULL;
	if (!cache_wanted(cli) || len == 0 || (err = kinspect_layout_cache_path(id, len, &path)) || !path ||
	    (err = kinspect_layout_cache_create(path, id, len, &cache))) {
		free(path);
		kinspect_error_destroy(err);
		return NULL;
	}
	free(path);
	err = kinspect_layout_cache_load(cache);
	if (err) {
		char *msg = kinspect_error_string(err);
		kinspect_info("ignoring the layout cache: %s", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
	}
	return cache;
}

struct kinspect_dwarf_types *cli_types(struct cli *cli)
{
	if (cli->types)
		return cli->types;
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return NULL;
	struct kinspect_error *err = kinspect_dwarf_types_create_lazy(kinspect_vmlinux_path(vmlinux),
								      open_layout_cache(cli, vmlinux), &cli->types);
	if (err) {
		cli_fail(err);
		return NULL;
	}
	return cli->types;
}

void cli_close_types(struct cli *cli)
{
	if (!cli->types)
		return;
	struct kinspect_error *err = kinspect_dwarf_types_save_cache(cli->types);
	if (err) {
		/* The cache only saves time: a read-only home is no failure. */
		char *msg = kinspect_error_string(err);
		kinspect_info("layout cache not saved: %s", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
	}
	kinspect_debug("DWARF %s", kinspect_dwarf_types_opened(cli->types) ? "opened" : "not opened (layout cache)");
	kinspect_dwarf_types_destroy(cli->types);
	cli->types = NULL;
}

static struct kinspect_error *read_virtual(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return cli_read(ctx, addr, buf, len, false);
}

static struct kinspect_error *read_physical(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return cli_read(ctx, addr, buf, len, true);
}

/* Independent reads pipelined on the gdbstub, 32 in one round trip. */
static struct kinspect_error *read_batch(void *ctx, struct kinspect_memory_batch *reads, size_t nr)
{
	struct cli *cli = ctx;
	struct kinspect_gdbstub_batch_read v[64];
	for (size_t done = 0; done < nr;) {
		size_t n = nr - done < 64 ? nr - done : 64;
		for (size_t i = 0; i < n; i++)
			v[i] = (struct kinspect_gdbstub_batch_read){ reads[done + i].addr, reads[done + i].buf,
								      reads[done + i].len, false };
		struct kinspect_error *err = kinspect_gdbstub_read_memory_batch(cli->gdbstub, v, n);
		if (err)
			return err;
		for (size_t i = 0; i < n; i++)
			reads[done + i].ok = v[i].ok;
		done += n;
	}
	return NULL;
}

static uint64_t gdbstub_generation(void *ctx)
{
	return kinspect_gdbstub_generation(ctx);
}

/* Granules the size of one "m" answer, 8 MiB in all: a module list, a
 * folio_queue chain or a stack stays cached while the VM is stopped. */
#define CACHE_BYTES (8u << 20)

struct kinspect_memory cli_memory(struct cli *cli)
{
	struct kinspect_memory direct = { .read = read_virtual, .read_phys = read_physical, .ctx = cli,
					  .read_batch = cli->gdbstub ? read_batch : NULL };
	/* A dump is mapped memory already; KINSPECT_NO_MEMORY_CACHE is for
	 * measuring what the cache saves. */
	if (!cli->gdbstub || getenv("KINSPECT_NO_MEMORY_CACHE"))
		return direct;
	if (!cli->memory_cache) {
		size_t granule = 64;
		while (granule * 2 <= kinspect_gdbstub_max_read(cli->gdbstub) && granule < 4096)
			granule *= 2;
		struct kinspect_error *err = kinspect_memory_cache_create(direct, granule, CACHE_BYTES / granule,
									  gdbstub_generation, cli->gdbstub,
									  &cli->memory_cache);
		if (err) {
			kinspect_error_destroy(err);
			return direct; /* slower, still right */
		}
	}
	return kinspect_memory_cache_memory(cli->memory_cache);
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
