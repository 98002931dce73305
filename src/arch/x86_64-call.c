/* x86-64 argument locations at function entry (see x86_64-call.h).  The
 * kernel has no floating-point arguments, so only the INTEGER and MEMORY
 * classes of the psABI (section 3.2.3) occur.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "arch/x86_64-call.h"

static const char *const int_regs[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
#define NR_INT_REGS (sizeof(int_regs) / sizeof(int_regs[0]))

void kinspect_x86_64_entry_args(size_t n, const uint64_t *sizes, const bool *aggregate,
				struct kinspect_x86_64_arg *ret)
{
	size_t next_reg = 0;
	uint64_t stack = 8; /* above the return address */
	for (size_t i = 0; i < n; i++) {
		struct kinspect_x86_64_arg *a = &ret[i];
		*a = (struct kinspect_x86_64_arg){ 0 };
		uint64_t size = sizes[i];
		if (size == 0) {
			a->unknown = true;
			continue;
		}
		uint64_t words = (size + 7) / 8;
		bool memory = (aggregate[i] && size > 16) || words > 2;
		if (!memory && next_reg + words <= NR_INT_REGS) {
			a->nr_regs = (unsigned int)words;
			for (uint64_t w = 0; w < words; w++)
				a->regs[w] = int_regs[next_reg++];
			continue;
		}
		/* MEMORY, or no registers left for all of it: the whole
		 * argument goes on the stack, eightbyte-aligned. */
		a->on_stack = true;
		a->stack_offset = stack;
		stack += words * 8;
	}
}
