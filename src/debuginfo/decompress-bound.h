/* One bound on everything kinspect inflates.
 *
 * A .ko.xz or .ko.zst is inflated by module-file.c; libelf and libdw
 * inflate a debug file's SHF_COMPRESSED sections (ELF's own compression,
 * gcc -gz, objcopy --compress-debug-sections) and GNU .zdebug_* sections
 * on first use, each into one buffer of the size its header declares.  A
 * file that declares gigabytes in a few bytes of header, or a real
 * zlib/zstd bomb, would take that memory and the time to fill it.  Every
 * one of them is held to the same limit, settable (--max-module-size).
 * kdump pages need no such bound: each inflates into one page.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_DECOMPRESS_BOUND_H
#define KINSPECT_DECOMPRESS_BOUND_H

#include <gelf.h>
#include <stdint.h>

#include "kinspect/error.h"

/* The default: the biggest module with DWARF seen (amdgpu) is a few
 * hundred MiB, the biggest section of a vmlinux (.debug_info) about 250
 * MiB; past this a compressed file is a bomb or garbage. */
#define KINSPECT_DECOMPRESS_MAX_DEFAULT (512ULL << 20)

/* Set the limit for everything inflated afterwards (process-wide; 0
 * restores the default), and read it. */
void kinspect_decompress_set_limit(uint64_t bytes);
uint64_t kinspect_decompress_limit(void);

/* Refuse ELF (read from PATH, which the error names) before libdw is
 * given it, if one of its compressed sections declares more than the
 * limit or a header that cannot be right (an unknown compression type;
 * more than zlib's largest ratio).  Only headers are read. */
struct kinspect_error *kinspect_elf_check_compressed(Elf *elf, const char *path);

#endif /* KINSPECT_DECOMPRESS_BOUND_H */
