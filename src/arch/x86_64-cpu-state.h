/* Where an x86-64 CPU's unwind starts: its registers from a QEMU dump's
 * CPU note or from the gdbstub's register packet, by the names QEMU's
 * target description gives them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_CPU_STATE_H
#define KINSPECT_X86_64_CPU_STATE_H

#include <stdint.h>

#include "arch/arch.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

/* See kinspect_arch.cpu_state_dump and cpu_state_live: the start state of
 * CPU INDEX of DUMP, or of vCPU thread INDEX of a stopped guest behind GS. */
struct kinspect_error *kinspect_x86_64_cpu_state_dump(struct kinspect_elf_dump *dump, unsigned int index,
						      struct kinspect_unwind_state *ret, bool *ret_user_mode);
struct kinspect_error *kinspect_x86_64_cpu_state_live(struct kinspect_gdbstub *gs, unsigned int index,
						      struct kinspect_unwind_state *ret, bool *ret_user_mode);

/* One register of vCPU thread THREAD, by what it is for: the instruction
 * pointer, the stack pointer, the page-table root (CR3) and the control
 * bits that say the paging mode (CR4), by the names QEMU gives them. */
struct kinspect_error *kinspect_x86_64_read_pc(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
struct kinspect_error *kinspect_x86_64_read_sp(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
struct kinspect_error *kinspect_x86_64_read_paging(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_cr3,
						   uint64_t *ret_cr4);

#endif /* KINSPECT_X86_64_CPU_STATE_H */
