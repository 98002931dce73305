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
#include "cli/record-writer.h"
#include "core/cleanup.h"

/* Room for "a,b,c" of the modules using one module; longer lists end in "...". */
#define USED_BY_MAX 1024
#define BUILD_ID_MAX 64
#define TAINTS_MAX 64

struct lsmod {
	struct cli *cli;
	size_t nr_dirs;
	bool regions, sections;
	struct record_writer w;
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

/* The users of a module, "a,b,c" (or "-") in the text, an array of names in
 * JSON; "[permanent]" (a module that cannot be unloaded) is "permanent". */
static void render_users(struct record_writer *w, const struct details *d)
{
	record_begin_array(w, "used_by");
	for (const char *p = d->used_by; *p;) {
		size_t n = strcspn(p, ",");
		char name[USED_BY_MAX];
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		record_string(w, NULL, p == d->used_by ? "%s" : ",%s", name);
		p += n + (p[n] == ',');
	}
	record_end_array(w);
	record_bool(w, "permanent", d->permanent, d->used_by[0] ? ",[permanent]" : "[permanent]",
		    d->used_by[0] ? NULL : "-");
}

static struct kinspect_error *render_section(const char *name, uint64_t address, void *arg)
{
	struct record_writer *w = arg;
	record_begin_object(w, NULL);
	record_string(w, "name", "    %-24s", name);
	record_address(w, "address", " 0x%016" PRIx64 "\n", address);
	record_end_object(w);
	return NULL;
}

/* A memory region: with --regions (REGIONS) a line in the text if it is
 * not empty. */
static void render_region(struct record_writer *w, const struct kinspect_module *m, unsigned int i,
			  bool regions)
{
	const char *region;
	uint64_t base, size;
	kinspect_module_region(m, i, &region, &base, &size);
	bool show = regions && size;
	record_begin_object(w, NULL);
	record_string(w, "name", show ? "    %-16s" : NULL, region);
	record_address(w, "base", show ? " 0x%016" PRIx64 : NULL, base);
	record_uint(w, "size", show ? " %8" PRIu64 "\n" : NULL, size);
	record_end_object(w);
}

/* The record of one module: a line of the table and the line of its
 * build-id and file below, then its regions and sections when asked. */
static struct kinspect_error *render_module(struct lsmod *ls, const struct kinspect_module *m,
					    const struct details *d)
{
	enum { LINE, BUILD_ID_LINE, REGIONS }; /* the text's order; LINE (0) goes straight out */
	struct record_writer *w = &ls->w;
	char build_id[2 * BUILD_ID_MAX + 1] = "";
	for (size_t i = 0; i < d->build_id_len; i++)
		snprintf(build_id + 2 * i, 3, "%02x", d->build_id[i]);
	record_begin_object(w, NULL);
	record_string(w, "name", "%-20s", kinspect_module_name(m));
	record_string(w, "state", " %-8s", kinspect_module_state(m));
	record_uint(w, "size", " %8" PRIu64, kinspect_module_size(m));
	record_address(w, "base", " 0x%016" PRIx64, kinspect_module_base(m));
	record_int(w, "refcount", " %4" PRId64, kinspect_module_refcount(m));
	record_address(w, "module", "  0x%016" PRIx64, kinspect_module_address(m));
	record_slot(w, REGIONS);
	record_begin_array(w, "regions");
	for (unsigned int i = 0; i < kinspect_module_nr_regions(m); i++)
		render_region(w, m, i, ls->regions);
	record_end_array(w);
	record_slot(w, LINE);
	record_string_or(w, "taints", " %-6s", d->taints, "-");
	record_text(w, " ");
	render_users(w, d);
	record_text(w, "\n");
	record_slot(w, BUILD_ID_LINE);
	record_string_or(w, "build_id", "  build-id %s", build_id[0] ? build_id : NULL, "-");
	if (ls->nr_dirs) {
		record_string_or(w, "file", "  %s", d->file, "(no matching .ko)");
		record_bool(w, "file_verified", d->file && d->file_verified, NULL, d->file ? " (unverified)" : NULL);
		if (d->file_error)
			record_json_string(w, "file_error", d->file_error);
	}
	record_text(w, "\n");
	record_flush(w);
	struct kinspect_error *err = NULL;
	if (ls->sections) {
		record_begin_array(w, "sections");
		err = kinspect_kernel_module_sections(ls->cli->kernel, m, render_section, w);
		record_end_array(w);
	}
	record_end_object(w);
	return err;
}

static struct kinspect_error *print_module(const struct kinspect_module *m, void *arg)
{
	struct lsmod *ls = arg;
	struct details d = { 0 };
	struct kinspect_error *err = get_details(ls, m, &d);
	if (!err)
		err = render_module(ls, m, &d);
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
	ls.w = record_writer_cli(cli);
	record_begin_array(&ls.w, NULL);
	record_text(&ls.w, "%-20s %-8s %8s %-18s %4s  %-18s %-6s %s\n", "MODULE", "STATE", "SIZE", "BASE", "REFS",
		       "STRUCT MODULE", "TAINTS", "USED BY");
	struct kinspect_error *err = kinspect_kernel_for_each_module(cli->kernel, print_module, &ls);
	record_end_array(&ls.w);
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
