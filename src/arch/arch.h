/* The architecture table: what the library and the front ends ask of the
 * CPU kinspect reads, so that none of them names its registers, its
 * address layout, its dump notes or its page tables.  One architecture is
 * registered today (x86-64, src/arch/x86_64-arch.c); a second one is a
 * folder of files and one line in kinspect_arch().  The unwinder's state
 * and step types are ORC's (x86_64-orc.h): generic code only passes them
 * to the hooks below, never reads a register of them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ARCH_H
#define KINSPECT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64-orc.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

struct kinspect_memory_map;

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

struct kinspect_arch {
	const char *name;
	/* Where CPU INDEX's unwind starts, from a dump's CPU note or a
	 * stopped guest's vCPU thread; *RET_USER_MODE when it runs user code,
	 * *RET_IP its instruction pointer. */
	struct kinspect_error *(*cpu_state_dump)(struct kinspect_elf_dump *dump, unsigned int index,
						 struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip);
	struct kinspect_error *(*cpu_state_live)(struct kinspect_gdbstub *gs, unsigned int index,
						 struct kinspect_orc_state *ret, bool *ret_user_mode, uint64_t *ret_ip);
	/* One register of vCPU thread THREAD, by what it is for. */
	struct kinspect_error *(*read_pc)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	struct kinspect_error *(*read_sp)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret);
	/* The page-table root and the control bits that say the paging
	 * mode, and the number of levels those bits give. */
	struct kinspect_error *(*read_paging)(struct kinspect_gdbstub *gs, size_t thread, uint64_t *ret_root,
					      uint64_t *ret_control);
	int (*paging_levels)(uint64_t control);

	/* ---- files: ELF machine, dump notes, gdbstub -------------------- */
	/* e_machine of the vmlinux, the modules and the dumps it reads. */
	uint16_t elf_machine;
	/* One CPU's register note of a QEMU dump ("QEMU") and its
	 * NT_PRSTATUS ("CORE") note, DESC of LEN bytes, into *RET; a note
	 * kinspect cannot read is an error naming PATH. */
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
	/* The same with the page tables a dumped CPU had loaded (its root
	 * and control registers), as the kernel would see them. */
	struct kinspect_error *(*translate_cpu)(kinspect_read_phys_u64_fn *read, void *ctx,
						const struct kinspect_elf_dump_cpu *cpu, uint64_t vaddr, uint64_t *ret,
						uint64_t *ret_page_size);

	/* ---- the unwinder ------------------------------------------------ */
	/* An unwinder over the code-address lookup FIND (with FIND_ARG) and
	 * MEM, with the layouts it needs from TYPES; freed with
	 * unwinder_destroy. */
	struct kinspect_error *(*unwinder_create)(struct kinspect_dwarf_types *types, kinspect_orc_find_fn find,
						  void *find_arg, const struct kinspect_memory *mem,
						  struct kinspect_orc_unwinder **ret);
	void (*unwinder_destroy)(struct kinspect_orc_unwinder *unwinder);
	/* One step (see kinspect_orc_unwind_step). */
	struct kinspect_error *(*unwind_step)(const struct kinspect_orc_unwinder *unwinder,
					      struct kinspect_orc_state *state, struct kinspect_orc_step *ret,
					      enum kinspect_orc_step_result *ret_result);
	/* The state of a task switched out at instruction IP with stack
	 * pointer SP and frame pointer FP; SIGNAL when IP is not a return
	 * address. */
	void (*unwind_state_init)(struct kinspect_orc_state *ret, uint64_t ip, uint64_t sp, uint64_t fp, bool signal);
	/* STATE's instruction and stack pointers, each written only when
	 * STATE knows it. */
	void (*unwind_state_frame)(const struct kinspect_orc_state *state, uint64_t *ret_ip, uint64_t *ret_sp);
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
	 * 64), named REG_NAMES[n]; which of them are the pc, sp and frame
	 * pointer. */
	unsigned int nr_regs;
	const char *const *reg_names;
	unsigned int pc_regnum, sp_regnum, fp_regnum;
	/* A state from register VALUES (by number; bit n of VALID says
	 * VALUES[n] is known), EXACT (the pc is not a return address) and
	 * the CONTEXT words unwind_state_export() wrote (zero for a first
	 * frame), and back. */
	void (*unwind_state_import)(struct kinspect_orc_state *ret, const uint64_t *values, uint64_t valid, bool exact,
				    const uint64_t context[4]);
	void (*unwind_state_export)(const struct kinspect_orc_state *state, uint64_t *values, uint64_t *ret_valid,
				    bool *ret_exact, uint64_t context[4]);
	/* The size of the saved registers of an entry frame (struct pt_regs). */
	uint64_t (*pt_regs_size)(const struct kinspect_orc_unwinder *unwinder);
	/* Whether STEP found a plain call frame: the caller's stack pointer
	 * from the sp or the frame pointer, its return address above it (what
	 * a DWARF CFI unwinder gets as right). */
	bool (*plain_call_frame)(const struct kinspect_orc_step *step);
};

/* The architecture of the kernels kinspect reads. */
const struct kinspect_arch *kinspect_arch(void);

/* Whether ADDR lies in kernel space. */
static inline bool kinspect_arch_kernel_address(uint64_t addr)
{
	return addr >= kinspect_arch()->kernel_space_start;
}

#endif /* KINSPECT_ARCH_H */
