/* The module directories of the session, for commands that say where
 * they looked.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <kinspect/module.h>

#include "cli/cli.h"

const char *const *cli_module_dirs(struct cli *cli, size_t *ret_nr)
{
	if (!cli_vmlinux(cli)) {
		*ret_nr = 0;
		return NULL;
	}
	return kinspect_kernel_module_dirs(cli->kernel, ret_nr);
}
