/* The kernel's log (what dmesg shows) of a session: the records of the
 * printk ring buffer in sequence order, each with its sequence number,
 * timestamp, level, facility, caller and text, layouts from the vmlinux's
 * DWARF (the lockless ring of Linux 5.10 and later; the log_buf of older
 * kernels).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DMESG_H
#define KINSPECT_DMESG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One record of the log.  Valid only during the
 * kinspect_kernel_dmesg_for_each() callback that receives it. */
struct kinspect_dmesg_record;

/* Record flags (kinspect_dmesg_record_flags()). */
/* The text ended with a newline when it was logged (the kernel's LOG_NEWLINE). */
#define KINSPECT_DMESG_NEWLINE 0x1u
/* It began as a continuation (KERN_CONT) that could not be appended to
 * the record before it (LOG_CONT). */
#define KINSPECT_DMESG_CONT 0x2u
/* Printed on the consoles whatever their log level (LOG_FORCE_CON, Linux 6.10+). */
#define KINSPECT_DMESG_FORCE_CONSOLE 0x4u
/* Committed but not finalized: its writer may still append a continuation
 * to it, and the kernel's own readers (dmesg, /dev/kmsg) do not show it
 * yet.  Only the lockless ring has such records. */
#define KINSPECT_DMESG_OPEN 0x8u

/* Call FN for each record of KERNEL's log (opening the target) whose
 * sequence number is FIRST_SEQ or more, in sequence order, until FN returns
 * an error (which is returned).  Records the ring still describes but
 * cannot give (overwritten by newer ones, still being written, with lost
 * text) are skipped and counted in *RET_SKIPPED (may be NULL; written only
 * on success); so are records that fail the ring's own consistency checks
 * (a descriptor whose id, sequence number or text block does not fit).
 * Live, the ring's arrays are read in a few large batched reads, not a
 * read per record.  KINSPECT_ERROR_UNSUPPORTED when the vmlinux has neither
 * ring layout (a kernel without CONFIG_PRINTK); KINSPECT_ERROR_FORMAT for a
 * ring whose geometry is implausible (sizes, head and tail positions), a
 * fault error for one that cannot be read. */
KINSPECT_EXPORT struct kinspect_error *
kinspect_kernel_dmesg_for_each(struct kinspect_kernel *kernel, uint64_t first_seq,
			       struct kinspect_error *(*fn)(const struct kinspect_dmesg_record *record, void *arg),
			       void *arg, uint64_t *ret_skipped);

/* Its sequence number (the kernel's printk_info.seq: /dev/kmsg's second
 * field), and its timestamp in nanoseconds of the local clock (what dmesg
 * shows as [seconds.microseconds]). */
KINSPECT_EXPORT uint64_t kinspect_dmesg_record_seq(const struct kinspect_dmesg_record *record);
KINSPECT_EXPORT uint64_t kinspect_dmesg_record_timestamp_ns(const struct kinspect_dmesg_record *record);

/* Its log level (0 KERN_EMERG to 7 KERN_DEBUG) and syslog facility (0
 * kern, 1 user, ...): /dev/kmsg's priority is facility * 8 + level. */
KINSPECT_EXPORT unsigned int kinspect_dmesg_record_level(const struct kinspect_dmesg_record *record);
KINSPECT_EXPORT unsigned int kinspect_dmesg_record_facility(const struct kinspect_dmesg_record *record);

/* KINSPECT_DMESG_* flags. */
KINSPECT_EXPORT unsigned int kinspect_dmesg_record_flags(const struct kinspect_dmesg_record *record);

/* Its text: *RET_LEN bytes (NUL-terminated besides; newlines inside
 * separate the lines of a multi-line record; no newline at the end).
 * Owned by RECORD. */
KINSPECT_EXPORT const char *kinspect_dmesg_record_text(const struct kinspect_dmesg_record *record,
						       size_t *ret_len);

/* The kernel's caller id: the pid of the task that logged it, or
 * 0x80000000 plus the CPU number when it was logged outside task context
 * (an interrupt); 0 on a kernel that does not record it (log_buf without
 * CONFIG_PRINTK_CALLER). */
KINSPECT_EXPORT uint32_t kinspect_dmesg_record_caller_id(const struct kinspect_dmesg_record *record);

/* The pid of the task that logged it and the CPU it ran on, -1 where the
 * record does not say: the caller id gives one of the two; kernels that
 * record the execution context (CONFIG_PRINTK_EXECUTION_CTX) give both. */
KINSPECT_EXPORT int64_t kinspect_dmesg_record_pid(const struct kinspect_dmesg_record *record);
KINSPECT_EXPORT int64_t kinspect_dmesg_record_cpu(const struct kinspect_dmesg_record *record);

/* The name of the task that logged it (CONFIG_PRINTK_EXECUTION_CTX), or
 * NULL.  Owned by RECORD. */
KINSPECT_EXPORT const char *kinspect_dmesg_record_comm(const struct kinspect_dmesg_record *record);

/* The device it is about (dev_printk(): /dev/kmsg's SUBSYSTEM= and
 * DEVICE=), "" when none.  Owned by RECORD. */
KINSPECT_EXPORT const char *kinspect_dmesg_record_subsystem(const struct kinspect_dmesg_record *record);
KINSPECT_EXPORT const char *kinspect_dmesg_record_device(const struct kinspect_dmesg_record *record);

/* The name dmesg(1) gives log level LEVEL ("emerg", "alert", "crit",
 * "err", "warn", "notice", "info", "debug") and syslog facility FACILITY
 * ("kern", "user", ..., "local7"); NULL beyond them.  Static strings. */
KINSPECT_EXPORT const char *kinspect_dmesg_level_name(unsigned int level);
KINSPECT_EXPORT const char *kinspect_dmesg_facility_name(unsigned int facility);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_DMESG_H */
