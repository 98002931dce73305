/* Sessions on a target of the caller's callbacks (kinspect_kernel_open_ops()
 * in kinspect/kernel.h): memory, CPUs and registers read through them, the
 * slide found from them as from a live guest.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"

/* The ops a caller of this version may give: up to and including the
 * last member this version knows. */
#define OPS_SIZE_MIN (offsetof(struct kinspect_target_ops, read) + sizeof(((struct kinspect_target_ops *)0)->read))

struct kinspect_error *kinspect_kernel_open_ops(const struct kinspect_target_ops *ops, void *arg,
						const struct kinspect_options *options, struct kinspect_kernel **ret)
{
	if (!ops || ops->size < OPS_SIZE_MIN || ops->size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "target ops of %zu bytes: set size to sizeof(struct kinspect_target_ops)",
					     ops ? ops->size : 0);
	/* Members past what the caller's version knew stay NULL. */
	struct kinspect_target_ops own;
	memset(&own, 0, sizeof(own));
	memcpy(&own, ops, ops->size < sizeof(own) ? ops->size : sizeof(own));
	own.size = sizeof(own);
	if (!own.read)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "target ops without a read callback");
	struct kinspect_kernel *k;
	struct kinspect_error *err = kinspect_kernel_create(NULL, options, &k);
	if (err)
		return err;
	kinspect_kernel_set_ops(k, &own, arg);
	struct kinspect_vmlinux *vmlinux;
	if ((err = kinspect_kernel_vmlinux(k, &vmlinux))) {
		kinspect_kernel_destroy(k);
		return err;
	}
	*ret = k;
	return NULL;
}

struct kinspect_error *kinspect_kernel_ops_read(const struct kinspect_target_ops *ops, void *arg, uint64_t addr,
						void *buf, size_t len, bool phys)
{
	if (phys && !ops->read_phys)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "the target's callbacks have no physical reads");
	int e = phys ? ops->read_phys(arg, addr, buf, len) : ops->read(arg, addr, buf, len);
	if (e == 0)
		return NULL;
	if (e == EFAULT)
		return kinspect_error_fault(addr, "cannot read %zu bytes at %s0x%" PRIx64, len, phys ? "physical " : "",
					    addr);
	return kinspect_error_os(e > 0 ? e : EIO, NULL, "reading %zu bytes at %s0x%" PRIx64 " through the callbacks",
				 len, phys ? "physical " : "", addr);
}

struct kinspect_error *kinspect_kernel_ops_kaslr(const struct kinspect_target_ops *ops, void *arg,
						 const struct kinspect_memory *mem,
						 const struct kinspect_vmlinux *vmlinux, struct kinspect_kaslr *ret)
{
	uint64_t slide, pc = 0;
	if (ops->kaslr_slide && ops->kaslr_slide(arg, &slide)) {
		*ret = (struct kinspect_kaslr){ .slide = slide, .method = "given" };
		return NULL;
	}
	bool have_pc = ops->read_register && ops->read_register(arg, 0, kinspect_arch()->pc_regnum, &pc) == 0;
	return kinspect_kaslr_find_memory(mem, have_pc, pc, NULL, vmlinux, ret);
}

struct kinspect_error *kinspect_kernel_ops_nr_cpus(const struct kinspect_target_ops *ops, void *arg,
						   unsigned int *ret)
{
	if (ops->nr_cpus) {
		*ret = ops->nr_cpus(arg);
		return NULL;
	}
	if (ops->read_register) {
		*ret = 1;
		return NULL;
	}
	return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "the target's callbacks give no CPUs");
}

struct kinspect_error *kinspect_kernel_ops_cpu_state(struct kinspect_kernel *k, unsigned int cpu,
						     struct kinspect_unwind_state *ret, bool *ret_user_mode)
{
	void *arg;
	const struct kinspect_target_ops *ops = kinspect_kernel_ops(k, &arg);
	const struct kinspect_arch *arch = kinspect_arch();
	if (!ops || !ops->read_register)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "the target's callbacks give no registers");
	struct kinspect_unwind_state state;
	memset(&state, 0, sizeof(state));
	for (unsigned int reg = 0; reg < arch->nr_regs; reg++) {
		uint64_t value;
		if (ops->read_register(arg, cpu, reg, &value) == 0)
			kinspect_unwind_state_set(&state, reg, value);
	}
	uint64_t need = (1ull << arch->pc_regnum) | (1ull << arch->sp_regnum);
	if ((state.regs.valid & need) != need)
		return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "CPU %u: the callbacks give no pc or sp", cpu);
	state.exact = true;
	*ret = state;
	/* Without the mode bits of the architecture's registers: user code
	 * is code below kernel space. */
	*ret_user_mode = !kinspect_arch_kernel_address(state.regs.value[arch->pc_regnum]);
	return NULL;
}
