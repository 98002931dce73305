/* KASLR slide of a live kernel through the gdbstub.
 *
 * VMCOREINFO's KERNELOFFSET when the target has it.  Then, cheap: a vCPU stopped in kernel text (the idle loop, usually) has a
 * pc that lies in [_stext, _etext] + slide, which leaves only the KASLR
 * steps of one text-size window; comparing a few bytes at the pc with the
 * vmlinux's bytes orders those candidates, and linux_banner confirms one.
 * Only if that fails is every slide of the image area tried.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "linux/kaslr.h"

#define PC_BYTES 16
#define MAX_CANDIDATES (KINSPECT_KASLR_MAX / KINSPECT_KASLR_ALIGN)

/* Where guest memory comes from: a live gdbstub or a dump. */
struct memory {
	struct kinspect_error *(*read)(void *ctx, uint64_t vaddr, void *buf, size_t len);
	void *ctx;
	bool have_pc;
	uint64_t pc;
	const char *vmcoreinfo;
};

struct banner {
	uint64_t addr;
	size_t len;
	char *bytes;   /* the vmlinux's banner; owns the allocation */
	char *scratch; /* LEN more bytes for the guest's copy, reused by every probe */
	/* Probes whose read faulted, and the first fault's message: when no
	 * probe could read anything, the memory source is what failed. */
	unsigned int faults;
	char first_fault[192];
};

static struct kinspect_error *load_banner(const struct kinspect_vmlinux *vmlinux, struct banner *ret)
{
	uint64_t size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "linux_banner", &ret->addr, &size);
	if (err)
		return kinspect_error_wrap(err, "cannot verify a KASLR slide");
	if (size == 0 || size > 4096)
		return kinspect_error_file(kinspect_vmlinux_path(vmlinux), "linux_banner has a bad size %llu",
					   (unsigned long long)size);
	ret->len = size;
	ret->bytes = malloc(2 * size);
	if (!ret->bytes)
		return &kinspect_error_nomem;
	err = kinspect_vmlinux_read(vmlinux, ret->addr, ret->bytes, size);
	if (err) {
		free(ret->bytes);
		return kinspect_error_wrap(err, "reading linux_banner from the vmlinux");
	}
	ret->scratch = ret->bytes + size;
	return NULL;
}

/* Does the guest hold the vmlinux's banner at SLIDE?  A fault means no; a
 * lost connection is an error. */
static struct kinspect_error *banner_matches(const struct memory *mem, struct banner *banner,
					     uint64_t slide, unsigned int *probes, bool *ret)
{
	(*probes)++;
	struct kinspect_error *err = mem->read(mem->ctx, banner->addr + slide, banner->scratch, banner->len);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT) {
		if (!banner->faults++) {
			char *text = kinspect_error_string(err);
			snprintf(banner->first_fault, sizeof(banner->first_fault), "%s",
				 text ? text : kinspect_error_message(err));
			free(text);
		}
		kinspect_error_destroy(err);
		*ret = false;
		return NULL;
	}
	if (err)
		return err;
	*ret = memcmp(banner->scratch, banner->bytes, banner->len) == 0;
	return NULL;
}

struct candidate {
	uint64_t slide;
	int score;
};

static int by_score(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;
	if (x->score != y->score)
		return y->score - x->score;
	return x->slide < y->slide ? -1 : x->slide > y->slide;
}

/* Slides that put the CPU's pc inside the vmlinux's text, best first.
 * Returns the number stored in CANDIDATES (0 if the pc is not in kernel text). */
static size_t pc_candidates(const struct memory *mem, const struct kinspect_vmlinux *vmlinux,
			     struct candidate *candidates)
{
	uint64_t pc = mem->pc, stext, etext;
	if (!mem->have_pc)
		return 0;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "_stext", &stext, NULL);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "_etext", &etext, NULL);
	if (err) {
		char *msg = kinspect_error_string(err);
		kinspect_debug("KASLR: no pc hint: %s", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
		return 0;
	}
	if (pc < kinspect_arch()->kernel_map_start || pc < stext || etext <= stext)
		return 0;
	uint8_t live[PC_BYTES];
	struct kinspect_error *read_err = mem->read(mem->ctx, pc, live, sizeof(live));
	bool have_live = !read_err;
	kinspect_error_destroy(read_err);

	/* slide in [pc - etext, pc - stext], KASLR-aligned, inside the image area */
	uint64_t lo = pc > etext ? pc - etext : 0;
	uint64_t hi = pc - stext;
	lo = (lo + KINSPECT_KASLR_ALIGN - 1) & ~(KINSPECT_KASLR_ALIGN - 1);
	size_t n = 0;
	for (uint64_t slide = lo; slide <= hi && slide < KINSPECT_KASLR_MAX && n < MAX_CANDIDATES;
	     slide += KINSPECT_KASLR_ALIGN) {
		uint8_t file[PC_BYTES];
		int score = 0;
		/* Live text differs from the file where the kernel patched
		 * itself (alternatives, static calls), so a partial match
		 * still ranks a candidate; the banner decides. */
		if (have_live && !kinspect_vmlinux_read(vmlinux, pc - slide, file, sizeof(file))) {
			for (size_t i = 0; i < sizeof(file); i++)
				score += file[i] == live[i];
		}
		candidates[n++] = (struct candidate){ .slide = slide, .score = score };
	}
	qsort(candidates, n, sizeof(*candidates), by_score);
	return n;
}

/* KERNELOFFSET=hex from VMCOREINFO, if there. */
static bool vmcoreinfo_offset(const char *vmcoreinfo, uint64_t *ret)
{
	static const char key[] = "KERNELOFFSET=";
	for (const char *line = vmcoreinfo; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, key, sizeof(key) - 1) == 0) {
			char *end;
			*ret = strtoull(line + sizeof(key) - 1, &end, 16);
			/* Only slides a kernel can have; the banner check does
			 * the rest. */
			return end != line + sizeof(key) - 1 && *ret < KINSPECT_KASLR_MAX &&
			       *ret % KINSPECT_KASLR_ALIGN == 0;
		}
	}
	return false;
}

static struct kinspect_error *find_slide(const struct memory *mem, const struct kinspect_vmlinux *vmlinux,
					 struct kinspect_kaslr *ret)
{
	struct banner banner = { 0 };
	struct kinspect_error *err = load_banner(vmlinux, &banner);
	if (err)
		return err;
	/* Freed when the search ends (the banner's bytes, owned here);
	 * marked used for clang 14, which counts a cleanup as no use. */
	_cleanup_free_ char *banner_bytes __attribute__((unused)) = banner.bytes;
	_cleanup_free_ struct candidate *candidates = calloc(MAX_CANDIDATES, sizeof(*candidates));
	if (!candidates)
		return &kinspect_error_nomem;

	unsigned int probes = 0;
	bool match;
	uint64_t offset;
	if (vmcoreinfo_offset(mem->vmcoreinfo, &offset)) {
		if ((err = banner_matches(mem, &banner, offset, &probes, &match)))
			return kinspect_error_wrap(err, "verifying VMCOREINFO's KERNELOFFSET");
		if (match) {
			*ret = (struct kinspect_kaslr){ offset, "vmcoreinfo", probes };
			return NULL;
		}
	}
	size_t n = pc_candidates(mem, vmlinux, candidates);
	for (size_t i = 0; i < n; i++) {
		if ((err = banner_matches(mem, &banner, candidates[i].slide, &probes, &match)))
			return kinspect_error_wrap(err, "finding the KASLR slide");
		if (match) {
			/* Named after the architecture's pc register. */
			const struct kinspect_arch *arch = kinspect_arch();
			*ret = (struct kinspect_kaslr){ candidates[i].slide, arch->reg_names[arch->pc_regnum], probes };
			return NULL;
		}
	}
	for (uint64_t slide = 0; slide < KINSPECT_KASLR_MAX; slide += KINSPECT_KASLR_ALIGN) {
		if ((err = banner_matches(mem, &banner, slide, &probes, &match)))
			return kinspect_error_wrap(err, "finding the KASLR slide");
		if (match) {
			*ret = (struct kinspect_kaslr){ slide, "probe", probes };
			return NULL;
		}
	}
	if (banner.faults == probes)
		/* Not one address could be read: the translation of virtual
		 * addresses failed (damaged page tables or page-table root, broken CPU
		 * notes, a memory map that does not cover the kernel), which
		 * says nothing yet about the vmlinux. */
		return kinspect_error_create(KINSPECT_ERROR_FAULT,
					     "none of the %u addresses where linux_banner could be was readable "
					     "(first: %s): the target's memory cannot be read at kernel addresses "
					     "(damaged page tables, CPU notes or memory map?)",
					     probes, banner.first_fault);
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
				     "the guest does not hold this vmlinux's linux_banner at any KASLR slide "
				     "(%u tried, %u readable): is %s the kernel that runs?",
				     probes, probes - banner.faults, kinspect_vmlinux_path(vmlinux));
}

struct kinspect_error *kinspect_kaslr_find_memory(const struct kinspect_memory *mem, bool have_pc, uint64_t pc,
						  const char *vmcoreinfo, const struct kinspect_vmlinux *vmlinux,
						  struct kinspect_kaslr *ret)
{
	struct memory m = { .read = mem->read, .ctx = mem->ctx, .have_pc = have_pc, .pc = pc, .vmcoreinfo = vmcoreinfo };
	return find_slide(&m, vmlinux, ret);
}
