/* "kinspect sym": addresses of kernel symbols, and symbols at addresses.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error-priv.h"

/* "sym ADDR": which symbol holds a (runtime) address. */
static struct kinspect_error *print_address(struct cli *cli, struct kinspect_vmlinux *vmlinux, uint64_t addr,
					    uint64_t slide)
{
	const char *name;
	uint64_t offset;
	struct kinspect_error *err =
		kinspect_vmlinux_symbolize(vmlinux, kinspect_kaslr_link(slide, addr), &name, &offset);
	if (err)
		return err;
	if (cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "address");
		kinspect_json_address(j, addr);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, name);
		kinspect_json_key(j, "offset");
		kinspect_json_uint(j, offset);
		kinspect_json_end_object(j);
	} else {
		printf("%016" PRIx64 " %s+0x%" PRIx64 "\n", addr, name, offset);
	}
	return NULL;
}
#include "core/log.h"

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
		uint64_t addr, size;
		if (cli_parse_number(argv[i], &addr)) {
			struct kinspect_error *err = print_address(cli, vmlinux, addr, slide);
			if (err)
				status = cli_fail(err);
			continue;
		}
		struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, argv[i], &addr, &size);
		if (err) {
			/* Keep going: one missing name should not hide the others. */
			status = cli_fail(err);
			continue;
		}
		addr = kinspect_kaslr_runtime(slide, addr);
		if (cli->json) {
			kinspect_json_begin_object(j);
			kinspect_json_key(j, "name");
			kinspect_json_string(j, argv[i]);
			kinspect_json_key(j, "address");
			kinspect_json_address(j, addr);
			kinspect_json_key(j, "size");
			kinspect_json_uint(j, size);
			kinspect_json_end_object(j);
		} else {
			printf("%016" PRIx64 " %-8" PRIu64 " %s\n", addr, size, argv[i]);
		}
	}
	if (cli->json)
		kinspect_json_end_array(j);
	return status;
}

const struct cli_command cli_command_sym = {
	.name = "sym",
	.synopsis = "NAME|ADDR...",
	.summary = "Print the address of kernel symbols, or the symbol at an address",
	.help = "Looks NAMEs up in the ELF symbol table of the vmlinux given with -k.\n"
		"With -t, addresses are the running kernel's (the KASLR slide applied);\n"
		"without, they are link-time addresses.\n"
		"An argument starting with a digit is an ADDR (0x... for hex): the symbol\n"
		"that holds it is printed as ADDRESS NAME+0xOFFSET.\n"
		"Text output for names: ADDRESS SIZE NAME, one line each.\n"
		"With --json: [{\"name\", \"address\": \"0x...\", \"size\"} or\n"
		"{\"address\", \"name\", \"offset\"}, ...].\n"
		"Exit status 1 if any is not found (the others are still printed).\n",
	.run = run_sym,
};
