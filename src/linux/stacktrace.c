/* Kernel stack traces over ORC.
 *
 * vmlinux's tables come from the file (the relative offsets in
 * .orc_unwind_ip do not change with KASLR; sorted at build time since
 * commit f14bf6a350df "Remove boot-time ORC unwind tables sorting",
 * v5.6).  A module's come from guest memory, mod->arch.orc_unwind_ip,
 * orc_unwind and num_orcs, already sorted by the kernel when it loaded the
 * module (unwind_module_init()).
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
#include "debuginfo/vmlinux-priv.h"
#include "linux/kaslr.h"
#include "linux/modules.h"
#include "linux/stacktrace.h"

/* Bounds for tables read from a possibly corrupted guest. */
#define MODULE_ORCS_MAX (1u << 22)
/* Two stack pointers this close are on the same stack (stacks are 16 KiB,
 * IRQ and exception stacks are further apart). */
#define SAME_STACK_DISTANCE (64 * 1024)

struct module_text {
	char name[64];
	uint64_t address; /* struct module */
	uint64_t start[KINSPECT_MODULE_REGIONS_MAX], end[KINSPECT_MODULE_REGIONS_MAX];
	unsigned int nr_ranges;
	uint64_t base; /* of its text, for [module]+offset */
	bool orc_loaded;
	struct kinspect_orc_table orc;
	bool have_orc;
};

struct kinspect_kernel_unwinder {
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	struct kinspect_orc_format format;
	struct kinspect_orc_table vmlinux_orc;
	/* The architecture's unwinder over find_orc(). */
	struct kinspect_orc_unwinder *orc;
	uint64_t inactive_frame_size, inactive_bp, inactive_ret_addr;
	uint64_t ret_from_fork[2];
	/* The module list, read once on the first module-space lookup. */
	bool modules_loaded;
	struct module_text *modules;
	size_t nr_modules;
	struct {
		bool known;
		uint64_t ip_off, orc_off, num_off, num_size;
	} mod_orc;
};

static struct kinspect_error *symbol(struct kinspect_kernel_unwinder *u, const char *name, uint64_t *ret)
{
	struct kinspect_error *err = kinspect_vmlinux_symbol(u->vmlinux, name, ret, NULL);
	if (!err)
		*ret = kinspect_kaslr_runtime(u->slide, *ret);
	return err;
}

static struct kinspect_error *load_vmlinux_orc(struct kinspect_kernel_unwinder *u)
{
	uint64_t ip_start, ip_stop, orc_start, stext, etext, sinit, einit;
	struct kinspect_error *err;
	if ((err = kinspect_vmlinux_symbol(u->vmlinux, "__start_orc_unwind_ip", &ip_start, NULL)) ||
	    (err = kinspect_vmlinux_symbol(u->vmlinux, "__stop_orc_unwind_ip", &ip_stop, NULL)) ||
	    (err = kinspect_vmlinux_symbol(u->vmlinux, "__start_orc_unwind", &orc_start, NULL)))
		return kinspect_error_wrap(err, "vmlinux has no ORC tables (CONFIG_UNWINDER_ORC)");
	if ((err = symbol(u, "_stext", &stext)) || (err = symbol(u, "_etext", &etext)))
		return err;
	struct kinspect_orc_table *t = &u->vmlinux_orc;
	snprintf(t->name, sizeof(t->name), "vmlinux");
	t->format = &u->format;
	if (ip_stop <= ip_start || (ip_stop - ip_start) % 4 || (ip_stop - ip_start) / 4 > (1u << 26))
		return kinspect_error_file(kinspect_vmlinux_path(u->vmlinux), "bad .orc_unwind_ip bounds");
	t->n = (ip_stop - ip_start) / 4;
	t->ip_base = kinspect_kaslr_runtime(u->slide, ip_start);
	/* Used in place in the mapped file: a copy of these megabytes cost a
	 * whole stack trace's time in page faults, and a trace looks at a few
	 * dozen entries. */
	const void *ips, *entries;
	if ((err = kinspect_vmlinux_contents(u->vmlinux, ip_start, t->n * 4, &ips)) ||
	    (err = kinspect_vmlinux_contents(u->vmlinux, orc_start, t->n * u->format.entry_size, &entries)))
		return kinspect_error_wrap(err, "reading vmlinux's ORC tables");
	t->ips = ips;
	t->entries = entries;
	t->borrowed = true;
	/* Modules share vmlinux's numbering: one detection for all tables. */
	if ((err = kinspect_orc_format_detect_registers(&u->format, t->entries, t->n)))
		return kinspect_error_wrap(err, "vmlinux's ORC table");
	kinspect_orc_table_add_range(t, stext, etext);
	/* Init code has ORC data too (it is freed after boot, so only early
	 * traces reach it). */
	if (!symbol(u, "_sinittext", &sinit) && !symbol(u, "_einittext", &einit))
		kinspect_orc_table_add_range(t, sinit, einit);
	return NULL;
}

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
	struct kinspect_dwarf_member ip, orc, num;
	err = kinspect_dwarf_types_member(u->types, "struct module", "arch.orc_unwind_ip", &ip);
	if (!err)
		err = kinspect_dwarf_types_member(u->types, "struct module", "arch.orc_unwind", &orc);
	if (!err)
		err = kinspect_dwarf_types_member(u->types, "struct module", "arch.num_orcs", &num);
	if (!err && num.size <= 8) {
		u->mod_orc.known = true;
		u->mod_orc.ip_off = ip.offset;
		u->mod_orc.orc_off = orc.offset;
		u->mod_orc.num_off = num.offset;
		u->mod_orc.num_size = num.size;
	}
	kinspect_error_destroy(err);
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

static struct kinspect_error *read_field(struct kinspect_kernel_unwinder *u, uint64_t addr, uint64_t size,
					 uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read(u->mem, addr, buf, size);
	*ret = kinspect_load_le(buf, size);
	return err;
}

static struct kinspect_error *load_module_orc(struct kinspect_kernel_unwinder *u, struct module_text *m)
{
	m->orc_loaded = true;
	if (!u->mod_orc.known)
		return NULL;
	uint64_t ips, entries, n;
	struct kinspect_error *err;
	if ((err = read_field(u, m->address + u->mod_orc.ip_off, 8, &ips)) ||
	    (err = read_field(u, m->address + u->mod_orc.orc_off, 8, &entries)) ||
	    (err = read_field(u, m->address + u->mod_orc.num_off, u->mod_orc.num_size, &n)))
		return kinspect_error_wrap(err, "ORC tables of module %s", m->name);
	if (n == 0 || n > MODULE_ORCS_MAX)
		return n ? kinspect_error_create(KINSPECT_ERROR_FORMAT, "module %s: %" PRIu64 " ORC entries", m->name, n)
			 : NULL;
	struct kinspect_orc_table *t = &m->orc;
	snprintf(t->name, sizeof(t->name), "%s", m->name);
	t->format = &u->format;
	t->ip_base = ips;
	t->n = n;
	uint8_t *own_ips = malloc(n * 4), *own_entries = malloc(n * u->format.entry_size);
	t->ips = own_ips;
	t->entries = own_entries;
	if (!own_ips || !own_entries) {
		kinspect_orc_table_deinit(t);
		return &kinspect_error_nomem;
	}
	if ((err = kinspect_memory_read(u->mem, ips, own_ips, n * 4)) ||
	    (err = kinspect_memory_read(u->mem, entries, own_entries, n * u->format.entry_size))) {
		kinspect_orc_table_deinit(t);
		return kinspect_error_wrap(err, "ORC tables of module %s", m->name);
	}
	for (unsigned int r = 0; r < m->nr_ranges; r++)
		kinspect_orc_table_add_range(t, m->start[r], m->end[r]);
	m->have_orc = true;
	return NULL;
}

static enum kinspect_orc_lookup find_orc(void *arg, uint64_t addr, struct kinspect_orc_entry *ret,
					 const char **ret_table)
{
	struct kinspect_kernel_unwinder *u = arg;
	if (kinspect_orc_table_covers(&u->vmlinux_orc, addr)) {
		*ret_table = u->vmlinux_orc.name;
		return kinspect_orc_table_find(&u->vmlinux_orc, addr, ret) ? KINSPECT_ORC_FOUND : KINSPECT_ORC_NOT_TEXT;
	}
	struct module_text *m = module_at(u, addr);
	if (!m)
		return KINSPECT_ORC_NOT_TEXT;
	if (!m->orc_loaded) {
		struct kinspect_error *err = load_module_orc(u, m);
		if (err) {
			char *msg = kinspect_error_string(err);
			kinspect_warn("%s", msg ? msg : "out of memory");
			free(msg);
			kinspect_error_destroy(err);
		}
	}
	*ret_table = m->name;
	if (!m->have_orc)
		return KINSPECT_ORC_NOT_TEXT;
	return kinspect_orc_table_find(&m->orc, addr, ret) ? KINSPECT_ORC_FOUND : KINSPECT_ORC_NOT_TEXT;
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
	struct kinspect_error *err;
	struct kinspect_dwarf_member m;
	if ((err = kinspect_orc_format_from_dwarf(types, &u->format)) ||
	    (err = kinspect_arch()->unwinder_create(types, find_orc, u, mem, &u->orc)) || (err = load_vmlinux_orc(u)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct inactive_task_frame", &u->inactive_frame_size)) ||
	    (err = kinspect_dwarf_types_member(types, "struct inactive_task_frame", "bp", &m)))
		goto fail;
	u->inactive_bp = m.offset;
	if ((err = kinspect_dwarf_types_member(types, "struct inactive_task_frame", "ret_addr", &m)))
		goto fail;
	u->inactive_ret_addr = m.offset;
	/* A task that never ran starts in ret_from_fork_asm (v6.6+,
	 * commit 3aec4ecb3d1f) or ret_from_fork: not a return address. */
	for (int i = 0; i < 2; i++) {
		struct kinspect_error *e = symbol(u, i ? "ret_from_fork" : "ret_from_fork_asm", &u->ret_from_fork[i]);
		kinspect_error_destroy(e);
	}
	*ret = u;
	return NULL;
fail:
	kinspect_kernel_unwinder_destroy(u);
	return err;
}

void kinspect_kernel_unwinder_destroy(struct kinspect_kernel_unwinder *u)
{
	if (!u)
		return;
	if (u->orc)
		kinspect_arch()->unwinder_destroy(u->orc);
	kinspect_orc_table_deinit(&u->vmlinux_orc);
	for (size_t i = 0; i < u->nr_modules; i++)
		kinspect_orc_table_deinit(&u->modules[i].orc);
	free(u->modules);
	free(u);
}

const struct kinspect_orc_unwinder *kinspect_kernel_unwinder_orc(struct kinspect_kernel_unwinder *u)
{
	return u->orc;
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

struct kinspect_error *kinspect_kernel_unwinder_task_state(struct kinspect_kernel_unwinder *u, uint64_t thread_sp,
							   struct kinspect_orc_state *ret)
{
	uint64_t bp, ip;
	struct kinspect_error *err;
	if ((err = read_field(u, thread_sp + u->inactive_bp, 8, &bp)) ||
	    (err = read_field(u, thread_sp + u->inactive_ret_addr, 8, &ip)))
		return kinspect_error_wrap(err, "inactive_task_frame at 0x%" PRIx64, thread_sp);
	kinspect_arch()->unwind_state_init(ret, ip, thread_sp + u->inactive_frame_size, bp,
					   ip == u->ret_from_fork[0] || ip == u->ret_from_fork[1]);
	return NULL;
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
					      const struct kinspect_orc_state *start,
					      struct kinspect_error *(*fn)(const struct kinspect_stack_frame *frame,
									   void *arg),
					      void *arg, char **ret_stopped)
{
	*ret_stopped = NULL;
	struct kinspect_orc_state state = *start;
	struct kinspect_stack_frame frame = { .kind = KINSPECT_ORC_FRAME_CALL };
	const struct kinspect_arch *arch = kinspect_arch();
	arch->unwind_state_frame(&state, &frame.ip, &frame.sp);
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
		struct kinspect_orc_step step;
		enum kinspect_orc_step_result result;
		err = arch->unwind_step(u->orc, &state, &step, &result);
		if (err) {
			char *msg = kinspect_error_string(err);
			kinspect_error_destroy(err);
			*ret_stopped = msg ? msg : strdup("out of memory");
			return NULL;
		}
		if (result == KINSPECT_ORC_STEP_END)
			return NULL;
		struct kinspect_stack_frame next = { .kind = step.kind, .pt_regs = step.pt_regs,
						     .user_mode = step.user_mode };
		arch->unwind_state_frame(&state, &next.ip, &next.sp);
		if (next.user_mode) {
			frame = next;
			continue;
		}
		if (next.ip == 0) {
			*ret_stopped = reason("return address 0 at stack 0x%016" PRIx64, next.sp - 8);
			return NULL;
		}
		/* A call frame lies above its callee on the same stack. */
		if ((next.kind == KINSPECT_ORC_FRAME_CALL || next.kind == KINSPECT_ORC_FRAME_FRAME_POINTER) &&
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
