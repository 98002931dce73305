/* "kinspect lsmod": the modules the kernel has loaded.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/error-priv.h"
#include "linux/module-sections.h"
#include "linux/modules.h"

struct lsmod {
	struct cli *cli;
	struct kinspect_dwarf_types *types;
	struct kinspect_memory mem;
	bool regions, sections;
	unsigned int count;
};

static struct kinspect_error *print_section(const char *name, uint64_t address, void *arg)
{
	struct lsmod *ls = arg;
	if (ls->cli->json) {
		struct kinspect_json *j = &ls->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, name);
		kinspect_json_key(j, "address");
		kinspect_json_address(j, address);
		kinspect_json_end_object(j);
	} else {
		printf("    %-24s 0x%016" PRIx64 "\n", name, address);
	}
	return NULL;
}

static struct kinspect_error *print_sections(struct lsmod *ls, const struct kinspect_module *m)
{
	if (ls->cli->json) {
		kinspect_json_key(&ls->cli->json_writer, "sections");
		kinspect_json_begin_array(&ls->cli->json_writer);
	}
	struct kinspect_error *err = kinspect_module_sections(ls->types, &ls->mem, m->address, print_section, ls);
	if (ls->cli->json)
		kinspect_json_end_array(&ls->cli->json_writer);
	return kinspect_error_wrap(err, "sections of module %s", m->name);
}

static struct kinspect_error *print_module(const struct kinspect_module *m, void *arg)
{
	struct lsmod *ls = arg;
	ls->count++;
	if (ls->cli->json) {
		struct kinspect_json *j = &ls->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, m->name);
		kinspect_json_key(j, "state");
		kinspect_json_string(j, m->state);
		kinspect_json_key(j, "size");
		kinspect_json_uint(j, m->size);
		kinspect_json_key(j, "base");
		kinspect_json_address(j, m->base);
		kinspect_json_key(j, "refcount");
		kinspect_json_int(j, m->refcount);
		kinspect_json_key(j, "module");
		kinspect_json_address(j, m->address);
		kinspect_json_key(j, "regions");
		kinspect_json_begin_array(j);
		for (unsigned int i = 0; i < m->nr_regions; i++) {
			kinspect_json_begin_object(j);
			kinspect_json_key(j, "name");
			kinspect_json_string(j, m->regions[i].name);
			kinspect_json_key(j, "base");
			kinspect_json_address(j, m->regions[i].base);
			kinspect_json_key(j, "size");
			kinspect_json_uint(j, m->regions[i].size);
			kinspect_json_end_object(j);
		}
		kinspect_json_end_array(j);
		struct kinspect_error *err = ls->sections ? print_sections(ls, m) : NULL;
		kinspect_json_end_object(j);
		return err;
	}
	printf("%-20s %-8s %8" PRIu64 " 0x%016" PRIx64 " %4" PRId64 "  0x%016" PRIx64 "\n", m->name, m->state,
	       m->size, m->base, m->refcount, m->address);
	for (unsigned int i = 0; ls->regions && i < m->nr_regions; i++) {
		if (m->regions[i].size)
			printf("    %-16s 0x%016" PRIx64 " %8" PRIu64 "\n", m->regions[i].name, m->regions[i].base,
			       m->regions[i].size);
	}
	return ls->sections ? print_sections(ls, m) : NULL;
}

static int run_lsmod(struct cli *cli, int argc, char **argv)
{
	struct lsmod ls = { .cli = cli };
	const struct cli_flag flags[] = { { 'r', "regions", &ls.regions }, { 's', "sections", &ls.sections }, { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_lsmod, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_lsmod, "unexpected argument '%s'", argv[argind]);
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = kaslr ? cli_types(cli) : NULL;
	if (!types)
		return CLI_EXIT_FAILURE;
	ls.types = types;
	ls.mem = cli_memory(cli);
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	else
		printf("%-20s %-8s %8s %-18s %4s  %s\n", "MODULE", "STATE", "SIZE", "BASE", "REFS", "STRUCT MODULE");
	struct kinspect_error *err =
		kinspect_modules_for_each(types, cli->vmlinux, kaslr->slide, &ls.mem, print_module, &ls);
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_lsmod = {
	.name = "lsmod",
	.synopsis = "[--regions] [--sections]",
	.summary = "List the loaded modules: state, size, base, references",
	.help = "Walks the kernel's modules list on the target given with -t, with struct\n"
		"module's layout from the vmlinux's DWARF (mod->mem[] since v6.4,\n"
		"core_layout/init_layout before).  SIZE and BASE are what /proc/modules shows.\n"
		"  --regions   also list each memory region (text, data, rodata, ...)\n"
		"  --sections  also list each ELF section's address (from mod->sect_attrs,\n"
		"              what /sys/module/NAME/sections shows)\n"
		"With --json: [{\"name\", \"state\", \"size\", \"base\", \"refcount\", \"module\",\n"
		"\"regions\": [{\"name\", \"base\", \"size\"}], with --sections \"sections\":\n"
		"[{\"name\", \"address\"}]}].\n",
	.run = run_lsmod,
};
