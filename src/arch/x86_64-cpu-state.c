/* x86-64 CPU start states (see x86_64-cpu-state.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch/x86_64-cpu-state.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/memory.h"

struct kinspect_error *kinspect_x86_64_cpu_state_dump(struct kinspect_elf_dump *dump, unsigned int index,
						      struct kinspect_orc_state *ret, uint32_t *ret_cs)
{
	memset(ret, 0, sizeof(*ret));
	/* The instruction pointer of a stopped CPU is exact, not a return
	 * address. */
	ret->signal = true;
	const struct kinspect_elf_dump_cpu *cpu = kinspect_elf_dump_cpu(dump, index);
	if (!cpu)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the dump has %zu CPUs, no CPU %u",
					     kinspect_elf_dump_nr_cpus(dump), index);
	/* QEMU's order by DWARF number. */
	static const unsigned int dwarf[16] = { 0, 3, 2, 1, 4, 5, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	for (unsigned int i = 0; i < 16; i++)
		kinspect_x86_64_regs_set(&ret->regs, dwarf[i], cpu->gpr[i]);
	kinspect_x86_64_regs_set(&ret->regs, KINSPECT_X86_64_RIP, cpu->rip);
	*ret_cs = cpu->cs;
	return NULL;
}

struct kinspect_error *kinspect_x86_64_cpu_state_live(struct kinspect_gdbstub *gs, unsigned int index,
						      struct kinspect_orc_state *ret, uint32_t *ret_cs)
{
	memset(ret, 0, sizeof(*ret));
	ret->signal = true;
	size_t nr = kinspect_gdbstub_nr_threads(gs);
	if (index >= nr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "the guest has %zu CPUs, no CPU %u", nr,
					     index);
	_cleanup_free_ uint8_t *g = NULL;
	size_t len;
	struct kinspect_error *err = kinspect_gdbstub_read_registers(gs, index, &g, &len);
	if (err)
		return err;
	/* In the DWARF register order of the x86-64 psABI. */
	static const char *const names[KINSPECT_X86_64_NR_REGS] = {
		"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
		"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
	};
	for (unsigned int i = 0; i <= KINSPECT_X86_64_NR_REGS; i++) {
		const char *name = i < KINSPECT_X86_64_NR_REGS ? names[i] : "cs";
		const struct kinspect_gdbstub_register *r = kinspect_gdbstub_find_register(gs, name);
		if (!r || r->g_offset + r->bitsize / 8 > len || r->bitsize > 64)
			return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "the gdbstub does not send register %s",
						     name);
		uint64_t value = kinspect_load_le(g + r->g_offset, r->bitsize / 8);
		if (i < KINSPECT_X86_64_NR_REGS)
			kinspect_x86_64_regs_set(&ret->regs, i, value);
		else
			*ret_cs = (uint32_t)value;
	}
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
