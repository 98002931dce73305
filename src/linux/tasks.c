/* Tasks of the kernel model.
 *
 * Members that moved, chosen by presence:
 * - task->__state since commit 2f064a59a11f ("sched: Change
 *   task_struct::state", v5.14), task->state before;
 * - task->thread_info.cpu since commit bcf9033e5449 ("sched: move CPU field
 *   back into thread_info if THREAD_INFO_IN_TASK=y", v5.16), task->cpu
 *   before;
 * - the current task in pcpu_hot.current_task since commit 7443b296e699
 *   ("Move current_task to percpu hot section", v6.2), the
 *   per-CPU current_task before (and again after pcpu_hot was dissolved).
 * Threads are found through signal->thread_head/task->thread_node, which
 * every kernel since v3.14 has (task->thread_group is gone since v6.7).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/tasks.h"

/* TASK_NOLOAD and TASK_UNINTERRUPTIBLE, #defines in include/linux/sched.h
 * (no DWARF): together they make TASK_IDLE, reported as the last entry of
 * task_state_array[] ("I (idle)") since v4.14. */
#define TASK_UNINTERRUPTIBLE 0x0002
#define TASK_NOLOAD 0x0400
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define STATE_NAMES_MAX 16
/* A task_struct larger than this is not one (6.12 amd64: about 13 KiB). */
#define TASK_STRUCT_MAX (64 * 1024)

struct field {
	uint64_t offset, size;
};

struct kinspect_tasks {
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	uint64_t task_size;
	struct field pid, tgid, comm, state, exit_state, tasks_next, signal, thread_node_next, cpu, thread_sp,
		stack, mm;
	uint64_t thread_head; /* offset in struct signal_struct */
	uint64_t init_task;
	char state_letters[STATE_NAMES_MAX][4];
	char state_names[STATE_NAMES_MAX][24];
	unsigned int nr_states;
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
	bool has;
	struct kinspect_error *err = kinspect_dwarf_types_has_member(t->types, "struct task_struct", path, &has);
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

/* The names /proc/PID/stat and ps print, from the guest's own
 * task_state_array[] ("R (running)", "S (sleeping)", ...). */
static struct kinspect_error *load_state_names(struct kinspect_tasks *t)
{
	uint64_t size;
	struct kinspect_error *err;
	uint64_t array = runtime_symbol(t, "task_state_array", &size, &err);
	if (err)
		return kinspect_error_wrap(err, "task state names");
	t->nr_states = (unsigned int)(size / 8 < STATE_NAMES_MAX ? size / 8 : STATE_NAMES_MAX);
	for (unsigned int i = 0; i < t->nr_states; i++) {
		uint8_t word[8];
		char text[32] = "";
		if ((err = kinspect_memory_read(t->mem, array + 8 * i, word, 8)) ||
		    (err = kinspect_memory_read(t->mem, kinspect_load_le(word, 8), text, sizeof(text) - 1)))
			return kinspect_error_wrap(err, "task_state_array[%u]", i);
		/* "X (name)" */
		char *open = strchr(text, '('), *close = open ? strchr(open, ')') : NULL;
		if (!open || !close || open == text)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task_state_array[%u] is \"%.31s\"", i,
						     text);
		snprintf(t->state_letters[i], sizeof(t->state_letters[i]), "%.*s", (int)strcspn(text, " ("), text);
		snprintf(t->state_names[i], sizeof(t->state_names[i]), "%.*s", (int)(close - open - 1), open + 1);
	}
	if (t->nr_states < 3)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task_state_array has %u entries", t->nr_states);
	return NULL;
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
	/* The saved stack pointer of a switched-out task: thread.sp, or
	 * thread.cpu_context.sp where the architecture's thread_struct keeps
	 * the whole switch context (arm64). */
	if ((err = field(t, "pid", &t->pid)) || (err = field(t, "tgid", &t->tgid)) ||
	    (err = field(t, "comm", &t->comm)) || (err = either(t, "__state", "state", &t->state)) ||
	    (err = field(t, "exit_state", &t->exit_state)) || (err = field(t, "tasks.next", &t->tasks_next)) ||
	    (err = field(t, "signal", &t->signal)) || (err = field(t, "thread_node.next", &t->thread_node_next)) ||
	    (err = either(t, "thread_info.cpu", "cpu", &t->cpu)) || (err = either(t, "thread.sp", "thread.cpu_context.sp", &t->thread_sp)) ||
	    (err = field(t, "stack", &t->stack)) || (err = field(t, "mm", &t->mm)) ||
	    (err = kinspect_dwarf_types_member(types, "struct signal_struct", "thread_head", &m)))
		return kinspect_error_wrap(err, "layout of struct task_struct");
	t->thread_head = m.offset;
	t->init_task = runtime_symbol(t, "init_task", NULL, &err);
	if (err || (err = load_state_names(t)))
		return err;
	if (!(t->buf = malloc(t->task_size)))
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

/* fls() of the reported bits, as task_state_index() computes it. */
static unsigned int state_index(const struct kinspect_tasks *t, uint64_t state, uint64_t exit_state)
{
	unsigned int report_bits = t->nr_states - 2; /* the last entry is "idle" */
	if ((state & TASK_IDLE) == TASK_IDLE)
		return t->nr_states - 1;
	uint64_t reported = (state | exit_state) & ((1ULL << report_bits) - 1);
	unsigned int index = 0;
	while (reported) {
		index++;
		reported >>= 1;
	}
	return index;
}

struct kinspect_error *kinspect_tasks_read(struct kinspect_tasks *t, uint64_t address, struct kinspect_task *ret)
{
	if (!kinspect_arch_kernel_address(address))
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task 0x%" PRIx64 " is not a kernel address",
					     address);
	struct kinspect_error *err = kinspect_memory_read(t->mem, address, t->buf, t->task_size);
	if (err)
		return kinspect_error_wrap(err, "task_struct at 0x%" PRIx64, address);
	memset(ret, 0, sizeof(*ret));
	ret->address = address;
	ret->pid = (int32_t)get(t->buf, t->pid);
	ret->tgid = (int32_t)get(t->buf, t->tgid);
	size_t len = t->comm.size < sizeof(ret->comm) ? t->comm.size : sizeof(ret->comm) - 1;
	memcpy(ret->comm, t->buf + t->comm.offset, len);
	ret->comm[strnlen(ret->comm, len)] = '\0';
	unsigned int index = state_index(t, get(t->buf, t->state), get(t->buf, t->exit_state));
	if (index < t->nr_states) {
		memcpy(ret->state_letter, t->state_letters[index], sizeof(ret->state_letter));
		memcpy(ret->state_name, t->state_names[index], sizeof(ret->state_name));
	} else {
		strcpy(ret->state_letter, "?");
		snprintf(ret->state_name, sizeof(ret->state_name), "0x%" PRIx64, get(t->buf, t->state));
	}
	ret->cpu = (int64_t)get(t->buf, t->cpu);
	if (t->cpu.size == 4)
		ret->cpu = (int32_t)ret->cpu;
	ret->thread_sp = get(t->buf, t->thread_sp);
	ret->stack = get(t->buf, t->stack);
	ret->kernel_thread = get(t->buf, t->mm) == 0;
	return NULL;
}

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

static struct kinspect_error *read_pointer(struct kinspect_tasks *t, uint64_t addr, uint64_t *ret)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(t->mem, addr, word, 8);
	*ret = kinspect_load_le(word, 8);
	return err;
}

struct kinspect_error *kinspect_tasks_for_each(struct kinspect_tasks *t,
					       struct kinspect_error *(*fn)(const struct kinspect_task *task,
									    void *arg),
					       void *arg)
{
	uint64_t head = t->init_task + t->tasks_next.offset, next = head;
	struct list_walk procs = { .head = head, .tortoise = head, .power = 1, .what = "init_task.tasks" };
	struct kinspect_error *err;
	do {
		uint64_t leader = next - t->tasks_next.offset;
		struct kinspect_task task;
		if ((err = kinspect_tasks_read(t, leader, &task)))
			return err;
		uint64_t leader_next = get(t->buf, t->tasks_next);
		uint64_t signal = get(t->buf, t->signal);
		if ((err = fn(&task, arg)))
			return err;
		/* The other threads of the process. */
		if (kinspect_arch_kernel_address(signal)) {
			uint64_t thead = signal + t->thread_head, tnext;
			struct list_walk threads = { .head = thead, .tortoise = thead, .power = 1, .what = "thread list" };
			if ((err = read_pointer(t, thead, &tnext)))
				return kinspect_error_wrap(err, "threads of pid %d", task.pid);
			while (tnext != thead) {
				if ((err = list_check(&threads, tnext)))
					return kinspect_error_wrap(err, "threads of pid %d", task.pid);
				uint64_t thread = tnext - t->thread_node_next.offset;
				if ((err = kinspect_tasks_read(t, thread, &task)))
					return err;
				tnext = get(t->buf, t->thread_node_next);
				if (thread != leader && (err = fn(&task, arg)))
					return err;
			}
		}
		next = leader_next;
		if (next != head && (err = list_check(&procs, next)))
			return err;
	} while (next != head);
	return NULL;
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
	/* pid 0 is every CPU's idle task: init_task is CPU 0's. */
	struct find_pid f = { .pid = pid, .ret = ret };
	struct kinspect_error *err = kinspect_tasks_for_each(t, match_pid, &f);
	if (err)
		return err;
	if (!f.found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no task with pid %d", pid);
	return NULL;
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

struct kinspect_error *kinspect_tasks_cpu_current(struct kinspect_tasks *t, unsigned int cpu, uint64_t *ret)
{
	struct kinspect_error *err;
	uint64_t offsets_size;
	uint64_t offsets = runtime_symbol(t, "__per_cpu_offset", &offsets_size, &err);
	if (err)
		return kinspect_error_wrap(err, "per-CPU offsets");
	if ((uint64_t)cpu >= offsets_size / 8)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "CPU %u: the kernel has %" PRIu64 " at most",
					     cpu, offsets_size / 8);
	uint64_t offset;
	if ((err = read_pointer(t, offsets + 8 * (uint64_t)cpu, &offset)))
		return kinspect_error_wrap(err, "__per_cpu_offset[%u]", cpu);
	uint64_t var = runtime_symbol(t, "pcpu_hot", NULL, &err);
	if (!err) {
		struct kinspect_dwarf_member m;
		if ((err = kinspect_dwarf_types_member(t->types, "struct pcpu_hot", "current_task", &m)))
			return err;
		var += m.offset;
	} else if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		var = runtime_symbol(t, "current_task", NULL, &err);
	}
	if (err)
		return kinspect_error_wrap(err, "per-CPU current task");
	if ((err = read_pointer(t, var + offset, ret)))
		return kinspect_error_wrap(err, "current task of CPU %u", cpu);
	return NULL;
}
