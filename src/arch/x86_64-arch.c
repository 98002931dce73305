/* x86-64's entry in the architecture table (see arch.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64-call.h"
#include "arch/x86_64-cpu-state.h"
#include "arch/x86_64-dump-notes.h"
#include "arch/x86_64-memory-map.h"
#include "arch/x86_64-pagewalk.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"

static struct kinspect_error *with_mode(struct kinspect_error *err, const struct kinspect_orc_state *state,
					uint32_t cs, bool *ret_user_mode, uint64_t *ret_ip)
{
	if (!err) {
		uint64_t ip = kinspect_x86_64_cpu_state_ip(state);
		uint64_t sp = 0;
		bool have_sp = kinspect_x86_64_regs_get(&state->regs, KINSPECT_X86_64_RSP, &sp);
		/* CS says the privilege level.  A CPU caught at a ring
		 * transition can give a user pc and stack with a CS that is
		 * not (yet) RPL 3 (seen in a dump of a busy guest: ip
		 * 0x4358a5 in ls, sp 0x7ffe9673efe0): with both pc and stack
		 * pointer below kernel space it runs no kernel code either.
		 * A kernel that jumped to a user address keeps a kernel stack
		 * pointer, and is unwound as kernel code. */
		bool user_addresses =
			have_sp && ip < KINSPECT_X86_64_KERNEL_SPACE_START && sp < KINSPECT_X86_64_KERNEL_SPACE_START;
		*ret_user_mode = kinspect_x86_64_user_mode(cs) || user_addresses;
		*ret_ip = ip;
	}
	return err;
}

static struct kinspect_error *cpu_state_dump(struct kinspect_elf_dump *dump, unsigned int index,
					     struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip)
{
	uint32_t cs = 0;
	return with_mode(kinspect_x86_64_cpu_state_dump(dump, index, ret, &cs), ret, cs, ret_user_mode, ret_ip);
}

static struct kinspect_error *cpu_state_live(struct kinspect_gdbstub *gs, unsigned int index,
					     struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip)
{
	uint32_t cs = 0;
	return with_mode(kinspect_x86_64_cpu_state_live(gs, index, ret, &cs), ret, cs, ret_user_mode, ret_ip);
}

static int paging_levels(uint64_t cr4)
{
	return kinspect_x86_64_paging_levels(cr4);
}

/* The ORC unwinder and the struct pt_regs layout it reads, in one block. */
struct unwinder {
	struct kinspect_orc_unwinder orc;
	struct kinspect_x86_64_pt_regs_layout pt_regs;
};

static struct kinspect_error *unwinder_create(struct kinspect_dwarf_types *types, kinspect_orc_find_fn find,
					      void *find_arg, const struct kinspect_memory *mem,
					      struct kinspect_orc_unwinder **ret)
{
	struct unwinder *u = calloc(1, sizeof(*u));
	if (!u)
		return &kinspect_error_nomem;
	struct kinspect_error *err = kinspect_x86_64_pt_regs_layout(types, &u->pt_regs);
	if (err) {
		free(u);
		return err;
	}
	u->orc = (struct kinspect_orc_unwinder){ .find = find, .find_arg = find_arg, .mem = mem, .pt_regs = &u->pt_regs };
	*ret = &u->orc;
	return NULL;
}

static void unwinder_destroy(struct kinspect_orc_unwinder *orc)
{
	free((struct unwinder *)orc); /* orc is the first member */
}

static void unwind_state_init(struct kinspect_orc_state *ret, uint64_t ip, uint64_t sp, uint64_t fp, bool signal)
{
	memset(ret, 0, sizeof(*ret));
	kinspect_x86_64_regs_set(&ret->regs, KINSPECT_X86_64_RIP, ip);
	kinspect_x86_64_regs_set(&ret->regs, KINSPECT_X86_64_RSP, sp);
	kinspect_x86_64_regs_set(&ret->regs, KINSPECT_X86_64_RBP, fp);
	ret->signal = signal;
}

static void unwind_state_frame(const struct kinspect_orc_state *state, uint64_t *ret_ip, uint64_t *ret_sp)
{
	kinspect_x86_64_regs_get(&state->regs, KINSPECT_X86_64_RIP, ret_ip);
	kinspect_x86_64_regs_get(&state->regs, KINSPECT_X86_64_RSP, ret_sp);
}

/* DWARF numbers 0-16 (the psABI's), the registers ORC knows. */
static const char *const reg_names[KINSPECT_X86_64_NR_REGS] = {
	"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};

/* CONTEXT: the pt_regs addresses and their flags, as the ORC state keeps
 * them between steps. */
enum { CONTEXT_HAVE_PT_REGS = 1, CONTEXT_FULL_PT_REGS = 2, CONTEXT_HAVE_PREV_PT_REGS = 4 };

static void unwind_state_import(struct kinspect_orc_state *ret, const uint64_t *values, uint64_t valid, bool exact,
				const uint64_t context[4])
{
	memset(ret, 0, sizeof(*ret));
	for (unsigned int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++) {
		if (valid & (1ull << reg))
			kinspect_x86_64_regs_set(&ret->regs, reg, values[reg]);
	}
	ret->signal = exact;
	ret->pt_regs = context[0];
	ret->prev_pt_regs = context[1];
	ret->have_pt_regs = context[2] & CONTEXT_HAVE_PT_REGS;
	ret->full_pt_regs = context[2] & CONTEXT_FULL_PT_REGS;
	ret->have_prev_pt_regs = context[2] & CONTEXT_HAVE_PREV_PT_REGS;
}

static void unwind_state_export(const struct kinspect_orc_state *state, uint64_t *values, uint64_t *ret_valid,
				bool *ret_exact, uint64_t context[4])
{
	*ret_valid = 0;
	for (unsigned int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++) {
		if (kinspect_x86_64_regs_get(&state->regs, reg, &values[reg]))
			*ret_valid |= 1ull << reg;
	}
	*ret_exact = state->signal;
	context[0] = state->pt_regs;
	context[1] = state->prev_pt_regs;
	context[2] = (state->have_pt_regs ? CONTEXT_HAVE_PT_REGS : 0) | (state->full_pt_regs ? CONTEXT_FULL_PT_REGS : 0) |
		     (state->have_prev_pt_regs ? CONTEXT_HAVE_PREV_PT_REGS : 0);
	context[3] = 0;
}

static uint64_t pt_regs_size(const struct kinspect_orc_unwinder *orc)
{
	return orc->pt_regs->size;
}

static bool plain_call_frame(const struct kinspect_orc_step *step)
{
	return step->kind == KINSPECT_ORC_FRAME_CALL && step->entry.type == KINSPECT_ORC_TYPE_CALL &&
	       (step->entry.sp_reg == KINSPECT_ORC_REG_SP || step->entry.sp_reg == KINSPECT_ORC_REG_BP);
}

static const struct kinspect_arch x86_64 = {
	.name = "x86-64",
	.cpu_state_dump = cpu_state_dump,
	.cpu_state_live = cpu_state_live,
	.read_pc = kinspect_x86_64_read_pc,
	.read_sp = kinspect_x86_64_read_sp,
	.read_paging = kinspect_x86_64_read_paging,
	.paging_levels = paging_levels,

	/* files: ELF machine, dump notes, gdbstub */
	.elf_machine = EM_X86_64,
	.parse_cpu_note = kinspect_x86_64_parse_cpu_note,
	.parse_prstatus = kinspect_x86_64_parse_prstatus,
	.breakpoint_kind = 1, /* int3 */

	/* pages and the kernel's address space */
	.page_shift = KINSPECT_X86_64_PAGE_SHIFT,
	.page_size = KINSPECT_X86_64_PAGE_SIZE,
	.kernel_space_start = KINSPECT_X86_64_KERNEL_SPACE_START,
	.kernel_map_start = KINSPECT_X86_64_START_KERNEL_MAP,
	.kernel_image_size = KINSPECT_X86_64_KERNEL_IMAGE_SIZE,
	.kaslr_align = KINSPECT_X86_64_KASLR_ALIGN,
	/* The zero-based per-CPU area (.data..percpu linked from 0) up to
	 * v6.15's "x86/percpu/64: Use relative percpu offsets". */
	.percpu_offset_limit = UINT64_C(1) << 32,
	/* The "unused hole" at the top of Documentation/arch/x86/x86_64/mm.rst
	 * (4- and 5-level paging alike: above the vsyscall page and the
	 * fixmap), less its last page, where ERR_PTR() values lie. */
	.unused_top_start = UINT64_C(0xffffffffffe00000),
	.unused_top_end = UINT64_C(0xfffffffffffff000),
	.memory_map = kinspect_x86_64_memory_map,
	.kernel_page_tables = kinspect_x86_64_kernel_page_tables,
	.translate = kinspect_x86_64_translate_levels,
	.translate_cpu = kinspect_x86_64_translate_cpu,

	/* the unwinder */
	.unwinder_create = unwinder_create,
	.unwinder_destroy = unwinder_destroy,
	.unwind_step = kinspect_orc_unwind_step,
	.unwind_state_init = unwind_state_init,
	.unwind_state_frame = unwind_state_frame,
	.entry_args = kinspect_x86_64_entry_args,

	/* registers by DWARF number */
	.nr_regs = KINSPECT_X86_64_NR_REGS,
	.reg_names = reg_names,
	.pc_regnum = KINSPECT_X86_64_RIP,
	.sp_regnum = KINSPECT_X86_64_RSP,
	.fp_regnum = KINSPECT_X86_64_RBP,
	.unwind_state_import = unwind_state_import,
	.unwind_state_export = unwind_state_export,
	.pt_regs_size = pt_regs_size,
	.plain_call_frame = plain_call_frame,
};

const struct kinspect_arch *kinspect_arch(void)
{
	return &x86_64;
}
