/* The qOffsets answer (see offsets.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/file.h"
#include "proxy/offsets.h"

struct kinspect_error *proxy_offsets_answer(const char *path, uint64_t slide, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	uint64_t file_size;
	struct kinspect_error *err = kinspect_open_input(path, "cannot open vmlinux", &fd, &file_size);
	if (err)
		return err;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: %s", path, elf_errmsg(-1));
	size_t nr = 0;
	if (elf_getphdrnum(elf, &nr) != 0)
		nr = 0;
	for (size_t i = 0; i < nr; i++) {
		GElf_Phdr phdr;
		if (gelf_getphdr(elf, (int)i, &phdr) && phdr.p_type == PT_LOAD) {
			snprintf(buf, size, "TextSeg=%" PRIx64, phdr.p_vaddr + slide);
			elf_end(elf);
			return NULL;
		}
	}
	elf_end(elf);
	return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: no PT_LOAD segment", path);
}
