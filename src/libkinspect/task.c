/* The tasks of a session (see kinspect/task.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include <kinspect/task.h>

#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/tasks.h"

/* The tasks the CPUs run, read once per walk: each task is then marked
 * on_cpu without a read of its own. */
#define CPUS_MAX 4096

struct walk {
	struct kinspect_error *(*fn)(const struct kinspect_task *, void *);
	void *arg;
	uint64_t current[CPUS_MAX];
	unsigned int nr_cpus;
};

/* A new walk for FN and ARG with the CPUs' current tasks read, in *RET. */
static struct kinspect_error *walk_create(struct kinspect_tasks *tasks,
					  struct kinspect_error *(*fn)(const struct kinspect_task *, void *), void *arg,
					  struct walk **ret)
{
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return &kinspect_error_nomem;
	w->fn = fn;
	w->arg = arg;
	struct kinspect_error *err = kinspect_tasks_nr_cpus(tasks, &w->nr_cpus);
	if (w->nr_cpus > CPUS_MAX)
		w->nr_cpus = CPUS_MAX;
	for (unsigned int i = 0; i < w->nr_cpus && !err; i++)
		err = kinspect_tasks_cpu_current(tasks, i, &w->current[i]);
	if (err) {
		free(w);
		return err;
	}
	*ret = w;
	return NULL;
}

static struct kinspect_error *each(const struct kinspect_task *task, void *arg)
{
	struct walk *w = arg;
	struct kinspect_task t = *task;
	for (unsigned int i = 0; i < w->nr_cpus && !t.on_cpu; i++)
		t.on_cpu = w->current[i] == t.address;
	return w->fn(&t, w->arg);
}

struct kinspect_error *kinspect_kernel_for_each_task(struct kinspect_kernel *k,
						     struct kinspect_error *(*fn)(const struct kinspect_task *, void *),
						     void *arg)
{
	struct kinspect_tasks *tasks;
	struct kinspect_error *err = kinspect_kernel_tasks(k, &tasks);
	if (err)
		return err;
	struct walk *w;
	if ((err = walk_create(tasks, fn, arg, &w)))
		return err;
	err = kinspect_tasks_for_each(tasks, each, w);
	free(w);
	return err;
}

struct kinspect_error *kinspect_kernel_find_task(struct kinspect_kernel *k, int32_t pid, uint64_t address,
						 struct kinspect_error *(*fn)(const struct kinspect_task *, void *),
						 void *arg)
{
	struct kinspect_tasks *tasks;
	struct kinspect_task task;
	struct kinspect_error *err = kinspect_kernel_tasks(k, &tasks);
	if (!err)
		err = pid >= 0 ? kinspect_tasks_find_pid(tasks, pid, &task) : kinspect_tasks_read(tasks, address, &task);
	if (err)
		return err;
	struct walk *w;
	if ((err = walk_create(tasks, fn, arg, &w)))
		return err;
	err = each(&task, w);
	free(w);
	return err;
}

bool kinspect_task_on_cpu(const struct kinspect_task *t)
{
	return t->on_cpu;
}

uint64_t kinspect_task_address(const struct kinspect_task *t)
{
	return t->address;
}

int32_t kinspect_task_pid(const struct kinspect_task *t)
{
	return t->pid;
}

int32_t kinspect_task_tgid(const struct kinspect_task *t)
{
	return t->tgid;
}

const char *kinspect_task_comm(const struct kinspect_task *t)
{
	return t->comm;
}

const char *kinspect_task_state(const struct kinspect_task *t)
{
	return t->state_letter;
}

const char *kinspect_task_state_name(const struct kinspect_task *t)
{
	return t->state_name;
}

int64_t kinspect_task_cpu(const struct kinspect_task *t)
{
	return t->cpu;
}

bool kinspect_task_is_kernel_thread(const struct kinspect_task *t)
{
	return t->kernel_thread;
}
