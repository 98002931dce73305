/* KASLR slide of a live kernel through the gdbstub.
 *
 * Cheap first: a vCPU stopped in kernel text (the idle loop, usually) has a
 * RIP that lies in [_stext, _etext] + slide, which leaves only the 2 MiB
 * steps of one text-size window; comparing a few bytes at RIP with the
 * vmlinux's bytes orders those candidates, and linux_banner confirms one.
 * Only if that fails is every slide below 1 GiB tried.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "linux/kaslr.h"

#define KERNEL_TEXT_START 0xffffffff80000000ULL /* __START_KERNEL_map */
#define RIP_BYTES 16
#define MAX_CANDIDATES (KINSPECT_KASLR_MAX / KINSPECT_KASLR_ALIGN)

struct banner {
	uint64_t addr;
	size_t len;
	char *bytes;
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
	ret->bytes = malloc(size);
	if (!ret->bytes)
		return &kinspect_error_nomem;
	err = kinspect_vmlinux_read(vmlinux, ret->addr, ret->bytes, size);
	if (err) {
		free(ret->bytes);
		return kinspect_error_wrap(err, "reading linux_banner from the vmlinux");
	}
	return NULL;
}

/* Does the guest hold the vmlinux's banner at SLIDE?  A fault means no; a
 * lost connection is an error. */
static struct kinspect_error *banner_matches(struct kinspect_gdbstub *gs, const struct banner *banner,
					     uint64_t slide, unsigned int *probes, bool *ret)
{
	_cleanup_free_ char *buf = malloc(banner->len);
	if (!buf)
		return &kinspect_error_nomem;
	(*probes)++;
	struct kinspect_error *err = kinspect_gdbstub_read_memory(gs, banner->addr + slide, buf, banner->len, false);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT) {
		kinspect_error_destroy(err);
		*ret = false;
		return NULL;
	}
	if (err)
		return err;
	*ret = memcmp(buf, banner->bytes, banner->len) == 0;
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

/* Slides that put vCPU 0's RIP inside the vmlinux's text, best first.
 * Returns the number stored in CANDIDATES (0 if RIP is not in kernel text). */
static size_t rip_candidates(struct kinspect_gdbstub *gs, const struct kinspect_vmlinux *vmlinux,
			     struct candidate *candidates)
{
	uint64_t rip, stext, etext;
	struct kinspect_error *err = kinspect_gdbstub_read_register(gs, 0, "rip", &rip);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "_stext", &stext, NULL);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "_etext", &etext, NULL);
	if (err) {
		char *msg = kinspect_error_string(err);
		kinspect_debug("KASLR: no RIP hint: %s", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
		return 0;
	}
	if (rip < KERNEL_TEXT_START || rip < etext - stext || etext <= stext)
		return 0;
	uint8_t live[RIP_BYTES];
	bool have_live = kinspect_gdbstub_read_memory(gs, rip, live, sizeof(live), false) == NULL;

	/* slide in [rip - etext, rip - stext], 2 MiB aligned, below 1 GiB */
	uint64_t lo = rip > etext ? rip - etext : 0;
	uint64_t hi = rip - stext;
	lo = (lo + KINSPECT_KASLR_ALIGN - 1) & ~(KINSPECT_KASLR_ALIGN - 1);
	size_t n = 0;
	for (uint64_t slide = lo; slide <= hi && slide < KINSPECT_KASLR_MAX && n < MAX_CANDIDATES;
	     slide += KINSPECT_KASLR_ALIGN) {
		uint8_t file[RIP_BYTES];
		int score = 0;
		/* Live text differs from the file where the kernel patched
		 * itself (alternatives, static calls), so a partial match
		 * still ranks a candidate; the banner decides. */
		if (have_live && !kinspect_vmlinux_read(vmlinux, rip - slide, file, sizeof(file))) {
			for (size_t i = 0; i < sizeof(file); i++)
				score += file[i] == live[i];
		}
		candidates[n++] = (struct candidate){ .slide = slide, .score = score };
	}
	qsort(candidates, n, sizeof(*candidates), by_score);
	return n;
}

struct kinspect_error *kinspect_kaslr_find_live(struct kinspect_gdbstub *gs, const struct kinspect_vmlinux *vmlinux,
						struct kinspect_kaslr *ret)
{
	struct banner banner;
	struct kinspect_error *err = load_banner(vmlinux, &banner);
	if (err)
		return err;
	_cleanup_free_ char *banner_bytes = banner.bytes;
	_cleanup_free_ struct candidate *candidates = calloc(MAX_CANDIDATES, sizeof(*candidates));
	if (!candidates)
		return &kinspect_error_nomem;

	unsigned int probes = 0;
	bool match;
	size_t n = rip_candidates(gs, vmlinux, candidates);
	for (size_t i = 0; i < n; i++) {
		if ((err = banner_matches(gs, &banner, candidates[i].slide, &probes, &match)))
			return kinspect_error_wrap(err, "finding the KASLR slide");
		if (match) {
			*ret = (struct kinspect_kaslr){ candidates[i].slide, "rip", probes };
			return NULL;
		}
	}
	for (uint64_t slide = 0; slide < KINSPECT_KASLR_MAX; slide += KINSPECT_KASLR_ALIGN) {
		if ((err = banner_matches(gs, &banner, slide, &probes, &match)))
			return kinspect_error_wrap(err, "finding the KASLR slide");
		if (match) {
			*ret = (struct kinspect_kaslr){ slide, "probe", probes };
			return NULL;
		}
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND,
				     "the guest does not hold this vmlinux's linux_banner at any KASLR slide "
				     "(%u tried): is %s the kernel that runs?",
				     probes, kinspect_vmlinux_path(vmlinux));
}
