/* Transitional: what cmd-gdb-proxy.c and src/proxy still need of the
 * library's internals (its own logger, which the proxy writes to), until
 * they are on the public API; then this file and its block in cli.h go.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/log.h"

void cli_compat_library_logger(void)
{
	kinspect_log_set_level((enum kinspect_log_level)cli_log_level());
	kinspect_log_set_error_hook(cli_note_error);
}
