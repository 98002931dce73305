/* Unit tests: registers by DWARF number in the public API (roles and
 * names, the architecture table's numbering), the unwind state carried
 * through struct kinspect_unwind_frame and back, and the checks of
 * kinspect_kernel_open_ops() before anything is opened.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <kinspect/kernel.h>
#include <kinspect/stack.h>

#include "arch/arch.h"
#include "linux/stacktrace.h"
#include "tap.h"

static int read_nothing(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	(void)addr;
	(void)buf;
	(void)len;
	return EFAULT;
}

static void test_register_numbers(void)
{
	/* A session of no vmlinux and no target: registers are the
	 * architecture's. */
	struct kinspect_kernel *k;
	if (!ok(!kinspect_kernel_create(NULL, NULL, &k), "a session without vmlinux"))
		return;
	unsigned int pc = 99, sp = 99, fp = 99, rbx = 99, rip = 99;
	ok(!kinspect_kernel_register_number(k, "pc", &pc) && !kinspect_kernel_register_number(k, "sp", &sp) &&
		   !kinspect_kernel_register_number(k, "fp", &fp),
	   "pc, sp and fp by role");
	is_int(pc, kinspect_arch()->pc_regnum, "pc is the table's");
	is_int(sp, kinspect_arch()->sp_regnum, "sp is the table's");
	is_int(fp, kinspect_arch()->fp_regnum, "fp is the table's");
	ok(!kinspect_kernel_register_number(k, "rip", &rip) && rip == pc, "rip is the pc (x86-64 psABI 16)");
	ok(!kinspect_kernel_register_number(k, "rbx", &rbx) && rbx == 3, "rbx is DWARF 3");
	struct kinspect_error *err = kinspect_kernel_register_number(k, "xmm0", &rbx);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && rbx == 3,
	   "a register the unwinder does not track: not found, nothing written");
	kinspect_error_destroy(err);
	unsigned int nr = kinspect_kernel_nr_registers(k);
	ok(nr > pc && nr > sp && nr > fp && nr <= KINSPECT_REGS_MAX, "%u registers, all below KINSPECT_REGS_MAX", nr);
	kinspect_kernel_destroy(k);
}

static void test_state_round_trip(void)
{
	const struct kinspect_arch *arch = kinspect_arch();
	uint64_t values[KINSPECT_REGS_MAX] = { 0 }, valid = 0;
	for (unsigned int reg = 0; reg < arch->nr_regs; reg += 2) {
		values[reg] = 0x1000 + reg;
		valid |= 1ull << reg;
	}
	valid |= 1ull << 40; /* beyond the unwinder's registers: dropped */
	values[40] = 0x4040;
	struct kinspect_unwind_frame in = { .regs = { .valid = valid }, .exact_pc = true,
					    .context = { 0xffffc90000003f58, 0xffffc90000001f58, 7, 0 } };
	memcpy(in.regs.value, values, sizeof(values));
	struct kinspect_unwind_state state;
	kinspect_unwind_state_from_frame(&state, &in);
	struct kinspect_unwind_frame out;
	memset(&out, 0, sizeof(out));
	kinspect_unwind_state_to_frame(&state, &out);
	ok(out.regs.valid == (valid & ~(1ull << 40)), "the registers known come back, no others");
	ok(memcmp(out.regs.value, values, sizeof(uint64_t) * arch->nr_regs) == 0, "with their values");
	ok(out.regs.value[40] == 0, "a register dropped reads 0");
	ok(out.exact_pc, "exact pc kept");
	ok(memcmp(out.context, in.context, sizeof(in.context)) == 0, "context (the unwinder's words) kept");
	in.exact_pc = false;
	memset(in.context, 0, sizeof(in.context));
	kinspect_unwind_state_from_frame(&state, &in);
	kinspect_unwind_state_to_frame(&state, &out);
	ok(!out.exact_pc && out.context[0] == 0 && out.context[2] == 0, "a first frame's empty context stays empty");
}

static void test_open_ops_checks(void)
{
	struct kinspect_kernel *k = NULL;
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = "/nonexistent/vmlinux";
	struct kinspect_error *err = kinspect_kernel_open_ops(NULL, NULL, &options, &k);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT && !k, "no ops");
	kinspect_error_destroy(err);
	struct kinspect_target_ops ops = { .size = 0, .read = read_nothing };
	err = kinspect_kernel_open_ops(&ops, NULL, &options, &k);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT && !k, "ops of size 0");
	kinspect_error_destroy(err);
	ops = (struct kinspect_target_ops){ .size = sizeof(ops) };
	err = kinspect_kernel_open_ops(&ops, NULL, &options, &k);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT && !k, "ops without read");
	kinspect_error_destroy(err);
	ops.read = read_nothing;
	err = kinspect_kernel_open_ops(&ops, NULL, &options, &k);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_OS && !k, "a missing vmlinux is an error at once");
	kinspect_error_destroy(err);
	err = kinspect_kernel_open_ops(&ops, NULL, NULL, &k);
	ok(err && !k, "no vmlinux at all");
	kinspect_error_destroy(err);
}

int main(void)
{
	test_register_numbers();
	test_state_round_trip();
	test_open_ops_checks();
	return tap_done();
}
