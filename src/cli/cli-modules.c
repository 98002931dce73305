/* Where the CLI looks for .ko files, and the module symbols built on them.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/error-priv.h"
#include "core/log.h"

static void add_default_dir(struct cli *cli, const char *sysroot, const char *prefix, const char *release)
{
	char *dir;
	struct stat st;
	if (asprintf(&dir, "%s%s/%s", sysroot, prefix, release) < 0)
		return;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		kinspect_info("looking for modules in %s (no -m given)", dir);
		cli->default_module_dirs[cli->nr_default_module_dirs++] = dir;
	} else {
		free(dir);
	}
}

const char *const *cli_module_dirs(struct cli *cli, size_t *ret_nr)
{
	if (cli->nr_module_dirs) {
		*ret_nr = cli->nr_module_dirs;
		return cli->module_dirs;
	}
	if (!cli->module_dirs_resolved) {
		cli->module_dirs_resolved = true;
		const char *release = cli->vmlinux ? kinspect_vmlinux_release(cli->vmlinux) : NULL;
		/* KINSPECT_SYSROOT: the guest's files unpacked in a directory
		 * (its debug package, its root file system). */
		const char *sysroot = getenv("KINSPECT_SYSROOT");
		if (!sysroot)
			sysroot = "";
		/* Debug files (with DWARF) first: distributions strip /lib/modules. */
		if (release) {
			add_default_dir(cli, sysroot, "/usr/lib/debug/lib/modules", release);
			add_default_dir(cli, sysroot, "/lib/modules", release);
		}
	}
	*ret_nr = cli->nr_default_module_dirs;
	return (const char *const *)cli->default_module_dirs;
}

struct kinspect_module_symbols *cli_module_symbols(struct cli *cli)
{
	if (cli->module_symbols)
		return cli->module_symbols;
	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = kaslr ? cli_types(cli) : NULL;
	if (!types)
		return NULL;
	cli->memory = cli_memory(cli);
	size_t nr_dirs;
	const char *const *dirs = cli_module_dirs(cli, &nr_dirs);
	struct kinspect_error *err = kinspect_module_symbols_create(types, cli->vmlinux, kaslr->slide, &cli->memory,
								    dirs, nr_dirs, &cli->module_symbols);
	if (err) {
		cli_fail(kinspect_error_wrap(err, "module symbols"));
		return NULL;
	}
	return cli->module_symbols;
}

void cli_modules_destroy(struct cli *cli)
{
	kinspect_module_symbols_destroy(cli->module_symbols);
	cli->module_symbols = NULL;
	for (size_t i = 0; i < cli->nr_default_module_dirs; i++)
		free(cli->default_module_dirs[i]);
	cli->nr_default_module_dirs = 0;
}
