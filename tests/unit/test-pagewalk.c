/* Unit tests: the x86-64 page-table walk on hand-built tables (4 KiB,
 * 2 MiB and 1 GiB pages, 4 and 5 levels, holes, non-canonical addresses).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "arch/x86_64-pagewalk.h"
#include "core/error-priv.h"
#include "tap.h"

/* 16 pages of fake physical memory; table N lives at N * 4096. */
static uint64_t phys[16][512];
static int reads;

static struct kinspect_error *read_phys(void *ctx, uint64_t paddr, uint64_t *ret)
{
	(void)ctx;
	reads++;
	if (paddr % 8 || paddr / 4096 >= 16)
		return kinspect_error_fault(paddr, "outside fake memory");
	*ret = phys[paddr / 4096][(paddr % 4096) / 8];
	return NULL;
}

#define P 1ULL            /* present */
#define PS (1ULL << 7)    /* page size */
#define NX (1ULL << 63)

static uint64_t idx(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

static void check(bool la57, uint64_t cr3, uint64_t va, uint64_t want_pa, uint64_t want_size, const char *name)
{
	uint64_t pa = 0, size = 0;
	struct kinspect_error *err = kinspect_x86_64_translate(read_phys, NULL, cr3, la57, va, &pa, &size);
	if (!ok(!err && pa == want_pa && size == want_size, "%s", name)) {
		printf("#   got pa 0x%llx size 0x%llx err %s\n", (unsigned long long)pa, (unsigned long long)size,
		       err ? kinspect_error_message(err) : "none");
	}
	kinspect_error_destroy(err);
}

static void check_fault(bool la57, uint64_t cr3, uint64_t va, const char *name)
{
	uint64_t pa, addr = 0;
	struct kinspect_error *err = kinspect_x86_64_translate(read_phys, NULL, cr3, la57, va, &pa, NULL);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT && kinspect_error_address(err, &addr) &&
		   addr == va,
	   "%s", name);
	kinspect_error_destroy(err);
}

int main(void)
{
	const uint64_t text = 0xffffffff81234567ULL; /* 4 KiB page */
	const uint64_t big = 0xffffffff82345678ULL;  /* 2 MiB page */
	const uint64_t huge = 0xffff888012345678ULL; /* 1 GiB page */

	/* 4 levels: PML4 at 1; text: PDPT 2, PD 3, PT 4 -> page 0x7000. */
	phys[1][idx(text, 4)] = 2 * 4096 | P;
	phys[2][idx(text, 3)] = 3 * 4096 | P;
	phys[3][idx(text, 2)] = 4 * 4096 | P;
	phys[4][idx(text, 1)] = 0x7000 | P | NX; /* NX must not leak into the address */
	phys[3][idx(big, 2)] = 0x40000000ULL | P | PS;
	phys[1][idx(huge, 4)] = 5 * 4096 | P;
	phys[5][idx(huge, 3)] = 0x80000000ULL | P | PS;

	check(false, 1 * 4096, text, 0x7567, 4096, "4 KiB page, NX bit ignored");
	check(false, 1 * 4096 | 0x18, text, 0x7567, 4096, "flag bits of cr3 ignored");
	check(false, 1 * 4096, big, 0x40000000ULL + (big & 0x1fffff), 2ULL << 20, "2 MiB page");
	check(false, 1 * 4096, huge, 0x80000000ULL + (huge & 0x3fffffff), 1ULL << 30, "1 GiB page");
	check_fault(false, 1 * 4096, text + 4096, "not-present PTE is a fault at the address");
	check_fault(false, 1 * 4096, 0xffffffffc0000000ULL, "not-present PDPT entry");
	check_fault(false, 1 * 4096, 0x0000800000000000ULL, "non-canonical for 4 levels");

	/* 5 levels: PML5 at 6 pointing to the same PML4. */
	phys[6][idx(text, 5)] = 1 * 4096 | P;
	check(true, 6 * 4096, text, 0x7567, 4096, "5-level walk");
	check_fault(true, 6 * 4096, 0x0100000000000000ULL, "non-canonical for 5 levels");

	/* A table pointer outside memory: the read error is passed on, wrapped. */
	phys[1][idx(0xffffc90000000000ULL, 4)] = 0x100000ULL | P;
	uint64_t pa;
	struct kinspect_error *err =
		kinspect_x86_64_translate(read_phys, NULL, 4096, false, 0xffffc90000000000ULL, &pa, NULL);
	ok(err != NULL && strstr(kinspect_error_message(err), "page table level 3") != NULL,
	   "unreadable table names the level");
	kinspect_error_destroy(err);

	reads = 0;
	check(false, 1 * 4096, text, 0x7567, 4096, "again");
	is_int(reads, 4, "4-level walk reads exactly 4 entries");
	return tap_done();
}
