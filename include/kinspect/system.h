/* System-wide facts of a session's kernel, each what the guest's own
 * /proc or /sys says: the boot command line (/proc/cmdline), the CPU sets
 * (/sys/devices/system/cpu/{possible,present,online,active}), uname, the
 * uptime, the load average and the memory total.
 * Layouts from the vmlinux's DWARF and symbols; every read bounded.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_SYSTEM_H
#define KINSPECT_SYSTEM_H

#include <stdbool.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The command line the kernel was booted with, as /proc/cmdline shows it
 * (saved_command_line, bootconfig's additions included; at most
 * COMMAND_LINE_SIZE bytes, from the size of boot_command_line), without
 * a trailing newline, in *RET (malloc()ed, the caller frees it).  Needs
 * a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_cmdline(struct kinspect_kernel *kernel, char **ret);

/* The kernel's CPU sets. */
enum kinspect_cpu_set {
	KINSPECT_CPU_SET_POSSIBLE, /* __cpu_possible_mask: could ever be brought up */
	KINSPECT_CPU_SET_PRESENT,  /* __cpu_present_mask: plugged in */
	KINSPECT_CPU_SET_ONLINE,   /* __cpu_online_mask: running */
	KINSPECT_CPU_SET_ACTIVE,   /* __cpu_active_mask: the scheduler may use them */
};
#define KINSPECT_CPU_SET_COUNT 4

/* The name sysfs gives SET ("possible", ...); NULL for no set. */
KINSPECT_EXPORT const char *kinspect_cpu_set_name(enum kinspect_cpu_set set);

/* The CPUs of SET, as /sys/devices/system/cpu/SET lists them ("0-3,6",
 * "" for none), in *RET_LIST (malloc()ed, the caller frees it), and how
 * many they are in *RET_COUNT (may be NULL).  Bits at or past
 * nr_cpu_ids are not CPUs and are left out.  The masks are the structs
 * __cpu_SET_mask since Linux 4.5 ("kernel/cpu.c: change type of
 * cpu_possible_bits and friends"); a vmlinux without them is
 * KINSPECT_ERROR_UNSUPPORTED.  Needs a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_cpu_set(struct kinspect_kernel *kernel,
							       enum kinspect_cpu_set set, char **ret_list,
							       uint32_t *ret_count);

/* The field FIELD ("sysname", "nodename", "release", "version",
 * "machine" or "domainname") of the initial UTS namespace, what uname(1)
 * prints in the guest's first namespace, in *RET (malloc()ed).  Needs a
 * target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_utsname(struct kinspect_kernel *kernel, const char *field,
							       char **ret);

/* The kernel's clocks at the time of the target: seconds since boot
 * (CLOCK_MONOTONIC's, /proc/uptime's first field where the guest never
 * slept) in *RET_UPTIME_S and the Unix time (CLOCK_REALTIME's seconds) in
 * *RET_REALTIME_S (may be NULL), from the timekeeper as of its last
 * update (a tick ago at most).  Needs a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_time(struct kinspect_kernel *kernel, uint64_t *ret_uptime_s,
							    int64_t *ret_realtime_s);

/* The 1, 5 and 15 minute load averages as /proc/loadavg prints them, in
 * hundredths (0.52 is 52), from avenrun[].  Needs a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_load_average(struct kinspect_kernel *kernel,
								    uint64_t ret_hundredths[3]);

/* The usable RAM, /proc/meminfo's MemTotal, in bytes (totalram_pages
 * pages).  Needs a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_memory_total(struct kinspect_kernel *kernel,
								    uint64_t *ret_bytes);

/* The kernel's taints: its tainted_mask in *RET_MASK and the set flags'
 * letters in flag order, from the kernel's own taint_flags[] ("OW"; ""
 * untainted), in *RET_LETTERS (malloc()ed; may be NULL).  Needs a
 * target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_taints(struct kinspect_kernel *kernel, uint64_t *ret_mask,
							      char **ret_letters);

/* The CPU that entered panic() (panic_cpu), -1 when none did; a vmlinux
 * without panic_cpu is KINSPECT_ERROR_UNSUPPORTED.  Needs a target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_panic_cpu(struct kinspect_kernel *kernel, int *ret_cpu);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_SYSTEM_H */
