/* Source file and line of a code address, from a vmlinux's DWARF line
 * tables (libdw), for backtraces.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_SOURCE_LINES_H
#define KINSPECT_SOURCE_LINES_H

#include <stdint.h>

#include <kinspect/error.h>

struct kinspect_source_lines;

/* Open the DWARF of the ELF file at PATH. */
struct kinspect_error *kinspect_source_lines_create(const char *path, struct kinspect_source_lines **ret);
/* Accepts NULL. */
void kinspect_source_lines_destroy(struct kinspect_source_lines *lines);

/* The file (owned by LINES) and line of link-time address ADDR;
 * KINSPECT_ERROR_NOT_FOUND when no line table covers it. */
struct kinspect_error *kinspect_source_lines_lookup(struct kinspect_source_lines *lines, uint64_t addr,
						    const char **ret_file, int *ret_line);

#endif /* KINSPECT_SOURCE_LINES_H */
