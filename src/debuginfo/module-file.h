/* The .ko file of a loaded module: found by name under the -m directories,
 * decompressed in memory when it is .ko.xz or .ko.zst, with its build-id and
 * its SHF_ALLOC sections (what gdb's qXfer:libraries:read needs).
 *
 * This header is the contract between the module-file implementation and
 * its users (lsmod, module symbols, the gdb proxy).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_MODULE_FILE_H
#define KINSPECT_MODULE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libelf.h>

#include <kinspect/error.h>

struct kinspect_module_file;

/* Find the .ko of module NAME under DIRS (searched recursively, in order;
 * '-' and '_' are the same character in module names; NAME.ko, NAME.ko.xz
 * and NAME.ko.zst are accepted) and open it.  When WANT_BUILD_ID is given
 * (the build-id read from guest memory), a file whose build-id differs is
 * skipped and, if no file matches, the error says so (code
 * KINSPECT_ERROR_NOT_FOUND, message naming the mismatching file).  A missing
 * file is KINSPECT_ERROR_NOT_FOUND too. */
struct kinspect_error *kinspect_module_file_find(const char *const *dirs, size_t nr_dirs, const char *name,
						 const uint8_t *want_build_id, size_t want_build_id_len,
						 struct kinspect_module_file **ret);

/* Open one given file (.ko, .ko.xz or .ko.zst). */
struct kinspect_error *kinspect_module_file_open(const char *path, struct kinspect_module_file **ret);

void kinspect_module_file_destroy(struct kinspect_module_file *file);

/* The file as found on disk (perhaps compressed). */
const char *kinspect_module_file_path(const struct kinspect_module_file *file);

/* A path to an uncompressed ELF copy that gdb can read: the file itself, or
 * a decompressed copy cached under ${XDG_CACHE_HOME:-~/.cache}/kinspect/ko/
 * named by build-id.  Owned by FILE. */
struct kinspect_error *kinspect_module_file_plain_path(struct kinspect_module_file *file, const char **ret);

/* The decompressed ELF (ET_REL), owned by FILE. */
Elf *kinspect_module_file_elf(const struct kinspect_module_file *file);

/* The NT_GNU_BUILD_ID of the file, or 0 when it has none. */
size_t kinspect_module_file_build_id(const struct kinspect_module_file *file, const uint8_t **ret);

/* The SHF_ALLOC sections, in section-header order (zero-size ones included),
 * as gdb counts them. */
size_t kinspect_module_file_nr_alloc_sections(const struct kinspect_module_file *file);
const char *kinspect_module_file_alloc_section(const struct kinspect_module_file *file, size_t i,
					       uint64_t *size);

/* Additions to the contract (nothing above changed): */

/* The decompressed ELF image in memory (SIZE bytes in *RET_SIZE), owned by
 * FILE; for a copy that a library may relocate in place. */
const void *kinspect_module_file_image(const struct kinspect_module_file *file, size_t *ret_size);

/* Whether module names A and B are the same, '-' and '_' being one character. */
bool kinspect_module_name_equal(const char *a, const char *b);

/* Whether FILE_NAME (a base name) is NAME.ko, NAME.ko.xz or NAME.ko.zst
 * for module NAME, by kinspect_module_name_equal(). */
bool kinspect_module_file_name_matches(const char *file_name, const char *name);

/* ID (LEN bytes) as lowercase hex into BUF, which holds 2 * LEN + 1 bytes. */
void kinspect_build_id_hex(const uint8_t *id, size_t len, char *buf);

/* The recursive search of kinspect_module_file_find() stops this deep
 * below each directory and after this many directory entries in all, so a
 * wrong -m (/, a loop of bind mounts) ends with an error instead of a hang. */
#define KINSPECT_MODULE_SEARCH_DEPTH 8
#define KINSPECT_MODULE_SEARCH_ENTRIES 500000

#endif /* KINSPECT_MODULE_FILE_H */
