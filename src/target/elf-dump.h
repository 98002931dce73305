/* QEMU dump-guest-memory ELF files (format "elf", paging on or off): guest
 * memory, the per-CPU "QEMU" register notes and the VMCOREINFO note.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ELF_DUMP_H
#define KINSPECT_ELF_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>
#include <kinspect/stack.h>

struct kinspect_elf_dump;

/* One CPU of QEMU's "QEMU" note (QEMUCPUState), as the architecture's
 * parse_cpu_note reads it (see arch.h). */
struct kinspect_elf_dump_cpu {
	/* Its registers by DWARF number (kinspect_kernel_register_name()),
	 * bit n of regs.valid saying regs.value[n] is known. */
	struct kinspect_regs regs;
	uint64_t pc, sp;
	/* The page-table root and the control bits that say the paging mode
	 * (what the architecture's read_paging reads from a live vCPU). */
	uint64_t page_table_root, paging_control;
	/* Its mode bits say it runs user code. */
	bool user_mode;
};

/* Open the dump at PATH (mmap()ed: a multi-GB dump opens at once).  A file
 * that is not an ELF core of the architecture (kinspect_arch()), is
 * truncated, or has no memory is a
 * KINSPECT_ERROR_FORMAT error naming the file. */
struct kinspect_error *kinspect_elf_dump_open(const char *path, struct kinspect_elf_dump **ret);
void kinspect_elf_dump_destroy(struct kinspect_elf_dump *dump);

const char *kinspect_elf_dump_path(const struct kinspect_elf_dump *dump);

/* Whether QEMU wrote it with paging=true (segments carry virtual addresses). */
bool kinspect_elf_dump_has_paging(const struct kinspect_elf_dump *dump);

/* CPUs with a "QEMU" register note, and their registers. */
size_t kinspect_elf_dump_nr_cpus(const struct kinspect_elf_dump *dump);
const struct kinspect_elf_dump_cpu *kinspect_elf_dump_cpu(const struct kinspect_elf_dump *dump, size_t index);

/* The VMCOREINFO note's text ("OSRELEASE=...\nKERNELOFFSET=...\n"), or
 * NULL if the guest never filled QEMU's vmcoreinfo device. */
const char *kinspect_elf_dump_vmcoreinfo(const struct kinspect_elf_dump *dump);

/* Copy LEN bytes at physical address PADDR.  Bytes a segment declares but
 * does not store (p_memsz > p_filesz) read as zeros; others are a fault. */
struct kinspect_error *kinspect_elf_dump_read_phys(struct kinspect_elf_dump *dump, uint64_t paddr, void *buf,
						   size_t len);

/* Copy LEN bytes at virtual address VADDR: through the dump's virtual
 * segments when it has paging, otherwise by walking CPU 0's page tables. */
struct kinspect_error *kinspect_elf_dump_read_virt(struct kinspect_elf_dump *dump, uint64_t vaddr, void *buf,
						   size_t len);

/* "elf", "elf, paging", "kdump-zlib, flattened", ... */
const char *kinspect_elf_dump_format(const struct kinspect_elf_dump *dump);

/* A CPU's NT_PRSTATUS note ("CORE"): the kernel's struct elf_prstatus,
 * with the registers of struct user_regs_struct.  QEMU writes one per
 * vCPU, in vCPU order, next to its own CPU-state note. */
struct kinspect_elf_dump_prstatus {
	uint32_t pid; /* QEMU: the vCPU index + 1 */
	uint64_t pc, sp;
};

size_t kinspect_elf_dump_nr_prstatus(const struct kinspect_elf_dump *dump);
const struct kinspect_elf_dump_prstatus *kinspect_elf_dump_prstatus(const struct kinspect_elf_dump *dump,
								     size_t index);

#endif /* KINSPECT_ELF_DUMP_H */
