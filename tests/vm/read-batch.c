/* kinspect_kernel_read_batch() against single reads, on a live guest or a
 * dump, through the public API alone: the same bytes, a fault marked on
 * its entry only, and (live) fewer round trips than the single reads.
 *   read-batch VMLINUX TARGET
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include <kinspect/kinspect.h>

#define NR 6

static int fail(struct kinspect_error *err, const char *what)
{
	fprintf(stderr, "read-batch: %s: ", what);
	if (err)
		kinspect_error_fputs(err, stderr);
	else
		fputs("wrong\n", stderr);
	kinspect_error_destroy(err);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s VMLINUX TARGET\n", argv[0]);
		return 2;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	struct kinspect_kernel *k;
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &k);
	if (err)
		return fail(err, "open");
	const char *names[NR] = { "linux_banner", "init_task", "init_uts_ns", "jiffies", NULL, "linux_banner" };
	uint64_t addr[NR];
	size_t len[NR] = { 64, 64, 32, 8, 8, 200 };
	for (int i = 0; i < NR; i++) {
		addr[i] = 0x10; /* names[i] NULL: below every mapping, a fault */
		if (names[i] && (err = kinspect_kernel_symbol(k, names[i], &addr[i])))
			return fail(err, names[i]);
	}
	addr[5] += 64;
	static unsigned char single[NR][256], batched[NR][256];
	bool live = kinspect_kernel_target_kind(k) == KINSPECT_TARGET_GDBSTUB;
	bool single_ok[NR];
	uint64_t before = 0, after = 0, connect;
	if (live && (err = kinspect_kernel_round_trips(k, &before, &connect)))
		return fail(err, "round trips");
	for (int i = 0; i < NR; i++) {
		err = kinspect_kernel_read(k, addr[i], single[i], len[i]);
		single_ok[i] = !err;
		if (err && kinspect_error_code(err) != KINSPECT_ERROR_FAULT)
			return fail(err, "a single read");
		kinspect_error_destroy(err);
	}
	if (live && (err = kinspect_kernel_round_trips(k, &after, &connect)))
		return fail(err, "round trips");
	uint64_t singles = after - before;
	struct kinspect_read reads[NR];
	for (int i = 0; i < NR; i++)
		reads[i] = (struct kinspect_read){ .address = addr[i], .buf = batched[i], .len = len[i] };
	if ((err = kinspect_kernel_read_batch(k, reads, NR)))
		return fail(err, "the batch");
	if (live && (err = kinspect_kernel_round_trips(k, &before, &connect)))
		return fail(err, "round trips");
	uint64_t batch = before - after;
	for (int i = 0; i < NR; i++) {
		if (reads[i].ok != single_ok[i] || (reads[i].ok && memcmp(single[i], batched[i], len[i]) != 0))
			return fail(NULL, names[i] ? names[i] : "the faulting read");
	}
	if (single_ok[4] || !single_ok[0])
		return fail(NULL, "the fault at 0x10 or the banner");
	if (strncmp((const char *)batched[0], "Linux version ", 14) != 0)
		return fail(NULL, "the banner's bytes");
	if (live && !(batch < singles && batch <= 2))
		return fail(NULL, "the batch's round trips");
	printf("read-batch: %d reads, the same bytes and one fault as single reads; round trips: %llu single, %llu batched\n",
	       NR, (unsigned long long)singles, (unsigned long long)batch);
	kinspect_kernel_destroy(k);
	return 0;
}
