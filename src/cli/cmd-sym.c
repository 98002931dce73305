/* "kinspect sym": addresses of kernel symbols, and symbols at addresses.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include <kinspect/symbol.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

/* "sym ADDR": ADDRESS NAME+0xOFFSET [MODULE]. */
static void render_symbolized(struct record_writer *w, uint64_t addr, const struct kinspect_symbol *sym)
{
	record_begin_object(w, NULL);
	record_address(w, "address", "%016" PRIx64, addr);
	record_string(w, "name", " %s", sym->name);
	record_uint(w, "offset", "+0x%" PRIx64, sym->offset);
	if (sym->module)
		record_string(w, "module", " [%s]", sym->module);
	record_end_object(w);
	record_text(w, "\n");
}

/* "sym NAME": ADDRESS SIZE NAME [MODULE]. */
static void render_found(struct record_writer *w, const struct kinspect_symbol *sym)
{
	enum { ADDRESS = 1, SIZE, NAME }; /* the text's order */
	record_begin_object(w, NULL);
	record_slot(w, NAME);
	record_string(w, "name", " %s", sym->name);
	record_slot(w, ADDRESS);
	record_address(w, "address", "%016" PRIx64, sym->address);
	record_slot(w, SIZE);
	record_uint(w, "size", " %-8" PRIu64, sym->size);
	record_slot(w, NAME);
	if (sym->module)
		record_string(w, "module", " [%s]", sym->module);
	record_end_object(w);
	record_text(w, "\n");
	record_flush(w);
}

static struct kinspect_error *print_one(struct cli *cli, struct record_writer *w, struct kinspect_kernel *k,
					const char *arg)
{
	struct kinspect_symbol sym;
	uint64_t addr;
	struct kinspect_error *err;
	if (cli_parse_number(arg, &addr)) {
		if (!(err = kinspect_kernel_symbolize(k, addr, &sym)))
			render_symbolized(w, addr, &sym);
		else if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
			err = kinspect_error_wrap(err, "no symbol of the vmlinux%s holds 0x%" PRIx64,
						  cli->target ? " or a loaded module" : "", addr);
		return err;
	}
	if (!(err = kinspect_kernel_symbol_lookup(k, arg, &sym)))
		render_found(w, &sym);
	else if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && cli->target)
		err = kinspect_error_wrap(err, "no symbol %s in the vmlinux", arg);
	else if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
		err = kinspect_error_wrap(err, "no symbol %s in the vmlinux %s", arg, cli->vmlinux_path);
	return err;
}

static int run_sym(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_sym, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind == argc)
		return cli_usage_error(&cli_command_sym, "no symbol name or address given");
	/* On a live target, addresses are the running kernel's. */
	struct kinspect_kernel *k = cli_session(cli);
	if (!k)
		return CLI_EXIT_FAILURE;
	status = CLI_EXIT_OK;
	struct record_writer w = record_writer_cli(cli);
	record_begin_array(&w, NULL);
	for (int i = argind; i < argc; i++) {
		struct kinspect_error *err = print_one(cli, &w, k, argv[i]);
		/* Keep going: one missing name should not hide the others. */
		if (err)
			status = cli_fail(err);
	}
	record_end_array(&w);
	return status;
}

const struct cli_command cli_command_sym = {
	.name = "sym",
	.synopsis = "NAME|MODULE:NAME|ADDR...",
	.summary = "Print the address of kernel and module symbols, or the symbol at an address",
	.help = "Looks NAMEs up in the ELF symbol table of the vmlinux given with -k.\n"
		"With -t, addresses are the running kernel's (the KASLR slide applied);\n"
		"without, they are link-time addresses.  With -t, a NAME the vmlinux does\n"
		"not have is looked up in the loaded modules' .ko files (found under -m,\n"
		"build-id checked); MODULE:NAME looks in one module only.\n"
		"An argument starting with a digit is an ADDR (0x... for hex): the symbol\n"
		"that holds it is printed as ADDRESS NAME+0xOFFSET, with [MODULE] after it\n"
		"for a module (SECTION+0xOFFSET [MODULE] when the module's .ko is missing).\n"
		"Text output for names: ADDRESS SIZE NAME [MODULE], one line each.\n"
		"With --json: [{\"name\", \"address\": \"0x...\", \"size\"} or\n"
		"{\"address\", \"name\", \"offset\"}, ...], with \"module\" for module symbols.\n"
		"Exit status 1 if any is not found (the others are still printed).\n",
	.run = run_sym,
};
