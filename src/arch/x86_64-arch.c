/* x86-64's entry in the architecture table (see arch.h), registered in
 * arch.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <elf.h>

#include "arch/arch.h"
#include "arch/x86_64-call.h"
#include "arch/x86_64-cpu-state.h"
#include "arch/x86_64-dump-notes.h"
#include "arch/x86_64-memory-map.h"
#include "arch/x86_64-pagewalk.h"
#include "arch/x86_64-unwind.h"
#include "arch/x86_64.h"

static int paging_levels(uint64_t cr4)
{
	return kinspect_x86_64_paging_levels(cr4);
}

/* DWARF numbers 0-16 (the psABI's), the registers ORC knows. */
const char *const kinspect_x86_64_reg_names[KINSPECT_X86_64_NR_REGS] = {
	"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};

/* Declared where it is registered (arch.c). */
extern const struct kinspect_arch kinspect_arch_x86_64;

const struct kinspect_arch kinspect_arch_x86_64 = {
	.name = "x86-64",
	.cpu_state_dump = kinspect_x86_64_cpu_state_dump,
	.cpu_state_live = kinspect_x86_64_cpu_state_live,
	.read_pc = kinspect_x86_64_read_pc,
	.read_sp = kinspect_x86_64_read_sp,
	.read_paging = kinspect_x86_64_read_paging,
	.paging_levels = paging_levels,
	.page_table_root_name = "cr3",
	/* __show_regs() prints the code segment: 0010 is __KERNEL_CS */
	.log_kernel_pc_prefix = "RIP: 0010:",

	/* files: ELF machine, dump notes, gdbstub */
	.elf_machine = EM_X86_64,
	.parse_cpu_note = kinspect_x86_64_parse_cpu_note,
	.parse_prstatus = kinspect_x86_64_parse_prstatus,
	.breakpoint_kind = 1, /* int3 */

	/* pages and the kernel's address space */
	.page_shift = KINSPECT_X86_64_PAGE_SHIFT,
	.page_size = KINSPECT_X86_64_PAGE_SIZE,
	.kernel_space_start = KINSPECT_X86_64_KERNEL_SPACE_START,
	.kernel_map_start = KINSPECT_X86_64_START_KERNEL_MAP,
	.kernel_image_size = KINSPECT_X86_64_KERNEL_IMAGE_SIZE,
	.kaslr_align = KINSPECT_X86_64_KASLR_ALIGN,
	/* The zero-based per-CPU area (.data..percpu linked from 0) up to
	 * v6.15's "x86/percpu/64: Use relative percpu offsets". */
	.percpu_offset_limit = UINT64_C(1) << 32,
	/* The "unused hole" at the top of Documentation/arch/x86/x86_64/mm.rst
	 * (4- and 5-level paging alike: above the vsyscall page and the
	 * fixmap), less its last page, where ERR_PTR() values lie. */
	.unused_top_start = UINT64_C(0xffffffffffe00000),
	.unused_top_end = UINT64_C(0xfffffffffffff000),
	.memory_map = kinspect_x86_64_memory_map,
	.kernel_page_tables = kinspect_x86_64_kernel_page_tables,
	.translate = kinspect_x86_64_translate_levels,
	.translate_cpu = kinspect_x86_64_translate_cpu,

	/* the unwinder */
	.unwinder_create = kinspect_x86_64_unwinder_create,
	.unwinder_destroy = kinspect_x86_64_unwinder_destroy,
	.unwind_step = kinspect_x86_64_unwind_step,
	.task_state = kinspect_x86_64_task_state,
	.entry_args = kinspect_x86_64_entry_args,

	/* registers by DWARF number */
	.nr_regs = KINSPECT_X86_64_NR_REGS,
	.reg_names = kinspect_x86_64_reg_names,
	.pc_regnum = KINSPECT_X86_64_RIP,
	.sp_regnum = KINSPECT_X86_64_RSP,
	.fp_regnum = KINSPECT_X86_64_RBP,
};
