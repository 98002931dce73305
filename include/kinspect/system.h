/* System-wide facts of a session's kernel, each what the guest's own
 * /proc or /sys says: the boot command line (/proc/cmdline) and the CPU
 * sets (/sys/devices/system/cpu/{possible,present,online,active}).
 * Layouts from the vmlinux's DWARF and symbols; every read bounded.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_SYSTEM_H
#define KINSPECT_SYSTEM_H

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

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_SYSTEM_H */
