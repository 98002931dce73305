/* "kinspect lsmod": the modules the kernel has loaded.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/module.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/cleanup.h"

/* Room for "a,b,c" of the modules using one module; longer lists end in "...". */
#define USED_BY_MAX 1024
#define BUILD_ID_MAX 64
#define TAINTS_MAX 64

struct lsmod {
	struct cli *cli;
	size_t nr_dirs;
	bool regions, sections;
	unsigned int count;
};

/* What lsmod adds to the list walk for one module. */
struct details {
	char taints[TAINTS_MAX + 1];
	char used_by[USED_BY_MAX];
	size_t nr_used_by;
	bool permanent;
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_len;
	const char *file; /* with -m (or the default directories); owned by the session */
	bool file_verified;
	char *file_error; /* why there is no file */
};

static struct kinspect_error *add_user(const char *name, void *arg)
{
	struct details *d = arg;
	size_t len = strlen(d->used_by);
	if (len + strlen(name) + 5 < sizeof(d->used_by))
		snprintf(d->used_by + len, sizeof(d->used_by) - len, "%s%s", len ? "," : "", name);
	else if (!strstr(d->used_by, "..."))
		strcat(d->used_by, ",...");
	d->nr_used_by++;
	return NULL;
}

/* Taints, users, build-id and the matching .ko.  A module whose build-id
 * cannot be read or whose .ko is missing or differs is still listed, with
 * a warning; only memory faults on the module itself are errors. */
static struct kinspect_error *get_details(struct lsmod *ls, const struct kinspect_module *m, struct details *d)
{
	struct kinspect_kernel *k = ls->cli->kernel;
	_cleanup_free_ char *taints = NULL;
	struct kinspect_error *err = kinspect_kernel_module_taints(k, m, &taints);
	if (err || (err = kinspect_kernel_module_users(k, m, add_user, d, &d->permanent)))
		return err;
	snprintf(d->taints, sizeof(d->taints), "%s", taints);
	if (d->permanent)
		add_user("[permanent]", d);
	if ((err = kinspect_kernel_module_build_id(k, m, d->build_id, sizeof(d->build_id), &d->build_id_len))) {
		/* With module directories the library says so as it looks. */
		_cleanup_free_ char *why = kinspect_error_string(err);
		kinspect_error_destroy(err);
		if (ls->nr_dirs == 0 && strcmp(kinspect_module_state(m), "live") == 0)
			cli_warn("module %s: cannot read its build-id: %s", kinspect_module_name(m), why ? why : "?");
		d->build_id_len = 0;
	}
	if (ls->nr_dirs == 0)
		return NULL;
	if ((err = kinspect_kernel_module_file(k, m, &d->file, &d->file_verified))) {
		d->file_error = kinspect_error_string(err);
		kinspect_error_destroy(err);
		cli_warn("%s", d->file_error ? d->file_error : "out of memory");
	}
	return NULL;
}

static void print_details_json(struct lsmod *ls, const struct details *d)
{
	struct kinspect_json *j = &ls->cli->json_writer;
	kinspect_json_key(j, "taints");
	kinspect_json_string(j, d->taints);
	kinspect_json_key(j, "used_by");
	kinspect_json_begin_array(j);
	for (const char *p = d->used_by; *p;) {
		size_t n = strcspn(p, ",");
		if (strncmp(p, "[permanent]", n) != 0)
			kinspect_json_string_len(j, p, n);
		p += n + (p[n] == ',');
	}
	kinspect_json_end_array(j);
	kinspect_json_key(j, "permanent");
	kinspect_json_bool(j, d->permanent);
	kinspect_json_key(j, "build_id");
	if (d->build_id_len)
		cli_json_hex(j, d->build_id, d->build_id_len);
	else
		kinspect_json_null(j);
	if (ls->nr_dirs) {
		kinspect_json_key(j, "file");
		kinspect_json_string(j, d->file);
		kinspect_json_key(j, "file_verified");
		kinspect_json_bool(j, d->file && d->file_verified);
		if (d->file_error) {
			kinspect_json_key(j, "file_error");
			kinspect_json_string(j, d->file_error);
		}
	}
}

static void print_details_text(struct lsmod *ls, const struct details *d)
{
	printf("  build-id ");
	for (size_t i = 0; i < d->build_id_len; i++)
		printf("%02x", d->build_id[i]);
	if (!d->build_id_len)
		putchar('-');
	if (ls->nr_dirs)
		printf("  %s%s", d->file ? d->file : "(no matching .ko)", d->file && !d->file_verified ? " (unverified)" : "");
	putchar('\n');
}

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
	struct kinspect_error *err = kinspect_kernel_module_sections(ls->cli->kernel, m, print_section, ls);
	if (ls->cli->json)
		kinspect_json_end_array(&ls->cli->json_writer);
	return err;
}

static struct kinspect_error *print_module_details(const struct kinspect_module *m, struct lsmod *ls,
						   struct details *d)
{
	const char *name = kinspect_module_name(m), *state = kinspect_module_state(m);
	uint64_t size = kinspect_module_size(m), base = kinspect_module_base(m), address = kinspect_module_address(m);
	int64_t refcount = kinspect_module_refcount(m);
	unsigned int nr_regions = kinspect_module_nr_regions(m);
	ls->count++;
	if (ls->cli->json) {
		struct kinspect_json *j = &ls->cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "name");
		kinspect_json_string(j, name);
		kinspect_json_key(j, "state");
		kinspect_json_string(j, state);
		kinspect_json_key(j, "size");
		kinspect_json_uint(j, size);
		kinspect_json_key(j, "base");
		kinspect_json_address(j, base);
		kinspect_json_key(j, "refcount");
		kinspect_json_int(j, refcount);
		kinspect_json_key(j, "module");
		kinspect_json_address(j, address);
		kinspect_json_key(j, "regions");
		kinspect_json_begin_array(j);
		for (unsigned int i = 0; i < nr_regions; i++) {
			const char *region;
			uint64_t rbase, rsize;
			kinspect_module_region(m, i, &region, &rbase, &rsize);
			kinspect_json_begin_object(j);
			kinspect_json_key(j, "name");
			kinspect_json_string(j, region);
			kinspect_json_key(j, "base");
			kinspect_json_address(j, rbase);
			kinspect_json_key(j, "size");
			kinspect_json_uint(j, rsize);
			kinspect_json_end_object(j);
		}
		kinspect_json_end_array(j);
		print_details_json(ls, d);
		struct kinspect_error *err = ls->sections ? print_sections(ls, m) : NULL;
		kinspect_json_end_object(j);
		return err;
	}
	printf("%-20s %-8s %8" PRIu64 " 0x%016" PRIx64 " %4" PRId64 "  0x%016" PRIx64 " %-6s %s\n", name, state, size,
	       base, refcount, address, d->taints[0] ? d->taints : "-", d->used_by[0] ? d->used_by : "-");
	print_details_text(ls, d);
	for (unsigned int i = 0; ls->regions && i < nr_regions; i++) {
		const char *region;
		uint64_t rbase, rsize;
		kinspect_module_region(m, i, &region, &rbase, &rsize);
		if (rsize)
			printf("    %-16s 0x%016" PRIx64 " %8" PRIu64 "\n", region, rbase, rsize);
	}
	return ls->sections ? print_sections(ls, m) : NULL;
}

static struct kinspect_error *print_module(const struct kinspect_module *m, void *arg)
{
	struct lsmod *ls = arg;
	struct details d = { 0 };
	struct kinspect_error *err = get_details(ls, m, &d);
	if (!err)
		err = print_module_details(m, ls, &d);
	free(d.file_error);
	return err;
}

static int run_lsmod(struct cli *cli, int argc, char **argv)
{
	struct lsmod ls = { .cli = cli };
	const struct cli_flag flags[] = { { 'r', "regions", &ls.regions, NULL },
					  { 's', "sections", &ls.sections, NULL },
					  { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_lsmod, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_lsmod, "unexpected argument '%s'", argv[argind]);
	if (!cli_target_session(cli))
		return CLI_EXIT_FAILURE;
	cli_module_dirs(cli, &ls.nr_dirs);
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	else
		printf("%-20s %-8s %8s %-18s %4s  %-18s %-6s %s\n", "MODULE", "STATE", "SIZE", "BASE", "REFS",
		       "STRUCT MODULE", "TAINTS", "USED BY");
	struct kinspect_error *err = kinspect_kernel_for_each_module(cli->kernel, print_module, &ls);
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_lsmod = {
	.name = "lsmod",
	.synopsis = "[--regions] [--sections]",
	.summary = "List the loaded modules: state, size, base, references, taints, users, build-id",
	.help = "Walks the kernel's modules list on the target given with -t, with struct\n"
		"module's layout from the vmlinux's DWARF (mod->mem[] since v6.4,\n"
		"core_layout/init_layout before).  SIZE and BASE are what /proc/modules shows.\n"
		"TAINTS are the letters /sys/module/NAME/taint shows (decoded with the\n"
		"kernel's own taint_flags[] table), USED BY the modules using it (as\n"
		"/proc/modules lists them).  The line below each module gives the build-id\n"
		"read from guest memory and, when module directories are given with -m (or\n"
		"exist by default, see kinspect --help), the .ko, .ko.xz or .ko.zst file\n"
		"with that build-id; a missing or different file is a warning, and the\n"
		"module is still listed.  Live, the notes and users of all modules are read\n"
		"in batches of pipelined reads (about one round trip a module; -vv counts).\n"
		"  --regions   also list each memory region (text, data, rodata, ...)\n"
		"  --sections  also list each ELF section's address (from mod->sect_attrs,\n"
		"              what /sys/module/NAME/sections shows)\n"
		"With --json: [{\"name\", \"state\", \"size\", \"base\", \"refcount\", \"module\",\n"
		"\"regions\": [{\"name\", \"base\", \"size\"}], \"taints\", \"used_by\": [names],\n"
		"\"permanent\", \"build_id\" (hex or null), with module directories \"file\"\n"
		"(path or null), \"file_verified\" and, if none matched, \"file_error\", with\n"
		"--sections \"sections\": [{\"name\", \"address\"}]}].\n",
	.run = run_lsmod,
};
