/* A .ko as gdb can place it.  gdb lays out the sections of a relocatable
 * file (and relocates its DWARF) only when every section's sh_addr is 0
 * (default_symfile_offsets in gdb/symfile.c: "skip this step if the
 * relocatable file has a section with an assigned VMA"); otherwise every
 * DWARF address gets the .text offset and data symbols land in .text.
 * Debian's 6.12 modules have .data and __patchable_function_entries at
 * non-zero sh_addr (the alloc_tags sections the module linker script gained
 * with memory allocation profiling in v6.10; 6.1's are all 0), so gdb gets a
 * copy with those fields zeroed: the kernel ignores sh_addr when it loads a
 * module, and symbols and relocations of ET_REL files are section offsets,
 * so nothing else changes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_GDB_KO_H
#define KINSPECT_PROXY_GDB_KO_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

/* The path gdb should load for the uncompressed .ko at PATH of module NAME
 * with BUILD_ID: PATH itself when its ALLOC sections all have sh_addr 0,
 * else a copy with them zeroed, cached under
 * ${XDG_CACHE_HOME:-~/.cache}/kinspect/gdb-ko/ by build-id.  A cached copy
 * is compared with what it must hold and rewritten when it differs (mode
 * 0600, by rename, in a 0700 directory).  *RET is malloc()ed. */
struct kinspect_error *proxy_gdb_ko(const char *path, const char *name, const uint8_t *build_id,
				    size_t build_id_len, char **ret);

/* The same, with the ALLOC sections named in EMPTY (NR_EMPTY of them)
 * also made empty (sh_size 0) in the copy: the sections the proxy places
 * at a placeholder because the kernel did not load them, or freed them.
 * gdb reads a library's From and To ("info sharedlibrary"), and the
 * addr_low by which gdb 18 tells libraries apart, from its non-empty
 * sections only; an empty section's symbols still resolve (to the
 * placeholder), but no address is found inside it.  Such a copy goes
 * into gdb-ko/eHASH/, HASH of the names in EMPTY, so that each set of
 * sections has its own. */
struct kinspect_error *proxy_gdb_ko_emptied(const char *path, const char *name, const uint8_t *build_id,
					    size_t build_id_len, const char *const *empty, size_t nr_empty,
					    char **ret);

#endif /* KINSPECT_PROXY_GDB_KO_H */
