/* Initialised objects of the kernel-like types, for the value printer's
 * unit test: linked (as a vmlinux is) with -g -nostdlib at test time, read
 * back through the vmlinux reader and printed from their DWARF.  Every value
 * the test expects is written here.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel-like.h"

/* A flag enumeration: every enumerator a single bit. */
enum pv_flags { PV_READ = 1, PV_WRITE = 2, PV_EXEC = 8 };

void pv_exit(void);
void pv_exit(void)
{
}

struct folio_queue pv_folioq = {
	.vec = { .nr = 3, .i = 1, .percpu_pvec_drained = 1 },
	.orders = { 0, 2, 9 },
	.next = 0,
	.prev = &pv_folioq,
	.marks = 0x5,
};

struct iov_iter pv_iter = {
	.iter_type = ITER_FOLIOQ,
	.nofault = 1,
	.iov_offset = 0x1000,
	.folioq = &pv_folioq,
	.count = 0x3000,
	.folioq_slot = 2,
};

module_t pv_module = {
	.state = MODULE_STATE_COMING,
	.list = { &pv_module.list, &pv_module.list },
	.name = "pv\"mod",
	.mem = { [MOD_DATA] = { .base = (void *)0x1000, .size = 0x20, .flags = 5, .is_rox = 1, .delta = -3,
				.tail = 0x7f } },
	.taints = 0xabcdef1234,
	.more_taints = 0x123456,
	.grid = { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } },
	.packed = { .lo = -2, .hi = 1000 },
	.num_syms = 42,
	.exit = pv_exit,
};

union kl_word pv_word = { .value = 0x0102030405060708ull };
enum pageflags pv_pageflag = PG_writeback;
enum pv_flags pv_flags = PV_READ | PV_EXEC;
enum pv_flags pv_flags_unknown = PV_WRITE | 0x40;
enum pv_flags pv_flags_none = 0x30;
int pv_negative = -5;
bool pv_bool = 1;
u16 pv_u16s[40] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1, 2 };
/* Longer than the 200 elements printed, but one run of repeats. */
u8 pv_ones[300] = { [0 ... 299] = 1 };
