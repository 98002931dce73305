/* libFuzzer harness for the ORC unwinder behind "kinspect bt": the start
 * registers, the stack, the module list and every module's ORC tables
 * (mod->arch.orc_unwind_ip, orc_unwind, num_orcs: offsets, sp_reg/bp_reg/type
 * values out of range, huge offsets, signal and regs frames) come from the
 * fuzzer; vmlinux's own tables, the ORC format and the struct layouts come
 * from a real vmlinux ($FUZZ_VMLINUX).  The walk must end in frames, a
 * reason or an error, never a crash, a leak, a hang or more frames than its
 * bound.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Input: a 64-byte header (rip, rsp, rbp, rdi, rdx, r10, r13, flags), then
 * guest memory: repeated over a 16 MiB direct-map window and over 16 MiB of
 * module space (ORC tables sit within 2 GiB of the text they describe: their
 * offsets are 32-bit), with the module list head ("modules", no KASLR slide)
 * aliased to the first 16 bytes.  FUZZ_WRITE_SEEDS=DIR writes seeds (a
 * module with a consistent ORC table and stack, laid out with the vmlinux's
 * DWARF) and exits; FUZZ_ORC_VERBOSE=1 prints the frames of each run.
 *
 * Built and run by tests/fuzz/fuzz-bounded.test. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "core/log.h"
#include "arch/x86_64-orc.h"
#include "debuginfo/dwarf-types.h"
#include "linux/stacktrace.h"
#include "fuzz-kernel.h"

#define WINDOW_BASE 0xffff888000000000ULL
#define WINDOW_SIZE (16ULL << 20)
#define HEADER_SIZE 64
/* Where seeds put the module's text (module space, above the kernel image). */
#define MODULE_TEXT 0xffffffffc0000000ULL

enum {
	FLAG_SIGNAL = 1,    /* the IP is exact (a stopped CPU), not a return address */
	FLAG_TASK = 2,      /* start from an inactive_task_frame at rsp */
	FLAG_NO_RBP = 4,    /* rbp unknown */
	FLAG_NO_OTHERS = 8, /* rdi, rdx, r10, r13 unknown */
};

static bool verbose;

struct input {
	const uint8_t *data;
	size_t size;
};

static struct kinspect_error *fuzz_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct input *in = ctx;
	uint64_t base;
	if (addr >= modules_link && addr - modules_link < 16 && len <= 16 - (addr - modules_link))
		base = modules_link;
	else if (addr >= WINDOW_BASE && addr - WINDOW_BASE <= WINDOW_SIZE && len <= WINDOW_SIZE - (addr - WINDOW_BASE))
		base = WINDOW_BASE;
	else if (addr >= MODULE_TEXT && addr - MODULE_TEXT <= WINDOW_SIZE && len <= WINDOW_SIZE - (addr - MODULE_TEXT))
		base = MODULE_TEXT;
	else
		return kinspect_error_fault(addr, "outside the fuzzed window");
	if (in->size == 0)
		return kinspect_error_fault(addr, "no memory");
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = in->data[(addr - base + i) % in->size];
	return NULL;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put(uint8_t *p, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}


static uint64_t member(const char *type, const char *path)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, type, path, &m);
	if (err)
		fuzz_die(err);
	return m.offset;
}

/* ---- seeds ---------------------------------------------------------------- */

static void write_seed(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *out = fopen(path, "wb");
	if (!out || fwrite(data, size, 1, out) != 1 || fclose(out)) {
		perror(path);
		exit(2);
	}
}

/* One raw ORC entry in the vmlinux's format. */
static void put_orc(const struct kinspect_orc_format *f, uint8_t *p, int16_t sp_off, int16_t bp_off,
		    unsigned int sp_reg, unsigned int bp_reg, unsigned int type, bool signal)
{
	uint64_t w = (uint16_t)sp_off | (uint64_t)(uint16_t)bp_off << 16;
	w |= (uint64_t)sp_reg << f->sp_reg_bit | (uint64_t)bp_reg << f->bp_reg_bit;
	if (f->end_bit >= 0) {
		/* Older format: types from CALL = 0, "end" with sp_reg UNDEFINED. */
		if (type == KINSPECT_ORC_TYPE_END_OF_STACK)
			w = (uint64_t)1 << f->end_bit;
		else
			w |= (uint64_t)(type - KINSPECT_ORC_TYPE_CALL) << f->type_bit;
	} else {
		w |= (uint64_t)type << f->type_bit;
	}
	if (f->signal_bit >= 0 && signal)
		w |= (uint64_t)1 << f->signal_bit;
	put(p, w, f->entry_size);
}

/* A module "fuzzmod" whose text is at MODULE_TEXT, four functions 0x100
 * apart with ORC entries CALL, REGS, REGS_PARTIAL, END, and a stack that
 * walks through all of them: what "kinspect bt" meets in module code
 * interrupted by an IRQ. */
static void write_seeds(const char *dir)
{
	struct kinspect_orc_format f;
	struct kinspect_error *err = kinspect_orc_format_from_dwarf(types, &f);
	if (err)
		fuzz_die(err);
	struct kinspect_x86_64_pt_regs_layout regs;
	if ((err = kinspect_x86_64_pt_regs_layout(types, &regs)))
		fuzz_die(err);
	bool has_mem;
	if ((err = kinspect_dwarf_types_has_member(types, "struct module", "mem", &has_mem)))
		fuzz_die(err);

	static uint8_t in[HEADER_SIZE + 0x8000];
	uint8_t *m = in + HEADER_SIZE;
	const uint64_t mod = 0x1000, ips = 0x3000, orcs = 0x3100, stack = 0x4000;
	/* The list: head -> module -> head. */
	uint64_t list = member("struct module", "list");
	put(m, WINDOW_BASE + mod + list, 8);
	put(m + 8, WINDOW_BASE + mod + list, 8);
	put(m + mod + list, modules_link, 8);
	put(m + mod + list + 8, modules_link, 8);
	memcpy(m + mod + member("struct module", "name"), "fuzzmod", 8);
	/* state MODULE_STATE_LIVE is 0 */
	uint64_t base = has_mem ? member("struct module", "mem[0].base") : member("struct module", "core_layout.base");
	uint64_t size = has_mem ? member("struct module", "mem[0].size") : member("struct module", "core_layout.size");
	put(m + mod + base, MODULE_TEXT, 8);
	put(m + mod + size, 0x1000, 4);
	put(m + mod + member("struct module", "arch.orc_unwind_ip"), MODULE_TEXT + ips, 8);
	put(m + mod + member("struct module", "arch.orc_unwind"), MODULE_TEXT + orcs, 8);
	put(m + mod + member("struct module", "arch.num_orcs"), 4, 4);
	for (unsigned int i = 0; i < 4; i++)
		put(m + ips + 4 * i, MODULE_TEXT + 0x100 * i - (MODULE_TEXT + ips + 4 * i), 4);
	put_orc(&f, m + orcs, 16, -16, KINSPECT_ORC_REG_SP, KINSPECT_ORC_REG_PREV_SP, KINSPECT_ORC_TYPE_CALL, false);
	put_orc(&f, m + orcs + f.entry_size, 0, 0, KINSPECT_ORC_REG_SP, KINSPECT_ORC_REG_UNDEFINED,
		KINSPECT_ORC_TYPE_REGS, true);
	put_orc(&f, m + orcs + 2 * f.entry_size, 0, 0, KINSPECT_ORC_REG_SP, KINSPECT_ORC_REG_UNDEFINED,
		KINSPECT_ORC_TYPE_REGS_PARTIAL, true);
	put_orc(&f, m + orcs + 3 * f.entry_size, 0, 0, KINSPECT_ORC_REG_UNDEFINED, KINSPECT_ORC_REG_UNDEFINED,
		KINSPECT_ORC_TYPE_END_OF_STACK, false);
	/* Frame 0 in function 0 (CALL, sp + 16): saved rbp, return address
	 * into function 1 (REGS: a pt_regs right above), whose ip is in
	 * function 2 (REGS_PARTIAL: an IRET frame further up), whose ip is
	 * in function 3 (END). */
	uint64_t sp = stack, pt = stack + 16;
	put(m + sp, WINDOW_BASE + 0x7000, 8);
	put(m + sp + 8, MODULE_TEXT + 0x110, 8);
	put(m + pt + regs.offset[KINSPECT_X86_64_RIP], MODULE_TEXT + 0x210, 8);
	put(m + pt + regs.offset[KINSPECT_X86_64_RSP], WINDOW_BASE + 0x6000, 8);
	put(m + pt + regs.offset[KINSPECT_X86_64_RBP], WINDOW_BASE + 0x7000, 8);
	put(m + pt + regs.cs, 0x10, 8);
	uint64_t iret = 0x6000 - regs.offset[KINSPECT_X86_64_RIP];
	put(m + iret + regs.offset[KINSPECT_X86_64_RIP], MODULE_TEXT + 0x310, 8);
	put(m + iret + regs.offset[KINSPECT_X86_64_RSP], WINDOW_BASE + 0x6800, 8);
	put(m + iret + regs.cs, 0x10, 8);
	put(in, MODULE_TEXT + 0x10, 8);
	put(in + 8, WINDOW_BASE + stack, 8);
	put(in + 16, WINDOW_BASE + 0x7000, 8);
	in[56] = FLAG_SIGNAL;

	write_seed(dir, "module-irq", in, sizeof(in));
	/* The same ending in user mode: a pt_regs whose cs has RPL 3. */
	put(m + pt + regs.cs, 0x33, 8);
	write_seed(dir, "module-user", in, sizeof(in));
	/* Starting in vmlinux (its ORC tables from the file), and from a
	 * switched-out task's inactive_task_frame. */
	uint64_t schedule;
	if ((err = kinspect_vmlinux_symbol(vmlinux, "schedule", &schedule, NULL)))
		fuzz_die(err);
	put(in, schedule + 0x20, 8);
	write_seed(dir, "vmlinux", in, sizeof(in));
	in[56] = FLAG_TASK;
	write_seed(dir, "task", in, sizeof(in));
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_open_kernel();
	/* Hostile module tables are warned about at every lookup. */
	verbose = getenv("FUZZ_ORC_VERBOSE") != NULL;
	kinspect_log_set_level(verbose ? KINSPECT_LOG_DEBUG : KINSPECT_LOG_ERROR);
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");
	if (seeds)
		write_seeds(seeds);
	return 0;
}

struct walk {
	struct kinspect_kernel_unwinder *u;
	unsigned int frames;
};

/* What "kinspect bt" does with each frame: name its module. */
static struct kinspect_error *each_frame(const struct kinspect_stack_frame *frame, void *arg)
{
	struct walk *w = arg;
	const char *name;
	uint64_t offset;
	if (kinspect_kernel_unwinder_module_of(w->u, frame->ip, &name, &offset) && strlen(name) >= 64)
		abort(); /* a module name longer than its buffer */
	if (verbose)
		fprintf(stderr, "#%u ip 0x%llx sp 0x%llx kind %d user %d\n", frame->index, (unsigned long long)frame->ip,
			(unsigned long long)frame->sp, (int)frame->kind, (int)frame->user_mode);
	if (++w->frames > KINSPECT_STACKTRACE_MAX_FRAMES)
		abort(); /* the bound was not kept */
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_SIZE)
		return 0;
	struct input in = { data + HEADER_SIZE, size - HEADER_SIZE };
	struct kinspect_memory mem = { .read = fuzz_read, .ctx = &in };
	struct walk w = { 0 };
	struct kinspect_error *err = kinspect_kernel_unwinder_create(types, vmlinux, 0, &mem, &w.u);
	if (err)
		fuzz_die(err); /* vmlinux only: not the fuzzer's doing */

	uint8_t flags = data[56];
	struct kinspect_unwind_state state = { .exact = flags & FLAG_SIGNAL };
	if (flags & FLAG_TASK) {
		err = kinspect_kernel_unwinder_task_state(w.u, 0, get64(data + 8), &state);
	} else {
		kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, get64(data));
		kinspect_unwind_state_set(&state, KINSPECT_X86_64_RSP, get64(data + 8));
		if (!(flags & FLAG_NO_RBP))
			kinspect_unwind_state_set(&state, KINSPECT_X86_64_RBP, get64(data + 16));
		if (!(flags & FLAG_NO_OTHERS)) {
			kinspect_unwind_state_set(&state, KINSPECT_X86_64_RDI, get64(data + 24));
			kinspect_unwind_state_set(&state, KINSPECT_X86_64_RDX, get64(data + 32));
			kinspect_unwind_state_set(&state, KINSPECT_X86_64_R10, get64(data + 40));
			kinspect_unwind_state_set(&state, KINSPECT_X86_64_R13, get64(data + 48));
		}
	}
	if (!err) {
		char *stopped = NULL;
		err = kinspect_kernel_unwind(w.u, &state, each_frame, &w, &stopped);
		if (stopped && verbose)
			fprintf(stderr, "stopped: %s\n", stopped);
		free(stopped);
	}
	if (err && verbose)
		kinspect_error_fputs(err, stderr);
	kinspect_error_destroy(err);
	kinspect_kernel_unwinder_destroy(w.u);
	return 0;
}
