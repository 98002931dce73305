/* The x86-64 CPU notes of a QEMU dump: QEMU's own "QEMU" note
 * (QEMUCPUState) and the kernel-style NT_PRSTATUS, for the architecture
 * table.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_X86_64_DUMP_NOTES_H
#define KINSPECT_X86_64_DUMP_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "target/elf-dump.h"

/* See kinspect_arch.parse_cpu_note and parse_prstatus. */
struct kinspect_error *kinspect_x86_64_parse_cpu_note(const char *path, const uint8_t *desc, size_t len,
						      struct kinspect_elf_dump_cpu *ret);
struct kinspect_error *kinspect_x86_64_parse_prstatus(const char *path, const uint8_t *desc, size_t len,
						      struct kinspect_elf_dump_prstatus *ret);

#endif /* KINSPECT_X86_64_DUMP_NOTES_H */
