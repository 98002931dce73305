/* Stack traces of a session (see kinspect/stack.h): where a CPU's or a
 * task's unwind starts, the walk, and how each frame is named (vmlinux
 * symbols, then the module's own symbols from its .ko, then the module
 * and an offset) — one policy for every front end.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/stack.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/stacktrace.h"
#include "linux/tasks.h"

#define SYMBOL_MAX 160

struct frame {
	struct kinspect_stack_frame f;
	char symbol[SYMBOL_MAX];
	/* Copied: the unwinder's module list goes when the guest runs. */
	char module[64];
};

struct kinspect_stack_trace {
	struct kinspect_kernel *kernel;
	int cpu;
	uint64_t task;
	bool user_mode;
	uint64_t user_ip;
	char *stopped;
	struct frame *frames;
	size_t nr_frames;
};

void kinspect_stack_trace_destroy(struct kinspect_stack_trace *t)
{
	if (!t)
		return;
	free(t->stopped);
	free(t->frames);
	free(t);
}

/* Whether frame F's IP is exact (the first frame, interrupted code) rather
 * than a return address. */
static bool exact_ip(const struct kinspect_stack_frame *f)
{
	return f->index == 0 || f->kind == KINSPECT_UNWIND_PT_REGS || f->kind == KINSPECT_UNWIND_IRET;
}

/* "function+0xoff", "function+0xoff [module]", "[module]+0xoff" or "?". */
static void symbolize(struct kinspect_kernel *k, struct kinspect_kernel_unwinder *unwinder, uint64_t ip, bool exact,
		      struct frame *out)
{
	struct kinspect_vmlinux *vmlinux;
	const struct kinspect_kaslr *kaslr;
	const char *name, *module;
	uint64_t offset;
	out->module[0] = '\0';
	/* A return address may lie past the end of a function that ends in
	 * a call: name the call's function. */
	uint64_t lookup = exact ? ip : ip - 1;
	uint64_t back = exact ? 0 : 1;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (!err)
		err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (!err)
		err = kinspect_vmlinux_symbolize(vmlinux, kinspect_kaslr_link(kaslr->slide, lookup), &name, &offset);
	if (!err) {
		snprintf(out->symbol, sizeof(out->symbol), "%s+0x%" PRIx64, name, offset + back);
		return;
	}
	kinspect_error_destroy(err);
	if (!kinspect_kernel_unwinder_module_of(unwinder, lookup, &module, &offset)) {
		snprintf(out->symbol, sizeof(out->symbol), "?");
		return;
	}
	snprintf(out->module, sizeof(out->module), "%s", module);
	/* The module's own symbols when its .ko can be found; setting them
	 * up costs DWARF lookups, not paid when there is nowhere to look. */
	size_t nr_dirs;
	kinspect_kernel_module_dirs(k, &nr_dirs);
	struct kinspect_module_symbols *ms = NULL;
	struct kinspect_module_symbol sym;
	err = nr_dirs ? kinspect_kernel_module_symbols(k, &ms) : NULL;
	if (ms && !err && !(err = kinspect_module_symbols_symbolize(ms, lookup, &sym)) && !sym.from_section) {
		snprintf(out->symbol, sizeof(out->symbol), "%s+0x%" PRIx64 " [%s]", sym.name, sym.offset + back, module);
		return;
	}
	kinspect_error_destroy(err);
	snprintf(out->symbol, sizeof(out->symbol), "[%s]+0x%" PRIx64, module, offset + back);
}

struct collect {
	struct kinspect_stack_trace *t;
	struct kinspect_kernel_unwinder *unwinder;
};

static struct kinspect_error *add_frame(const struct kinspect_stack_frame *f, void *arg)
{
	struct collect *c = arg;
	struct kinspect_stack_trace *t = c->t;
	struct frame *frames = realloc(t->frames, (t->nr_frames + 1) * sizeof(*frames));
	if (!frames)
		return &kinspect_error_nomem;
	t->frames = frames;
	struct frame *out = &frames[t->nr_frames++];
	out->f = *f;
	if (f->user_mode) {
		snprintf(out->symbol, sizeof(out->symbol), "(user mode)");
		out->module[0] = '\0';
	} else {
		symbolize(t->kernel, c->unwinder, f->ip, exact_ip(f), out);
	}
	return NULL;
}

static struct kinspect_error *walk(struct kinspect_kernel_unwinder *unwinder, const struct kinspect_unwind_state *state,
				   struct kinspect_stack_trace *t)
{
	struct collect c = { t, unwinder };
	return kinspect_kernel_unwind(unwinder, state, add_frame, &c, &t->stopped);
}

static struct kinspect_error *new_trace(struct kinspect_kernel *k, int cpu, struct kinspect_stack_trace **ret)
{
	struct kinspect_stack_trace *t = calloc(1, sizeof(*t));
	if (!t)
		return &kinspect_error_nomem;
	t->kernel = k;
	t->cpu = cpu;
	*ret = t;
	return NULL;
}

struct kinspect_error *kinspect_kernel_cpu_state(struct kinspect_kernel *k, unsigned int cpu,
						 struct kinspect_unwind_state *ret, bool *ret_user_mode)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	struct kinspect_gdbstub *gs = kinspect_kernel_gdbstub(k);
	struct kinspect_elf_dump *dump = kinspect_kernel_dump(k);
	return gs     ? kinspect_arch()->cpu_state_live(gs, cpu, ret, ret_user_mode)
	       : dump ? kinspect_arch()->cpu_state_dump(dump, cpu, ret, ret_user_mode)
		      : kinspect_kernel_ops_cpu_state(k, cpu, ret, ret_user_mode);
}

struct kinspect_error *kinspect_kernel_stack_trace_cpu(struct kinspect_kernel *k, unsigned int cpu,
						       struct kinspect_stack_trace **ret)
{
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_tasks *tasks;
	struct kinspect_error *err = kinspect_kernel_unwinder(k, &unwinder);
	if (!err)
		err = kinspect_kernel_tasks(k, &tasks);
	if (err)
		return err;
	struct kinspect_unwind_state state;
	bool user_mode;
	err = kinspect_kernel_cpu_state(k, cpu, &state, &user_mode);
	if (err)
		return err;
	struct kinspect_stack_trace *t;
	if ((err = new_trace(k, (int)cpu, &t)))
		return err;
	uint64_t current;
	if ((err = kinspect_tasks_cpu_current(tasks, cpu, &current)))
		kinspect_error_destroy(err); /* a trace without its task */
	else
		t->task = current;
	if (user_mode) {
		/* In user mode: the kernel stack holds nothing of interest. */
		t->user_mode = true;
		t->user_ip = state.regs.value[kinspect_arch()->pc_regnum];
	} else if ((err = walk(unwinder, &state, t))) {
		kinspect_stack_trace_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

struct kinspect_error *kinspect_kernel_stack_trace_task(struct kinspect_kernel *k, uint64_t task_address,
							struct kinspect_stack_trace **ret)
{
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_tasks *tasks;
	unsigned int nr_cpus;
	struct kinspect_task task;
	struct kinspect_error *err = kinspect_kernel_unwinder(k, &unwinder);
	if (!err)
		err = kinspect_kernel_tasks(k, &tasks);
	if (!err)
		err = kinspect_tasks_read(tasks, task_address, &task);
	if (!err && (err = kinspect_kernel_nr_cpus(k, &nr_cpus)) && kinspect_error_code(err) == KINSPECT_ERROR_UNSUPPORTED) {
		/* Callbacks that give no CPUs: every task is taken as switched out. */
		kinspect_error_destroy(err);
		err = NULL;
		nr_cpus = 0;
	}
	if (err)
		return err;
	/* A task that runs: its CPU's registers, not its stale saved frame. */
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		uint64_t current;
		err = kinspect_tasks_cpu_current(tasks, cpu, &current);
		kinspect_error_destroy(err);
		if (!err && current == task.address)
			return kinspect_kernel_stack_trace_cpu(k, cpu, ret);
	}
	struct kinspect_unwind_state state;
	if ((err = kinspect_kernel_unwinder_task_state(unwinder, task.address, task.thread_sp, &state)))
		return kinspect_error_wrap(err, "pid %d", task.pid);
	struct kinspect_stack_trace *t;
	if ((err = new_trace(k, -1, &t)))
		return err;
	t->task = task.address;
	if ((err = walk(unwinder, &state, t))) {
		kinspect_stack_trace_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

struct kinspect_error *kinspect_kernel_stack_trace_regs(struct kinspect_kernel *k,
							const struct kinspect_unwind_frame *frame,
							struct kinspect_stack_trace **ret)
{
	const struct kinspect_arch *arch = kinspect_arch();
	uint64_t need = (1ull << arch->pc_regnum) | (1ull << arch->sp_regnum);
	if ((frame->regs.valid & need) != need)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "a stack trace needs the pc and the sp");
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_error *err = kinspect_kernel_unwinder(k, &unwinder);
	if (err)
		return err;
	struct kinspect_unwind_state state;
	kinspect_unwind_state_from_frame(&state, frame);
	struct kinspect_stack_trace *t;
	if ((err = new_trace(k, -1, &t)))
		return err;
	uint64_t ip = frame->regs.value[arch->pc_regnum];
	if (!kinspect_arch_kernel_address(ip)) {
		t->user_mode = true;
		t->user_ip = ip;
	} else if ((err = walk(unwinder, &state, t))) {
		kinspect_stack_trace_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

int kinspect_stack_trace_cpu(const struct kinspect_stack_trace *t)
{
	return t->cpu;
}

uint64_t kinspect_stack_trace_task(const struct kinspect_stack_trace *t)
{
	return t->task;
}

bool kinspect_stack_trace_user_mode(const struct kinspect_stack_trace *t)
{
	return t->user_mode;
}

uint64_t kinspect_stack_trace_user_ip(const struct kinspect_stack_trace *t)
{
	return t->user_ip;
}

const char *kinspect_stack_trace_stopped(const struct kinspect_stack_trace *t)
{
	return t->stopped;
}

size_t kinspect_stack_trace_nr_frames(const struct kinspect_stack_trace *t)
{
	return t->nr_frames;
}

uint64_t kinspect_stack_frame_ip(const struct kinspect_stack_trace *t, size_t i)
{
	return t->frames[i].f.ip;
}

uint64_t kinspect_stack_frame_sp(const struct kinspect_stack_trace *t, size_t i)
{
	return t->frames[i].f.sp;
}

const char *kinspect_stack_frame_symbol(const struct kinspect_stack_trace *t, size_t i)
{
	return t->frames[i].symbol;
}

const char *kinspect_stack_frame_module(const struct kinspect_stack_trace *t, size_t i)
{
	return t->frames[i].module[0] ? t->frames[i].module : NULL;
}

uint64_t kinspect_stack_frame_lookup_address(const struct kinspect_stack_trace *t, size_t i)
{
	return exact_ip(&t->frames[i].f) ? t->frames[i].f.ip : t->frames[i].f.ip - 1;
}

const char *kinspect_stack_frame_kind(const struct kinspect_stack_trace *t, size_t i)
{
	switch (t->frames[i].f.kind) {
	case KINSPECT_UNWIND_PT_REGS:
		return "pt_regs";
	case KINSPECT_UNWIND_IRET:
		return "iret";
	case KINSPECT_UNWIND_FRAME_POINTER:
		return "frame_pointer";
	default:
		return "call";
	}
}

uint64_t kinspect_stack_frame_pt_regs(const struct kinspect_stack_trace *t, size_t i)
{
	const struct kinspect_stack_frame *f = &t->frames[i].f;
	return f->kind == KINSPECT_UNWIND_PT_REGS || f->kind == KINSPECT_UNWIND_IRET ? f->pt_regs : 0;
}

bool kinspect_stack_frame_user_mode(const struct kinspect_stack_trace *t, size_t i)
{
	return t->frames[i].f.user_mode;
}
