/* One record of the kernel's log as dmesg and triage show it: its lines
 * with the record's prefix as the kernel's syslog prints them, or with
 * --json an object (kinspect(1), dmesg).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_DMESG_RENDER_H
#define KINSPECT_CLI_DMESG_RENDER_H

#include <stdbool.h>

#include <kinspect/dmesg.h>

#include "cli/cli.h"

struct dmesg_render {
	struct cli *cli;
	unsigned int levels; /* bit N: show level N */
	bool raw;            /* <priority>[nanoseconds] as dmesg -r */
};

/* Render record R (a kinspect_kernel_dmesg_for_each() callback, ARG a
 * struct dmesg_render); a JSON object goes to the CLI's JSON writer. */
struct kinspect_error *dmesg_render_record(const struct kinspect_dmesg_record *r, void *arg);

#endif /* KINSPECT_CLI_DMESG_RENDER_H */
