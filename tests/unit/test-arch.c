/* Unit tests: x86-64's entry in the architecture table on hand-made input:
 * the dump's CPU notes, the kernel memory map from the kernel's variables
 * (or the defaults without them), the kernel's page tables, the walk with a
 * dumped CPU's registers (page-table isolation's user PGD), the unwind
 * state's registers and the address-space constants.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64.h"
#include "core/error-priv.h"
#include "linux/page.h"
#include "tap.h"

/* ---- the kernel's variables, as the memory map asks for them --------- */

struct var {
	const char *name;
	uint64_t value;
};

struct fake_kernel {
	const struct var *vars;
	size_t n;
};

static struct kinspect_error *read_variable(void *ctx, const char *name, uint64_t *ret, bool *ret_found)
{
	const struct fake_kernel *k = ctx;
	for (size_t i = 0; i < k->n; i++) {
		if (strcmp(k->vars[i].name, name) == 0) {
			*ret = k->vars[i].value;
			if (ret_found)
				*ret_found = true;
			return NULL;
		}
	}
	if (ret_found) {
		*ret_found = false;
		return NULL;
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no variable %s", name);
}

static struct kinspect_error *symbol(void *ctx, const char *name, uint64_t *ret)
{
	return read_variable(ctx, name, ret, NULL);
}

static struct kinspect_error *memory_map(const struct var *vars, size_t n, struct kinspect_memory_map *ret)
{
	struct fake_kernel k = { vars, n };
	struct kinspect_arch_kernel kernel = { .read_variable = read_variable, .symbol = symbol, .ctx = &k };
	memset(ret, 0, sizeof(*ret));
	return kinspect_arch()->memory_map(&kernel, ret);
}

static void test_memory_map(void)
{
	struct kinspect_memory_map map;
	struct kinspect_error *err = memory_map(NULL, 0, &map);
	ok(!err && map.paging_levels == 4 && map.page_offset == 0xffff888000000000ULL &&
		   map.vmemmap == 0xffffea0000000000ULL && map.phys_bits == 46,
	   "no variables: the 4-level defaults");
	is_str(map.page_offset_source, "default", "page_offset from the defaults");
	kinspect_error_destroy(err);

	const struct var l5[] = { { "__pgtable_l5_enabled", 1 } };
	err = memory_map(l5, 1, &map);
	ok(!err && map.paging_levels == 5 && map.page_offset == 0xff11000000000000ULL &&
		   map.vmemmap == 0xffd4000000000000ULL && map.phys_bits == 52,
	   "__pgtable_l5_enabled: the 5-level defaults");
	kinspect_error_destroy(err);

	/* KASLR'd regions; no __pgtable_l5_enabled: the direct map's address
	 * says 5 levels. */
	const struct var moved[] = { { "page_offset_base", 0xff20000000000000ULL },
				     { "vmemmap_base", 0xffd5000000000000ULL } };
	err = memory_map(moved, 2, &map);
	ok(!err && map.paging_levels == 5 && map.page_offset == 0xff20000000000000ULL &&
		   map.vmemmap == 0xffd5000000000000ULL,
	   "page_offset_base below 4-level kernel space: 5 levels");
	is_str(map.vmemmap_source, "vmemmap_base", "vmemmap from vmemmap_base");
	kinspect_error_destroy(err);

	const struct var moved4[] = { { "__pgtable_l5_enabled", 0 }, { "page_offset_base", 0xffff9a0000000000ULL } };
	err = memory_map(moved4, 2, &map);
	ok(!err && map.paging_levels == 4 && map.page_offset == 0xffff9a0000000000ULL,
	   "page_offset_base with 4 levels said by the kernel");
	kinspect_error_destroy(err);

	const struct var user[] = { { "page_offset_base", 0x00007f0000000000ULL } };
	err = memory_map(user, 1, &map);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_FORMAT, "a user-space page_offset_base is an error");
	kinspect_error_destroy(err);

	/* __pa_symbol(init_top_pgt). */
	const struct var pgd[] = { { "init_top_pgt", 0xffffffff9a00a000ULL }, { "phys_base", 0x12000000 } };
	struct fake_kernel k = { pgd, 2 };
	struct kinspect_arch_kernel kernel = { .read_variable = read_variable, .symbol = symbol, .ctx = &k };
	err = kinspect_arch()->kernel_page_tables(&kernel, &map);
	ok(!err && map.pgd_phys == 0x1a00a000ULL + 0x12000000 && map.phys_base == 0x12000000,
	   "the kernel's page tables: init_top_pgt - __START_KERNEL_map + phys_base");
	kinspect_error_destroy(err);
	k.n = 0;
	err = kinspect_arch()->kernel_page_tables(&kernel, &map);
	ok(err != NULL, "no init_top_pgt is an error");
	kinspect_error_destroy(err);
}

/* ---- dump notes --------------------------------------------------------- */

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void test_notes(void)
{
	const struct kinspect_arch *arch = kinspect_arch();
	uint8_t note[440] = { 0 };
	uint32_t version = 1, size = sizeof(note);
	memcpy(note, &version, 4);
	memcpy(note + 4, &size, 4);
	for (int i = 0; i < 16; i++)
		put64(note + 8 + 8 * i, 0x1000 + (uint64_t)i);
	put64(note + 136, 0xffffffff81000123ULL); /* rip */
	put64(note + 144, 0x246);                 /* rflags */
	uint32_t cs = 0x10;
	memcpy(note + 152, &cs, 4);
	put64(note + 392 + 3 * 8, 0x5000);       /* cr3 */
	put64(note + 392 + 4 * 8, 1ULL << 12);   /* cr4: LA57 */
	struct kinspect_elf_dump_cpu cpu;
	struct kinspect_error *err = arch->parse_cpu_note("dump", note, sizeof(note), &cpu);
	ok(!err && cpu.pc == 0xffffffff81000123ULL && cpu.regs.value[KINSPECT_X86_64_RIP] == cpu.pc &&
		   cpu.regs.value[KINSPECT_X86_64_RAX] == 0x1000 && cpu.regs.value[KINSPECT_X86_64_RBX] == 0x1001 &&
		   cpu.regs.value[KINSPECT_X86_64_RBP] == 0x1007 && cpu.regs.value[KINSPECT_X86_64_R15] == 0x100f &&
		   cpu.sp == 0x1006 && cpu.regs.value[KINSPECT_X86_64_RSP] == cpu.sp &&
		   cpu.regs.valid == (UINT64_C(1) << KINSPECT_X86_64_NR_REGS) - 1 && !cpu.user_mode &&
		   cpu.page_table_root == 0x5000 && arch->paging_levels(cpu.paging_control) == 5,
	   "QEMU CPU note: registers at QEMUCPUState's offsets, by DWARF number");
	kinspect_error_destroy(err);
	cs = 0x33;
	memcpy(note + 152, &cs, 4);
	err = arch->parse_cpu_note("dump", note, sizeof(note), &cpu);
	ok(!err && cpu.user_mode, "a CS of RPL 3: user mode");
	kinspect_error_destroy(err);
	version = 2;
	memcpy(note, &version, 4);
	err = arch->parse_cpu_note("dump", note, sizeof(note), &cpu);
	ok(err && strstr(kinspect_error_message(err), "version 2"), "another QEMUCPUState version is an error");
	kinspect_error_destroy(err);
	err = arch->parse_cpu_note("dump", note, 4, &cpu);
	ok(err != NULL, "a 4-byte CPU note is an error");
	kinspect_error_destroy(err);

	uint8_t pr[336] = { 0 };
	uint32_t pid = 3;
	memcpy(pr + 32, &pid, 4);
	put64(pr + 112 + 8 * 16, 0xffffffff81000456ULL);
	put64(pr + 112 + 8 * 17, 0x33);
	put64(pr + 112 + 8 * 19, 0x7ffc0000);
	struct kinspect_elf_dump_prstatus p;
	err = arch->parse_prstatus("dump", pr, sizeof(pr), &p);
	ok(!err && p.pid == 3 && p.pc == 0xffffffff81000456ULL && p.sp == 0x7ffc0000,
	   "NT_PRSTATUS: pid and user_regs_struct");
	kinspect_error_destroy(err);
	err = arch->parse_prstatus("dump", pr, 200, &p);
	ok(err != NULL, "a short NT_PRSTATUS is an error");
	kinspect_error_destroy(err);
}

/* ---- the walk with a dumped CPU's registers ----------------------------- */

/* 8 pages of fake physical memory. */
static uint64_t phys[8][512];

static struct kinspect_error *read_phys(void *ctx, uint64_t paddr, uint64_t *ret)
{
	(void)ctx;
	if (paddr % 8 || paddr / 4096 >= 8)
		return kinspect_error_fault(paddr, "outside fake memory");
	*ret = phys[paddr / 4096][(paddr % 4096) / 8];
	return NULL;
}

static void test_translate(void)
{
	const struct kinspect_arch *arch = kinspect_arch();
	/* Kernel PGD at page 2, its PTI user twin at page 3 (empty). */
	const uint64_t va = 0xffffffff81000000ULL;
	phys[2][(va >> 39) & 0x1ff] = 4 * 4096 | 1;
	phys[4][(va >> 30) & 0x1ff] = 5 * 4096 | 1;
	phys[5][(va >> 21) & 0x1ff] = 0x40000000ULL | 1 | (1 << 7); /* 2 MiB page */
	uint64_t pa = 0, size = 0;
	struct kinspect_elf_dump_cpu cpu = { .page_table_root = 3 * 4096, .paging_control = 0 };
	struct kinspect_error *err = arch->translate_cpu(read_phys, NULL, &cpu, va + 0x1234, &pa, &size);
	ok(!err && pa == 0x40001234ULL && size == 2ULL << 20,
	   "a CPU on the user PGD still translates kernel addresses (PTI)");
	kinspect_error_destroy(err);
	err = arch->translate_cpu(read_phys, NULL, &cpu, 0x400000, &pa, &size);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT, "a user address on the user PGD: not present");
	kinspect_error_destroy(err);
	err = arch->translate(read_phys, NULL, 2 * 4096, 4, va + 0x10, &pa, NULL);
	ok(!err && pa == 0x40000010ULL, "translate with 4 levels");
	kinspect_error_destroy(err);
	err = arch->translate(read_phys, NULL, 2 * 4096, 5, va + 0x10, &pa, NULL);
	ok(err != NULL, "the same tables read with 5 levels do not map it");
	kinspect_error_destroy(err);
}

/* ---- the rest ------------------------------------------------------------ */

static void test_constants(void)
{
	const struct kinspect_arch *arch = kinspect_arch();
	is_str(arch->name, "x86-64", "name");
	is_int(arch->elf_machine, EM_X86_64, "ELF machine");
	ok(arch->page_size == 4096 && arch->page_size == 1ULL << arch->page_shift, "4 KiB pages");
	ok(kinspect_arch_kernel_address(0xff00000000000000ULL) && !kinspect_arch_kernel_address(0x00007fffffffffffULL) &&
		   !kinspect_arch_kernel_address(0xfeffffffffffffffULL),
	   "kernel space starts at 0xff00000000000000");
	ok(arch->kernel_map_start == 0xffffffff80000000ULL && arch->kernel_image_size == 1ULL << 30 &&
		   arch->kaslr_align == 2ULL << 20,
	   "kernel image area and KASLR steps");
	is_int(arch->breakpoint_kind, 1, "breakpoint kind: int3");

	uint64_t pc = 0, sp = 0;
	struct kinspect_unwind_state state;
	memset(&state, 0, sizeof(state));
	ok(!kinspect_unwind_state_get(&state, arch->pc_regnum, &pc) && pc == 0, "an unknown register is left alone");
	kinspect_unwind_state_set(&state, arch->sp_regnum, 0xffffc90000003f00ULL);
	ok(kinspect_unwind_state_get(&state, arch->sp_regnum, &sp) && sp == 0xffffc90000003f00ULL &&
		   state.regs.valid == UINT64_C(1) << arch->sp_regnum,
	   "unwind state: a register set is known, no other");
	ok(arch->nr_regs == 17 && arch->pc_regnum == 16 && arch->sp_regnum == 7 && arch->fp_regnum == 6 &&
		   strcmp(arch->reg_names[arch->pc_regnum], "rip") == 0,
	   "registers by DWARF number: the psABI's 0-16");
}

int main(void)
{
	test_memory_map();
	test_notes();
	test_translate();
	test_constants();
	return tap_done();
}
