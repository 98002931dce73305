/* x86-64's entry in the architecture table (see arch.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "arch/arch.h"
#include "arch/x86_64-call.h"
#include "arch/x86_64-cpu-state.h"
#include "arch/x86_64.h"

static struct kinspect_error *with_mode(struct kinspect_error *err, const struct kinspect_orc_state *state,
					uint32_t cs, bool *ret_user_mode, uint64_t *ret_ip)
{
	if (!err) {
		*ret_user_mode = kinspect_x86_64_user_mode(cs);
		*ret_ip = kinspect_x86_64_cpu_state_ip(state);
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

static const struct kinspect_arch x86_64 = {
	.name = "x86-64",
	.cpu_state_dump = cpu_state_dump,
	.cpu_state_live = cpu_state_live,
	.read_pc = kinspect_x86_64_read_pc,
	.read_sp = kinspect_x86_64_read_sp,
	.read_paging = kinspect_x86_64_read_paging,
	.paging_levels = paging_levels,
	.entry_args = kinspect_x86_64_entry_args,
};

const struct kinspect_arch *kinspect_arch(void)
{
	return &x86_64;
}
