/* Where an x86-64 CPU's unwind starts: its registers from a QEMU dump's
 * CPU note or from the gdbstub's register packet, by the names QEMU's
 * target description gives them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_CPU_STATE_H
#define KINSPECT_X86_64_CPU_STATE_H

#include <stdint.h>

#include "arch/x86_64-orc.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

/* The ORC start state of CPU INDEX of DUMP, and its CS in *RET_CS. */
struct kinspect_error *kinspect_x86_64_cpu_state_dump(struct kinspect_elf_dump *dump, unsigned int index,
						      struct kinspect_orc_state *ret, uint32_t *ret_cs);

/* The same for vCPU thread INDEX of a stopped guest behind GS. */
struct kinspect_error *kinspect_x86_64_cpu_state_live(struct kinspect_gdbstub *gs, unsigned int index,
						      struct kinspect_orc_state *ret, uint32_t *ret_cs);

/* One register of vCPU thread THREAD, by what it is for: the instruction
 * pointer, the stack pointer, the page-table root (CR3) and the control
 * bits that say the paging mode (CR4), by the names QEMU gives them. */
struct kinspect_error *kinspect_x86_64_read_pc(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
struct kinspect_error *kinspect_x86_64_read_sp(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
struct kinspect_error *kinspect_x86_64_read_paging(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_cr3,
						   uint64_t *ret_cr4);

/* The instruction pointer of STATE. */
static inline uint64_t kinspect_x86_64_cpu_state_ip(const struct kinspect_orc_state *state)
{
	return state->regs.value[KINSPECT_X86_64_RIP];
}

/* Whether CS is a user-mode code segment (RPL 3). */
static inline bool kinspect_x86_64_user_mode(uint32_t cs)
{
	return (cs & 3) == 3;
}

#endif /* KINSPECT_X86_64_CPU_STATE_H */
