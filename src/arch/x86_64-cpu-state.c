/* x86-64 CPU start states (see x86_64-cpu-state.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch/x86_64-cpu-state.h"
#include "arch/x86_64.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/memory.h"

/* Whether a CPU stopped with state STATE and user-mode code segment
 * CS_USER runs user code. */
static bool user_mode(const struct kinspect_unwind_state *state, bool cs_user)
{
	uint64_t ip = state->regs.value[KINSPECT_X86_64_RIP], sp = 0;
	bool have_sp = kinspect_unwind_state_get(state, KINSPECT_X86_64_RSP, &sp);
	/* CS says the privilege level.  A CPU caught at a ring transition
	 * can give a user pc and stack with a CS that is not (yet) RPL 3
	 * (seen in a dump of a busy guest: ip 0x4358a5 in ls, sp
	 * 0x7ffe9673efe0): with both pc and stack pointer below kernel space
	 * it runs no kernel code either.  A kernel that jumped to a user
	 * address keeps a kernel stack pointer, and is unwound as kernel
	 * code. */
	bool user_addresses =
		have_sp && ip < KINSPECT_X86_64_KERNEL_SPACE_START && sp < KINSPECT_X86_64_KERNEL_SPACE_START;
	return cs_user || user_addresses;
}

struct kinspect_error *kinspect_x86_64_cpu_state_dump(struct kinspect_elf_dump *dump, unsigned int index,
						      struct kinspect_unwind_state *ret, bool *ret_user_mode)
{
	memset(ret, 0, sizeof(*ret));
	/* The instruction pointer of a stopped CPU is exact, not a return
	 * address. */
	ret->exact = true;
	const struct kinspect_elf_dump_cpu *cpu = kinspect_elf_dump_cpu(dump, index);
	if (!cpu)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the dump has %zu CPUs, no CPU %u",
					     kinspect_elf_dump_nr_cpus(dump), index);
	for (unsigned int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++) {
		if (cpu->regs.valid & (UINT64_C(1) << reg))
			kinspect_unwind_state_set(ret, reg, cpu->regs.value[reg]);
	}
	*ret_user_mode = user_mode(ret, cpu->user_mode);
	return NULL;
}

struct kinspect_error *kinspect_x86_64_cpu_state_live(struct kinspect_gdbstub *gs, unsigned int index,
						      struct kinspect_unwind_state *ret, bool *ret_user_mode)
{
	memset(ret, 0, sizeof(*ret));
	ret->exact = true;
	size_t nr = kinspect_gdbstub_nr_threads(gs);
	if (index >= nr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the guest has %zu CPUs, no CPU %u", nr,
					     index);
	_cleanup_free_ uint8_t *g = NULL;
	size_t len;
	struct kinspect_error *err = kinspect_gdbstub_read_registers(gs, index, &g, &len);
	if (err)
		return err;
	/* The unwinder's registers in DWARF order, then cs. */
	uint64_t cs = 0;
	for (unsigned int i = 0; i <= KINSPECT_X86_64_NR_REGS; i++) {
		const char *name = i < KINSPECT_X86_64_NR_REGS ? kinspect_x86_64_reg_names[i] : "cs";
		const struct kinspect_gdbstub_register *r = kinspect_gdbstub_find_register(gs, name);
		if (!r || r->g_offset + r->bitsize / 8 > len || r->bitsize > 64)
			return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "the gdbstub does not send register %s",
						     name);
		uint64_t value = kinspect_load_le(g + r->g_offset, r->bitsize / 8);
		if (i < KINSPECT_X86_64_NR_REGS)
			kinspect_unwind_state_set(ret, i, value);
		else
			cs = value;
	}
	*ret_user_mode = user_mode(ret, kinspect_x86_64_user_mode(cs));
	return NULL;
}

struct kinspect_error *kinspect_x86_64_read_pc(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret)
{
	return kinspect_gdbstub_read_register(gs, thread, "rip", ret);
}

struct kinspect_error *kinspect_x86_64_read_sp(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret)
{
	return kinspect_gdbstub_read_register(gs, thread, "rsp", ret);
}

struct kinspect_error *kinspect_x86_64_read_paging(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_cr3,
						   uint64_t *ret_cr4)
{
	struct kinspect_error *err = kinspect_gdbstub_read_register(gs, thread, "cr3", ret_cr3);
	return err ? err : kinspect_gdbstub_read_register(gs, thread, "cr4", ret_cr4);
}
