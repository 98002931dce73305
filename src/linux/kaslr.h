/* The KASLR slide of a live kernel: how far the running kernel's virtual
 * addresses are from the vmlinux's link-time ones.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KASLR_H
#define KINSPECT_KASLR_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "arch/arch.h"
#include "linux/memory.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

/* KASLR moves the kernel in steps of this within the image area (the
 * architecture's kaslr_align and kernel_image_size). */
#define KINSPECT_KASLR_ALIGN (kinspect_arch()->kaslr_align)
#define KINSPECT_KASLR_MAX (kinspect_arch()->kernel_image_size)

struct kinspect_kaslr {
	uint64_t slide;
	/* How it was found: "vmcoreinfo" (KERNELOFFSET), the name of the
	 * architecture's pc register (a CPU's instruction pointer narrowed it
	 * down) or "probe" (every possible slide tried). */
	const char *method;
	/* linux_banner reads made to find and verify it. */
	unsigned int probes;
};

/* Whether ADDR lies where the kernel image is mapped: only such addresses
 * move with KASLR (not per-CPU offsets, the direct map or modules). */
static inline bool kinspect_kaslr_in_image(uint64_t addr)
{
	const struct kinspect_arch *arch = kinspect_arch();
	return addr >= arch->kernel_map_start && addr - arch->kernel_map_start < arch->kernel_image_size;
}

/* The running kernel's address of link-time address LINK. */
static inline uint64_t kinspect_kaslr_runtime(uint64_t slide, uint64_t link)
{
	return kinspect_kaslr_in_image(link) ? link + slide : link;
}

/* The link-time address of the running kernel's address ADDR.  The moved
 * image stays inside the image area too, so an address above it (module
 * space) is not the kernel's even when ADDR - SLIDE would fall inside. */
static inline uint64_t kinspect_kaslr_link(uint64_t slide, uint64_t addr)
{
	return kinspect_kaslr_in_image(addr) && addr >= slide && kinspect_kaslr_in_image(addr - slide) ? addr - slide
												 : addr;
}

/* Find the slide of the kernel behind GS, a stopped gdbstub, for VMLINUX.
 * A slide is only accepted when linux_banner in memory equals the vmlinux's
 * bytes, so a vmlinux that does not match the guest is an error, never a
 * wrong answer. */
struct kinspect_error *kinspect_kaslr_find_live(struct kinspect_gdbstub *gs, const struct kinspect_vmlinux *vmlinux,
						struct kinspect_kaslr *ret);

/* The same for a QEMU ELF dump: VMCOREINFO's KERNELOFFSET if present, then
 * the CPU notes' pc, then probing; always verified with linux_banner. */
struct kinspect_error *kinspect_kaslr_find_dump(struct kinspect_elf_dump *dump, const struct kinspect_vmlinux *vmlinux,
						struct kinspect_kaslr *ret);

/* The search itself, through any reader of virtual memory (the gdb plugin
 * reads through gdb): PC, when HAVE_PC, is a CPU's instruction pointer
 * that narrows it; VMCOREINFO (or NULL) may hold KERNELOFFSET.  The two
 * above are in kaslr-targets.c. */
struct kinspect_error *kinspect_kaslr_find_memory(const struct kinspect_memory *mem, bool have_pc, uint64_t pc,
						  const char *vmcoreinfo, const struct kinspect_vmlinux *vmlinux,
						  struct kinspect_kaslr *ret);

#endif /* KINSPECT_KASLR_H */
