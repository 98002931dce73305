/* x86-64 ORC unwinding: decoding the kernel's .orc_unwind_ip/.orc_unwind
 * tables (every format since v5.x) and one unwind step, the same rules as
 * the kernel's own arch/x86/kernel/unwind_orc.c.  Knows nothing of tasks or
 * modules: callers give it tables, memory and a pt_regs layout.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_ORC_H
#define KINSPECT_X86_64_ORC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "arch/arch.h"
#include "arch/x86_64.h"
#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* ORC base registers, kinspect's own numbering (that of v4.14-v7.0's
 * arch/x86/include/asm/orc_types.h, plus AX); a kernel's raw numbers are
 * mapped onto it by kinspect_orc_format.reg_map. */
enum kinspect_orc_reg {
	KINSPECT_ORC_REG_UNDEFINED = 0,
	KINSPECT_ORC_REG_PREV_SP = 1,
	KINSPECT_ORC_REG_DX = 2,
	KINSPECT_ORC_REG_DI = 3,
	KINSPECT_ORC_REG_BP = 4,
	KINSPECT_ORC_REG_SP = 5,
	KINSPECT_ORC_REG_R10 = 6,
	KINSPECT_ORC_REG_R13 = 7,
	KINSPECT_ORC_REG_BP_INDIRECT = 8,
	KINSPECT_ORC_REG_SP_INDIRECT = 9,
	KINSPECT_ORC_REG_AX = 10,
	KINSPECT_ORC_REG_UNKNOWN = 15, /* a raw number this kernel's map does not know */
};

enum kinspect_orc_type {
	KINSPECT_ORC_TYPE_UNDEFINED = 0,
	KINSPECT_ORC_TYPE_END_OF_STACK = 1,
	KINSPECT_ORC_TYPE_CALL = 2,
	KINSPECT_ORC_TYPE_REGS = 3,
	KINSPECT_ORC_TYPE_REGS_PARTIAL = 4,
};

struct kinspect_orc_entry {
	int16_t sp_offset, bp_offset;
	uint8_t sp_reg, bp_reg, type;
	bool signal;
};

/* Where the fields of a raw struct orc_entry lie; taken from the vmlinux's
 * DWARF, so a kernel's own layout decides (see kinspect_orc_format_from_dwarf). */
struct kinspect_orc_format {
	uint32_t entry_size;
	uint8_t sp_reg_bit, bp_reg_bit, type_bit, type_bits;
	int8_t signal_bit, end_bit; /* -1: the format has no such field */
	/* Raw register number -> enum kinspect_orc_reg.  The numbers are
	 * macros, absent from DWARF: kinspect_orc_format_detect_registers()
	 * tells the numbering from the table itself. */
	uint8_t reg_map[16];
};

/* Read the layout of struct orc_entry from TYPES. */
struct kinspect_error *kinspect_orc_format_from_dwarf(struct kinspect_dwarf_types *types,
						      struct kinspect_orc_format *ret);

/* Choose FORMAT's register numbering from N raw ENTRIES of a table: at
 * every plain function's first instruction the entry says "the caller's SP
 * is SP + 8, BP unchanged", so the raw number most often seen there is SP,
 * and that tells the numbering apart (5 up to v7.0, 3 in v7.3's renumbered
 * orc_types.h).  An error names a numbering this code does not know. */
struct kinspect_error *kinspect_orc_format_detect_registers(struct kinspect_orc_format *format,
							     const uint8_t *entries, size_t n);

/* Decode the raw entry at RAW (FORMAT->entry_size bytes). */
void kinspect_orc_decode(const struct kinspect_orc_format *format, const uint8_t *raw,
			 struct kinspect_orc_entry *ret);

/* One table: vmlinux's or a module's.  IPS holds N 32-bit offsets relative
 * to their own runtime address (IP_BASE + 4 * i), sorted by target
 * address; ENTRIES the N raw entries.  The table covers the address ranges
 * given to kinspect_orc_table_add_range() (a module's text, vmlinux's
 * text and init text). */
#define KINSPECT_ORC_RANGES_MAX 4
struct kinspect_orc_table {
	char name[64];
	uint64_t ip_base;
	const uint8_t *ips;
	const uint8_t *entries;
	/* Whether IPS and ENTRIES point into memory the table does not own
	 * (the vmlinux file's mapping), and deinit must not free. */
	bool borrowed;
	size_t n;
	const struct kinspect_orc_format *format;
	uint64_t range_start[KINSPECT_ORC_RANGES_MAX], range_end[KINSPECT_ORC_RANGES_MAX];
	unsigned int nr_ranges;
};

void kinspect_orc_table_add_range(struct kinspect_orc_table *table, uint64_t start, uint64_t end);
bool kinspect_orc_table_covers(const struct kinspect_orc_table *table, uint64_t addr);

/* The entry that applies at ADDR in *RET; false if ADDR lies before the
 * first entry. */
bool kinspect_orc_table_find(const struct kinspect_orc_table *table, uint64_t addr, struct kinspect_orc_entry *ret);

/* Free what TABLE owns (not TABLE itself). */
void kinspect_orc_table_deinit(struct kinspect_orc_table *table);

/* struct pt_regs is 168 bytes on x86-64 (v6.12); more is not one. */
#define KINSPECT_X86_64_PT_REGS_MAX 512

/* Where struct pt_regs keeps each register, by DWARF number, plus cs. */
struct kinspect_x86_64_pt_regs_layout {
	uint32_t offset[KINSPECT_X86_64_NR_REGS];
	uint32_t cs, size;
};

struct kinspect_error *kinspect_x86_64_pt_regs_layout(struct kinspect_dwarf_types *types,
						      struct kinspect_x86_64_pt_regs_layout *ret);

/* Finds the ORC entry for a code address among the tables a caller knows. */
enum kinspect_orc_lookup {
	KINSPECT_ORC_FOUND,
	KINSPECT_ORC_NOT_TEXT, /* no table covers the address */
};
typedef enum kinspect_orc_lookup (*kinspect_orc_find_fn)(void *arg, uint64_t addr, struct kinspect_orc_entry *ret,
							 const char **ret_table);

/* The state between two steps is a struct kinspect_unwind_state: its
 * EXACT is ORC's "signal" (the IP is where the code was interrupted, looked
 * up as it is, not minus one), and its architecture's words are these: the
 * pt_regs the last REGS/REGS_PARTIAL frame found, the full one before a
 * partial one, and flags about them (the kernel's state->regs/prev_regs). */
enum {
	KINSPECT_ORC_WORD_PT_REGS = 0,
	KINSPECT_ORC_WORD_PREV_PT_REGS = 1,
	KINSPECT_ORC_WORD_FLAGS = 2,
};
enum {
	KINSPECT_ORC_HAVE_PT_REGS = 1,
	KINSPECT_ORC_FULL_PT_REGS = 2,
	KINSPECT_ORC_HAVE_PREV_PT_REGS = 4,
};

enum kinspect_orc_step_result {
	KINSPECT_ORC_STEP_OK,
	KINSPECT_ORC_STEP_END, /* end of the kernel stack (ORC end hint or user mode) */
};

/* What one step found. */
struct kinspect_orc_step {
	/* The ORC data of the unwound frame (the frame-pointer rule's for
	 * FRAME_POINTER), also set for END. */
	struct kinspect_orc_entry entry;
	/* CALL, PT_REGS (a full struct pt_regs: interrupt, exception,
	 * syscall), IRET (only the hardware IRET frame of a pt_regs) or
	 * FRAME_POINTER (no ORC data: a guess from RBP). */
	enum kinspect_unwind_kind kind;
	uint64_t pt_regs;  /* for PT_REGS/IRET: the struct's address */
	bool user_mode;    /* for PT_REGS/IRET: it holds a user-mode context */
};

struct kinspect_orc_unwinder {
	kinspect_orc_find_fn find;
	void *find_arg;
	const struct kinspect_memory *mem;
	const struct kinspect_x86_64_pt_regs_layout *pt_regs;
};

/* Unwind STATE by one frame.  On KINSPECT_ORC_STEP_OK STATE holds the
 * caller's registers and *RET says how they were found; END means STATE is
 * the last frame.  An error says why unwinding cannot go on ("no ORC data
 * for ...", "stack going in the wrong direction", a fault reading the
 * stack); STATE is then unchanged. */
struct kinspect_error *kinspect_orc_unwind_step(const struct kinspect_orc_unwinder *unwinder,
						struct kinspect_unwind_state *state, struct kinspect_orc_step *ret,
						enum kinspect_orc_step_result *ret_result);

#endif /* KINSPECT_X86_64_ORC_H */
