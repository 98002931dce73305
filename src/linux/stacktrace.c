/* Kernel stack traces over the architecture's unwinder (see
 * stacktrace.h): the module list it asks about, the walk and its bounds.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "linux/modules.h"
#include "linux/stacktrace.h"

/* Two stack pointers this close are on the same stack (stacks are 16 KiB,
 * IRQ and exception stacks are further apart). */
#define SAME_STACK_DISTANCE (64 * 1024)

struct module_text {
	char name[64];
	uint64_t address; /* struct module */
	uint64_t start[KINSPECT_MODULE_REGIONS_MAX], end[KINSPECT_MODULE_REGIONS_MAX];
	unsigned int nr_ranges;
	uint64_t base; /* of its text, for [module]+offset */
};

struct kinspect_kernel_unwinder {
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	/* The architecture's unwinder, asking module_at() about modules. */
	struct kinspect_arch_unwinder *arch;
	/* The module list, read once on the first module-space lookup. */
	bool modules_loaded;
	struct module_text *modules;
	size_t nr_modules;
};

/* ---- modules ----------------------------------------------------------- */

static struct kinspect_error *add_module(const struct kinspect_module *m, void *arg)
{
	struct kinspect_kernel_unwinder *u = arg;
	struct module_text *mods = realloc(u->modules, (u->nr_modules + 1) * sizeof(*mods));
	if (!mods)
		return &kinspect_error_nomem;
	u->modules = mods;
	struct module_text *t = &mods[u->nr_modules++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", m->name);
	t->address = m->address;
	t->base = m->base;
	for (unsigned int i = 0; i < m->nr_regions; i++) {
		const char *name = m->regions[i].name;
		/* mod->mem[MOD_TEXT], [MOD_INIT_TEXT] (v6.4+); core/init
		 * layouts before, whose text comes first. */
		if (strcmp(name, "text") && strcmp(name, "init_text") && strcmp(name, "core") && strcmp(name, "init"))
			continue;
		if (m->regions[i].size == 0)
			continue;
		t->start[t->nr_ranges] = m->regions[i].base;
		t->end[t->nr_ranges++] = m->regions[i].base + m->regions[i].size;
	}
	return NULL;
}

static void load_modules(struct kinspect_kernel_unwinder *u)
{
	if (u->modules_loaded)
		return;
	u->modules_loaded = true;
	struct kinspect_error *err = kinspect_modules_for_each(u->types, u->vmlinux, u->slide, u->mem, add_module, u);
	if (err) {
		char *msg = kinspect_error_string(err);
		kinspect_warn("module list: %s (module frames are not unwound)", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
	}
}

static struct module_text *module_at(struct kinspect_kernel_unwinder *u, uint64_t addr)
{
	if (addr < kinspect_arch()->kernel_map_start + kinspect_arch()->kernel_image_size)
		return NULL;
	load_modules(u);
	for (size_t i = 0; i < u->nr_modules; i++) {
		for (unsigned int r = 0; r < u->modules[i].nr_ranges; r++) {
			if (addr >= u->modules[i].start[r] && addr < u->modules[i].end[r])
				return &u->modules[i];
		}
	}
	return NULL;
}

static bool arch_module_at(void *ctx, uint64_t addr, struct kinspect_arch_module *ret)
{
	struct module_text *m = module_at(ctx, addr);
	if (!m)
		return false;
	*ret = (struct kinspect_arch_module){
		.name = m->name, .address = m->address, .start = m->start, .end = m->end, .nr_ranges = m->nr_ranges
	};
	return true;
}

/* ---- the handle -------------------------------------------------------- */

struct kinspect_error *kinspect_kernel_unwinder_create(struct kinspect_dwarf_types *types,
						       const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						       const struct kinspect_memory *mem,
						       struct kinspect_kernel_unwinder **ret)
{
	struct kinspect_kernel_unwinder *u = calloc(1, sizeof(*u));
	if (!u)
		return &kinspect_error_nomem;
	*u = (struct kinspect_kernel_unwinder){ .types = types, .vmlinux = vmlinux, .slide = slide, .mem = mem };
	const struct kinspect_arch_unwind_kernel kernel = {
		.types = types, .vmlinux = vmlinux, .slide = slide, .mem = mem, .module_at = arch_module_at, .ctx = u
	};
	struct kinspect_error *err = kinspect_arch()->unwinder_create(&kernel, &u->arch);
	if (err) {
		kinspect_kernel_unwinder_destroy(u);
		return err;
	}
	*ret = u;
	return NULL;
}

void kinspect_kernel_unwinder_destroy(struct kinspect_kernel_unwinder *u)
{
	if (!u)
		return;
	kinspect_arch()->unwinder_destroy(u->arch);
	free(u->modules);
	free(u);
}

struct kinspect_error *kinspect_kernel_unwinder_step(struct kinspect_kernel_unwinder *u,
						     struct kinspect_unwind_state *state, struct kinspect_arch_step *ret)
{
	return kinspect_arch()->unwind_step(u->arch, state, ret);
}

bool kinspect_kernel_unwinder_module_of(struct kinspect_kernel_unwinder *u, uint64_t addr, const char **ret_name,
					uint64_t *ret_offset)
{
	struct module_text *m = module_at(u, addr);
	if (!m)
		return false;
	*ret_name = m->name;
	*ret_offset = addr - m->base;
	return true;
}

struct kinspect_error *kinspect_kernel_unwinder_task_state(struct kinspect_kernel_unwinder *u, uint64_t task,
							   uint64_t thread_sp, struct kinspect_unwind_state *ret)
{
	return kinspect_arch()->task_state(u->arch, task, thread_sp, ret);
}

void kinspect_unwind_state_from_frame(struct kinspect_unwind_state *ret, const struct kinspect_unwind_frame *frame)
{
	unsigned int nr = kinspect_arch()->nr_regs;
	memset(ret, 0, sizeof(*ret));
	for (unsigned int reg = 0; reg < nr; reg++) {
		if (frame->regs.valid & (UINT64_C(1) << reg))
			kinspect_unwind_state_set(ret, reg, frame->regs.value[reg]);
	}
	ret->exact = frame->exact_pc;
	memcpy(ret->arch, frame->context, sizeof(ret->arch));
}

void kinspect_unwind_state_to_frame(const struct kinspect_unwind_state *state, struct kinspect_unwind_frame *ret)
{
	ret->regs = state->regs;
	ret->exact_pc = state->exact;
	memcpy(ret->context, state->arch, sizeof(ret->context));
}

/* ---- the walk ---------------------------------------------------------- */

static char *reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *reason(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s ? s : strdup("out of memory");
}

struct kinspect_error *kinspect_kernel_unwind(struct kinspect_kernel_unwinder *u,
					      const struct kinspect_unwind_state *start,
					      struct kinspect_error *(*fn)(const struct kinspect_stack_frame *frame,
									   void *arg),
					      void *arg, char **ret_stopped)
{
	*ret_stopped = NULL;
	struct kinspect_unwind_state state = *start;
	struct kinspect_stack_frame frame = { .kind = KINSPECT_UNWIND_CALL };
	const struct kinspect_arch *arch = kinspect_arch();
	kinspect_unwind_state_get(&state, arch->pc_regnum, &frame.ip);
	kinspect_unwind_state_get(&state, arch->sp_regnum, &frame.sp);
	uint64_t seen_ip[KINSPECT_STACKTRACE_MAX_FRAMES], seen_sp[KINSPECT_STACKTRACE_MAX_FRAMES];
	for (unsigned int i = 0;; i++) {
		frame.index = i;
		seen_ip[i] = frame.ip;
		seen_sp[i] = frame.sp;
		struct kinspect_error *err = fn(&frame, arg);
		if (err)
			return err;
		if (frame.user_mode)
			return NULL; /* the kernel was entered here from user mode */
		if (i + 1 >= KINSPECT_STACKTRACE_MAX_FRAMES) {
			*ret_stopped = reason("more than %d frames", KINSPECT_STACKTRACE_MAX_FRAMES);
			return NULL;
		}
		struct kinspect_arch_step step;
		err = arch->unwind_step(u->arch, &state, &step);
		if (err) {
			char *msg = kinspect_error_string(err);
			kinspect_error_destroy(err);
			*ret_stopped = msg ? msg : strdup("out of memory");
			return NULL;
		}
		if (step.end)
			return NULL;
		struct kinspect_stack_frame next = { .kind = step.kind, .pt_regs = step.pt_regs,
						     .user_mode = step.user_mode };
		kinspect_unwind_state_get(&state, arch->pc_regnum, &next.ip);
		kinspect_unwind_state_get(&state, arch->sp_regnum, &next.sp);
		if (next.user_mode) {
			frame = next;
			continue;
		}
		if (next.ip == 0) {
			*ret_stopped = reason("return address 0 at stack 0x%016" PRIx64, next.sp - 8);
			return NULL;
		}
		/* A call frame lies above its callee on the same stack. */
		if ((next.kind == KINSPECT_UNWIND_CALL || next.kind == KINSPECT_UNWIND_FRAME_POINTER) &&
		    next.sp <= frame.sp && frame.sp - next.sp < SAME_STACK_DISTANCE) {
			*ret_stopped = reason("stack going in the wrong direction at 0x%016" PRIx64
					      " (stack 0x%016" PRIx64 " after 0x%016" PRIx64 ")",
					      frame.ip, next.sp, frame.sp);
			return NULL;
		}
		for (unsigned int j = 0; j <= i; j++) {
			if (seen_ip[j] == next.ip && seen_sp[j] == next.sp) {
				*ret_stopped = reason("frame #%u repeats frame #%u (a loop)", i + 1, j);
				return NULL;
			}
		}
		frame = next;
	}
}
