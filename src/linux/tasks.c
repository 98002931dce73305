/* Tasks of the kernel model.
 *
 * Members that moved, chosen by presence:
 * - task->__state since commit 2f064a59a11f ("sched: Change
 *   task_struct::state", v5.14), task->state before;
 * - task->thread_info.cpu since commit bcf9033e5449 ("sched: move CPU field
 *   back into thread_info if THREAD_INFO_IN_TASK=y", v5.16), task->cpu
 *   before;
 * - the current task's per-CPU pointer (per-cpu.c);
 * Threads are found through signal->thread_head/task->thread_node, which
 * every kernel since v3.14 has (task->thread_group is gone since v6.7).
 * Each CPU's idle task is its runqueue's rq->idle; CPU 0's is init_task,
 * the head of init_task.tasks, and the others are on no list (pid 0 is
 * never linked in: copy_process()).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/ahead.h"
#include "linux/kaslr.h"
#include "linux/per-cpu.h"
#include "linux/task-state.h"
#include "linux/tasks-ahead.h"
#include "linux/tasks.h"

/* A task_struct larger than this is not one (6.12 amd64: about 13 KiB). */
#define TASK_STRUCT_MAX (64 * 1024)
/* Members closer than this are read as one piece of the task_struct. */
#define SPAN_GAP 512
/* __per_cpu_offset[] entries fetched with the first round (a guest has
 * few CPUs; more are read when nr_cpu_ids says so). */
#define CPUS_AHEAD 8

struct field {
	uint64_t offset, size;
};

enum {
	F_PID,
	F_TGID,
	F_COMM,
	F_STATE,
	F_EXIT_STATE,
	F_TASKS_NEXT,
	F_SIGNAL,
	F_THREAD_NEXT,
	F_THREAD_PREV,
	F_CPU,
	F_STACK,
	F_MM,
	F_REAL_PARENT,
	F_WALK_FIELDS, /* a walk reads those above */
	F_THREAD_SP = F_WALK_FIELDS,
	F_FIELDS
};

/* The members, new name first where they were renamed. */
static const char *const field_paths[F_FIELDS][2] = {
	[F_PID] = { "pid" },
	[F_TGID] = { "tgid" },
	[F_COMM] = { "comm" },
	[F_STATE] = { "__state", "state" },
	[F_EXIT_STATE] = { "exit_state" },
	[F_TASKS_NEXT] = { "tasks.next" },
	[F_SIGNAL] = { "signal" },
	[F_THREAD_NEXT] = { "thread_node.next" },
	[F_THREAD_PREV] = { "thread_node.prev" },
	[F_CPU] = { "thread_info.cpu", "cpu" },
	[F_STACK] = { "stack" },
	[F_MM] = { "mm" },
	[F_REAL_PARENT] = { "real_parent" },
	/* The saved stack pointer of a switched-out task: thread.sp, or
	 * thread.cpu_context.sp where the architecture's thread_struct keeps
	 * the whole switch context (arm64). */
	[F_THREAD_SP] = { "thread.sp", "thread.cpu_context.sp" },
};

struct kinspect_tasks {
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	uint64_t task_size;
	struct field f[F_FIELDS];
	/* The pieces of a task_struct a walk reads (offset, length), and
	 * the one kinspect_tasks_read() adds for thread.sp. */
	struct kinspect_memory_range spans[F_WALK_FIELDS];
	size_t nr_spans;
	struct kinspect_memory_range sp_span;
	uint64_t thread_head; /* offset in struct signal_struct */
	uint64_t init_task;
	struct kinspect_task_states states;
	bool has_ahead;
	struct kinspect_tasks_ahead_layout ahead;
	uint8_t *buf; /* one task_struct */
};

static struct kinspect_error *field(struct kinspect_tasks *t, const char *path, struct field *ret)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(t->types, "struct task_struct", path, &m);
	if (err)
		return err;
	if (m.offset > t->task_size || m.size > t->task_size - m.offset)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task_struct.%s lies outside the struct", path);
	*ret = (struct field){ m.offset, m.size };
	return NULL;
}

static struct kinspect_error *either(struct kinspect_tasks *t, const char *path, const char *old_path,
				     struct field *ret)
{
	bool has = true;
	struct kinspect_error *err =
		old_path ? kinspect_dwarf_types_has_member(t->types, "struct task_struct", path, &has) : NULL;
	if (err)
		return err;
	return field(t, has ? path : old_path, ret);
}

static uint64_t runtime_symbol(struct kinspect_tasks *t, const char *name, uint64_t *ret_size,
			       struct kinspect_error **ret_err)
{
	uint64_t addr = 0;
	*ret_err = kinspect_vmlinux_symbol(t->vmlinux, name, &addr, ret_size);
	return kinspect_kaslr_runtime(t->slide, addr);
}

static int by_offset(const void *a, const void *b)
{
	const struct kinspect_memory_range *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The walk's members as few pieces of the task_struct: on a live target
 * each piece costs a cache granule or two, the whole struct five or more. */
static void make_spans(struct kinspect_tasks *t)
{
	struct kinspect_memory_range r[F_WALK_FIELDS];
	for (int i = 0; i < F_WALK_FIELDS; i++)
		r[i] = (struct kinspect_memory_range){ t->f[i].offset, t->f[i].size };
	qsort(r, F_WALK_FIELDS, sizeof(r[0]), by_offset);
	t->nr_spans = 0;
	for (int i = 0; i < F_WALK_FIELDS; i++) {
		struct kinspect_memory_range *last = t->nr_spans ? &t->spans[t->nr_spans - 1] : NULL;
		if (last && r[i].addr <= last->addr + last->len + SPAN_GAP) {
			if (r[i].addr + r[i].len > last->addr + last->len)
				last->len = r[i].addr + r[i].len - last->addr;
		} else {
			t->spans[t->nr_spans++] = r[i];
		}
	}
	t->sp_span = (struct kinspect_memory_range){ t->f[F_THREAD_SP].offset, t->f[F_THREAD_SP].size };
}

/* Where the pid idr and the links from a struct pid to its task are, for
 * reading ahead; has_ahead stays false on a kernel without them. */
static void ahead_layout(struct kinspect_tasks *t)
{
	struct kinspect_error *err;
	uint64_t ns = runtime_symbol(t, "init_pid_ns", NULL, &err);
	int64_t pidtype = 0;
	char first[48], links[48];
	struct kinspect_dwarf_member idr, rt, base, pid_first, pid_links;
	if (!err)
		err = kinspect_dwarf_types_enum_value(t->types, "PIDTYPE_PID", &pidtype);
	snprintf(first, sizeof(first), "tasks[%" PRId64 "].first", pidtype);
	snprintf(links, sizeof(links), "pid_links[%" PRId64 "]", pidtype);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct pid_namespace", "idr", &idr);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct idr", "idr_rt", &rt);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct idr", "idr_base", &base);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct pid", first, &pid_first);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct task_struct", links, &pid_links);
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	t->ahead = (struct kinspect_tasks_ahead_layout){
		.idr = ns + idr.offset,
		.idr_rt = rt.offset,
		.idr_base = base.offset,
		.pid_first = pid_first.offset,
		.pid_links = pid_links.offset,
		.spans = t->spans,
		.nr_spans = t->nr_spans,
	};
	t->has_ahead = true;
}

/* Live: the first things a session's walk reads, in one round. */
static void first_round(struct kinspect_tasks *t, uint64_t states, uint64_t states_size)
{
	struct kinspect_ahead round = { .mem = t->mem };
	struct kinspect_error *err;
	uint64_t states_max = 8 * KINSPECT_TASK_STATES_MAX;
	kinspect_ahead_add(&round, states, states_size < states_max ? states_size : states_max);
	uint64_t size, addr = runtime_symbol(t, "nr_cpu_ids", NULL, &err);
	if (!err)
		kinspect_ahead_add(&round, addr, 4);
	kinspect_error_destroy(err);
	addr = runtime_symbol(t, "__per_cpu_offset", &size, &err);
	if (!err)
		kinspect_ahead_add(&round, addr, size < 8 * CPUS_AHEAD ? size : 8 * CPUS_AHEAD);
	kinspect_error_destroy(err);
	for (size_t s = 0; s < t->nr_spans; s++)
		kinspect_ahead_add(&round, t->init_task + t->spans[s].addr, t->spans[s].len);
	if (t->has_ahead)
		kinspect_ahead_add(&round, t->ahead.idr, t->ahead.idr_rt + 16);
	kinspect_ahead_round(&round);
	kinspect_ahead_release(&round);
}

struct kinspect_error *kinspect_tasks_create(struct kinspect_dwarf_types *types,
					     const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					     const struct kinspect_memory *mem, struct kinspect_tasks **ret)
{
	_cleanup_free_ struct kinspect_tasks *t = calloc(1, sizeof(*t));
	if (!t)
		return &kinspect_error_nomem;
	*t = (struct kinspect_tasks){ .types = types, .vmlinux = vmlinux, .slide = slide, .mem = mem };
	struct kinspect_error *err;
	struct kinspect_dwarf_member m;
	if ((err = kinspect_dwarf_types_sizeof(types, "struct task_struct", &t->task_size)))
		return kinspect_error_wrap(err, "layout of struct task_struct");
	if (t->task_size > TASK_STRUCT_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct task_struct of %" PRIu64 " bytes",
					     t->task_size);
	for (int i = 0; i < F_FIELDS && !err; i++)
		err = either(t, field_paths[i][0], field_paths[i][1], &t->f[i]);
	if (err || (err = kinspect_dwarf_types_member(types, "struct signal_struct", "thread_head", &m)))
		return kinspect_error_wrap(err, "layout of struct task_struct");
	t->thread_head = m.offset;
	make_spans(t);
	ahead_layout(t);
	t->init_task = runtime_symbol(t, "init_task", NULL, &err);
	uint64_t states_size;
	uint64_t states = err ? 0 : runtime_symbol(t, "task_state_array", &states_size, &err);
	if (err)
		return kinspect_error_wrap(err, "task state names");
	first_round(t, states, states_size);
	if ((err = kinspect_task_states_load(mem, states, states_size, &t->states)))
		return kinspect_error_wrap(err, "task state names");
	if (!(t->buf = calloc(1, t->task_size)))
		return &kinspect_error_nomem;
	*ret = no_cleanup_ptr(t);
	return NULL;
}

void kinspect_tasks_destroy(struct kinspect_tasks *t)
{
	if (t)
		free(t->buf);
	free(t);
}

static uint64_t get(const uint8_t *buf, struct field f)
{
	return kinspect_load_le(buf + f.offset, f.size < 8 ? f.size : 8);
}

static struct kinspect_error *read_span(struct kinspect_tasks *t, uint64_t address, struct kinspect_memory_range s)
{
	return kinspect_memory_read(t->mem, address + s.addr, t->buf + s.addr, s.len);
}

/* /proc's ppid: the thread group of real_parent (every task has one:
 * init_task is its own, init forks the other CPUs' idle tasks). */
static struct kinspect_error *read_ppid(struct kinspect_tasks *t, uint64_t parent, int32_t *ret)
{
	if (!kinspect_arch_kernel_address(parent) || parent > UINT64_MAX - t->task_size)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "real_parent 0x%" PRIx64 " is not a kernel address",
					     parent);
	uint8_t word[4];
	struct field tgid = t->f[F_TGID];
	size_t len = tgid.size < 4 ? tgid.size : 4;
	struct kinspect_error *err = kinspect_memory_read(t->mem, parent + tgid.offset, word, len);
	if (err)
		return kinspect_error_wrap(err, "real_parent 0x%" PRIx64, parent);
	*ret = (int32_t)kinspect_load_le(word, len);
	return NULL;
}

/* Read the task at ADDRESS: the walk's pieces, and thread.sp with FRAME. */
static struct kinspect_error *read_task(struct kinspect_tasks *t, uint64_t address, bool frame,
					struct kinspect_task *ret)
{
	if (!kinspect_arch_kernel_address(address) || address > UINT64_MAX - t->task_size)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task 0x%" PRIx64 " is not a kernel address",
					     address);
	struct kinspect_error *err = NULL;
	for (size_t s = 0; s < t->nr_spans && !err; s++)
		err = read_span(t, address, t->spans[s]);
	if (!err && frame)
		err = read_span(t, address, t->sp_span);
	if (err)
		return kinspect_error_wrap(err, "task_struct at 0x%" PRIx64, address);
	const uint8_t *b = t->buf;
	memset(ret, 0, sizeof(*ret));
	ret->address = address;
	ret->pid = (int32_t)get(b, t->f[F_PID]);
	ret->tgid = (int32_t)get(b, t->f[F_TGID]);
	struct field comm = t->f[F_COMM];
	size_t len = comm.size < sizeof(ret->comm) ? comm.size : sizeof(ret->comm) - 1;
	memcpy(ret->comm, b + comm.offset, len);
	ret->comm[strnlen(ret->comm, len)] = '\0';
	uint64_t state = get(b, t->f[F_STATE]), exit_state = get(b, t->f[F_EXIT_STATE]);
	kinspect_task_states_proc(&t->states, state, exit_state, ret->state_letter, ret->state_name);
	ret->state_bits = state | exit_state;
	kinspect_task_states_raw(&t->states, ret->state_bits, ret->raw_state);
	ret->cpu = (int64_t)get(b, t->f[F_CPU]);
	if (t->f[F_CPU].size == 4)
		ret->cpu = (int32_t)ret->cpu;
	ret->idle_cpu = -1;
	ret->thread_sp = frame ? get(b, t->f[F_THREAD_SP]) : 0;
	ret->stack = get(b, t->f[F_STACK]);
	ret->kernel_thread = get(b, t->f[F_MM]) == 0;
	ret->tasks_next = get(b, t->f[F_TASKS_NEXT]);
	ret->signal = get(b, t->f[F_SIGNAL]);
	ret->thread_next = get(b, t->f[F_THREAD_NEXT]);
	ret->thread_prev = get(b, t->f[F_THREAD_PREV]);
	uint64_t parent = get(b, t->f[F_REAL_PARENT]);
	if ((err = read_ppid(t, parent, &ret->ppid)))
		return kinspect_error_wrap(err, "parent of pid %d", ret->pid);
	return NULL;
}

struct kinspect_error *kinspect_tasks_read(struct kinspect_tasks *t, uint64_t address, struct kinspect_task *ret)
{
	return read_task(t, address, true, ret);
}

/* ---- CPUs ----------------------------------------------------------------- */

static struct kinspect_error *read_pointer(struct kinspect_tasks *t, uint64_t addr, uint64_t *ret)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(t->mem, addr, word, 8);
	*ret = kinspect_load_le(word, 8);
	return err;
}

struct kinspect_error *kinspect_tasks_nr_cpus(struct kinspect_tasks *t, unsigned int *ret)
{
	struct kinspect_error *err;
	uint64_t addr = runtime_symbol(t, "nr_cpu_ids", NULL, &err);
	uint8_t word[4];
	if (err || (err = kinspect_memory_read(t->mem, addr, word, 4)))
		return kinspect_error_wrap(err, "nr_cpu_ids");
	*ret = (unsigned int)kinspect_load_le(word, 4);
	return NULL;
}

/* The per-CPU offsets of the NR CPUs from FIRST on, into OFFSETS. */
static struct kinspect_error *cpu_offsets(struct kinspect_tasks *t, unsigned int first, unsigned int nr,
					  uint64_t *offsets)
{
	struct kinspect_error *err;
	uint64_t size, array = runtime_symbol(t, "__per_cpu_offset", &size, &err);
	if (err)
		return kinspect_error_wrap(err, "per-CPU offsets");
	if (nr == 0)
		return NULL;
	if ((uint64_t)first + nr > size / 8)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "CPU %u: the kernel has %" PRIu64 " at most",
					     first + nr - 1, size / 8);
	_cleanup_free_ uint8_t *words = malloc(8 * (size_t)nr);
	if (!words)
		return &kinspect_error_nomem;
	if ((err = kinspect_memory_read(t->mem, array + 8 * (uint64_t)first, words, 8 * (size_t)nr)))
		return kinspect_error_wrap(err, "__per_cpu_offset[%u-%u]", first, first + nr - 1);
	for (unsigned int i = 0; i < nr; i++)
		offsets[i] = kinspect_load_le(words + 8 * i, 8);
	return NULL;
}

/* The link-time-slid address of the per-CPU pointer to the current task. */
static struct kinspect_error *current_var(struct kinspect_tasks *t, uint64_t *ret)
{
	const char *expression;
	uint64_t link;
	struct kinspect_error *err = kinspect_per_cpu_current_task(t->vmlinux, t->types, &expression, &link);
	if (err)
		return err;
	*ret = kinspect_kaslr_runtime(t->slide, link);
	return NULL;
}

/* The same for runqueues' rq->idle; 0 on a kernel without it. */
static uint64_t idle_var(struct kinspect_tasks *t)
{
	struct kinspect_error *err;
	struct kinspect_dwarf_member m;
	uint64_t var = runtime_symbol(t, "runqueues", NULL, &err);
	if (!err)
		err = kinspect_dwarf_types_member(t->types, "struct rq", "idle", &m);
	if (err) {
		kinspect_error_destroy(err);
		return 0;
	}
	return var + m.offset;
}

struct kinspect_error *kinspect_tasks_cpu_current(struct kinspect_tasks *t, unsigned int cpu, uint64_t *ret)
{
	uint64_t var, offset;
	struct kinspect_error *err = cpu_offsets(t, cpu, 1, &offset);
	if (!err)
		err = current_var(t, &var);
	if (err)
		return err;
	if ((err = read_pointer(t, var + offset, ret)))
		return kinspect_error_wrap(err, "current task of CPU %u", cpu);
	return NULL;
}

/* kinspect_tasks_read_cpus(), its per-CPU slots fetched with what ROUND
 * already holds. */
static struct kinspect_error *read_cpus(struct kinspect_tasks *t, struct kinspect_tasks_cpus *ret,
					struct kinspect_ahead *round)
{
	uint64_t cur;
	struct kinspect_error *err = kinspect_tasks_nr_cpus(t, &ret->nr);
	if (!err)
		err = current_var(t, &cur);
	if (err)
		return err;
	if (ret->nr > KINSPECT_TASKS_CPUS_MAX)
		ret->nr = KINSPECT_TASKS_CPUS_MAX;
	_cleanup_free_ uint64_t *offsets = malloc(sizeof(*offsets) * (ret->nr ? ret->nr : 1));
	if (!offsets)
		return &kinspect_error_nomem;
	if ((err = cpu_offsets(t, 0, ret->nr, offsets)))
		return err;
	uint64_t idle = idle_var(t);
	for (unsigned int i = 0; i < ret->nr; i++) {
		kinspect_ahead_add(round, cur + offsets[i], 8);
		if (idle)
			kinspect_ahead_add(round, idle + offsets[i], 8);
	}
	kinspect_ahead_round(round);
	for (unsigned int i = 0; i < ret->nr; i++) {
		if ((err = read_pointer(t, cur + offsets[i], &ret->current[i])))
			return kinspect_error_wrap(err, "current task of CPU %u", i);
		ret->idle[i] = 0;
		if (idle && (err = read_pointer(t, idle + offsets[i], &ret->idle[i])))
			return kinspect_error_wrap(err, "idle task of CPU %u (runqueues.idle)", i);
	}
	return NULL;
}

struct kinspect_error *kinspect_tasks_read_cpus(struct kinspect_tasks *t, struct kinspect_tasks_cpus *ret)
{
	struct kinspect_ahead round = { .mem = t->mem };
	struct kinspect_error *err = read_cpus(t, ret, &round);
	kinspect_ahead_release(&round);
	return err;
}

void kinspect_tasks_mark(const struct kinspect_tasks_cpus *cpus, struct kinspect_task *task)
{
	for (unsigned int i = 0; i < cpus->nr; i++) {
		if (cpus->current[i] == task->address)
			task->on_cpu = true;
		if (cpus->idle[i] == task->address && task->idle_cpu < 0)
			task->idle_cpu = i;
	}
}

/* ---- the walk ------------------------------------------------------------- */

/* A circular list walk: bounded, and Brent's algorithm finds a cycle that
 * does not pass through the head. */
struct list_walk {
	uint64_t head, tortoise;
	uint64_t steps, power, lambda;
	const char *what;
};

static struct kinspect_error *list_check(struct list_walk *w, uint64_t next)
{
	if (!kinspect_arch_kernel_address(next))
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: entry %" PRIu64 ": 0x%" PRIx64
					     " is not a kernel address", w->what, w->steps, next);
	if (next == w->tortoise && w->steps > 0)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: cycle at 0x%" PRIx64
					     " that does not pass through the list head", w->what, next);
	if (++w->steps > KINSPECT_TASKS_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: more than %d entries", w->what,
					     KINSPECT_TASKS_MAX);
	if (++w->lambda == w->power) {
		w->tortoise = next;
		w->power *= 2;
		w->lambda = 0;
	}
	return NULL;
}

struct walk {
	struct kinspect_tasks *t;
	struct kinspect_tasks_cpus *cpus;
	struct kinspect_tasks_ahead *ahead;
	struct kinspect_error *(*fn)(const struct kinspect_task *task, void *arg);
	void *arg;
	uint64_t count;
};

/* Hand TASK, read by the walk, to the caller.  Each list has its bound,
 * the whole walk one too (a thread list per process). */
static struct kinspect_error *report(struct walk *w, struct kinspect_task *task)
{
	if (++w->count > KINSPECT_TASKS_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "more than %d tasks (a corrupted task list)",
					     KINSPECT_TASKS_MAX);
	kinspect_tasks_mark(w->cpus, task);
	kinspect_tasks_ahead_visit(w->ahead, task->pid);
	return w->fn(task, w->arg);
}

/* The threads of LEADER other than itself, in signal->thread_head order. */
static struct kinspect_error *threads(struct walk *w, const struct kinspect_task *leader)
{
	struct kinspect_tasks *t = w->t;
	if (!kinspect_arch_kernel_address(leader->signal))
		return NULL;
	uint64_t head = leader->signal + t->thread_head, node;
	struct kinspect_error *err;
	/* A leader is its list's first entry (copy_signal() starts the list
	 * with it): then its own next pointer starts the walk, with no read
	 * of the signal_struct. */
	if (leader->thread_prev == head)
		node = leader->thread_next;
	else if ((err = read_pointer(t, head, &node)))
		return kinspect_error_wrap(err, "threads of pid %d", leader->pid);
	struct list_walk list = { .head = head, .tortoise = head, .power = 1, .what = "thread list" };
	while (node != head) {
		if ((err = list_check(&list, node)))
			return kinspect_error_wrap(err, "threads of pid %d", leader->pid);
		uint64_t thread = node - t->f[F_THREAD_NEXT].offset;
		struct kinspect_task task;
		if ((err = read_task(t, thread, false, &task)))
			return err;
		node = task.thread_next;
		if (thread != leader->address && (err = report(w, &task)))
			return err;
	}
	return NULL;
}

/* Live: fetch what the walk reads in rounds: the CPUs' tasks, the pid
 * idr level by level, the first task_structs.  Then read the CPUs. */
static struct kinspect_error *begin(struct walk *w)
{
	struct kinspect_tasks *t = w->t;
	struct kinspect_ahead round = { .mem = t->mem };
	if (t->has_ahead)
		w->ahead = kinspect_tasks_ahead_create(t->types, t->mem, &t->ahead, &round);
	struct kinspect_error *err = read_cpus(t, w->cpus, &round);
	if (!err && t->mem->prefetch) {
		for (unsigned int i = 0; i < w->cpus->nr; i++) {
			for (size_t s = 0; w->cpus->idle[i] && s < t->nr_spans; s++)
				kinspect_ahead_add(&round, w->cpus->idle[i] + t->spans[s].addr, t->spans[s].len);
		}
		kinspect_tasks_ahead_step(w->ahead, &round);
		while (kinspect_ahead_round(&round))
			kinspect_tasks_ahead_step(w->ahead, &round);
	}
	kinspect_ahead_release(&round);
	return err;
}

static struct kinspect_error *walk(struct walk *w)
{
	struct kinspect_tasks *t = w->t;
	struct kinspect_task task;
	struct kinspect_error *err;
	bool init_reported = false;
	for (unsigned int i = 0; i < w->cpus->nr; i++) {
		if (!w->cpus->idle[i])
			continue;
		if ((err = read_task(t, w->cpus->idle[i], false, &task)))
			return kinspect_error_wrap(err, "idle task of CPU %u", i);
		init_reported |= task.address == t->init_task;
		if ((err = report(w, &task)) || (err = threads(w, &task)))
			return err;
	}
	/* The processes, init_task (the list's head) first if no CPU named it. */
	if ((err = read_task(t, t->init_task, false, &task)))
		return err;
	if (!init_reported && ((err = report(w, &task)) || (err = threads(w, &task))))
		return err;
	uint64_t head = t->init_task + t->f[F_TASKS_NEXT].offset, next = task.tasks_next;
	struct list_walk procs = { .head = head, .tortoise = head, .power = 1, .what = "init_task.tasks" };
	while (next != head) {
		if ((err = list_check(&procs, next)))
			return err;
		if ((err = read_task(t, next - t->f[F_TASKS_NEXT].offset, false, &task)))
			return err;
		next = task.tasks_next;
		if ((err = report(w, &task)) || (err = threads(w, &task)))
			return err;
	}
	return NULL;
}

struct kinspect_error *kinspect_tasks_for_each(struct kinspect_tasks *t,
					       struct kinspect_error *(*fn)(const struct kinspect_task *task,
									    void *arg),
					       void *arg)
{
	struct walk w = { .t = t, .fn = fn, .arg = arg };
	if (!(w.cpus = malloc(sizeof(*w.cpus))))
		return &kinspect_error_nomem;
	struct kinspect_error *err = begin(&w);
	if (!err)
		err = walk(&w);
	kinspect_tasks_ahead_destroy(w.ahead);
	free(w.cpus);
	return err;
}

struct find_pid {
	int32_t pid;
	struct kinspect_task *ret;
	bool found;
};

static struct kinspect_error *match_pid(const struct kinspect_task *task, void *arg)
{
	struct find_pid *f = arg;
	if (task->pid != f->pid || f->found)
		return NULL;
	*f->ret = *task;
	f->found = true;
	return NULL;
}

struct kinspect_error *kinspect_tasks_find_pid(struct kinspect_tasks *t, int32_t pid, struct kinspect_task *ret)
{
	/* pid 0 is every CPU's idle task: init_task, CPU 0's, comes first. */
	struct find_pid f = { .pid = pid, .ret = ret };
	struct kinspect_error *err = kinspect_tasks_for_each(t, match_pid, &f);
	if (err)
		return err;
	if (!f.found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no task with pid %d", pid);
	return NULL;
}
