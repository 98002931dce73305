/* "kinspect sym": link-time addresses of kernel symbols.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error-priv.h"

#define KERNEL_MAP_START 0xffffffff80000000ULL /* __START_KERNEL_map */

/* ARG as a number (0x... hex or decimal), or false for a name. */
static bool parse_number(const char *arg, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)arg[0]))
		return false;
	errno = 0;
	*ret = strtoull(arg, &end, 0);
	return !*end && errno == 0;
}

/* "sym ADDR": which symbol holds a (runtime) address. */
static struct kinspect_error *print_address(struct cli *cli, struct kinspect_vmlinux *vmlinux, uint64_t addr,
					    uint64_t slide)
{
	/* Only the kernel image moves with KASLR; the 1 GiB it may occupy
	 * ends where module space begins. */
	uint64_t link = addr >= KERNEL_MAP_START + slide && addr < KERNEL_MAP_START + (1ULL << 30) ? addr - slide
												 : addr;
	const char *name;
	uint64_t offset;
	struct kinspect_error *err = kinspect_vmlinux_symbolize(vmlinux, link, &name, &offset);
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
	int argind, status = cli_parse_command_options(&cli_command_sym, argc, argv, &argind);
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
		if (parse_number(argv[i], &addr)) {
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
		/* Absolute symbols (per-CPU offsets) do not move with the kernel. */
		if (addr >= 0xffffffff80000000ULL)
			addr += slide;
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
