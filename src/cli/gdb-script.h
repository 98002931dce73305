/* The per-kernel gdb commands (lx-current, lx-per-cpu) that need what only
 * the vmlinux tells: written by "kinspect gdb-script", sourced by
 * "kinspect gdb".
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_GDB_SCRIPT_H
#define KINSPECT_CLI_GDB_SCRIPT_H

#include <kinspect/kernel.h>

#include "cli/cli.h"

extern const struct cli_command cli_command_gdb_script;

/* The script for KERNEL's vmlinux (malloc'ed), or NULL with *RET_ERR. */
char *cli_gdb_script_text(struct kinspect_kernel *kernel, struct kinspect_error **ret_err);

#endif /* KINSPECT_CLI_GDB_SCRIPT_H */
