/* The KASLR slide of the two targets, through kinspect_kaslr_find_memory()
 * (kept apart so that code needing only the search, the gdb plugin, does
 * not pull in the gdbstub client and the dump readers).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "linux/kaslr.h"

static struct kinspect_error *read_gdbstub(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	return kinspect_gdbstub_read_memory(ctx, vaddr, buf, len, false);
}

struct kinspect_error *kinspect_kaslr_find_live(struct kinspect_gdbstub *gs, const struct kinspect_vmlinux *vmlinux,
						struct kinspect_kaslr *ret)
{
	struct kinspect_memory mem = { .read = read_gdbstub, .ctx = gs };
	uint64_t pc = 0;
	struct kinspect_error *err = kinspect_arch()->read_pc(gs, 0, &pc);
	bool have_pc = !err;
	kinspect_error_destroy(err);
	return kinspect_kaslr_find_memory(&mem, have_pc, pc, NULL, vmlinux, ret);
}

static struct kinspect_error *read_dump(void *ctx, uint64_t vaddr, void *buf, size_t len)
{
	return kinspect_elf_dump_read_virt(ctx, vaddr, buf, len);
}

struct kinspect_error *kinspect_kaslr_find_dump(struct kinspect_elf_dump *dump, const struct kinspect_vmlinux *vmlinux,
						struct kinspect_kaslr *ret)
{
	struct kinspect_memory mem = { .read = read_dump, .ctx = dump };
	const struct kinspect_elf_dump_cpu *cpu = kinspect_elf_dump_cpu(dump, 0);
	return kinspect_kaslr_find_memory(&mem, cpu != NULL, cpu ? cpu->pc : 0, kinspect_elf_dump_vmcoreinfo(dump),
					  vmlinux, ret);
}
