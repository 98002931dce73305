/* libFuzzer harness for the kernel-structure walkers: guest memory is the
 * fuzzer's input, repeated over a 16 MiB window of kernel addresses, so that
 * every pointer into the window is valid and lands on hostile bytes (and
 * pointers alias one another: cycles everywhere).  The module list, module
 * sections, iov_iter segments, folio_queue chains and the printk ring must
 * end in a result or an error, never a crash, a leak or a hang.  Layouts come from a real
 * vmlinux: $FUZZ_VMLINUX.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_open_kernel();
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
	return 0;
}
