/* Where the x86-64 System V calling convention puts a function's arguments
 * at its first instruction: what a breakpoint at a function's entry sees,
 * whatever the function does with them afterwards.  x86-64's entry_args in
 * the architecture table (see arch.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_CALL_H
#define KINSPECT_X86_64_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Place N arguments of SIZES (bytes; 0: unknown), AGGREGATE telling structs,
 * unions and arrays passed by value (more than 16 bytes of those go on the
 * stack): RET_REGS[I] is the register (target XML name: "rdi", ...) holding
 * argument I, or its first eightbyte when it takes two, or NULL; then
 * RET_STACK[I] is its offset above the stack pointer at entry (the return
 * address is at offset 0), or UINT64_MAX for an unknown size. */
void kinspect_x86_64_entry_args(size_t n, const uint64_t *sizes, const bool *aggregate, const char **ret_regs,
				uint64_t *ret_stack);

#endif /* KINSPECT_X86_64_CALL_H */
