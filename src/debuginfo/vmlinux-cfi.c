/* The vmlinux's .debug_frame through libdw (see vmlinux-cfi.h): a file
 * descriptor, its ELF and DWARF handles, kept while the session lives.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "debuginfo/vmlinux-cfi.h"

struct kinspect_vmlinux_cfi {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
	Dwarf_CFI *cfi; /* owned by DWARF */
};

struct kinspect_error *kinspect_vmlinux_cfi_open(const char *path, struct kinspect_vmlinux_cfi **ret)
{
	struct kinspect_vmlinux_cfi *c = calloc(1, sizeof(*c));
	if (!c)
		return &kinspect_error_nomem;
	elf_version(EV_CURRENT);
	struct kinspect_error *err = NULL;
	if ((c->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		err = kinspect_error_os(errno, path, "cannot open");
	else if (!(c->elf = elf_begin(c->fd, ELF_C_READ_MMAP, NULL)))
		err = kinspect_error_file(path, "not an ELF file: %s", elf_errmsg(-1));
	else if (!(c->dwarf = dwarf_begin_elf(c->elf, DWARF_C_READ, NULL)) || !(c->cfi = dwarf_getcfi(c->dwarf)))
		err = kinspect_error_file(path, "no DWARF call frame information (.debug_frame)");
	if (err) {
		kinspect_vmlinux_cfi_destroy(c);
		return err;
	}
	*ret = c;
	return NULL;
}

bool kinspect_vmlinux_cfi_covers(struct kinspect_vmlinux_cfi *c, uint64_t addr)
{
	Dwarf_Frame *frame;
	if (!c || dwarf_cfi_addrframe(c->cfi, addr, &frame) != 0)
		return false;
	free(frame);
	return true;
}

void kinspect_vmlinux_cfi_destroy(struct kinspect_vmlinux_cfi *c)
{
	if (!c)
		return;
	if (c->dwarf)
		dwarf_end(c->dwarf); /* frees the CFI too */
	if (c->elf)
		elf_end(c->elf);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
