/* Unit tests: ORC entry decoding in both bit layouts (before and since
 * Linux v6.4), table lookup, and unwind steps over a hand-built stack: call
 * frames, a pt_regs frame from user mode, the end-of-stack hint, and the
 * errors for code without ORC data and unreadable stacks.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "arch/x86_64-orc.h"
#include "core/error-priv.h"
#include "tap.h"

/* Raw register numbers as kinspect numbers them (the legacy numbering). */
#define IDENTITY_REGISTERS .reg_map = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 15, 15, 15, 15 }
/* struct orc_entry of v6.1: type:2 at bit 40, end:1 at bit 42. */
static const struct kinspect_orc_format old_format = {
	.entry_size = 6, .sp_reg_bit = 32, .bp_reg_bit = 36, .type_bit = 40, .type_bits = 2,
	.signal_bit = -1, .end_bit = 42, IDENTITY_REGISTERS,
};
/* since v6.4: type:3 at bit 40, signal:1 at bit 43. */
static const struct kinspect_orc_format new_format = {
	.entry_size = 6, .sp_reg_bit = 32, .bp_reg_bit = 36, .type_bit = 40, .type_bits = 3,
	.signal_bit = 43, .end_bit = -1, IDENTITY_REGISTERS,
};

static void encode(const struct kinspect_orc_format *f, uint8_t *raw, int16_t sp_off, int16_t bp_off,
		   unsigned int sp_reg, unsigned int bp_reg, unsigned int type_bits, uint64_t extra)
{
	uint64_t word = (uint16_t)sp_off | (uint64_t)(uint16_t)bp_off << 16 | (uint64_t)sp_reg << f->sp_reg_bit |
			(uint64_t)bp_reg << f->bp_reg_bit | (uint64_t)type_bits << f->type_bit | extra;
	for (int i = 0; i < 6; i++)
		raw[i] = (uint8_t)(word >> (8 * i));
}

static void test_decode(void)
{
	uint8_t raw[6];
	struct kinspect_orc_entry e;
	/* v6.1: CALL = 0, REGS = 1 (a signal frame without a signal bit) */
	encode(&old_format, raw, 16, -16, KINSPECT_ORC_REG_SP, KINSPECT_ORC_REG_PREV_SP, 0, 0);
	kinspect_orc_decode(&old_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_CALL && e.sp_offset == 16 && e.bp_offset == -16 && !e.signal &&
		   e.sp_reg == KINSPECT_ORC_REG_SP && e.bp_reg == KINSPECT_ORC_REG_PREV_SP,
	   "old format: call frame");
	encode(&old_format, raw, 0, 0, KINSPECT_ORC_REG_SP, 0, 1, 0);
	kinspect_orc_decode(&old_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_REGS && e.signal, "old format: regs frame is a signal frame");
	/* v6.1: sp_reg UNDEFINED is the end with "end" set, undefined without */
	encode(&old_format, raw, 0, 0, 0, 0, 0, 0);
	kinspect_orc_decode(&old_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_UNDEFINED, "old format: no sp_reg, no end: undefined");
	encode(&old_format, raw, 0, 0, 0, 0, 0, 1ULL << 42);
	kinspect_orc_decode(&old_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_END_OF_STACK, "old format: no sp_reg with end: end of stack");
	/* v6.4+: types numbered from UNDEFINED = 0, the signal bit explicit */
	encode(&new_format, raw, 8, 0, KINSPECT_ORC_REG_SP, 0, KINSPECT_ORC_TYPE_CALL, 0);
	kinspect_orc_decode(&new_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_CALL && e.sp_offset == 8 && !e.signal, "new format: call frame");
	encode(&new_format, raw, 0, 0, KINSPECT_ORC_REG_SP, 0, KINSPECT_ORC_TYPE_REGS_PARTIAL, 1ULL << 43);
	kinspect_orc_decode(&new_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_REGS_PARTIAL && e.signal, "new format: partial regs with signal");
	encode(&new_format, raw, 0, 0, 0, 0, KINSPECT_ORC_TYPE_END_OF_STACK, 0);
	kinspect_orc_decode(&new_format, raw, &e);
	ok(e.type == KINSPECT_ORC_TYPE_END_OF_STACK, "new format: end of stack");
}

/* The register numbering told from function entries: legacy (SP = 5) and
 * v7.3's renumbering (SP = 3, BP = 4, PREV_SP = 8, AX = 1), and an error for
 * a numbering never seen. */
static void test_register_numbering(void)
{
	struct kinspect_orc_format f = new_format;
	uint8_t raw[4 * 6];
	struct kinspect_orc_entry e;
	/* v7.3 raw numbers: entry (SP+8), after push %rbp (SP+16, BP at
	 * PREV_SP-16) twice, after mov %rsp,%rbp (BP+16). */
	encode(&f, raw, 8, 0, 3, 0, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 6, 8, 0, 3, 0, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 12, 16, -16, 3, 8, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 18, 16, -16, 4, 8, KINSPECT_ORC_TYPE_CALL, 0);
	struct kinspect_error *err = kinspect_orc_format_detect_registers(&f, raw, 4);
	ok(!err, "renumbered registers detected");
	kinspect_error_destroy(err);
	kinspect_orc_decode(&f, raw + 18, &e);
	ok(e.sp_reg == KINSPECT_ORC_REG_BP && e.bp_reg == KINSPECT_ORC_REG_PREV_SP, "renumbered: BP and PREV_SP");
	encode(&f, raw, 0, 0, 1, 0, KINSPECT_ORC_TYPE_CALL, 0);
	kinspect_orc_decode(&f, raw, &e);
	ok(e.sp_reg == KINSPECT_ORC_REG_AX, "renumbered: AX is 1");
	/* the same frames in the legacy numbering */
	encode(&f, raw, 8, 0, 5, 0, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 6, 8, 0, 5, 0, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 12, 16, -16, 5, 1, KINSPECT_ORC_TYPE_CALL, 0);
	encode(&f, raw + 18, 16, -16, 4, 1, KINSPECT_ORC_TYPE_CALL, 0);
	err = kinspect_orc_format_detect_registers(&f, raw, 4);
	kinspect_orc_decode(&f, raw + 18, &e);
	ok(!err && e.sp_reg == KINSPECT_ORC_REG_BP && e.bp_reg == KINSPECT_ORC_REG_PREV_SP,
	   "legacy registers detected");
	kinspect_error_destroy(err);
	encode(&f, raw, 8, 0, 12, 0, KINSPECT_ORC_TYPE_CALL, 0);
	err = kinspect_orc_format_detect_registers(&f, raw, 1);
	ok(err && strstr(kinspect_error_message(err), "unknown ORC register numbering"),
	   "an unknown numbering is an error: %s", err ? kinspect_error_message(err) : "none");
	kinspect_error_destroy(err);
	err = kinspect_orc_format_detect_registers(&f, raw, 0);
	ok(err != NULL, "an empty table tells no numbering");
	kinspect_error_destroy(err);
}

/* ---- a fake kernel: text at TEXT, one ORC table, a stack at STACK ----- */
#define TEXT 0xffffffff81000000ULL
#define STACK 0xffffc90000010000ULL
#define STACK_WORDS 64
static uint64_t stack[STACK_WORDS];
static struct kinspect_orc_table table;
/* pt_regs: the real layout's order (r15 first ... ip, cs, flags, sp, ss). */
static struct kinspect_x86_64_pt_regs_layout layout;

static struct kinspect_error *read_mem(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (addr < STACK || addr + len > STACK + sizeof(stack))
		return kinspect_error_fault(addr, "outside the fake stack");
	memcpy(buf, (uint8_t *)stack + (addr - STACK), len);
	return NULL;
}

static enum kinspect_orc_lookup find(void *arg, uint64_t addr, struct kinspect_orc_entry *ret, const char **ret_table)
{
	(void)arg;
	*ret_table = "vmlinux";
	if (!kinspect_orc_table_covers(&table, addr))
		return KINSPECT_ORC_NOT_TEXT;
	return kinspect_orc_table_find(&table, addr, ret) ? KINSPECT_ORC_FOUND : KINSPECT_ORC_NOT_TEXT;
}

/* Entry I covers [TEXT + 0x100 * I, ...). */
static uint8_t *table_ips, *table_entries; /* what table.ips and .entries point at */

static void set_entry(size_t i, int16_t sp_off, unsigned int sp_reg, unsigned int type)
{
	uint32_t ip_offset = (uint32_t)(TEXT + 0x100 * i - (table.ip_base + 4 * i));
	memcpy(table_ips + 4 * i, &ip_offset, 4);
	encode(&new_format, table_entries + 6 * i, sp_off, 0, sp_reg, KINSPECT_ORC_REG_UNDEFINED, type, 0);
}

static void test_unwind(void)
{
	table = (struct kinspect_orc_table){ .ip_base = 0xffffffff82000000ULL, .n = 5, .format = &new_format };
	table.ips = table_ips = calloc(5, 4);
	table.entries = table_entries = calloc(5, 6);
	kinspect_orc_table_add_range(&table, TEXT, TEXT + 0x500);
	set_entry(0, 16, KINSPECT_ORC_REG_SP, KINSPECT_ORC_TYPE_CALL); /* f0: 8 bytes of locals */
	set_entry(1, 8, KINSPECT_ORC_REG_SP, KINSPECT_ORC_TYPE_CALL);  /* f1: none */
	set_entry(2, 0, KINSPECT_ORC_REG_SP, KINSPECT_ORC_TYPE_REGS);  /* entry code: pt_regs at sp */
	set_entry(3, 0, 0, KINSPECT_ORC_TYPE_END_OF_STACK);
	set_entry(4, 0, 0, KINSPECT_ORC_TYPE_UNDEFINED);
	static const int order[KINSPECT_X86_64_NR_REGS] = {
		/* DWARF number -> pt_regs slot */
		10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16,
	};
	for (int r = 0; r < KINSPECT_X86_64_NR_REGS; r++)
		layout.offset[r] = 8 * (uint32_t)order[r];
	layout.cs = 8 * 17;
	layout.size = 8 * 21;
	struct kinspect_memory mem = { .read = read_mem };
	struct kinspect_orc_unwinder u = { .find = find, .mem = &mem, .pt_regs = &layout };

	/* f0 at TEXT + 0x10 with sp = STACK: [STACK + 8] = return into f1 */
	memset(stack, 0, sizeof(stack));
	stack[1] = TEXT + 0x110;
	/* f1 (sp = STACK + 16): [STACK + 16] = return into the entry code */
	stack[2] = TEXT + 0x210;
	/* entry code at sp = STACK + 24: pt_regs of user mode */
	uint64_t *regs = &stack[3];
	regs[16] = 0x401000; /* ip */
	regs[17] = 0x33;     /* cs: ring 3 */
	regs[19] = 0x7ffffff0; /* sp */
	regs[4] = 0x1234;    /* bp */

	struct kinspect_unwind_state state;
	memset(&state, 0, sizeof(state));
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, TEXT + 0x10);
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RSP, STACK);
	state.exact = true;
	struct kinspect_orc_step step;
	enum kinspect_orc_step_result result;
	struct kinspect_error *err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(!err && result == KINSPECT_ORC_STEP_OK && step.kind == KINSPECT_UNWIND_CALL &&
		   state.regs.value[KINSPECT_X86_64_RIP] == TEXT + 0x110 && state.regs.value[KINSPECT_X86_64_RSP] == STACK + 16,
	   "call frame: return address and stack pointer");
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(!err && state.regs.value[KINSPECT_X86_64_RIP] == TEXT + 0x210 && state.regs.value[KINSPECT_X86_64_RSP] == STACK + 24,
	   "second call frame");
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(!err && step.kind == KINSPECT_UNWIND_PT_REGS && step.user_mode && step.pt_regs == STACK + 24 &&
		   state.regs.value[KINSPECT_X86_64_RIP] == 0x401000 && state.regs.value[KINSPECT_X86_64_RBP] == 0x1234 &&
		   state.exact == false,
	   "pt_regs frame: user-mode registers");
	ok(state.arch[KINSPECT_ORC_WORD_PT_REGS] == STACK + 24 &&
		   state.arch[KINSPECT_ORC_WORD_FLAGS] == (KINSPECT_ORC_HAVE_PT_REGS | KINSPECT_ORC_FULL_PT_REGS) &&
		   state.regs.valid == (UINT64_C(1) << KINSPECT_X86_64_NR_REGS) - 1,
	   "pt_regs frame: the state's ORC words say a full pt_regs, every register known");
	kinspect_error_destroy(err);

	/* The end hint. */
	memset(&state, 0, sizeof(state));
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, TEXT + 0x310);
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RSP, STACK);
	state.exact = true;
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(!err && result == KINSPECT_ORC_STEP_END, "end of stack hint");
	/* Undefined ORC data and code outside every table. */
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, TEXT + 0x410);
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(err && strstr(kinspect_error_message(err), "no ORC data"), "undefined ORC data is an error");
	kinspect_error_destroy(err);
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, 0x4141414141414141ULL);
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	ok(err && strstr(kinspect_error_message(err), "not kernel code"), "a wild address is an error");
	kinspect_error_destroy(err);
	/* A stack pointer off the stack: the read fault names the address. */
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RIP, TEXT + 0x10);
	kinspect_unwind_state_set(&state, KINSPECT_X86_64_RSP, STACK + 0x100000);
	err = kinspect_orc_unwind_step(&u, &state, &step, &result);
	uint64_t addr = 0;
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT && kinspect_error_address(err, &addr) &&
		   addr == STACK + 0x100008,
	   "unreadable stack: a fault with the address");
	kinspect_error_destroy(err);
	kinspect_orc_table_deinit(&table);
}

int main(void)
{
	test_decode();
	test_register_numbering();
	test_unwind();
	return tap_done();
}
