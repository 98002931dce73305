/* "kinspect print": a kernel object printed from its DWARF type, as gdb's
 * p/x does: TYPE at an address, or a global variable (optionally one of
 * its members), from a target or from the vmlinux file's initialised data.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/object.h>
#include <kinspect/type.h>

#include "cli/cli.h"
#include "cli/record-writer.h"
#include "core/cleanup.h"

static void object_destroyp(struct kinspect_object **p)
{
	kinspect_object_destroy(*p);
}
#define _cleanup_object_ __attribute__((__cleanup__(object_destroyp)))

struct print {
	struct cli *cli;
	struct kinspect_kernel *kernel;
	int cpu; /* --cpu N, -1 if not given */
};

/* A bare NAME is "struct NAME" if there is one, else a typedef or base
 * type, else "union NAME".  Struct first because that is what one means
 * almost always, and because proving that no typedef has the name costs a
 * scan of all of the DWARF (a kernel's typedefs that share a struct's tag
 * name that very struct).  Each miss is the library's static not-found. */
static struct kinspect_error *find_type(struct kinspect_kernel *k, const char *name,
					const struct kinspect_type **ret)
{
	static const char *const prefixes[] = { "struct ", "", "union " };
	bool bare = !strchr(name, ' ') && !strchr(name, '*');
	for (size_t i = bare ? 0 : 1; i < (bare ? 3 : 2); i++) {
		_cleanup_free_ char *full = NULL;
		if (asprintf(&full, "%s%s", prefixes[i], name) < 0)
			return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
		struct kinspect_error *err = kinspect_kernel_type_find(k, full, ret);
		if (!err || kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
			return err;
		kinspect_error_destroy(err);
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, bare ? "no struct, typedef, base type or union %s "
								      "in the DWARF of the vmlinux"
								    : "no complete definition of %s in the DWARF of the vmlinux",
				     name);
}

/* The record: {expression, address, size, [cpu,] value}, or EXPRESSION = VALUE. */
static int print_object(struct print *pr, const char *expression, const struct kinspect_object *obj)
{
	struct record_writer w = record_writer_cli(pr->cli);
	/* The library renders the value in the form the writer wants. */
	unsigned int flags = !record_is_json(&w) ? 0
			     : KINSPECT_FORMAT_JSON | (w.j->pretty ? KINSPECT_FORMAT_PRETTY : 0);
	_cleanup_free_ char *value = NULL;
	struct kinspect_error *err = kinspect_object_format(obj, flags, &value);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "%s", expression));
	record_begin_object(&w, NULL);
	record_string(&w, "expression", "%s = ", expression);
	record_json_address(&w, "address", kinspect_object_address(obj));
	record_json_uint(&w, "size", kinspect_object_size(obj));
	if (pr->cpu >= 0)
		record_json_uint(&w, "cpu", (uint64_t)pr->cpu);
	record_raw(&w, "value", "%s\n", value);
	record_end_object(&w);
	return CLI_EXIT_OK;
}

/* print TYPE ADDR */
static int print_typed(struct print *pr, const char *type_text, const char *addr_text)
{
	uint64_t addr;
	if (!cli_parse_address(pr->cli, addr_text, &addr))
		return CLI_EXIT_FAILURE;
	const struct kinspect_type *type;
	struct kinspect_error *err = find_type(pr->kernel, type_text, &type);
	_cleanup_object_ struct kinspect_object *obj = NULL;
	if (!err)
		err = kinspect_kernel_object(pr->kernel, type, addr, &obj);
	if (err)
		return cli_fail(err);
	_cleanup_free_ char *expression = NULL;
	if (asprintf(&expression, "*(%s *)0x%" PRIx64, kinspect_type_name(type), addr) < 0)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	return print_object(pr, expression, obj);
}

/* print SYMBOL[.member...] */
static int print_symbol(struct print *pr, const char *text)
{
	size_t name_len = strcspn(text, ".[");
	_cleanup_free_ char *name = strndup(text, name_len);
	if (!name)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	const char *path = text[name_len] == '.' ? text + name_len + 1 : text + name_len;
	_cleanup_object_ struct kinspect_object *var = NULL;
	_cleanup_object_ struct kinspect_object *member = NULL;
	struct kinspect_error *err = kinspect_kernel_object_variable(pr->kernel, name, pr->cpu, &var);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
						      "no variable %s in the DWARF or the symbols of the vmlinux", name));
	if (err)
		return cli_fail(err);
	if (!*path)
		return print_object(pr, text, var);
	err = kinspect_object_member(var, path, &member);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "%s (%s) has no member %s", name,
						      kinspect_type_name(kinspect_object_type(var)), path));
	if (err)
		return cli_fail(err);
	return print_object(pr, text, member);
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
		pr.cpu = (int)cpu;
	}
	int n = argc - argind;
	if (n != 1 && n != 2)
		return cli_usage_error(&cli_command_print, "expected TYPE ADDR or SYMBOL");
	if (n == 2 && pr.cpu >= 0)
		return cli_usage_error(&cli_command_print, "--cpu is for per-CPU variables, not TYPE ADDR");
	/* The vmlinux and the target first: their errors are about the
	 * session, not about what is printed. */
	if (!(pr.kernel = cli_session(cli)))
		return CLI_EXIT_FAILURE;
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
