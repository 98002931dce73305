/* x86-64 argument locations at function entry (see x86_64-call.h).  The
 * kernel has no floating-point arguments, so only the INTEGER and MEMORY
 * classes of the psABI (section 3.2.3) occur.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "arch/x86_64-call.h"

static const char *const int_regs[] = { "rdi", "rsi", "rdx", "rcx", "r8", "r9" };
#define NR_INT_REGS (sizeof(int_regs) / sizeof(int_regs[0]))

void kinspect_x86_64_entry_args(size_t n, const uint64_t *sizes, const bool *aggregate, const char **ret_regs,
				uint64_t *ret_stack)
{
	size_t next_reg = 0;
	uint64_t stack = 8; /* above the return address */
	for (size_t i = 0; i < n; i++) {
		uint64_t size = sizes[i];
		ret_regs[i] = NULL;
		ret_stack[i] = UINT64_MAX;
		if (size == 0)
			continue;
		uint64_t words = (size + 7) / 8;
		bool memory = (aggregate[i] && size > 16) || words > 2;
		if (!memory && next_reg + words <= NR_INT_REGS) {
			/* One eightbyte or two (a 16-byte struct): named by
			 * the first, the second is the next register. */
			ret_regs[i] = int_regs[next_reg];
			next_reg += words;
			continue;
		}
		/* MEMORY, or no registers left for all of it: the whole
		 * argument goes on the stack, eightbyte-aligned. */
		ret_stack[i] = stack;
		stack += words * 8;
	}
}
