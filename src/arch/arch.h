/* The architecture table: what the library and the front ends ask of the
 * CPU kinspect reads, so that none of them names its registers, its
 * address layout, its dump notes, its page tables or its unwinder.
 *
 * Adding an architecture: a set of files src/arch/<arch>*.c/h that fill
 * one const struct kinspect_arch (every hook below is required unless its
 * comment says otherwise), and one line in the registration list of
 * src/arch/arch.c.  Generic code sees only the types declared here; an
 * architecture's own types (its unwinder's tables, its register layouts)
 * stay in its files, behind struct kinspect_arch_unwinder and the
 * architecture's words of struct kinspect_unwind_state.
 *
 * Conventions for every hook: an error is a struct kinspect_error * owned
 * by the caller (NULL is success); out parameters are named ret*, and
 * after an error hold nothing to rely on unless the hook says so; registers are
 * numbered as the architecture's DWARF (its psABI) numbers them, which is
 * what gdb's JIT reader API and the public kinspect/stack.h speak.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ARCH_H
#define KINSPECT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/stack.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

struct kinspect_memory_map;
struct kinspect_vmlinux;

/* Reads one 8-byte page-table entry at physical address PADDR. */
typedef struct kinspect_error *kinspect_read_phys_u64_fn(void *ctx, uint64_t paddr, uint64_t *ret);

/* What the architecture's memory-map code may ask of the kernel it reads. */
struct kinspect_arch_kernel {
	/* The unsigned variable NAME (at most 8 bytes).  With RET_FOUND, a
	 * kernel without the variable sets *RET_FOUND false and is no error. */
	struct kinspect_error *(*read_variable)(void *ctx, const char *name, uint64_t *ret, bool *ret_found);
	/* The running kernel's address of symbol NAME. */
	struct kinspect_error *(*symbol)(void *ctx, const char *name, uint64_t *ret);
	void *ctx;
};

/* ---- the unwinder's state, the same on every architecture ------------- */

/* Words of a state that belong to the architecture's unwinder. */
#define KINSPECT_UNWIND_ARCH_WORDS 4

/* One frame between two unwind steps. */
struct kinspect_unwind_state {
	/* Registers by DWARF number (below the table's nr_regs): bit n of
	 * regs.valid says regs.value[n] is known.  A register not known is
	 * 0, so that states compare and copy as plain data. */
	struct kinspect_regs regs;
	/* The pc is where the code stopped or was interrupted (its code is
	 * looked up as is), not a return address (looked up minus one). */
	bool exact;
	/* What the architecture's unwinder carries from one step to the next
	 * (x86-64's ORC: the last entry frame's saved registers), in a layout
	 * only it reads; all zero in a first frame.  Generic code copies
	 * them, never reads them: they travel through the public
	 * kinspect_unwind_frame.context (kinspect/stack.h), one word each. */
	uint64_t arch[KINSPECT_UNWIND_ARCH_WORDS];
};

static inline void kinspect_unwind_state_set(struct kinspect_unwind_state *state, unsigned int reg, uint64_t value)
{
	state->regs.value[reg] = value;
	state->regs.valid |= UINT64_C(1) << reg;
}

/* Register REG of STATE in *RET; false (and *RET untouched) when it is not
 * known. */
static inline bool kinspect_unwind_state_get(const struct kinspect_unwind_state *state, unsigned int reg,
					     uint64_t *ret)
{
	if (!(state->regs.valid & (UINT64_C(1) << reg)))
		return false;
	*ret = state->regs.value[reg];
	return true;
}

/* What one step found. */
struct kinspect_arch_step {
	/* The state given was the last frame of the kernel stack (the
	 * unwinder's end marker): the state is unchanged and nothing below
	 * is set. */
	bool end;
	/* How the caller was found (the public kinds of kinspect/stack.h):
	 * a return address (CALL), the registers an entry into the kernel
	 * saved (PT_REGS; IRET when only the hardware's part of them), or a
	 * guess from the frame pointer for code without unwind data. */
	enum kinspect_unwind_kind kind;
	/* PT_REGS and IRET: the address of those saved registers (the
	 * kernel's struct pt_regs), and whether they hold a user-mode
	 * context (the caller is user code: the end of the kernel stack). */
	uint64_t pt_regs;
	bool user_mode;
	/* The frame's canonical frame address, for a debugger's frame id: the
	 * caller's stack pointer, or for an entry frame the end of its saved
	 * registers. */
	uint64_t cfa;
	/* A plain call frame: the caller's stack pointer and its return
	 * address found as the function's DWARF CFI would find them, so that
	 * a DWARF unwinder may take over (it also recovers callee-saved
	 * registers). */
	bool plain_call;
};

/* ---- what the unwinder may ask of the kernel --------------------------- */

/* A loaded module, as the unwinder needs it: its name, its struct module
 * and the address ranges of its text.  The pointers stay valid as long as
 * the unwinder. */
struct kinspect_arch_module {
	const char *name;
	uint64_t address; /* struct module */
	const uint64_t *start, *end;
	unsigned int nr_ranges;
};

struct kinspect_arch_unwind_kernel {
	/* The vmlinux's layouts, the vmlinux itself (symbols at link-time
	 * addresses, its sections' contents), the KASLR slide and guest
	 * memory. */
	struct kinspect_dwarf_types *types;
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
	/* The loaded module whose text holds ADDR in *RET; false for none
	 * (or when the module list cannot be read: that was already said). */
	bool (*module_at)(void *ctx, uint64_t addr, struct kinspect_arch_module *ret);
	void *ctx;
};

/* The architecture's unwinder: its tables and the layouts a step reads. */
struct kinspect_arch_unwinder;

struct kinspect_arch {
	const char *name;

	/* ---- CPUs ------------------------------------------------------- */
	/* Where CPU INDEX's unwind starts, from a dump's CPU note or a
	 * stopped guest's vCPU thread: its registers (EXACT set: the pc is
	 * where it stopped, the architecture's words zero), and in
	 * *RET_USER_MODE whether it runs user code (no kernel frames).  An
	 * INDEX past the last CPU is KINSPECT_ERROR_INVALID_ARGUMENT. */
	struct kinspect_error *(*cpu_state_dump)(struct kinspect_elf_dump *dump, unsigned int index,
						 struct kinspect_unwind_state *ret, bool *ret_user_mode);
	struct kinspect_error *(*cpu_state_live)(struct kinspect_gdbstub *gs, unsigned int index,
						 struct kinspect_unwind_state *ret, bool *ret_user_mode);
	/* One register of vCPU thread THREAD, by what it is for (by the
	 * names of the gdbstub's target description). */
	struct kinspect_error *(*read_pc)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	struct kinspect_error *(*read_sp)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	/* The page-table root and the control bits that say the paging
	 * mode (what a dumped CPU has in kinspect_elf_dump_cpu), and the
	 * number of levels those bits give. */
	struct kinspect_error *(*read_paging)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_root,
					      uint64_t *ret_control);
	int (*paging_levels)(uint64_t control);
	/* The register that holds the page-table root, as the architecture
	 * names it (what kinspect_kernel_paging() reports). */
	const char *page_table_root_name;
	/* What the kernel's reports print before a faulting kernel-mode pc
	 * (show_regs(): "RIP: 0010:" on x86-64), for reading it from the log. */
	const char *log_kernel_pc_prefix;

	/* ---- files: ELF machine, dump notes, gdbstub -------------------- */
	/* e_machine of the vmlinux, the modules and the dumps it reads. */
	uint16_t elf_machine;
	/* One CPU's register note of a QEMU dump ("QEMU") and its
	 * NT_PRSTATUS ("CORE") note, DESC of LEN bytes, into *RET: every
	 * field of struct kinspect_elf_dump_cpu (registers by DWARF number,
	 * pc, sp, paging registers, mode) and _prstatus.  A note kinspect
	 * cannot read is a KINSPECT_ERROR_FORMAT error naming PATH. */
	struct kinspect_error *(*parse_cpu_note)(const char *path, const uint8_t *desc, size_t len,
						 struct kinspect_elf_dump_cpu *ret);
	struct kinspect_error *(*parse_prstatus)(const char *path, const uint8_t *desc, size_t len,
						 struct kinspect_elf_dump_prstatus *ret);
	/* The "kind" of a gdbstub software breakpoint (Z0): the length of
	 * the breakpoint instruction. */
	unsigned int breakpoint_kind;

	/* ---- pages and the kernel's address space ----------------------- */
	/* PAGE_SHIFT (a #define, not in DWARF) and PAGE_SIZE. */
	unsigned int page_shift;
	uint64_t page_size;
	/* Every kernel address lies at or above this, whatever the paging
	 * mode. */
	uint64_t kernel_space_start;
	/* Where the kernel image is linked and the area KASLR moves it in
	 * (module space starts right after), in steps of KASLR_ALIGN. */
	uint64_t kernel_map_start, kernel_image_size, kaslr_align;
	/* A vmlinux without __per_cpu_start/__per_cpu_end: per-CPU
	 * variables are linked at offsets below this (0: never). */
	uint64_t percpu_offset_limit;
	/* [unused_top_start, unused_top_end): canonical kernel addresses
	 * above everything the kernel maps, that no pointer holds (not the
	 * ERR_PTR values either), for the gdb proxy's placeholders that
	 * must lie above a module's loaded sections; 0, 0: none. */
	uint64_t unused_top_start, unused_top_end;
	/* Fill MAP's paging_levels, page_offset, vmemmap (and their
	 * sources) and phys_bits from KERNEL's variables or the
	 * architecture's defaults; an address outside kernel space is a
	 * KINSPECT_ERROR_FORMAT error. */
	struct kinspect_error *(*memory_map)(const struct kinspect_arch_kernel *kernel, struct kinspect_memory_map *map);
	/* Fill MAP's pgd_phys (the kernel's own page tables, physical) and
	 * phys_base (where the image was loaded: image address A is at
	 * A - kernel_map_start + phys_base). */
	struct kinspect_error *(*kernel_page_tables)(const struct kinspect_arch_kernel *kernel,
						     struct kinspect_memory_map *map);
	/* Translate VADDR through the page tables at ROOT with LEVELS
	 * levels: *RET the physical address, *RET_PAGE_SIZE (may be NULL)
	 * the size of the page mapping it.  Unmapped or non-canonical is a
	 * KINSPECT_ERROR_FAULT error carrying VADDR. */
	struct kinspect_error *(*translate)(kinspect_read_phys_u64_fn *read, void *ctx, uint64_t root, int levels,
					    uint64_t vaddr, uint64_t *ret, uint64_t *ret_page_size);
	/* The same with the page tables a dumped CPU had loaded (its
	 * page_table_root and paging_control), as the kernel would see them. */
	struct kinspect_error *(*translate_cpu)(kinspect_read_phys_u64_fn *read, void *ctx,
						const struct kinspect_elf_dump_cpu *cpu, uint64_t vaddr, uint64_t *ret,
						uint64_t *ret_page_size);

	/* ---- the unwinder ------------------------------------------------ */
	/* An unwinder for the kernel KERNEL describes (copied; what it
	 * points to outlives the unwinder): read the kernel's unwind tables
	 * and the layouts a step needs now, so that a kernel without them is
	 * an error here; module tables may wait for the first module
	 * address.  Freed with unwinder_destroy (which accepts NULL). */
	struct kinspect_error *(*unwinder_create)(const struct kinspect_arch_unwind_kernel *kernel,
						  struct kinspect_arch_unwinder **ret);
	void (*unwinder_destroy)(struct kinspect_arch_unwinder *unwinder);
	/* Unwind STATE (which has the pc and the sp) by one frame: on success
	 * STATE holds the caller's registers (those the step does not
	 * recover are not valid, never guessed) and *RET how they were
	 * found; with RET->end STATE is the last frame and stays as it is.
	 * An error says why unwinding cannot go on here ("no ORC data for
	 * ...", a fault reading the stack) and leaves STATE unchanged.  A
	 * step must be deterministic in STATE and memory: the walk detects
	 * loops by comparing pc and sp. */
	struct kinspect_error *(*unwind_step)(struct kinspect_arch_unwinder *unwinder,
					      struct kinspect_unwind_state *state, struct kinspect_arch_step *ret);
	/* The state of the task at TASK (struct task_struct) switched out by
	 * the scheduler, whose saved stack pointer (the task walker's
	 * thread_sp) is THREAD_SP: the registers its context switch saved. */
	struct kinspect_error *(*task_state)(struct kinspect_arch_unwinder *unwinder, uint64_t task,
					     uint64_t thread_sp, struct kinspect_unwind_state *ret);

	/* ---- the calling convention (kinspect/breakpoint.h) -------------- */
	/* Where N arguments of SIZES bytes (0: unknown) are at a function's
	 * first instruction, AGGREGATE telling those passed by value as a
	 * struct, union or array: RET_REGS[I] names the register holding
	 * argument I (its first word, for one that takes two) as the
	 * gdbstub's target description does, or is NULL; then
	 * RET_STACK[I] is its offset in bytes above the stack pointer at
	 * entry, or UINT64_MAX when it cannot be placed. */
	void (*entry_args)(size_t n, const uint64_t *sizes, const bool *aggregate, const char **ret_regs,
			   uint64_t *ret_stack);

	/* ---- registers by DWARF number (kinspect/stack.h) ----------------- */
	/* The unwinder's registers are numbers 0 to NR_REGS - 1 (at most
	 * KINSPECT_REGS_MAX), named REG_NAMES[n] as gdb and the gdbstub name
	 * them; which of them are the pc, sp and frame pointer. */
	unsigned int nr_regs;
	const char *const *reg_names;
	unsigned int pc_regnum, sp_regnum, fp_regnum;
};

/* The architecture of the kernels kinspect reads (src/arch/arch.c). */
const struct kinspect_arch *kinspect_arch(void);

/* Whether ADDR lies in kernel space. */
static inline bool kinspect_arch_kernel_address(uint64_t addr)
{
	return addr >= kinspect_arch()->kernel_space_start;
}

#endif /* KINSPECT_ARCH_H */
