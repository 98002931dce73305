/* x86-64 ORC: table decoding and the unwind step.
 *
 * The step follows unwind_next_frame() in the kernel's
 * arch/x86/kernel/unwind_orc.c (v6.12), with a debugger's register set in
 * place of the kernel's state: registers a frame does not restore become
 * unknown instead of being carried along.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64-orc.h"
#include "core/error-priv.h"

/* ---- format ------------------------------------------------------------ */

/* Raw ORC register numbers of arch/x86/include/asm/orc_types.h, by
 * numbering.  Legacy: v4.14 to v7.0 (PREV_SP 1 ... SP_INDIRECT 9), with AX
 * appended as 10 by commit 96f3b16a9de5 ("objtool: Support Clang RAX DRAP
 * sequence").  Renumbered: the orc_types.h of v7.3 (Debian's 7.3.4 headers),
 * where AX is 1, SP 3, BP 4 and PREV_SP 8. */
static const uint8_t legacy_registers[] = {
	KINSPECT_ORC_REG_UNDEFINED, KINSPECT_ORC_REG_PREV_SP,	  KINSPECT_ORC_REG_DX,	KINSPECT_ORC_REG_DI,
	KINSPECT_ORC_REG_BP,	    KINSPECT_ORC_REG_SP,	  KINSPECT_ORC_REG_R10, KINSPECT_ORC_REG_R13,
	KINSPECT_ORC_REG_BP_INDIRECT, KINSPECT_ORC_REG_SP_INDIRECT, KINSPECT_ORC_REG_AX,
};
static const uint8_t renumbered_registers[] = {
	KINSPECT_ORC_REG_UNDEFINED, KINSPECT_ORC_REG_AX,	  KINSPECT_ORC_REG_DX,	KINSPECT_ORC_REG_SP,
	KINSPECT_ORC_REG_BP,	    KINSPECT_ORC_REG_DI,	  KINSPECT_ORC_REG_R10, KINSPECT_ORC_REG_R13,
	KINSPECT_ORC_REG_PREV_SP,   KINSPECT_ORC_REG_SP_INDIRECT, KINSPECT_ORC_REG_BP_INDIRECT,
};
#define LEGACY_SP_NUMBER 5
#define ORC_NUMBERING_SAMPLE 16384
#define RENUMBERED_SP_NUMBER 3

static void set_register_map(struct kinspect_orc_format *format, const uint8_t map[11])
{
	memset(format->reg_map, KINSPECT_ORC_REG_UNKNOWN, sizeof(format->reg_map));
	memcpy(format->reg_map, map, 11);
}

static struct kinspect_error *bitfield(struct kinspect_dwarf_types *types, const char *name, uint8_t *ret_bit,
				       uint8_t *ret_bits)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, "struct orc_entry", name, &m);
	if (err)
		return err;
	if (!m.bit_size || m.bit_offset + m.bit_size > 64)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct orc_entry.%s is not a bit-field in the first 8 bytes",
					     name);
	*ret_bit = (uint8_t)m.bit_offset;
	if (ret_bits)
		*ret_bits = (uint8_t)m.bit_size;
	return NULL;
}

static struct kinspect_error *optional_bit(struct kinspect_dwarf_types *types, const char *name, int8_t *ret)
{
	bool has;
	struct kinspect_error *err = kinspect_dwarf_types_has_member(types, "struct orc_entry", name, &has);
	if (err || !has) {
		*ret = -1;
		return err;
	}
	uint8_t bit = 0;
	err = bitfield(types, name, &bit, NULL);
	*ret = (int8_t)bit;
	return err;
}

struct kinspect_error *kinspect_orc_format_from_dwarf(struct kinspect_dwarf_types *types,
						      struct kinspect_orc_format *ret)
{
	uint64_t size;
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, "struct orc_entry", &size);
	if (err)
		return kinspect_error_wrap(err, "the kernel's ORC format (is it built with CONFIG_UNWINDER_ORC?)");
	if (size < 6 || size > 8)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct orc_entry of %" PRIu64 " bytes", size);
	ret->entry_size = (uint32_t)size;
	if ((err = bitfield(types, "sp_reg", &ret->sp_reg_bit, NULL)) ||
	    (err = bitfield(types, "bp_reg", &ret->bp_reg_bit, NULL)) ||
	    (err = bitfield(types, "type", &ret->type_bit, &ret->type_bits)) ||
	    /* Before commit ffb1b4a41016 ("x86/unwind/orc: Add 'signal' field
	     * to ORC metadata", v6.3) REGS and REGS_PARTIAL implied it. */
	    (err = optional_bit(types, "signal", &ret->signal_bit)) ||
	    /* Before commit fb799447ae29 ("x86,objtool: Split
	     * UNWIND_HINT_EMPTY in two", v6.4) "end" with sp_reg UNDEFINED
	     * marked the end of the stack, and types were numbered from CALL
	     * = 0; since then UNDEFINED and END_OF_STACK are types of their own. */
	    (err = optional_bit(types, "end", &ret->end_bit)))
		return kinspect_error_wrap(err, "the kernel's ORC format");
	set_register_map(ret, legacy_registers);
	return NULL;
}

static unsigned int bits(uint64_t word, unsigned int bit, unsigned int nbits)
{
	return (unsigned int)((word >> bit) & ((1u << nbits) - 1));
}

struct kinspect_error *kinspect_orc_format_detect_registers(struct kinspect_orc_format *format,
							     const uint8_t *entries, size_t n)
{
	/* Function entries: SP + 8, BP untouched (raw 0 in every numbering).
	 * The type is not looked at: its numbering differs between formats
	 * too, and the offsets alone are distinctive enough. */
	/* The first entries are plenty (the table covers thousands of
	 * functions), and the rest of a mapped table stays untouched. */
	size_t votes[16] = {0};
	if (n > ORC_NUMBERING_SAMPLE)
		n = ORC_NUMBERING_SAMPLE;
	for (size_t i = 0; i < n; i++) {
		uint64_t word = kinspect_load_le(entries + i * format->entry_size, format->entry_size);
		if ((int16_t)bits(word, 0, 16) == 8 && bits(word, format->bp_reg_bit, 4) == 0)
			votes[bits(word, format->sp_reg_bit, 4)]++;
	}
	unsigned int sp = 0;
	for (unsigned int r = 1; r < 16; r++) {
		if (votes[r] > votes[sp])
			sp = r;
	}
	if (sp == LEGACY_SP_NUMBER) {
		set_register_map(format, legacy_registers);
	} else if (sp == RENUMBERED_SP_NUMBER) {
		set_register_map(format, renumbered_registers);
	} else {
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
					     "unknown ORC register numbering: function entries use register %u "
					     "for SP (%zu of %zu entries)", sp, votes[sp], n);
	}
	return NULL;
}

void kinspect_orc_decode(const struct kinspect_orc_format *format, const uint8_t *raw,
			 struct kinspect_orc_entry *ret)
{
	uint64_t word = kinspect_load_le(raw, format->entry_size);
	ret->sp_offset = (int16_t)(uint16_t)bits(word, 0, 16);
	ret->bp_offset = (int16_t)(uint16_t)bits(word, 16, 16);
	ret->sp_reg = format->reg_map[bits(word, format->sp_reg_bit, 4)];
	ret->bp_reg = format->reg_map[bits(word, format->bp_reg_bit, 4)];
	unsigned int type = bits(word, format->type_bit, format->type_bits);
	if (format->end_bit >= 0) {
		if (ret->sp_reg == KINSPECT_ORC_REG_UNDEFINED)
			type = bits(word, (unsigned int)format->end_bit, 1) ? KINSPECT_ORC_TYPE_END_OF_STACK
									      : KINSPECT_ORC_TYPE_UNDEFINED;
		else
			type += KINSPECT_ORC_TYPE_CALL;
	}
	ret->type = (uint8_t)type;
	if (format->signal_bit >= 0)
		ret->signal = bits(word, (unsigned int)format->signal_bit, 1);
	else
		ret->signal = type == KINSPECT_ORC_TYPE_REGS || type == KINSPECT_ORC_TYPE_REGS_PARTIAL;
}

/* ---- tables ------------------------------------------------------------ */

void kinspect_orc_table_add_range(struct kinspect_orc_table *table, uint64_t start, uint64_t end)
{
	if (table->nr_ranges < KINSPECT_ORC_RANGES_MAX && start < end) {
		table->range_start[table->nr_ranges] = start;
		table->range_end[table->nr_ranges++] = end;
	}
}

bool kinspect_orc_table_covers(const struct kinspect_orc_table *table, uint64_t addr)
{
	for (unsigned int i = 0; i < table->nr_ranges; i++) {
		if (addr >= table->range_start[i] && addr < table->range_end[i])
			return true;
	}
	return false;
}

static uint64_t table_ip(const struct kinspect_orc_table *table, size_t i)
{
	int32_t offset = (int32_t)(uint32_t)kinspect_load_le(table->ips + 4 * i, 4);
	return table->ip_base + 4 * i + (uint64_t)(int64_t)offset;
}

bool kinspect_orc_table_find(const struct kinspect_orc_table *table, uint64_t addr, struct kinspect_orc_entry *ret)
{
	/* The last entry at or below ADDR. */
	size_t lo = 0, hi = table->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (table_ip(table, mid) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	kinspect_orc_decode(table->format, table->entries + (lo - 1) * table->format->entry_size, ret);
	return true;
}

void kinspect_orc_table_deinit(struct kinspect_orc_table *table)
{
	if (!table->borrowed) {
		free((void *)table->ips);
		free((void *)table->entries);
	}
	table->ips = table->entries = NULL;
	table->borrowed = false;
	table->n = 0;
}

/* ---- pt_regs ----------------------------------------------------------- */

struct kinspect_error *kinspect_x86_64_pt_regs_layout(struct kinspect_dwarf_types *types,
						      struct kinspect_x86_64_pt_regs_layout *ret)
{
	/* struct pt_regs member names by DWARF register number. */
	static const char *const names[KINSPECT_X86_64_NR_REGS] = {
		"ax", "dx", "cx", "bx", "si", "di", "bp", "sp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
	};
	uint64_t size;
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, "struct pt_regs", &size);
	if (err)
		return err;
	ret->size = (uint32_t)size;
	for (unsigned int i = 0; i <= KINSPECT_X86_64_NR_REGS; i++) {
		struct kinspect_dwarf_member m;
		err = kinspect_dwarf_types_member(types, "struct pt_regs", i < KINSPECT_X86_64_NR_REGS ? names[i] : "cs",
						  &m);
		if (err)
			return err;
		/* cs is a u16 in a union with csx since commit 1a8ac5e3d7bd
		 * ("x86/ptrace: Cleanup the definition of the pt_regs
		 * structure", v6.9, for FRED): only its low bits matter. */
		if ((i < KINSPECT_X86_64_NR_REGS ? m.size != 8 : m.size == 0 || m.size > 8) || m.offset + 8 > size)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct pt_regs.%s: unexpected layout",
						     i < KINSPECT_X86_64_NR_REGS ? names[i] : "cs");
		if (i < KINSPECT_X86_64_NR_REGS)
			ret->offset[i] = (uint32_t)m.offset;
		else
			ret->cs = (uint32_t)m.offset;
	}
	return NULL;
}

/* ---- the step ---------------------------------------------------------- */

static struct kinspect_error *read_u64(const struct kinspect_orc_unwinder *u, uint64_t addr, uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read(u->mem, addr, buf, sizeof(buf));
	if (err)
		return kinspect_error_wrap(err, "reading the stack at 0x%" PRIx64, addr);
	*ret = kinspect_load_le(buf, 8);
	return NULL;
}

/* A register saved in the last pt_regs (the kernel's get_reg()). */
static bool saved_reg(const struct kinspect_orc_unwinder *u, const struct kinspect_unwind_state *state,
		      unsigned int reg, uint64_t *ret)
{
	uint64_t base, flags = state->arch[KINSPECT_ORC_WORD_FLAGS];
	if ((flags & KINSPECT_ORC_HAVE_PT_REGS) && (flags & KINSPECT_ORC_FULL_PT_REGS))
		base = state->arch[KINSPECT_ORC_WORD_PT_REGS];
	else if (flags & KINSPECT_ORC_HAVE_PREV_PT_REGS)
		base = state->arch[KINSPECT_ORC_WORD_PREV_PT_REGS];
	else
		return kinspect_unwind_state_get(state, reg, ret);
	struct kinspect_error *err = read_u64(u, base + u->pt_regs->offset[reg], ret);
	kinspect_error_destroy(err);
	return !err;
}

/* The kernel's orc_fp_entry: a frame-pointer frame, for code ORC does not
 * cover (BPF programs, for instance). */
static const struct kinspect_orc_entry fp_entry = {
	.type = KINSPECT_ORC_TYPE_CALL,
	.sp_reg = KINSPECT_ORC_REG_BP,
	.sp_offset = 16,
	.bp_reg = KINSPECT_ORC_REG_PREV_SP,
	.bp_offset = -16,
};

static const char *const reg_names[] = {
	[KINSPECT_ORC_REG_UNDEFINED] = "undefined", [KINSPECT_ORC_REG_PREV_SP] = "prev_sp",
	[KINSPECT_ORC_REG_DX] = "dx",		    [KINSPECT_ORC_REG_DI] = "di",
	[KINSPECT_ORC_REG_BP] = "bp",		    [KINSPECT_ORC_REG_SP] = "sp",
	[KINSPECT_ORC_REG_R10] = "r10",		    [KINSPECT_ORC_REG_R13] = "r13",
	[KINSPECT_ORC_REG_BP_INDIRECT] = "bp_indirect", [KINSPECT_ORC_REG_SP_INDIRECT] = "sp_indirect",
	[KINSPECT_ORC_REG_AX] = "ax",
};

static const char *reg_name(unsigned int reg)
{
	return reg < sizeof(reg_names) / sizeof(reg_names[0]) && reg_names[reg] ? reg_names[reg] : "unknown";
}

struct kinspect_error *kinspect_orc_unwind_step(const struct kinspect_orc_unwinder *u,
						struct kinspect_unwind_state *state, struct kinspect_orc_step *ret,
						enum kinspect_orc_step_result *ret_result)
{
	struct kinspect_error *err;
	uint64_t ip, cur_sp, cur_bp = 0;
	if (!kinspect_unwind_state_get(state, KINSPECT_X86_64_RIP, &ip) ||
	    !kinspect_unwind_state_get(state, KINSPECT_X86_64_RSP, &cur_sp))
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "no instruction or stack pointer");
	bool have_bp = kinspect_unwind_state_get(state, KINSPECT_X86_64_RBP, &cur_bp);

	/* A call frame's IP is the instruction after the call, whose ORC
	 * data may already be the next function's (a noreturn call): look
	 * up the call itself. */
	struct kinspect_orc_entry orc;
	const char *table = NULL;
	enum kinspect_unwind_kind kind = KINSPECT_UNWIND_CALL;
	uint64_t lookup = state->exact ? ip : ip - 1;
	if (u->find(u->find_arg, lookup, &orc, &table) != KINSPECT_ORC_FOUND) {
		/* Kernel addresses no table covers may be generated code
		 * (BPF, ftrace trampolines) in the module area: the kernel
		 * tries the frame pointer there; anything else is not code. */
		if (ip < 0xffffffffa0000000ULL || ip >= 0xffffffffff000000ULL)
			return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "0x%016" PRIx64 " is not kernel code", ip);
		orc = fp_entry;
		kind = KINSPECT_UNWIND_FRAME_POINTER;
	} else if (orc.type == KINSPECT_ORC_TYPE_UNDEFINED) {
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no ORC data for 0x%016" PRIx64 " (%s)", ip,
					     table ? table : "?");
	} else if (orc.type == KINSPECT_ORC_TYPE_END_OF_STACK) {
		ret->entry = orc;
		*ret_result = KINSPECT_ORC_STEP_END;
		return NULL;
	}

	/* The caller's stack pointer. */
	uint64_t sp, value;
	bool indirect = false;
	switch (orc.sp_reg) {
	case KINSPECT_ORC_REG_SP:
		sp = cur_sp + (uint64_t)(int64_t)orc.sp_offset;
		break;
	case KINSPECT_ORC_REG_BP:
	case KINSPECT_ORC_REG_BP_INDIRECT:
		if (!have_bp)
			return kinspect_error_create(KINSPECT_ERROR_OTHER, "rbp unknown at 0x%016" PRIx64, ip);
		sp = cur_bp + (uint64_t)(int64_t)orc.sp_offset;
		indirect = orc.sp_reg == KINSPECT_ORC_REG_BP_INDIRECT;
		break;
	case KINSPECT_ORC_REG_SP_INDIRECT:
		sp = cur_sp;
		indirect = true;
		break;
	case KINSPECT_ORC_REG_R10:
	case KINSPECT_ORC_REG_R13:
	case KINSPECT_ORC_REG_DI:
	case KINSPECT_ORC_REG_DX:
	case KINSPECT_ORC_REG_AX: {
		unsigned int reg = orc.sp_reg == KINSPECT_ORC_REG_R10	? 10
				   : orc.sp_reg == KINSPECT_ORC_REG_R13 ? 13
				   : orc.sp_reg == KINSPECT_ORC_REG_DI	? KINSPECT_X86_64_RDI
				   : orc.sp_reg == KINSPECT_ORC_REG_AX	? KINSPECT_X86_64_RAX
									: KINSPECT_X86_64_RDX;
		if (!saved_reg(u, state, reg, &sp))
			return kinspect_error_create(KINSPECT_ERROR_OTHER, "%s unknown at 0x%016" PRIx64,
						     reg_name(orc.sp_reg), ip);
		break;
	}
	default:
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "ORC data for 0x%016" PRIx64 " has SP base %s", ip,
					     reg_name(orc.sp_reg));
	}
	if (indirect) {
		/* The stack switch of call_on_stack(): the old stack pointer
		 * was pushed on the new stack. */
		if ((err = read_u64(u, sp, &sp)))
			return err;
		if (orc.sp_reg == KINSPECT_ORC_REG_SP_INDIRECT)
			sp += (uint64_t)(int64_t)orc.sp_offset;
	}

	struct kinspect_unwind_state next = { .exact = orc.signal };
	struct kinspect_orc_step step = { .entry = orc, .kind = kind };
	switch (orc.type) {
	case KINSPECT_ORC_TYPE_CALL:
		if ((err = read_u64(u, sp - 8, &value)))
			return err;
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RIP, value);
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RSP, sp);
		/* ORC tracks only SP and BP: other registers the callee
		 * saved are unknown here, not guessed. */
		break;
	case KINSPECT_ORC_TYPE_REGS: {
		/* SP points at a whole struct pt_regs: one read (one round
		 * trip live). */
		uint8_t regs[KINSPECT_X86_64_PT_REGS_MAX];
		if (u->pt_regs->size > sizeof(regs))
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct pt_regs of %u bytes", u->pt_regs->size);
		if ((err = kinspect_memory_read(u->mem, sp, regs, u->pt_regs->size)))
			return kinspect_error_wrap(err, "pt_regs at 0x%016" PRIx64, sp);
		for (unsigned int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++)
			kinspect_unwind_state_set(&next, reg, kinspect_load_le(regs + u->pt_regs->offset[reg], 8));
		next.arch[KINSPECT_ORC_WORD_PT_REGS] = sp;
		next.arch[KINSPECT_ORC_WORD_FLAGS] = KINSPECT_ORC_HAVE_PT_REGS | KINSPECT_ORC_FULL_PT_REGS;
		step.kind = KINSPECT_UNWIND_PT_REGS;
		step.pt_regs = sp;
		break;
	}
	case KINSPECT_ORC_TYPE_REGS_PARTIAL: {
		/* SP points at the IRET frame (ip, cs, flags, sp, ss) at the
		 * end of a pt_regs. */
		uint64_t regs = sp - u->pt_regs->offset[KINSPECT_X86_64_RIP];
		if ((err = read_u64(u, regs + u->pt_regs->offset[KINSPECT_X86_64_RIP], &value)))
			return kinspect_error_wrap(err, "IRET frame at 0x%016" PRIx64, sp);
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RIP, value);
		if ((err = read_u64(u, regs + u->pt_regs->offset[KINSPECT_X86_64_RSP], &value)))
			return kinspect_error_wrap(err, "IRET frame at 0x%016" PRIx64, sp);
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RSP, value);
		uint64_t flags = state->arch[KINSPECT_ORC_WORD_FLAGS];
		next.arch[KINSPECT_ORC_WORD_FLAGS] = KINSPECT_ORC_HAVE_PT_REGS;
		if ((flags & KINSPECT_ORC_HAVE_PT_REGS) && (flags & KINSPECT_ORC_FULL_PT_REGS)) {
			next.arch[KINSPECT_ORC_WORD_PREV_PT_REGS] = state->arch[KINSPECT_ORC_WORD_PT_REGS];
			next.arch[KINSPECT_ORC_WORD_FLAGS] |= KINSPECT_ORC_HAVE_PREV_PT_REGS;
		}
		next.arch[KINSPECT_ORC_WORD_PT_REGS] = regs;
		step.kind = KINSPECT_UNWIND_IRET;
		step.pt_regs = regs;
		break;
	}
	default:
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "ORC data for 0x%016" PRIx64 " has type %u", ip,
					     orc.type);
	}

	/* The caller's frame pointer. */
	switch (orc.bp_reg) {
	case KINSPECT_ORC_REG_UNDEFINED:
		if (orc.type == KINSPECT_ORC_TYPE_REGS) {
			/* Already read with the rest of pt_regs. */
		} else if (saved_reg(u, &next, KINSPECT_X86_64_RBP, &value) ||
			   kinspect_unwind_state_get(state, KINSPECT_X86_64_RBP, &value)) {
			kinspect_unwind_state_set(&next, KINSPECT_X86_64_RBP, value);
		}
		break;
	case KINSPECT_ORC_REG_PREV_SP:
		if ((err = read_u64(u, sp + (uint64_t)(int64_t)orc.bp_offset, &value)))
			return err;
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RBP, value);
		break;
	case KINSPECT_ORC_REG_BP:
		if (!have_bp)
			return kinspect_error_create(KINSPECT_ERROR_OTHER, "rbp unknown at 0x%016" PRIx64, ip);
		if ((err = read_u64(u, cur_bp + (uint64_t)(int64_t)orc.bp_offset, &value)))
			return err;
		kinspect_unwind_state_set(&next, KINSPECT_X86_64_RBP, value);
		break;
	default:
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "ORC data for 0x%016" PRIx64 " has BP base %s", ip,
					     reg_name(orc.bp_reg));
	}

	if (step.kind == KINSPECT_UNWIND_PT_REGS || step.kind == KINSPECT_UNWIND_IRET) {
		uint64_t cs;
		if ((err = read_u64(u, step.pt_regs + u->pt_regs->cs, &cs)))
			return kinspect_error_wrap(err, "pt_regs at 0x%016" PRIx64, step.pt_regs);
		step.user_mode = (cs & 3) == 3;
	}
	*state = next;
	*ret = step;
	*ret_result = KINSPECT_ORC_STEP_OK;
	return NULL;
}
