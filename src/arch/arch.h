/* The architecture table: what the library and the front ends ask of the
 * CPU kinspect reads, so that none of them names its registers.  One
 * architecture is registered today (x86-64, src/arch/x86_64-arch.c); a
 * second one is a folder of files and one line in kinspect_arch().
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ARCH_H
#define KINSPECT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64-orc.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

struct kinspect_arch {
	const char *name;
	/* Where CPU INDEX's unwind starts, from a dump's CPU note or a
	 * stopped guest's vCPU thread; *RET_USER_MODE when it runs user code,
	 * *RET_IP its instruction pointer. */
	struct kinspect_error *(*cpu_state_dump)(struct kinspect_elf_dump *dump, unsigned int index,
						 struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip);
	struct kinspect_error *(*cpu_state_live)(struct kinspect_gdbstub *gs, unsigned int index,
						 struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip);
	/* One register of vCPU thread THREAD, by what it is for. */
	struct kinspect_error *(*read_pc)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	struct kinspect_error *(*read_sp)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	/* The page-table root and the control bits that say the paging
	 * mode, and the number of levels those bits give. */
	struct kinspect_error *(*read_paging)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_root,
					      uint64_t *ret_control);
	int (*paging_levels)(uint64_t control);

	/* ---- the calling convention (kinspect/breakpoint.h) -------------- */
	/* Where N arguments of SIZES bytes (0: unknown) are at a function's
	 * first instruction, AGGREGATE telling those passed by value as a
	 * struct, union or array: RET_REGS[I] names the register holding
	 * argument I (its first word, for one that takes two) as the
	 * gdbstub's target description does, or is NULL; then
	 * RET_STACK[I] is its offset in bytes above the stack pointer at
	 * entry, or UINT64_MAX when it cannot be placed. */
	void (*entry_args)(size_t n, const uint64_t *sizes, const bool *aggregate, const char **ret_regs,
			   uint64_t *ret_stack);
};

/* The architecture of the kernels kinspect reads. */
const struct kinspect_arch *kinspect_arch(void);

#endif /* KINSPECT_ARCH_H */
