/* x86-64 CPU notes of a QEMU dump (see x86_64-dump-notes.h).
 * The CPU note layout is QEMU's QEMUCPUState (target/i386/arch_dump.c):
 * a file format versioned by its own "version" and "size" fields, so it is
 * checked, not assumed.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "arch/x86_64-dump-notes.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"

/* Offsets in QEMUCPUState version 1: version, size (u32 each), 16 general
 * registers, rip, rflags, 10 segments of 24 bytes, cr[5]. */
#define QEMU_CPU_GPR 8
#define QEMU_CPU_CS 152 /* the first segment's selector */
#define QEMU_CPU_RIP 136
#define QEMU_CPU_CR 392
#define QEMU_CPU_MIN_SIZE (QEMU_CPU_CR + 5 * 8)

struct kinspect_error *kinspect_x86_64_parse_cpu_note(const char *path, const uint8_t *desc, size_t len,
						      struct kinspect_elf_dump_cpu *ret)
{
	uint32_t version, size;
	if (len < 8)
		return kinspect_error_file(path, "QEMU CPU note of %zu bytes", len);
	memcpy(&version, desc, 4);
	memcpy(&size, desc + 4, 4);
	if (version != 1 || size < QEMU_CPU_MIN_SIZE || size > len)
		return kinspect_error_file(path, "QEMU CPU note version %u size %u is not supported", version, size);
	memset(ret, 0, sizeof(*ret));
	/* QEMU's order of the 16 general registers, by DWARF number. */
	static const unsigned int dwarf[16] = {
		KINSPECT_X86_64_RAX, KINSPECT_X86_64_RBX, KINSPECT_X86_64_RCX, KINSPECT_X86_64_RDX,
		KINSPECT_X86_64_RSI, KINSPECT_X86_64_RDI, KINSPECT_X86_64_RSP, KINSPECT_X86_64_RBP,
		8, 9, 10, 11, 12, 13, 14, 15,
	};
	for (unsigned int i = 0; i < 16; i++) {
		memcpy(&ret->regs.value[dwarf[i]], desc + QEMU_CPU_GPR + 8 * i, 8);
		ret->regs.valid |= UINT64_C(1) << dwarf[i];
	}
	memcpy(&ret->regs.value[KINSPECT_X86_64_RIP], desc + QEMU_CPU_RIP, 8);
	ret->regs.valid |= UINT64_C(1) << KINSPECT_X86_64_RIP;
	ret->pc = ret->regs.value[KINSPECT_X86_64_RIP];
	ret->sp = ret->regs.value[KINSPECT_X86_64_RSP];
	uint32_t cs;
	memcpy(&cs, desc + QEMU_CPU_CS, 4);
	ret->user_mode = kinspect_x86_64_user_mode(cs);
	memcpy(&ret->page_table_root, desc + QEMU_CPU_CR + 3 * 8, 8); /* cr3 */
	memcpy(&ret->paging_control, desc + QEMU_CPU_CR + 4 * 8, 8);  /* cr4 */
	return NULL;
}

/* struct elf_prstatus on x86-64: pr_pid at 32, pr_reg (27 registers of
 * struct user_regs_struct, in its order) at 112. */
#define PRSTATUS_PID 32
#define PRSTATUS_REGS 112
#define PRSTATUS_NR_REGS 27
enum { PRSTATUS_RIP = 16, PRSTATUS_RSP = 19 };

struct kinspect_error *kinspect_x86_64_parse_prstatus(const char *path, const uint8_t *desc, size_t len,
						      struct kinspect_elf_dump_prstatus *ret)
{
	if (len < PRSTATUS_REGS + PRSTATUS_NR_REGS * 8)
		return kinspect_error_file(path, "NT_PRSTATUS note of %zu bytes", len);
	memset(ret, 0, sizeof(*ret));
	memcpy(&ret->pid, desc + PRSTATUS_PID, 4);
	memcpy(&ret->pc, desc + PRSTATUS_REGS + 8 * PRSTATUS_RIP, 8);
	memcpy(&ret->sp, desc + PRSTATUS_REGS + 8 * PRSTATUS_RSP, 8);
	return NULL;
}
