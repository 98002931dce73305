/* Breakpoints of a session (see kinspect/breakpoint.h): planting one
 * through the gdbstub, the function's parameters from DWARF placed by the
 * architecture's calling convention, waiting for hits and stepping over
 * them, and taking every breakpoint out before the session lets go of the
 * guest.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/breakpoint.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "debuginfo/dwarf-function.h"
#include "libkinspect/kernel-priv.h"
#include "linux/kaslr.h"
#include "linux/memory.h"
#include "linux/module-symbols.h"
#include "linux/tasks.h"

struct arg_value {
	bool known;
	bool is_address; /* VALUE is the address of a copy on the stack */
	uint64_t value;
};

struct kinspect_breakpoint_hit {
	struct kinspect_breakpoint *bp;
	unsigned long number;
	unsigned int cpu;
	uint64_t pc, task;
	struct arg_value args[KINSPECT_FUNCTION_PARAMS_MAX];
};

struct kinspect_breakpoint {
	/* NULL once the session ended (it took the breakpoint out). */
	struct kinspect_kernel *kernel;
	struct kinspect_breakpoint *next; /* in the session's list */
	uint64_t address;
	bool planted;
	bool at_hit; /* the guest is stopped at HIT */
	/* The function's parameters (none when ARGS_UNKNOWN says why), and
	 * where each is at entry: a register, or an offset above the stack
	 * pointer, or neither (UINT64_MAX). */
	struct kinspect_function fn;
	char *args_unknown;
	char *given; /* the name it was planted at, if any */
	const char *regs[KINSPECT_FUNCTION_PARAMS_MAX];
	uint64_t stack[KINSPECT_FUNCTION_PARAMS_MAX];
	unsigned long nr_hits;
	struct kinspect_breakpoint_hit hit;
};

/* The DWARF function at runtime address BP->address: in the vmlinux (at
 * its link-time address), or in the relocated DWARF of the module holding
 * it. */
static struct kinspect_error *find_function(struct kinspect_breakpoint *bp, uint64_t slide)
{
	struct kinspect_kernel *k = bp->kernel;
	uint64_t link = kinspect_kaslr_link(slide, bp->address);
	if (kinspect_kaslr_in_image(link)) {
		struct kinspect_vmlinux *vmlinux;
		Dwfl *dwfl;
		Dwfl_Module *mod;
		struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
		if (!err)
			err = kinspect_dwarf_function_open(kinspect_vmlinux_path(vmlinux), &dwfl, &mod);
		if (err)
			return err;
		err = kinspect_dwarf_function_at(mod, link, &bp->fn);
		dwfl_end(dwfl);
		return err;
	}
	struct kinspect_module_symbols *ms;
	struct kinspect_error *err = kinspect_kernel_module_symbols(k, &ms);
	if (err)
		return err;
	/* By name: the module symbol at the address, its DWARF entry point
	 * checked against the address. */
	struct kinspect_module_symbol sym;
	struct kinspect_module_debuginfo *md;
	err = kinspect_module_symbols_symbolize(ms, bp->address, &sym);
	if (!err && (sym.offset || sym.from_section))
		err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "0x%" PRIx64 " is not the start of a function",
					    bp->address);
	if (!err)
		err = kinspect_module_symbols_debuginfo(ms, sym.module, &md);
	uint64_t entry;
	Dwarf_Die die;
	if (!err)
		err = kinspect_module_debuginfo_function(md, sym.name, &entry, &die);
	if (!err && entry != bp->address)
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT,
					    "the DWARF of %s enters it at 0x%" PRIx64 ", not 0x%" PRIx64, sym.name, entry,
					    bp->address);
	if (!err)
		err = kinspect_dwarf_function_from_die(&die, entry, &bp->fn);
	return err;
}

/* The function's parameters and where the calling convention has them at
 * entry.  Without DWARF for it the breakpoint still works, with none. */
static void load_function(struct kinspect_breakpoint *bp, uint64_t slide)
{
	struct kinspect_error *err = find_function(bp, slide);
	if (err) {
		bp->fn = (struct kinspect_function){ 0 };
		bp->args_unknown = kinspect_error_string(err);
		if (!bp->args_unknown)
			bp->args_unknown = strdup("out of memory");
		kinspect_error_destroy(err);
		return;
	}
	uint64_t sizes[KINSPECT_FUNCTION_PARAMS_MAX];
	bool aggregate[KINSPECT_FUNCTION_PARAMS_MAX];
	for (size_t i = 0; i < bp->fn.nr_params; i++) {
		sizes[i] = bp->fn.params[i].size;
		aggregate[i] = bp->fn.params[i].aggregate;
	}
	kinspect_arch()->entry_args(bp->fn.nr_params, sizes, aggregate, bp->regs, bp->stack);
}

struct kinspect_error *kinspect_kernel_breakpoint_create_at(struct kinspect_kernel *k, uint64_t address,
							    struct kinspect_breakpoint **ret)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	struct kinspect_gdbstub *gs = kinspect_kernel_gdbstub(k);
	if (!gs)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "breakpoints need a live target (a QEMU gdbstub), not a dump");
	if ((err = kinspect_kernel_kaslr_record(k, &kaslr)))
		return err;
	struct kinspect_breakpoint *bp = calloc(1, sizeof(*bp));
	if (!bp)
		return &kinspect_error_nomem;
	bp->kernel = k;
	bp->address = address;
	bp->hit.bp = bp;
	load_function(bp, kaslr->slide);
	if ((err = kinspect_gdbstub_breakpoint(gs, address, true))) {
		free(bp->args_unknown);
		free(bp);
		return kinspect_error_wrap(err, "cannot plant a breakpoint at 0x%" PRIx64, address);
	}
	bp->planted = true;
	struct kinspect_breakpoint **list = kinspect_kernel_breakpoints(k);
	bp->next = *list;
	*list = bp;
	*ret = bp;
	return NULL;
}

struct kinspect_error *kinspect_kernel_breakpoint_create(struct kinspect_kernel *k, const char *function,
							 struct kinspect_breakpoint **ret)
{
	uint64_t address;
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (!err)
		err = kinspect_kernel_symbol(k, function, &address);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND)
		err = kinspect_error_wrap(err, "break %s: not a symbol of the vmlinux or of a loaded module", function);
	struct kinspect_breakpoint *bp;
	if (err || (err = kinspect_kernel_breakpoint_create_at(k, address, &bp)))
		return err;
	if (!(bp->given = strdup(function))) {
		kinspect_breakpoint_destroy(bp);
		return &kinspect_error_nomem;
	}
	*ret = bp;
	return NULL;
}

struct kinspect_error *kinspect_breakpoint_remove(struct kinspect_breakpoint *bp)
{
	if (!bp->planted || !bp->kernel)
		return NULL;
	struct kinspect_gdbstub *gs = kinspect_kernel_gdbstub(bp->kernel);
	if (!gs) {
		/* The target closed: the connection took it along. */
		bp->planted = false;
		return NULL;
	}
	/* Taking the breakpoint out is part of leaving the guest as it was
	 * found, which is what a signal (the cancel flag) asks for. */
	kinspect_gdbstub_set_cancel(gs, NULL);
	struct kinspect_error *err = kinspect_gdbstub_stop(gs);
	if (!err)
		err = kinspect_gdbstub_breakpoint(gs, bp->address, false);
	kinspect_gdbstub_set_cancel(gs, kinspect_kernel_cancel(bp->kernel));
	if (err)
		return kinspect_error_wrap(err, "cannot remove the breakpoint at 0x%" PRIx64, bp->address);
	bp->planted = false;
	return NULL;
}

/* Out of the session's list. */
static void unlink_breakpoint(struct kinspect_breakpoint *bp)
{
	if (!bp->kernel)
		return;
	for (struct kinspect_breakpoint **p = kinspect_kernel_breakpoints(bp->kernel); *p; p = &(*p)->next) {
		if (*p == bp) {
			*p = bp->next;
			break;
		}
	}
	bp->kernel = NULL;
}

void kinspect_breakpoint_destroy(struct kinspect_breakpoint *bp)
{
	if (!bp)
		return;
	kinspect_error_destroy(kinspect_breakpoint_remove(bp));
	unlink_breakpoint(bp);
	free(bp->args_unknown);
	free(bp->given);
	free(bp);
}

void kinspect_kernel_release_breakpoints(struct kinspect_kernel *k)
{
	struct kinspect_breakpoint **list = kinspect_kernel_breakpoints(k);
	while (*list) {
		struct kinspect_breakpoint *bp = *list;
		kinspect_error_destroy(kinspect_breakpoint_remove(bp));
		bp->at_hit = false;
		unlink_breakpoint(bp);
	}
}

static struct kinspect_error *check_live(const struct kinspect_breakpoint *bp, struct kinspect_gdbstub **ret)
{
	if (!bp->kernel || !kinspect_kernel_gdbstub(bp->kernel))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "breakpoint at 0x%" PRIx64 ": its session has let go of the guest", bp->address);
	*ret = kinspect_kernel_gdbstub(bp->kernel);
	return NULL;
}

struct kinspect_error *kinspect_breakpoint_continue(struct kinspect_breakpoint *bp)
{
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = check_live(bp, &gs);
	if (err || kinspect_gdbstub_is_running(gs))
		return err;
	if (bp->at_hit && bp->planted) {
		/* The breakpoint is at the hitting vCPU's pc and QEMU would
		 * stop there again: step over it with it taken out. */
		size_t cpu = bp->hit.cpu;
		err = kinspect_gdbstub_breakpoint(gs, bp->address, false);
		if (!err)
			err = kinspect_gdbstub_step(gs, cpu);
		if (!err)
			err = kinspect_gdbstub_breakpoint(gs, bp->address, true);
		if (err)
			return kinspect_error_wrap(err, "stepping over the breakpoint at 0x%" PRIx64, bp->address);
	}
	bp->at_hit = false;
	return kinspect_gdbstub_resume(gs);
}

/* Argument I at a hit on vCPU THREAD. */
static struct kinspect_error *read_arg(struct kinspect_breakpoint *bp, struct kinspect_gdbstub *gs, size_t thread,
				       size_t i, struct arg_value *ret)
{
	const struct kinspect_function_param *p = &bp->fn.params[i];
	*ret = (struct arg_value){ 0 };
	if (bp->regs[i]) {
		/* One register: the value; two (a 16-byte struct): the first. */
		struct kinspect_error *err = kinspect_gdbstub_read_register(gs, thread, bp->regs[i], &ret->value);
		if (err)
			return err;
		if (p->size < 8 && !p->aggregate)
			ret->value &= (UINT64_C(1) << (8 * p->size)) - 1;
		ret->known = true;
		return NULL;
	}
	if (bp->stack[i] == UINT64_MAX)
		return NULL;
	uint64_t sp;
	struct kinspect_error *err = kinspect_arch()->read_sp(gs, thread, &sp);
	if (err)
		return err;
	if (p->aggregate || p->size > 8) {
		ret->value = sp + bp->stack[i];
		ret->is_address = true;
		ret->known = true;
		return NULL;
	}
	uint8_t buf[8] = { 0 };
	if ((err = kinspect_gdbstub_read_memory(gs, sp + bp->stack[i], buf, p->size, false)))
		return err;
	ret->value = kinspect_load_le(buf, p->size);
	ret->known = true;
	return NULL;
}

/* What the hit on vCPU THREAD at PC shows. */
static struct kinspect_error *record_hit(struct kinspect_breakpoint *bp, struct kinspect_gdbstub *gs, size_t thread,
					 uint64_t pc)
{
	struct kinspect_breakpoint_hit *hit = &bp->hit;
	*hit = (struct kinspect_breakpoint_hit){ .bp = bp, .number = ++bp->nr_hits, .cpu = (unsigned int)thread,
						 .pc = pc };
	bp->at_hit = true;
	/* The hitting vCPU's page tables: its stack, and the user memory of
	 * the task that hit, for whatever the caller reads next. */
	struct kinspect_error *err = kinspect_gdbstub_set_memory_thread(gs, thread);
	for (size_t i = 0; !err && i < bp->fn.nr_params; i++)
		if ((err = read_arg(bp, gs, thread, i, &hit->args[i])))
			err = kinspect_error_wrap(err, "argument %s", bp->fn.params[i].name);
	if (err)
		return err;
	struct kinspect_tasks *tasks;
	uint64_t task;
	if (!(err = kinspect_kernel_tasks(bp->kernel, &tasks)) &&
	    !(err = kinspect_tasks_cpu_current(tasks, hit->cpu, &task)))
		hit->task = task;
	kinspect_error_destroy(err); /* a hit without its task */
	return NULL;
}

struct kinspect_error *kinspect_breakpoint_wait(struct kinspect_breakpoint *bp, int timeout_ms,
						const struct kinspect_breakpoint_hit **ret)
{
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = check_live(bp, &gs);
	if (err)
		return err;
	if (!bp->planted)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the breakpoint at 0x%" PRIx64 " was removed",
					     bp->address);
	if ((err = kinspect_breakpoint_continue(bp)))
		return err;
	size_t thread;
	if ((err = kinspect_gdbstub_wait_stop(gs, timeout_ms, kinspect_kernel_cancel(bp->kernel), &thread)))
		return err;
	uint64_t pc;
	if ((err = kinspect_arch()->read_pc(gs, thread, &pc)))
		return err;
	if (pc != bp->address)
		/* Someone else stopped the guest (the monitor's "stop"):
		 * leave it as it is. */
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "the guest stopped at 0x%" PRIx64
					     " on cpu %zu, not at the breakpoint", pc, thread);
	if ((err = record_hit(bp, gs, thread, pc)))
		return kinspect_error_wrap(err, "hit %lu at 0x%" PRIx64, bp->nr_hits, pc);
	*ret = &bp->hit;
	return NULL;
}

uint64_t kinspect_breakpoint_address(const struct kinspect_breakpoint *bp)
{
	return bp->address;
}

const char *kinspect_breakpoint_function(const struct kinspect_breakpoint *bp)
{
	return !bp->args_unknown ? bp->fn.name : bp->given;
}

const char *kinspect_breakpoint_args_unknown(const struct kinspect_breakpoint *bp)
{
	return bp->args_unknown;
}

unsigned long kinspect_breakpoint_nr_hits(const struct kinspect_breakpoint *bp)
{
	return bp->nr_hits;
}

size_t kinspect_breakpoint_nr_args(const struct kinspect_breakpoint *bp)
{
	return bp->fn.nr_params;
}

const char *kinspect_breakpoint_arg_name(const struct kinspect_breakpoint *bp, size_t i)
{
	return bp->fn.params[i].name;
}

const char *kinspect_breakpoint_arg_type(const struct kinspect_breakpoint *bp, size_t i)
{
	return bp->fn.params[i].type;
}

int kinspect_breakpoint_arg_index(const struct kinspect_breakpoint *bp, const char *name)
{
	for (size_t i = 0; i < bp->fn.nr_params; i++)
		if (strcmp(bp->fn.params[i].name, name) == 0)
			return (int)i;
	return -1;
}

unsigned long kinspect_breakpoint_hit_number(const struct kinspect_breakpoint_hit *hit)
{
	return hit->number;
}

unsigned int kinspect_breakpoint_hit_cpu(const struct kinspect_breakpoint_hit *hit)
{
	return hit->cpu;
}

uint64_t kinspect_breakpoint_hit_pc(const struct kinspect_breakpoint_hit *hit)
{
	return hit->pc;
}

uint64_t kinspect_breakpoint_hit_task(const struct kinspect_breakpoint_hit *hit)
{
	return hit->task;
}

bool kinspect_breakpoint_hit_arg(const struct kinspect_breakpoint_hit *hit, size_t i, uint64_t *ret_value,
				 bool *ret_is_address)
{
	const struct arg_value *v = &hit->args[i];
	if (!v->known)
		return false;
	*ret_value = v->value;
	*ret_is_address = v->is_address;
	return true;
}

struct kinspect_error *kinspect_breakpoint_hit_stack_trace(const struct kinspect_breakpoint_hit *hit,
							   struct kinspect_stack_trace **ret)
{
	const struct kinspect_breakpoint *bp = hit->bp;
	if (!bp->kernel || !bp->at_hit)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "hit %lu at 0x%" PRIx64 ": the guest no longer stands there", hit->number,
					     hit->pc);
	return kinspect_kernel_stack_trace_cpu(bp->kernel, hit->cpu, ret);
}
