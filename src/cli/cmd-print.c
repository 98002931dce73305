/* "kinspect print": a kernel object printed from its DWARF type, as gdb's
 * p/x does: TYPE at an address, or a global variable (optionally one of
 * its members), from a target or from the vmlinux file's initialised data.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "linux/cpus.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/value-printer.h"

/* Larger objects are a mistake more often than not (and gdb's default
 * max-value-size is 64 KiB). */
#define PRINT_MAX (1u << 20)
/* x86-64 links per-CPU variables at offsets from 0 (the .data..percpu
 * section); anything below this is such an offset, not an address. */
#define PERCPU_LIMIT (UINT64_C(1) << 32)

struct print {
	struct cli *cli;
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide; /* 0 without a target */
	long cpu;       /* --cpu N, -1 if not given */
};

static bool symbolize(void *ctx, uint64_t addr, char *buf, size_t size)
{
	struct print *pr = ctx;
	const char *name;
	uint64_t offset;
	struct kinspect_error *err =
		kinspect_vmlinux_symbolize(pr->vmlinux, kinspect_kaslr_link(pr->slide, addr), &name, &offset);
	if (err) {
		kinspect_error_destroy(err);
		return false;
	}
	/* gdb writes <symbol+decimal offset>. */
	if (offset)
		snprintf(buf, size, "%s+%" PRIu64, name, offset);
	else
		snprintf(buf, size, "%s", name);
	return true;
}

/* A bare NAME is "struct NAME" if there is one, else a typedef or base
 * type, else "union NAME".  Struct first because that is what one means
 * almost always, and because proving that no typedef has the name costs a
 * scan of all of the DWARF (a kernel's typedefs that share a struct's tag
 * name that very struct). */
static struct kinspect_error *find_type(struct kinspect_dwarf_types *types, const char *name, Dwarf_Die *ret,
					char **ret_name)
{
	static const char *const prefixes[] = { "struct ", "", "union " };
	bool bare = !strchr(name, ' ') && !strchr(name, '*');
	struct kinspect_error *first_err = NULL;
	for (size_t i = bare ? 0 : 1; i < (bare ? 3 : 2); i++) {
		char *full;
		if (asprintf(&full, "%s%s", prefixes[i], name) < 0) {
			kinspect_error_destroy(first_err);
			return &kinspect_error_nomem;
		}
		struct kinspect_error *err = kinspect_dwarf_types_find_type_die(types, full, ret);
		if (!err) {
			kinspect_error_destroy(first_err);
			*ret_name = full;
			return NULL;
		}
		free(full);
		if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND) {
			kinspect_error_destroy(first_err);
			return err;
		}
			/* Report the plain name's miss: it says what was asked. */
		if (i == 1 || !first_err) {
			kinspect_error_destroy(first_err);
			first_err = err;
		} else {
			kinspect_error_destroy(err);
		}
	}
	return first_err;
}

/* Read LEN bytes at the kernel's ADDR (runtime with a target, link-time
 * in the vmlinux file without). */
static struct kinspect_error *read_object(struct print *pr, uint64_t addr, void *buf, size_t len)
{
	if (pr->cli->target)
		return cli_read(pr->cli, addr, buf, len, false);
	struct kinspect_error *err = kinspect_vmlinux_read(pr->vmlinux, addr, buf, len);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT)
		err = kinspect_error_wrap(err, "not in the vmlinux file (uninitialised data such as .bss is only "
					       "in a running kernel or a dump: give one with -t)");
	return err;
}

static int print_object(struct print *pr, const char *expression, struct kinspect_dwarf_type_pos *pos,
			uint64_t addr, uint64_t size, uint64_t bit_offset, uint32_t bit_size)
{
	struct cli *cli = pr->cli;
	if (size > PRINT_MAX)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						      "%s is %" PRIu64 " bytes; kinspect prints at most %u",
						      expression, size, PRINT_MAX));
	_cleanup_free_ uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return cli_fail(&kinspect_error_nomem);
	struct kinspect_error *err = size ? read_object(pr, addr, buf, size) : NULL;
	if (err)
		return cli_fail(kinspect_error_wrap(err, "%s: read %" PRIu64 " bytes at 0x%" PRIx64, expression, size,
						    addr));
	struct kinspect_value_printer printer = {
		.types = cli->types,
		.out = stdout,
		.json = cli->json ? &cli->json_writer : NULL,
		.symbolize = symbolize,
		.symbolize_ctx = pr,
	};
	if (cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "expression");
		kinspect_json_string(j, expression);
		kinspect_json_key(j, "address");
		kinspect_json_address(j, addr);
		kinspect_json_key(j, "size");
		kinspect_json_uint(j, size);
		if (pr->cpu >= 0) {
			kinspect_json_key(j, "cpu");
			kinspect_json_uint(j, (uint64_t)pr->cpu);
		}
		kinspect_json_key(j, "value");
	} else {
		printf("%s = ", expression);
	}
	err = kinspect_value_print(&printer, pos, bit_offset, bit_size, buf, size);
	if (cli->json)
		kinspect_json_end_object(&cli->json_writer);
	else
		putchar('\n');
	return err ? cli_fail(kinspect_error_wrap(err, "printing %s", expression)) : CLI_EXIT_OK;
}

/* print TYPE ADDR */
static int print_typed(struct print *pr, const char *type_text, const char *addr_text)
{
	struct cli *cli = pr->cli;
	uint64_t addr;
	if (!cli_parse_address(cli, addr_text, &addr))
		return CLI_EXIT_FAILURE;
	struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
	_cleanup_free_ char *type_name = NULL;
	struct kinspect_error *err = find_type(cli->types, type_text, &pos.die, &type_name);
	uint64_t size = 0;
	if (!err)
		err = kinspect_dwarf_types_pos_size(cli->types, &pos, &size);
	if (err)
		return cli_fail(err);
	_cleanup_free_ char *expression = NULL;
	if (asprintf(&expression, "*(%s *)0x%" PRIx64, type_name, addr) < 0)
		return cli_fail(&kinspect_error_nomem);
	return print_object(pr, expression, &pos, addr, size, 0, 0);
}

/* Whether the variable linked at ADDR is a per-CPU one: inside
 * [__per_cpu_start, __per_cpu_end).  Up to v6.14 x86-64 linked them from
 * address 0 (the zero-based per-CPU area); "x86/percpu/64: Use relative
 * percpu offsets" (Brian Gerst, v6.15) links them in the kernel image like
 * any variable.  Without the bounds, the zero-based rule is the guess. */
static bool is_percpu(struct print *pr, uint64_t addr)
{
	uint64_t start, end;
	struct kinspect_error *err = kinspect_vmlinux_symbol(pr->vmlinux, "__per_cpu_start", &start, NULL);
	if (!err)
		err = kinspect_vmlinux_symbol(pr->vmlinux, "__per_cpu_end", &end, NULL);
	if (err) {
		kinspect_error_destroy(err);
		return !kinspect_kaslr_in_image(addr) && addr < PERCPU_LIMIT;
	}
	return addr >= start && addr < end;
}

/* The runtime address of the per-CPU variable linked at LINK on CPU
 * pr->cpu: __per_cpu_offset[cpu] plus the variable's address (its runtime
 * one since v6.15; before, its offset in the zero-based area). */
static struct kinspect_error *percpu_address(struct print *pr, const char *name, uint64_t link, uint64_t *ret)
{
	if (pr->cpu < 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "%s is a per-CPU variable: say which CPU's copy with --cpu N", name);
	uint64_t table, table_size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(pr->vmlinux, "__per_cpu_offset", &table, &table_size);
	if (err)
		return kinspect_error_wrap(err, "per-CPU variable %s", name);
	if (table_size && (uint64_t)pr->cpu >= table_size / 8)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "--cpu %ld: the kernel has at most %" PRIu64
					     " CPUs", pr->cpu, table_size / 8);
	struct kinspect_memory mem = cli_memory(pr->cli);
	if ((err = kinspect_cpu_check_possible(pr->vmlinux, pr->slide, &mem, (uint64_t)pr->cpu)))
		return kinspect_error_wrap(err, "--cpu %ld", pr->cpu);
	uint64_t base;
	err = cli_read(pr->cli, kinspect_kaslr_runtime(pr->slide, table) + 8 * (uint64_t)pr->cpu, &base, 8, false);
	if (err)
		return kinspect_error_wrap(err, "__per_cpu_offset[%ld]", pr->cpu);
	*ret = base + kinspect_kaslr_runtime(pr->slide, link);
	return NULL;
}

/* print SYMBOL[.member...] */
static int print_symbol(struct print *pr, const char *text)
{
	struct cli *cli = pr->cli;
	size_t name_len = strcspn(text, ".[");
	_cleanup_free_ char *name = strndup(text, name_len);
	if (!name)
		return cli_fail(&kinspect_error_nomem);
	const char *path = text[name_len] == '.' ? text + name_len + 1 : text + name_len;
	struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
	uint64_t addr = 0;
	bool has_addr = false;
	struct kinspect_error *err = kinspect_dwarf_types_find_variable(cli->types, name, &pos.die, &addr, &has_addr);
	if (!err && !has_addr)
		err = kinspect_vmlinux_symbol(pr->vmlinux, name, &addr, NULL);
	if (err)
		return cli_fail(err);
	bool percpu = is_percpu(pr, addr);
	if (pr->cpu >= 0 && !percpu)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						      "--cpu: %s is not a per-CPU variable", name));
	if (cli->target) {
		if (percpu)
			err = percpu_address(pr, name, addr, &addr);
		else
			addr = kinspect_kaslr_runtime(pr->slide, addr);
		if (err)
			return cli_fail(err);
	} else if (pr->cpu >= 0) {
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						      "--cpu needs a target (-t): the vmlinux file holds only the "
						      "initial copy of per-CPU variables"));
	}
	struct kinspect_dwarf_member m = { 0 };
	err = kinspect_dwarf_types_pos_size(cli->types, &pos, &m.size);
	if (!err && *path)
		err = kinspect_dwarf_types_resolve_pos(cli->types, name, &pos, path, &m);
	if (err)
		return cli_fail(err);
	/* Read only the member: whole bytes around a bit-field. */
	uint64_t start = m.bit_offset / 8;
	uint64_t size = m.bit_size ? (m.bit_offset % 8 + m.bit_size + 7) / 8 : m.size;
	return print_object(pr, text, &pos, addr + start, size, m.bit_size ? m.bit_offset % 8 : 0, m.bit_size);
}

static int run_print(struct cli *cli, int argc, char **argv)
{
	struct print pr = { .cli = cli, .cpu = -1 };
	const char *cpu_arg = NULL;
	const struct cli_flag flags[] = { { CLI_LONG_ONLY, "cpu", NULL, &cpu_arg }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_print, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (cpu_arg) {
		uint64_t cpu;
		if (!cli_parse_number(cpu_arg, &cpu) || cpu > 65535)
			return cli_usage_error(&cli_command_print, "--cpu takes a CPU number, not '%s'", cpu_arg);
		pr.cpu = (long)cpu;
	}
	int n = argc - argind;
	if (n != 1 && n != 2)
		return cli_usage_error(&cli_command_print, "expected TYPE ADDR or SYMBOL");
	pr.vmlinux = cli_vmlinux(cli);
	if (!pr.vmlinux || !cli_types(cli))
		return CLI_EXIT_FAILURE;
	if (cli->target) {
		const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
		if (!kaslr)
			return CLI_EXIT_FAILURE;
		pr.slide = kaslr->slide;
	}
	if (n == 2 && pr.cpu >= 0)
		return cli_usage_error(&cli_command_print, "--cpu is for per-CPU variables, not TYPE ADDR");
	if (n == 2)
		return print_typed(&pr, argv[argind], argv[argind + 1]);
	return print_symbol(&pr, argv[argind]);
}

const struct cli_command cli_command_print = {
	.name = "print",
	.synopsis = "[--cpu N] TYPE ADDR | SYMBOL[.MEMBER...]",
	.summary = "Print a kernel object from its DWARF type, as gdb's p/x",
	.help = "TYPE ADDR prints the object of type TYPE (\"struct module\", or just \"module\":\n"
		"a bare name is a struct, else a typedef or base type, else a union)\n"
		"at ADDR (a number or a symbol).  SYMBOL prints a global variable with the type\n"
		"its DWARF gives it; SYMBOL.MEMBER[N].MEMBER... one member of it.  Values come\n"
		"from the target given with -t (moved by the KASLR slide), or without -t from\n"
		"the vmlinux file's initialised data (what the kernel starts with).\n"
		"Integers print in hex, enumerators by name (flag enums as (A | B)), char\n"
		"arrays as strings, pointers in hex with <symbol+offset> when they point into\n"
		"the kernel image; runs of 10 equal array elements print once with <repeats N\n"
		"times>; arrays stop after 200 elements.  Nothing is dereferenced.\n"
		"  --cpu N   for a per-CPU variable (e.g. runqueues): CPU N's copy, at\n"
		"            __per_cpu_offset[N] + its per-CPU offset (its address since\n"
		"            Linux 6.15); needs -t\n"
		"With --json: {\"expression\", \"address\", \"size\", [\"cpu\",] \"value\"}; structs are\n"
		"objects (members of anonymous structs and unions merged in), arrays arrays,\n"
		"integers numbers (\"0x...\" strings beyond 2^53), pointers \"0x...\" strings,\n"
		"enumerators names, char arrays strings, unreadable parts null.\n",
	.run = run_print,
};
