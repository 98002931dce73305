/* Transitional: what cmd-break.c and cmd-gdb-proxy.c still need of the
 * library's internals (the session's gdbstub, KASLR record and module
 * symbols; the library's own logger), until they are on the public API;
 * then this file and its block in cli.h go.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/log.h"
#include "libkinspect/kernel-priv.h"

void cli_compat_library_logger(void)
{
	kinspect_log_set_level((enum kinspect_log_level)cli_log_level());
	kinspect_log_set_error_hook(cli_note_error);
}

void cli_compat_target_opened(struct cli *cli)
{
	cli->gdbstub = kinspect_kernel_gdbstub(cli->kernel);
}

const struct kinspect_kaslr *cli_kaslr(struct cli *cli)
{
	const struct kinspect_kaslr *kaslr = NULL;
	if (!cli_open_target(cli) || !cli_vmlinux(cli))
		return NULL;
	struct kinspect_error *err = kinspect_kernel_kaslr_record(cli->kernel, &kaslr);
	if (err)
		cli_fail(err);
	return kaslr;
}

struct kinspect_module_symbols *cli_module_symbols(struct cli *cli)
{
	struct kinspect_module_symbols *ms = NULL;
	if (!cli_kaslr(cli))
		return NULL;
	struct kinspect_error *err = kinspect_kernel_module_symbols(cli->kernel, &ms);
	if (err)
		cli_fail(err);
	return ms;
}
