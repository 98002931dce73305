/* Where the x86-64 System V calling convention puts a function's arguments
 * at its first instruction: what a breakpoint at a function's entry sees,
 * whatever the function does with them afterwards.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_CALL_H
#define KINSPECT_X86_64_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kinspect_x86_64_arg {
	/* Registers holding it (target XML names: "rdi", ...), 0 to 2. */
	unsigned int nr_regs;
	const char *regs[2];
	/* Otherwise: on the stack, this many bytes above the stack pointer
	 * at entry (the return address is at offset 0). */
	bool on_stack;
	uint64_t stack_offset;
	/* Neither: a type kinspect cannot place (unknown size). */
	bool unknown;
};

/* Place N arguments of SIZES (bytes), AGGREGATE telling structs and unions
 * passed by value (more than 16 bytes of those go on the stack). */
void kinspect_x86_64_entry_args(size_t n, const uint64_t *sizes, const bool *aggregate,
				struct kinspect_x86_64_arg *ret);

#endif /* KINSPECT_X86_64_CALL_H */
