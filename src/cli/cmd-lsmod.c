/* "kinspect lsmod": the modules the kernel has loaded.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/module-file.h"
#include "linux/module-info.h"
#include "linux/module-sections.h"
#include "linux/modules.h"

/* Room for "a,b,c" of the modules using one module; longer lists end in "...". */
#define USED_BY_MAX 1024

struct lsmod {
	struct cli *cli;
	struct kinspect_dwarf_types *types;
	struct kinspect_memory mem;
	struct kinspect_module_info *info;
	const char *const *dirs;
	size_t nr_dirs;
	bool regions, sections;
	unsigned int count;
};

/* What lsmod adds to the list walk for one module. */
struct details {
	char taints[KINSPECT_MODULE_TAINTS_MAX + 1];
	char used_by[USED_BY_MAX];
	size_t nr_used_by;
	bool permanent;
	struct kinspect_section_address *sections;
	size_t nr_sections;
	uint8_t build_id[KINSPECT_BUILD_ID_MAX];
	size_t build_id_len;
	struct kinspect_module_file *file; /* with -m (or the default directories) */
	char *file_error;                  /* why there is no file */
};

static void details_deinit(struct details *d)
{
	kinspect_section_addresses_free(d->sections, d->nr_sections);
	kinspect_module_file_destroy(d->file);
	free(d->file_error);
}

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
	struct kinspect_error *err;
	if ((err = kinspect_module_info_taints(ls->info, m->address, d->taints)) ||
	    (err = kinspect_module_info_used_by(ls->info, m->address, add_user, d, &d->permanent)))
		return kinspect_error_wrap(err, "module %s", m->name);
	if (d->permanent)
		add_user("[permanent]", d);
	/* The notes give the build-id in a few reads; the section list (one
	 * read per section) only with --sections or when they cannot. */
	err = kinspect_module_info_build_id(ls->info, m->address, d->build_id, &d->build_id_len);
	if (err || ls->sections) {
		struct kinspect_error *e =
			kinspect_module_info_sections(ls->info, m->address, &d->sections, &d->nr_sections);
		if (e && ls->sections) {
			kinspect_error_destroy(err);
			return kinspect_error_wrap(e, "sections of module %s", m->name);
		}
		if (err && !e) {
			kinspect_error_destroy(err);
			err = kinspect_module_build_id(&ls->mem, d->sections, d->nr_sections, d->build_id,
						       &d->build_id_len);
		}
		kinspect_error_destroy(e);
	}
	if (err) {
		_cleanup_free_ char *why = kinspect_error_string(err);
		kinspect_error_destroy(err);
		if (strcmp(m->state, "live") == 0)
			kinspect_warn("module %s: cannot read its build-id: %s", m->name, why ? why : "?");
		d->build_id_len = 0;
	}
	if (ls->nr_dirs == 0)
		return NULL;
	err = kinspect_module_file_find(ls->dirs, ls->nr_dirs, m->name, d->build_id, d->build_id_len, &d->file);
	if (err) {
		d->file_error = kinspect_error_string(err);
		kinspect_error_destroy(err);
		kinspect_warn("%s", d->file_error ? d->file_error : "out of memory");
	} else if (d->build_id_len == 0) {
		kinspect_warn("module %s: %s is not verified (no build-id in memory)", m->name,
			      kinspect_module_file_path(d->file));
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
	if (d->build_id_len) {
		char hex[2 * KINSPECT_BUILD_ID_MAX + 1];
		kinspect_build_id_hex(d->build_id, d->build_id_len, hex);
		kinspect_json_string(j, hex);
	} else {
		kinspect_json_null(j);
	}
	if (ls->nr_dirs) {
		kinspect_json_key(j, "file");
		if (d->file)
			kinspect_json_string(j, kinspect_module_file_path(d->file));
		else
			kinspect_json_null(j);
		kinspect_json_key(j, "file_verified");
		kinspect_json_bool(j, d->file && d->build_id_len);
		if (d->file_error) {
			kinspect_json_key(j, "file_error");
			kinspect_json_string(j, d->file_error);
		}
	}
}

static void print_details_text(struct lsmod *ls, const struct details *d)
{
	char hex[2 * KINSPECT_BUILD_ID_MAX + 1] = "-";
	if (d->build_id_len)
		kinspect_build_id_hex(d->build_id, d->build_id_len, hex);
	printf("  build-id %s", hex);
	if (ls->nr_dirs)
		printf("  %s%s", d->file ? kinspect_module_file_path(d->file) : "(no matching .ko)",
		       d->file && !d->build_id_len ? " (unverified)" : "");
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

static void print_sections(struct lsmod *ls, const struct details *d)
{
	if (ls->cli->json) {
		kinspect_json_key(&ls->cli->json_writer, "sections");
		kinspect_json_begin_array(&ls->cli->json_writer);
	}
	for (size_t i = 0; i < d->nr_sections; i++)
		print_section(d->sections[i].name, d->sections[i].address, ls);
	if (ls->cli->json)
		kinspect_json_end_array(&ls->cli->json_writer);
}

static struct kinspect_error *print_module_details(const struct kinspect_module *m, struct lsmod *ls,
						   struct details *d)
{
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
		print_details_json(ls, d);
		if (ls->sections)
			print_sections(ls, d);
		kinspect_json_end_object(j);
		return NULL;
	}
	printf("%-20s %-8s %8" PRIu64 " 0x%016" PRIx64 " %4" PRId64 "  0x%016" PRIx64 " %-6s %s\n", m->name,
	       m->state, m->size, m->base, m->refcount, m->address, d->taints[0] ? d->taints : "-",
	       d->used_by[0] ? d->used_by : "-");
	print_details_text(ls, d);
	for (unsigned int i = 0; ls->regions && i < m->nr_regions; i++) {
		if (m->regions[i].size)
			printf("    %-16s 0x%016" PRIx64 " %8" PRIu64 "\n", m->regions[i].name, m->regions[i].base,
			       m->regions[i].size);
	}
	if (ls->sections)
		print_sections(ls, d);
	return NULL;
}

static struct kinspect_error *print_module(const struct kinspect_module *m, void *arg)
{
	struct lsmod *ls = arg;
	struct details d = { 0 };
	struct kinspect_error *err = get_details(ls, m, &d);
	if (!err)
		err = print_module_details(m, ls, &d);
	details_deinit(&d);
	return err;
}

/* The list walk first, every module kept: then what each one points to
 * can be fetched for all of them at once (kinspect_module_info_prefetch()). */
struct module_list {
	struct kinspect_module *modules;
	size_t nr, capacity;
};

static struct kinspect_error *keep_module(const struct kinspect_module *m, void *arg)
{
	struct module_list *l = arg;
	if (l->nr == l->capacity) {
		size_t n = l->capacity ? 2 * l->capacity : 16;
		struct kinspect_module *p = realloc(l->modules, n * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		l->modules = p;
		l->capacity = n;
	}
	l->modules[l->nr++] = *m;
	return NULL;
}

/* Print the modules of L (the walk's error, if any, comes after them). */
static struct kinspect_error *print_modules(struct lsmod *ls, const struct module_list *l)
{
	_cleanup_free_ uint64_t *addresses = malloc((l->nr + 1) * sizeof(*addresses));
	if (!addresses)
		return &kinspect_error_nomem;
	for (size_t i = 0; i < l->nr; i++)
		addresses[i] = l->modules[i].address;
	/* --sections reads each module's section list: not fetched ahead. */
	kinspect_module_info_prefetch(ls->info, addresses, l->nr);
	for (size_t i = 0; i < l->nr; i++) {
		struct kinspect_error *err = print_module(&l->modules[i], ls);
		if (err)
			return err;
	}
	return NULL;
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
	ls.dirs = cli_module_dirs(cli, &ls.nr_dirs);
	struct kinspect_error *err = kinspect_module_info_create(types, cli->vmlinux, kaslr->slide, &ls.mem, &ls.info);
	if (err)
		return cli_fail(err);
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	else
		printf("%-20s %-8s %8s %-18s %4s  %-18s %-6s %s\n", "MODULE", "STATE", "SIZE", "BASE", "REFS",
		       "STRUCT MODULE", "TAINTS", "USED BY");
	struct module_list list = { 0 };
	err = kinspect_modules_for_each(types, cli->vmlinux, kaslr->slide, &ls.mem, keep_module, &list);
	struct kinspect_error *print_err = print_modules(&ls, &list);
	free(list.modules);
	if (print_err) {
		kinspect_error_destroy(err);
		err = print_err;
	}
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	kinspect_module_info_destroy(ls.info);
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
