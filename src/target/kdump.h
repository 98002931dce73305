/* QEMU's kdump-compressed dumps (dump-guest-memory -z/-l/-s, formats
 * kdump-zlib, kdump-lzo, kdump-snappy): makedumpfile's disk-dump layout,
 * which QEMU up to 8.1 writes in makedumpfile's "flattened" stream form
 * (records of offset and length).  Physical memory page by page, the ELF
 * notes (QEMU CPU state, NT_PRSTATUS, VMCOREINFO) as one blob.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KDUMP_H
#define KINSPECT_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

struct kinspect_kdump;

/* Whether the SIZE bytes at MAP start like a kdump file (flattened or not). */
bool kinspect_kdump_detect(const uint8_t *map, uint64_t size);

/* Parse the kdump file mapped at MAP (SIZE bytes, kept mapped by the
 * caller while the result lives); PATH names it in errors. */
struct kinspect_error *kinspect_kdump_open(const char *path, const uint8_t *map, uint64_t size,
					   struct kinspect_kdump **ret);

void kinspect_kdump_destroy(struct kinspect_kdump *kd);

/* The ELF notes blob (may be empty), owned by KD. */
const uint8_t *kinspect_kdump_notes(const struct kinspect_kdump *kd, size_t *ret_len);

/* "kdump-zlib (flattened)" and the like. */
const char *kinspect_kdump_format(struct kinspect_kdump *kd);

/* Read physical memory; pages not in the dump are a fault. */
struct kinspect_error *kinspect_kdump_read_phys(struct kinspect_kdump *kd, uint64_t paddr, void *buf, size_t len);

#endif /* KINSPECT_KDUMP_H */
