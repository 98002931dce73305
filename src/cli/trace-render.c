/* One stack trace as a record (trace-render.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/stack.h>
#include <kinspect/symbol.h>
#include <kinspect/task.h>

#include "cli/trace-render.h"

/* " file:line" of a vmlinux code address into BUF, or "". */
static void source_line(struct trace_render *bt, uint64_t lookup, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!bt->lines)
		return;
	const char *file;
	int line;
	struct kinspect_error *err = kinspect_kernel_source_line(bt->cli->kernel, lookup, &file, &line);
	if (!err)
		snprintf(buf, size, " %s:%d", file, line);
	else if (kinspect_error_code(err) != KINSPECT_ERROR_NOT_FOUND)
		bt->lines = false; /* no line tables: the trace goes on without */
	kinspect_error_destroy(err);
}

/* Whose trace it is: the task, when it is found, and the state of a task
 * switched out. */
struct heading {
	bool have_task, switched_out;
	int32_t pid;
	char comm[17];
	char state[8], state_name[32];
};

static struct kinspect_error *task_heading(const struct kinspect_task *task, void *arg)
{
	struct heading *h = arg;
	h->have_task = true;
	h->pid = kinspect_task_pid(task);
	snprintf(h->comm, sizeof(h->comm), "%s", kinspect_task_comm(task));
	return NULL;
}

static void heading(struct cli *cli, const struct kinspect_stack_trace *t, struct heading *h)
{
	uint64_t task = kinspect_stack_trace_task(t);
	struct kinspect_error *err = task ? kinspect_kernel_find_task(cli->kernel, -1, task, task_heading, h) : NULL;
	kinspect_error_destroy(err);
}

static struct kinspect_error *switched_out_heading(const struct kinspect_task *task, void *arg)
{
	struct heading *h = arg;
	task_heading(task, h);
	h->switched_out = true;
	snprintf(h->state, sizeof(h->state), "%s", kinspect_task_state(task));
	snprintf(h->state_name, sizeof(h->state_name), "%s", kinspect_task_state_name(task));
	return NULL;
}

/* One frame: "#N ADDRESS function+offset", after the line of the pt_regs
 * that entered it, before the user-mode registers it returns to. */
static void render_frame(struct trace_render *bt, const struct kinspect_stack_trace *t, size_t i)
{
	enum { PT_REGS = 1, FRAME, SYMBOL, LINE, KIND, USER }; /* the text's order */
	struct record_writer *w = bt->w;
	uint64_t ip = kinspect_stack_frame_ip(t, i);
	const char *kind = kinspect_stack_frame_kind(t, i);
	bool regs = !strcmp(kind, "pt_regs") || !strcmp(kind, "iret"), user = kinspect_stack_frame_user_mode(t, i);
	char line[512] = "";
	if (!user)
		source_line(bt, kinspect_stack_frame_lookup_address(t, i), line, sizeof(line));
	record_begin_object(w, NULL);
	record_slot(w, FRAME);
	record_uint(w, "index", "#%-2" PRIu64, i);
	record_address(w, "ip", " 0x%016" PRIx64, ip);
	record_slot(w, USER);
	uint64_t sp = kinspect_stack_frame_sp(t, i);
	record_json_address(w, "sp", sp);
	if (user) {
		/* User registers by the architecture's names, as gdb shows them. */
		struct kinspect_kernel *k = bt->cli->kernel;
		unsigned int pc_reg = 0, sp_reg = 0;
		kinspect_error_destroy(kinspect_kernel_register_number(k, "pc", &pc_reg));
		kinspect_error_destroy(kinspect_kernel_register_number(k, "sp", &sp_reg));
		const char *pc_name = kinspect_kernel_register_name(k, pc_reg), *sp_name = kinspect_kernel_register_name(k, sp_reg);
		record_text(w, "    user %s 0x%016" PRIx64 " %s 0x%016" PRIx64 "\n", pc_name, ip, sp_name, sp);
		record_begin_object(w, "user_registers");
		record_json_address(w, pc_name, ip);
		record_json_address(w, sp_name, sp);
		record_end_object(w);
	}
	record_slot(w, SYMBOL);
	record_string(w, "symbol", " %s", kinspect_stack_frame_symbol(t, i));
	record_json_string(w, "module", kinspect_stack_frame_module(t, i));
	record_slot(w, KIND);
	record_string_as(w, "kind", kind, "%s\n", !strcmp(kind, "frame_pointer") ? " (frame pointer guess)" : "");
	record_slot(w, LINE);
	if (line[0])
		record_string(w, "line", " %s", line + 1);
	if (regs) {
		record_slot(w, PT_REGS);
		record_address(w, "pt_regs",
			       !strcmp(kind, "pt_regs") ? "    --- pt_regs 0x%016" PRIx64 ": "
							: "    --- iret frame 0x%016" PRIx64 ": ",
			       kinspect_stack_frame_pt_regs(t, i));
		record_bool(w, "user_mode", user, "entered from user mode ---\n", "interrupted kernel code ---\n");
	}
	record_end_object(w);
	record_flush(w);
}

/* Whose trace it is: "CPU N: pid P "comm" task ADDR", "CPU N", or for a
 * task switched out "pid P "comm" task ADDR state S (name)". */
enum { HEAD_CPU = 1, HEAD_PID, HEAD_TASK, HEAD_STATE, USER_LINE }; /* the text's order */

static void render_heading(struct record_writer *w, const struct heading *h, int cpu, uint64_t task)
{
	if (h->have_task) {
		record_slot(w, HEAD_TASK);
		record_address(w, "task", " task 0x%016" PRIx64, task);
		record_slot(w, HEAD_PID);
		record_int(w, "pid", "pid %" PRId64, h->pid);
		record_string(w, "comm", " \"%s\"", h->comm);
		record_slot(w, HEAD_STATE);
		if (h->switched_out) {
			record_string(w, "state", " state %s", h->state);
			record_string(w, "state_name", " (%s)", h->state_name);
		}
		record_text(w, "\n");
	} else {
		/* A CPU whose task is not found has none; a task has itself. */
		if (cpu >= 0)
			record_null(w, "task");
		else
			record_json_address(w, "task", task);
		record_null(w, "pid");
		record_null(w, "comm");
	}
}

/* One trace: its heading, then its frames, or where a CPU in user mode
 * runs. */
static void render_trace(struct trace_render *bt, const struct kinspect_stack_trace *t, const struct heading *h)
{
	struct record_writer *w = bt->w;
	int cpu = kinspect_stack_trace_cpu(t);
	uint64_t task = kinspect_stack_trace_task(t);
	record_begin_object(w, NULL);
	record_slot(w, HEAD_CPU);
	record_int_opt(w, "cpu", h->have_task ? "CPU %" PRId64 ": " : "CPU %" PRId64 "\n", cpu >= 0, cpu);
	if (kinspect_stack_trace_user_mode(t)) {
		/* In user mode: the kernel stack holds nothing of interest. */
		record_bool(w, "user_mode", true, NULL, NULL);
		record_slot(w, USER_LINE);
		record_text(w, "    CPU %d runs in user mode at ", cpu);
		record_address(w, "ip", "0x%016" PRIx64 "\n", kinspect_stack_trace_user_ip(t));
		record_begin_array(w, "frames");
		record_end_array(w);
		render_heading(w, h, cpu, task);
		record_end_object(w);
		record_flush(w);
		return;
	}
	render_heading(w, h, cpu, task);
	record_flush(w);
	record_begin_array(w, "frames");
	for (size_t i = 0; i < kinspect_stack_trace_nr_frames(t); i++)
		render_frame(bt, t, i);
	record_end_array(w);
	record_string(w, "stopped", "unwinding stopped: %s\n", kinspect_stack_trace_stopped(t));
	record_end_object(w);
}

void trace_render(struct trace_render *r, const struct kinspect_stack_trace *t)
{
	struct heading h = { 0 };
	uint64_t task = kinspect_stack_trace_task(t);
	if (kinspect_stack_trace_cpu(t) >= 0)
		heading(r->cli, t, &h);
	else if (task)
		kinspect_error_destroy(kinspect_kernel_find_task(r->cli->kernel, -1, task, switched_out_heading, &h));
	render_trace(r, t, &h);
}
