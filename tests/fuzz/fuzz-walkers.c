/* libFuzzer harness for the kernel-structure walkers: guest memory is the
 * fuzzer's input, repeated over a 16 MiB window of kernel addresses, so that
 * every pointer into the window is valid and lands on hostile bytes (and
 * pointers alias one another: cycles everywhere).  The module list, module
 * sections, iov_iter segments and folio_queue chains, the task walk (the
 * idle tasks, init_task.tasks, thread lists, parents, and its reading ahead
 * through the pid idr) and the printk ring must end in a result or an
 * error, never a crash, a leak or a hang.  Layouts come from a real vmlinux:
 * $FUZZ_VMLINUX.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang, linked with the
 * library's fuzz variant, Makefile.am's "fuzz-library"). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"
#include "linux/iov-iter.h"
#include "linux/module-sections.h"
#include "linux/modules.h"
#include "linux/printk.h"
#include "linux/tasks.h"
#include "fuzz-kernel.h"

#define WINDOW_BASE 0xffff888000000000ULL
#define WINDOW_SIZE (16ULL << 20)


struct input {
	const uint8_t *data;
	size_t size;
};

static struct kinspect_error *fuzz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct input *in = ctx;
	if (addr < WINDOW_BASE || addr - WINDOW_BASE > WINDOW_SIZE || len > WINDOW_SIZE - (addr - WINDOW_BASE) ||
	    in->size == 0)
		return kinspect_error_fault(addr, "outside the fuzzed window");
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = in->data[(addr - WINDOW_BASE + i) % in->size];
	return NULL;
}

/* The task walk needs the names of task_state_array[] (it refuses an
 * array it cannot parse): they come from this fixed copy, placed outside
 * the window; everything else the walk reads is the fuzzer's. */
#define STATES_BASE 0xffff889000000000ULL
#define STATE_LEN 32
static const char *const state_strings[] = {
	"R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)", "t (tracing stop)",
	"X (dead)",    "Z (zombie)",   "P (parked)",     "I (idle)",
};
#define NR_STATES (sizeof(state_strings) / sizeof(state_strings[0]))
/* The kernel's data at this slide lies in the window (task_state_array at
 * its start, nr_cpu_ids some 12 MiB on). */
static uint64_t tasks_slide, states_array;

static bool fixture_byte(uint64_t a, uint8_t *ret)
{
	if (a >= states_array && a - states_array < 8 * NR_STATES) {
		uint64_t ptr = STATES_BASE + (a - states_array) / 8 * STATE_LEN;
		*ret = (uint8_t)(ptr >> (8 * ((a - states_array) % 8)));
		return true;
	}
	if (a >= STATES_BASE && a - STATES_BASE < STATE_LEN * NR_STATES) {
		const char *str = state_strings[(a - STATES_BASE) / STATE_LEN];
		size_t i = (a - STATES_BASE) % STATE_LEN;
		*ret = i < strlen(str) ? (uint8_t)str[i] : 0;
		return true;
	}
	return false;
}

static struct kinspect_error *tasks_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t *b = (uint8_t *)buf + i;
		struct kinspect_error *err;
		if (!fixture_byte(addr + i, b) && (err = fuzz_read(ctx, addr + i, b, 1)))
			return err;
	}
	return NULL;
}

/* A prefetch that fetches nothing: the walk's planner still runs. */
static void no_prefetch(void *ctx, const struct kinspect_memory_range *ranges, size_t nr)
{
	(void)ctx;
	(void)ranges;
	(void)nr;
}

static struct kinspect_error *count_task(const struct kinspect_task *task, void *arg)
{
	(void)task;
	++*(size_t *)arg;
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_open_kernel();
	uint64_t link;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "task_state_array", &link, NULL);
	if (err)
		fuzz_die(err);
	tasks_slide = WINDOW_BASE - (link & ~(uint64_t)0xfffff);
	states_array = link + tasks_slide;
	/* The walkers' first DWARF questions scan the whole .debug_info
	 * (seconds, more on a loaded machine): asked here, once, so that
	 * -timeout measures each input's own work (a cold scan once timed
	 * out an input in CI). */
	static const uint8_t zeros[4096];
	LLVMFuzzerTestOneInput(zeros, sizeof(zeros));
	return 0;
}

static struct kinspect_error *count_segment(const struct kinspect_iov_segment *seg, void *arg)
{
	(void)seg;
	++*(size_t *)arg;
	return NULL;
}

static struct kinspect_error *count_section(const char *name, uint64_t address, void *arg)
{
	(void)name;
	(void)address;
	++*(size_t *)arg;
	return NULL;
}

/* A printk record as the walker hands it out: within its bounds. */
static struct kinspect_error *check_record(const struct kinspect_dmesg_record *r, void *arg)
{
	if (r->level > 7 || r->text_len > UINT16_MAX || r->text[r->text_len] != '\0' || !r->subsystem || !r->device)
		abort();
	++*(size_t *)arg;
	return NULL;
}

struct module_walk {
	const struct kinspect_memory *mem;
	size_t sections;
};

static struct kinspect_error *each_module(const struct kinspect_module *m, void *arg)
{
	struct module_walk *w = arg;
	kinspect_error_destroy(kinspect_module_sections(types, w->mem, m->address, count_section, &w->sections));
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct kinspect_memory mem = { .read = fuzz_read, .ctx = &in };

	/* An iov_iter at the start of the window, whatever its type says. */
	struct kinspect_iov_iter it;
	struct kinspect_error *err = kinspect_iov_iter_read(types, &mem, WINDOW_BASE, &it);
	if (!err) {
		size_t n = 0;
		bool truncated;
		err = kinspect_iov_iter_segments(types, &mem, &it, 256, count_segment, &n, &truncated);
		if (n > 256)
			abort(); /* the bound was not kept */
	}
	kinspect_error_destroy(err);

	/* A printk ring at the window's start: geometry, ids, states and
	 * data blocks all hostile. */
	size_t records = 0;
	kinspect_error_destroy(kinspect_printk_ring_for_each(types, &mem, WINDOW_BASE, 0, check_record, &records, NULL));

	/* The module list, its head placed at the window's start (a "slide"
	 * that moves the modules symbol there). */
	struct module_walk w = { .mem = &mem };
	kinspect_error_destroy(kinspect_modules_for_each(types, vmlinux, WINDOW_BASE - modules_link, &mem,
							 each_module, &w));

	/* Every task, read ahead as live (the planner peeks at the window). */
	struct kinspect_memory tmem = { .read = tasks_read, .ctx = &in, .prefetch = no_prefetch };
	struct kinspect_tasks *tasks;
	if (!(err = kinspect_tasks_create(types, vmlinux, tasks_slide, &tmem, &tasks))) {
		size_t n = 0;
		err = kinspect_tasks_for_each(tasks, count_task, &n);
		if (n > KINSPECT_TASKS_MAX)
			abort(); /* the bound was not kept */
		kinspect_tasks_destroy(tasks);
	}
	kinspect_error_destroy(err);
	return 0;
}
