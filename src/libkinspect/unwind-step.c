/* Single unwind steps from registers (see kinspect/stack.h): the
 * architecture's registers by DWARF number, one step of the session's
 * unwinder, and what a debugger combining unwinders needs to know of it
 * (the frame's CFA, the entry frames crossed, whether DWARF CFI covers it).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <kinspect/stack.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "debuginfo/vmlinux-cfi.h"
#include "libkinspect/kernel-priv.h"
#include "linux/stacktrace.h"

struct kinspect_error *kinspect_kernel_register_number(const struct kinspect_kernel *k, const char *name,
						       unsigned int *ret)
{
	(void)k; /* one architecture per build today: the session's */
	const struct kinspect_arch *arch = kinspect_arch();
	if (strcmp(name, "pc") == 0) {
		*ret = arch->pc_regnum;
		return NULL;
	}
	if (strcmp(name, "sp") == 0) {
		*ret = arch->sp_regnum;
		return NULL;
	}
	if (strcmp(name, "fp") == 0) {
		*ret = arch->fp_regnum;
		return NULL;
	}
	for (unsigned int reg = 0; reg < arch->nr_regs; reg++) {
		if (strcmp(name, arch->reg_names[reg]) == 0) {
			*ret = reg;
			return NULL;
		}
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "%s has no register %s", arch->name, name);
}

const char *kinspect_kernel_register_name(const struct kinspect_kernel *k, unsigned int regnum)
{
	(void)k;
	const struct kinspect_arch *arch = kinspect_arch();
	return regnum < arch->nr_regs ? arch->reg_names[regnum] : NULL;
}

unsigned int kinspect_kernel_nr_registers(const struct kinspect_kernel *k)
{
	(void)k;
	return kinspect_arch()->nr_regs;
}

struct kinspect_error *kinspect_kernel_cpu_unwind_frame(struct kinspect_kernel *k, unsigned int cpu,
							struct kinspect_unwind_frame *ret, bool *ret_user_mode)
{
	struct kinspect_unwind_state state;
	bool user_mode;
	struct kinspect_error *err = kinspect_kernel_cpu_state(k, cpu, &state, &user_mode);
	if (err)
		return err;
	struct kinspect_unwind_frame frame;
	memset(&frame, 0, sizeof(frame));
	kinspect_unwind_state_to_frame(&state, &frame);
	*ret = frame;
	*ret_user_mode = user_mode;
	return NULL;
}

/* Whether DWARF CFI describes code address IP of a frame whose pc is
 * EXACT or a return address: the vmlinux's, or that of the module's .ko
 * found under the session's module directories (build-id checked: the
 * file the gdb proxy gives gdb). */
static bool cfi_covers(struct kinspect_kernel *k, uint64_t ip, bool exact)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (err) {
		kinspect_error_destroy(err);
		return false;
	}
	uint64_t lookup = exact ? ip : ip - 1;
	if (kinspect_kaslr_in_image(lookup))
		return kinspect_vmlinux_cfi_covers(kinspect_kernel_vmlinux_cfi(k),
						   kinspect_kaslr_link(kaslr->slide, lookup));
	struct kinspect_module_symbols *ms;
	if ((err = kinspect_kernel_module_symbols(k, &ms))) {
		kinspect_error_destroy(err);
		return false;
	}
	return kinspect_module_symbols_cfi_covers(ms, lookup);
}

struct kinspect_error *kinspect_kernel_unwind_prepare(struct kinspect_kernel *k)
{
	struct kinspect_kernel_unwinder *unwinder;
	return kinspect_kernel_unwinder(k, &unwinder);
}

struct kinspect_error *kinspect_kernel_unwind_step(struct kinspect_kernel *k, const struct kinspect_unwind_frame *in,
						   struct kinspect_unwind_frame *out,
						   struct kinspect_unwind_info *ret_info)
{
	const struct kinspect_arch *arch = kinspect_arch();
	uint64_t need = (1ull << arch->pc_regnum) | (1ull << arch->sp_regnum);
	if ((in->regs.valid & need) != need)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "an unwind step needs the pc and the sp");
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_error *err = kinspect_kernel_unwinder(k, &unwinder);
	if (err)
		return err;
	struct kinspect_unwind_state state;
	kinspect_unwind_state_from_frame(&state, in);
	uint64_t ip = state.regs.value[arch->pc_regnum];
	bool exact = state.exact;
	struct kinspect_arch_step step;
	if ((err = kinspect_kernel_unwinder_step(unwinder, &state, &step)))
		return err;
	struct kinspect_unwind_info info;
	memset(&info, 0, sizeof(info));
	if (step.end) {
		info.end = true;
		*ret_info = info;
		return NULL;
	}
	struct kinspect_unwind_frame caller;
	memset(&caller, 0, sizeof(caller));
	kinspect_unwind_state_to_frame(&state, &caller);
	info.kind = step.kind;
	info.pt_regs = step.pt_regs;
	info.user_mode = step.user_mode;
	info.cfa = step.cfa;
	info.dwarf_cfi = step.plain_call && cfi_covers(k, ip, exact);
	*out = caller;
	*ret_info = info;
	return NULL;
}
