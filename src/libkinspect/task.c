/* The tasks of a session (see kinspect/task.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include <kinspect/task.h>

#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/tasks.h"

struct kinspect_error *kinspect_kernel_for_each_task(struct kinspect_kernel *k,
						     struct kinspect_error *(*fn)(const struct kinspect_task *, void *),
						     void *arg)
{
	struct kinspect_tasks *tasks;
	struct kinspect_error *err = kinspect_kernel_tasks(k, &tasks);
	return err ? err : kinspect_tasks_for_each(tasks, fn, arg);
}

struct kinspect_error *kinspect_kernel_find_task(struct kinspect_kernel *k, int32_t pid, uint64_t address,
						 struct kinspect_error *(*fn)(const struct kinspect_task *, void *),
						 void *arg)
{
	struct kinspect_tasks *tasks;
	struct kinspect_task task;
	struct kinspect_error *err = kinspect_kernel_tasks(k, &tasks);
	if (!err && pid >= 0)
		err = kinspect_tasks_find_pid(tasks, pid, &task);
	else if (!err) {
		/* By address: which CPU runs it or idles in it, read apart. */
		struct kinspect_tasks_cpus *cpus = malloc(sizeof(*cpus));
		if (!cpus)
			return &kinspect_error_nomem;
		err = kinspect_tasks_read(tasks, address, &task);
		if (!err && !(err = kinspect_tasks_read_cpus(tasks, cpus)))
			kinspect_tasks_mark(cpus, &task);
		free(cpus);
	}
	return err ? err : fn(&task, arg);
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

int32_t kinspect_task_ppid(const struct kinspect_task *t)
{
	return t->ppid;
}

const char *kinspect_task_raw_state(const struct kinspect_task *t)
{
	return t->raw_state;
}

uint64_t kinspect_task_state_bits(const struct kinspect_task *t)
{
	return t->state_bits;
}

int64_t kinspect_task_idle_cpu(const struct kinspect_task *t)
{
	return t->idle_cpu;
}
