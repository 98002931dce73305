/* The kernel's printk log: the lockless ring buffer of Linux 5.10 and
 * later (printk.c) and the log_buf of older kernels (printk-log-buf.c),
 * chosen by what the vmlinux's DWARF has, records handed out in sequence
 * order with layouts from DWARF.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_LINUX_PRINTK_H
#define KINSPECT_LINUX_PRINTK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "linux/memory.h"

/* A ring bigger than this (its arrays and text together) is not read:
 * the kernel allows 2 GiB of text (LOG_BUF_LEN_MAX), real ones hold a few
 * MiB, and a hostile geometry must not make us allocate gigabytes. */
#define KINSPECT_PRINTK_BYTES_MAX (256u << 20)

/* The public struct kinspect_dmesg_record (opaque there). */
struct kinspect_dmesg_record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned int level, facility;
	unsigned int flags; /* KINSPECT_DMESG_* */
	uint32_t caller_id;
	int64_t pid, cpu; /* -1: not recorded */
	const char *comm; /* NULL: not recorded */
	const char *text; /* NUL-terminated, TEXT_LEN bytes before it */
	size_t text_len;
	const char *subsystem, *device; /* "" when none */
};

/* What a walk saw besides the records it handed out. */
struct kinspect_printk_stats {
	const char *layout; /* "printk_ringbuffer" or "log_buf" (static) */
	uint64_t skipped;   /* records described but not readable */
	uint64_t records;   /* handed out */
};

/* FN is called for each record; its error ends the walk and is returned. */
typedef struct kinspect_error *(*kinspect_printk_fn)(const struct kinspect_dmesg_record *record, void *arg);

/* Every record of the kernel's log with a sequence number of FIRST_SEQ or
 * more, in sequence order: the ring `prb` points to when the DWARF has
 * struct printk_ringbuffer, else log_buf.  SLIDE moves VMLINUX's symbols.
 * STATS (may be NULL) is filled on success. */
struct kinspect_error *kinspect_printk_for_each(struct kinspect_dwarf_types *types,
						const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						const struct kinspect_memory *mem, uint64_t first_seq,
						kinspect_printk_fn fn, void *arg, struct kinspect_printk_stats *stats);

/* The same for the struct printk_ringbuffer at RING (the fuzzer's entry). */
struct kinspect_error *kinspect_printk_ring_for_each(struct kinspect_dwarf_types *types,
						     const struct kinspect_memory *mem, uint64_t ring,
						     uint64_t first_seq, kinspect_printk_fn fn, void *arg,
						     struct kinspect_printk_stats *stats);

/* Where the log_buf layout keeps its state (the addresses of its global
 * variables, moved by the slide). */
struct kinspect_printk_log_buf {
	uint64_t log_buf, log_buf_len, log_first_idx, log_next_idx, log_first_seq, log_next_seq;
	uint64_t log_buf_len_size, idx_size, seq_size; /* the variables' sizes */
};

/* The same for the log_buf layout (before Linux 5.10). */
struct kinspect_error *kinspect_printk_log_buf_for_each(struct kinspect_dwarf_types *types,
							const struct kinspect_memory *mem,
							const struct kinspect_printk_log_buf *vars, uint64_t first_seq,
							kinspect_printk_fn fn, void *arg,
							struct kinspect_printk_stats *stats);

/* A member of a struct read whole into memory: where it is and how wide,
 * resolved once per walk so that each record costs no DWARF lookup. */
struct kinspect_printk_field {
	bool present;
	uint64_t offset, size;
	uint64_t bit_offset; /* from the start of the struct, for bit-fields */
	uint32_t bit_size;   /* 0 unless a bit-field */
	uint64_t array_length;
};

/* Member PATH of TYPE (of SIZE bytes) in *RET; with OPTIONAL a missing
 * member leaves RET->present false instead of failing. */
struct kinspect_error *kinspect_printk_field(struct kinspect_dwarf_types *types, const char *type, uint64_t size,
					     const char *path, bool optional, struct kinspect_printk_field *ret);

/* Its value in the struct at BYTES (0 for a missing member). */
uint64_t kinspect_printk_field_uint(const struct kinspect_printk_field *f, const uint8_t *bytes);

/* The enumeration constant NAME, or FALLBACK when the DWARF lacks it. */
uint64_t kinspect_printk_enum_or(struct kinspect_dwarf_types *types, const char *name, uint64_t fallback);

#endif /* KINSPECT_LINUX_PRINTK_H */
