/* The session's parts, for the library's own code and for the front ends
 * still being moved onto the public API (see kernel.h for the session).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KERNEL_PRIV_H
#define KINSPECT_KERNEL_PRIV_H

#include <kinspect/kernel.h>
#include <kinspect/module.h>

#include "debuginfo/dwarf-types.h"
#include "linux/kaslr.h"
#include "linux/memory.h"
#include "arch/arch.h"
#include "linux/module-symbols.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

/* The vmlinux's DWARF types (with the layout cache of its build-id when a
 * cache directory is set), opened on first use. */
struct kinspect_error *kinspect_kernel_types(struct kinspect_kernel *kernel, struct kinspect_dwarf_types **ret);

/* The open target: exactly one is non-NULL after
 * kinspect_kernel_open_target() succeeded. */
struct kinspect_gdbstub *kinspect_kernel_gdbstub(const struct kinspect_kernel *kernel);
struct kinspect_elf_dump *kinspect_kernel_dump(const struct kinspect_kernel *kernel);

/* The traffic of connecting to the gdbstub (round trips before the first
 * command). */
const struct kinspect_gdbstub_stats *kinspect_kernel_connect_stats(const struct kinspect_kernel *kernel);

/* The slide record, found on first use. */
struct kinspect_error *kinspect_kernel_kaslr_record(struct kinspect_kernel *kernel,
						    const struct kinspect_kaslr **ret);

/* What every walker of the kernel model needs: the slide, the types and
 * the memory (opening the target). */
struct kinspect_error *kinspect_kernel_model(struct kinspect_kernel *kernel, const struct kinspect_kaslr **ret_kaslr,
					     struct kinspect_dwarf_types **ret_types,
					     const struct kinspect_memory **ret_memory);

/* The same without the slide, for walkers that follow only pointers
 * read from the target (iov_iter, xarray): finding the slide live costs
 * round trips they do not need. */
struct kinspect_error *kinspect_kernel_model_unslid(struct kinspect_kernel *kernel, struct kinspect_dwarf_types **ret_types,
						     const struct kinspect_memory **ret_memory);

/* The target's virtual memory for the kernel model, behind the memory
 * cache on a live target; valid while KERNEL lives.  Opens the target. */
struct kinspect_error *kinspect_kernel_memory(struct kinspect_kernel *kernel, const struct kinspect_memory **ret);

/* The loaded modules' symbols, set up on first use. */
struct kinspect_error *kinspect_kernel_module_symbols(struct kinspect_kernel *kernel,
						      struct kinspect_module_symbols **ret);

/* What lsmod shows beyond the list walk (taints, users, sections,
 * build-ids), set up on first use. */
struct kinspect_module_info;
struct kinspect_error *kinspect_kernel_module_info(struct kinspect_kernel *kernel,
						   struct kinspect_module_info **ret);

/* The file of module NAME under the module directories with BUILD_ID
 * (LEN bytes; 0: by name alone), found once per session and owned by it
 * (kinspect_module_file_find() for the errors). */
struct kinspect_error *kinspect_kernel_find_module_file(struct kinspect_kernel *kernel, const char *name,
						       const uint8_t *build_id, size_t len,
						       const struct kinspect_module_file **ret);

/* The task walker and the stack unwinder, set up on first use. */
struct kinspect_tasks;
struct kinspect_kernel_unwinder;
struct kinspect_error *kinspect_kernel_tasks(struct kinspect_kernel *kernel, struct kinspect_tasks **ret);
struct kinspect_error *kinspect_kernel_unwinder(struct kinspect_kernel *kernel,
						struct kinspect_kernel_unwinder **ret);

/* Forget the module list read so far (a live guest ran). */
void kinspect_kernel_forget_modules(struct kinspect_kernel *kernel);

/* Close the target now, as kinspect_kernel_destroy() would, keeping the
 * rest. */
void kinspect_kernel_close_target(struct kinspect_kernel *kernel);

/* The types handed out (type.c) and the line tables (symbol.c), kept
 * until the session ends. */
struct kinspect_type_store;
struct kinspect_type_store **kinspect_kernel_type_store(struct kinspect_kernel *kernel);
void kinspect_type_store_destroy(struct kinspect_type_store *store);

/* A session on GS, a connection to the gdbstub TARGET that the caller
 * holds (the gdb proxy): used as the session's open target, with the
 * memory cache in front of it, never connected, detached or destroyed by
 * the session (kinspect_kernel_destroy() leaves GS as it is; the caller
 * destroys GS after the session).  OPTIONS as for kinspect_kernel_create()
 * (qmp and KINSPECT_KEEP_STOPPED play no part: the owner decides what the
 * guest is left in). */
struct kinspect_error *kinspect_kernel_create_on_gdbstub(struct kinspect_gdbstub *gs, const char *target,
						  const struct kinspect_options *options,
						  struct kinspect_kernel **ret);

/* OPTIONS (NULL: the defaults) in *RET as this version of the library
 * knows them: fields past OPTIONS->SIZE keep their defaults.  Fails only
 * on an implausible SIZE. */
struct kinspect_error *kinspect_options_copy(const struct kinspect_options *options, struct kinspect_options *ret);

/* What of O is process-wide (see kernel.h): the log function and level,
 * the decompression bound; also for sessions created without them (the
 * gdb proxy's, which its caller configures through its own options). */
void kinspect_options_apply_process_wide(const struct kinspect_options *o);

/* Memory as the session read it may have changed in a way the target
 * cannot tell (another client wrote it, a monitor command of QEMU's ran):
 * the memory cache starts afresh.  The module list stays: see
 * kinspect_kernel_forget_modules(). */
void kinspect_kernel_invalidate(struct kinspect_kernel *kernel);

/* The session's timeout in milliseconds, and its cancel flag. */
int kinspect_kernel_timeout_ms(const struct kinspect_kernel *kernel);
const volatile sig_atomic_t *kinspect_kernel_cancel(const struct kinspect_kernel *kernel);

/* The head of the session's list of planted breakpoints (breakpoint.c
 * keeps it), and taking them all out: closing the target does, so that no
 * breakpoint outlives the session in QEMU (a guest left running would
 * stop at it with no one to answer). */
struct kinspect_breakpoint;
struct kinspect_breakpoint **kinspect_kernel_breakpoints(struct kinspect_kernel *kernel);
void kinspect_kernel_release_breakpoints(struct kinspect_kernel *kernel);

/* ---- a target of the caller's callbacks (kernel-ops.c) --------------- */

/* Make K's target OPS with ARG (kinspect_kernel_open_ops()). */
void kinspect_kernel_set_ops(struct kinspect_kernel *kernel, const struct kinspect_target_ops *ops, void *arg);

/* K's callbacks and their ARG in *RET_ARG, or NULL for another target. */
const struct kinspect_target_ops *kinspect_kernel_ops(const struct kinspect_kernel *kernel, void **ret_arg);

/* A read through OPS as a struct kinspect_memory read (PHYS: read_phys). */
struct kinspect_error *kinspect_kernel_ops_read(const struct kinspect_target_ops *ops, void *arg, uint64_t addr,
						void *buf, size_t len, bool phys);

/* The slide of a target of callbacks: their own, else found through MEM
 * (narrowed by CPU 0's pc when they give registers). */
struct kinspect_error *kinspect_kernel_ops_kaslr(const struct kinspect_target_ops *ops, void *arg,
						 const struct kinspect_memory *mem,
						 const struct kinspect_vmlinux *vmlinux, struct kinspect_kaslr *ret);

/* Their CPU count: nr_cpus, else 1 when they give registers. */
struct kinspect_error *kinspect_kernel_ops_nr_cpus(const struct kinspect_target_ops *ops, void *arg,
						   unsigned int *ret);

/* Where CPU's unwind starts, from their registers (see the
 * architecture's cpu_state_live). */
struct kinspect_error *kinspect_kernel_ops_cpu_state(struct kinspect_kernel *kernel, unsigned int cpu,
						     struct kinspect_unwind_state *ret, bool *ret_user_mode);

/* Where CPU's unwind starts, whatever the target (stack.c). */
struct kinspect_error *kinspect_kernel_cpu_state(struct kinspect_kernel *kernel, unsigned int cpu,
						 struct kinspect_unwind_state *ret, bool *ret_user_mode);

/* The vmlinux's DWARF CFI (.debug_frame), opened on first use once the
 * vmlinux is; NULL when it has none. */
struct kinspect_vmlinux_cfi;
struct kinspect_vmlinux_cfi *kinspect_kernel_vmlinux_cfi(struct kinspect_kernel *kernel);

/* The integer (or pointer) global variable NAME of the running kernel,
 * or its member PATH ("" for itself): for walkers that want one value.
 * Errors name NAME.PATH; KINSPECT_ERROR_NOT_FOUND for no such variable. */
struct kinspect_error *kinspect_kernel_read_variable(struct kinspect_kernel *kernel, const char *name,
						     const char *path, uint64_t *ret);

/* Whether the vmlinux has a symbol NAME; its ELF size (0: none given) in
 * *RET_SIZE (may be NULL) when it does. */
bool kinspect_kernel_has_symbol(struct kinspect_kernel *kernel, const char *name, uint64_t *ret_size);

#endif /* KINSPECT_KERNEL_PRIV_H */
