/* What a session's open target is, beyond kernel.h: a dump's notes, the
 * page tables a CPU uses, how a live guest's run state was learnt and what
 * the session cost on the wire.  What kinspect(1)'s info reports.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_TARGET_H
#define KINSPECT_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The linux_banner reads made to find and verify the KASLR slide (see
 * kinspect_kernel_kaslr()), found on first use. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_kaslr_probes(struct kinspect_kernel *kernel,
								    unsigned int *ret);

/* The page tables CPU (0-based) translates with: the physical address of
 * their root in *RET_ROOT and their number of levels (4 or 5) in
 * *RET_LEVELS.  A live guest is asked, a dump's CPU note read (a root of 0
 * when it has none).  Opens the target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_paging(struct kinspect_kernel *kernel, unsigned int cpu,
							      uint64_t *ret_root, int *ret_levels);

/* The architecture's name of the register that holds the page-table root
 * kinspect_kernel_paging() reports ("cr3" on x86-64): a static string. */
KINSPECT_EXPORT const char *kinspect_kernel_page_table_root_name(const struct kinspect_kernel *kernel);

/* A live guest: the round trips of the session so far in *RET_TOTAL, those
 * connecting took in *RET_CONNECT.  KINSPECT_ERROR_INVALID_ARGUMENT for a
 * dump. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_round_trips(struct kinspect_kernel *kernel,
								   uint64_t *ret_total, uint64_t *ret_connect);

/* A live guest: how its run state was learnt (see kinspect_kernel_run_state()):
 * "yes", "no" or "assumed" in *RET_WAS_RUNNING; QEMU's run state as seen
 * ("running", "paused", ...) in *RET_STATUS; where it was seen,
 * "stop-reply", "qmp", "monitor" or "none", in *RET_SOURCE; one line for
 * people in *RET_HOW.  All owned by KERNEL; all NULL (no error) when it
 * could not be learnt, *RET_STATUS NULL when no state was named.
 * KINSPECT_ERROR_INVALID_ARGUMENT for a dump. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_run_state_source(struct kinspect_kernel *kernel,
									const char **ret_was_running,
									const char **ret_status,
									const char **ret_source, const char **ret_how);

/* A dump: whether it was written with paging (virtual addresses in its
 * segments) in *RET_PAGING, whether it holds VMCOREINFO in
 * *RET_VMCOREINFO.  KINSPECT_ERROR_INVALID_ARGUMENT for a live target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_dump_details(struct kinspect_kernel *kernel,
								    bool *ret_paging, bool *ret_vmcoreinfo);

/* A dump: the instruction and stack pointers of CPU INDEX (below
 * kinspect_kernel_nr_cpus()) as QEMU's CPU state note gives them. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_dump_cpu_note(struct kinspect_kernel *kernel,
								     unsigned int index, uint64_t *ret_pc,
								     uint64_t *ret_sp);

/* A dump: the number of its NT_PRSTATUS notes, and note INDEX's pid
 * (QEMU: the vCPU index + 1), instruction and stack pointers. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_dump_nr_prstatus(struct kinspect_kernel *kernel,
									size_t *ret);
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_dump_prstatus(struct kinspect_kernel *kernel, size_t index,
								     uint32_t *ret_pid, uint64_t *ret_pc,
								     uint64_t *ret_sp);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_TARGET_H */
