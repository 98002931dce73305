/* The loaded modules' symbols on the target, from the session.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cli/cli.h"
#include "libkinspect/kernel-priv.h"

const char *const *cli_module_dirs(struct cli *cli, size_t *ret_nr)
{
	if (!cli_vmlinux(cli)) {
		*ret_nr = 0;
		return NULL;
	}
	return kinspect_kernel_module_dirs(cli->kernel, ret_nr);
}

struct kinspect_module_symbols *cli_module_symbols(struct cli *cli)
{
	struct kinspect_module_symbols *ms = NULL;
	if (!cli_kaslr(cli) || !cli_types(cli))
		return NULL;
	struct kinspect_error *err = kinspect_kernel_module_symbols(cli->kernel, &ms);
	if (err)
		cli_fail(err);
	return ms;
}
