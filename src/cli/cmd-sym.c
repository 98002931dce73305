/* "kinspect sym": addresses of kernel symbols, and symbols at addresses.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error-priv.h"

static void print_symbolized(struct cli *cli, uint64_t addr, const char *name, uint64_t offset,
			     const char *module)
{
	if (cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "address");
		kinspect_json_address(j, addr);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, name);
		kinspect_json_key(j, "offset");
		kinspect_json_uint(j, offset);
		if (module) {
			kinspect_json_key(j, "module");
			kinspect_json_string(j, module);
		}
		kinspect_json_end_object(j);
	} else if (module) {
		printf("%016" PRIx64 " %s+0x%" PRIx64 " [%s]\n", addr, name, offset, module);
	} else {
		printf("%016" PRIx64 " %s+0x%" PRIx64 "\n", addr, name, offset);
	}
}

/* "sym ADDR": which symbol holds a (runtime) address: the vmlinux's, else
 * (with a target) a module's. */
static struct kinspect_error *print_address(struct cli *cli, struct kinspect_vmlinux *vmlinux, uint64_t addr,
					    uint64_t slide)
{
	const char *name;
	uint64_t offset;
	struct kinspect_error *err =
		kinspect_vmlinux_symbolize(vmlinux, kinspect_kaslr_link(slide, addr), &name, &offset);
	if (!err) {
		print_symbolized(cli, addr, name, offset, NULL);
		return NULL;
	}
	if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND || !cli->target)
		return err;
	struct kinspect_module_symbols *ms = cli_module_symbols(cli);
	if (!ms)
		return err; /* the reason was logged; this one says what failed */
	struct kinspect_module_symbol sym;
	struct kinspect_error *module_err = kinspect_module_symbols_symbolize(ms, addr, &sym);
	if (module_err) {
		kinspect_error_destroy(module_err);
		return err;
	}
	kinspect_error_destroy(err);
	print_symbolized(cli, addr, sym.name, sym.offset, sym.module);
	return NULL;
}

/* "sym NAME": the vmlinux's symbol, else (with a target) a module's. */
static struct kinspect_error *print_name(struct cli *cli, struct kinspect_vmlinux *vmlinux, const char *name,
					 uint64_t slide)
{
	uint64_t addr, size;
	const char *module = NULL;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, name, &addr, &size);
	if (!err) {
		addr = kinspect_kaslr_runtime(slide, addr);
	} else if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && cli->target) {
		struct kinspect_module_symbols *ms = cli_module_symbols(cli);
		if (!ms)
			return err;
		struct kinspect_module_symbol sym;
		struct kinspect_error *module_err = kinspect_module_symbols_lookup(ms, name, &sym);
		if (module_err) {
			kinspect_error_destroy(err);
			return kinspect_error_wrap(module_err, "not in the vmlinux");
		}
		kinspect_error_destroy(err);
		err = NULL;
		addr = sym.address;
		size = sym.size;
		module = sym.module;
		name = sym.name;
	}
	if (err)
		return err;
	if (cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, name);
		kinspect_json_key(j, "address");
		kinspect_json_address(j, addr);
		kinspect_json_key(j, "size");
		kinspect_json_uint(j, size);
		if (module) {
			kinspect_json_key(j, "module");
			kinspect_json_string(j, module);
		}
		kinspect_json_end_object(j);
	} else if (module) {
		printf("%016" PRIx64 " %-8" PRIu64 " %s [%s]\n", addr, size, name, module);
	} else {
		printf("%016" PRIx64 " %-8" PRIu64 " %s\n", addr, size, name);
	}
	return NULL;
}
static int run_sym(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_sym, argc, argv, NULL, &argind);
	if (status >= 0)
		return status;
	if (argind == argc)
		return cli_usage_error(&cli_command_sym, "no symbol name or address given");
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return CLI_EXIT_FAILURE;
	/* On a live target, addresses are the running kernel's. */
	uint64_t slide = 0;
	if (cli->target) {
		const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
		if (!kaslr)
			return CLI_EXIT_FAILURE;
		slide = kaslr->slide;
	}

	status = CLI_EXIT_OK;
	struct kinspect_json *j = &cli->json_writer;
	if (cli->json)
		kinspect_json_begin_array(j);
	for (int i = argind; i < argc; i++) {
		uint64_t addr;
		struct kinspect_error *err = cli_parse_number(argv[i], &addr)
						     ? print_address(cli, vmlinux, addr, slide)
						     : print_name(cli, vmlinux, argv[i], slide);
		/* Keep going: one missing name should not hide the others. */
		if (err)
			status = cli_fail(err);
	}
	if (cli->json)
		kinspect_json_end_array(j);
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
