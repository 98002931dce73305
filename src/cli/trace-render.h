/* One stack trace as a record: its heading (the CPU, the task and, for a
 * task switched out, its state), its frames and why unwinding stopped;
 * bt's and triage's, so that both show a trace alike, text and JSON.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_TRACE_RENDER_H
#define KINSPECT_CLI_TRACE_RENDER_H

#include <stdbool.h>

#include <kinspect/stack.h>

#include "cli/cli.h"
#include "cli/record-writer.h"

struct trace_render {
	struct cli *cli;
	bool lines; /* file:line of vmlinux frames, until the line tables cannot be read */
	struct record_writer *w;
};

/* The record of trace T: {"cpu", "task", "pid", "comm", ("state",
 * "state_name" of a task switched out), "frames", "stopped"} (kinspect(1),
 * bt), the task looked up by the trace's task address. */
void trace_render(struct trace_render *r, const struct kinspect_stack_trace *t);

#endif /* KINSPECT_CLI_TRACE_RENDER_H */
