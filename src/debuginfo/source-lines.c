/* Source lines through libdw: the compilation unit from .debug_aranges
 * (dwarf_addrdie), then its line table.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/source-lines.h"

struct kinspect_source_lines {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
};

struct kinspect_error *kinspect_source_lines_create(const char *path, struct kinspect_source_lines **ret)
{
	struct kinspect_source_lines *l = calloc(1, sizeof(*l));
	if (!l)
		return &kinspect_error_nomem;
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0) {
		struct kinspect_error *err = kinspect_error_os(errno, path, "cannot open");
		free(l);
		return err;
	}
	elf_version(EV_CURRENT);
	l->elf = elf_begin(l->fd, ELF_C_READ_MMAP, NULL);
	struct kinspect_error *err = l->elf ? kinspect_elf_check_compressed(l->elf, path)
					    : kinspect_error_file(path, "not an ELF file: %s", elf_errmsg(-1));
	if (!err && !(l->dwarf = dwarf_begin_elf(l->elf, DWARF_C_READ, NULL)))
		err = kinspect_error_file(path, "no DWARF: %s", dwarf_errmsg(-1));
	if (err) {
		kinspect_source_lines_destroy(l);
		return err;
	}
	*ret = l;
	return NULL;
}

void kinspect_source_lines_destroy(struct kinspect_source_lines *l)
{
	if (!l)
		return;
	dwarf_end(l->dwarf);
	elf_end(l->elf);
	close(l->fd);
	free(l);
}

struct kinspect_error *kinspect_source_lines_lookup(struct kinspect_source_lines *l, uint64_t addr,
						    const char **ret_file, int *ret_line)
{
	Dwarf_Die cu;
	Dwarf_Line *line;
	const char *file;
	if (!dwarf_addrdie(l->dwarf, addr, &cu) || !(line = dwarf_getsrc_die(&cu, addr)) ||
	    !(file = dwarf_linesrc(line, NULL, NULL)) || dwarf_lineno(line, ret_line) != 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no source line for 0x%" PRIx64, addr);
	*ret_file = file;
	return NULL;
}
