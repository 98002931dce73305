/* TEMPORARY stand-in for src/debuginfo/module-file.c (branch modfiles):
 * plain .ko files only, so the proxy can be tested before that lands.
 * Removed when modfiles is merged.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "debuginfo/module-file.h"

struct kinspect_module_file {
	char *path;
	int fd;
	Elf *elf;
	uint8_t build_id[64];
	size_t build_id_len;
	const char **names;
	uint64_t *sizes;
	size_t nr;
};

struct kinspect_error *kinspect_module_file_open(const char *path, struct kinspect_module_file **ret)
{
	elf_version(EV_CURRENT);
	struct kinspect_module_file *f = calloc(1, sizeof(*f));
	f->path = strdup(path);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		kinspect_module_file_destroy(f);
		return kinspect_error_os(errno, path, "cannot open %s", path);
	}
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	size_t shstrndx;
	if (!f->elf || elf_getshdrstrndx(f->elf, &shstrndx) != 0) {
		kinspect_module_file_destroy(f);
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: not ELF", path);
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(f->elf, scn))) {
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_strptr(f->elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_NOTE && name && strcmp(name, ".note.gnu.build-id") == 0) {
			Elf_Data *d = elf_getdata(scn, NULL);
			if (d && d->d_size > 16 && d->d_size - 16 <= sizeof(f->build_id)) {
				f->build_id_len = d->d_size - 16;
				memcpy(f->build_id, (char *)d->d_buf + 16, f->build_id_len);
			}
		}
		if (sh.sh_flags & SHF_ALLOC) {
			f->names = realloc(f->names, (f->nr + 1) * sizeof(*f->names));
			f->sizes = realloc(f->sizes, (f->nr + 1) * sizeof(*f->sizes));
			f->names[f->nr] = name;
			f->sizes[f->nr++] = sh.sh_size;
		}
	}
	*ret = f;
	return NULL;
}

void kinspect_module_file_destroy(struct kinspect_module_file *f)
{
	if (!f)
		return;
	if (f->elf)
		elf_end(f->elf);
	if (f->fd >= 0)
		close(f->fd);
	free(f->names);
	free(f->sizes);
	free(f->path);
	free(f);
}

static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
		if (x != y)
			return false;
	}
	return !*a && *b == '.' && strcmp(b, ".ko") == 0;
}

static char *search(const char *dir, const char *name, int depth)
{
	DIR *d = opendir(dir);
	if (!d || depth > 6) {
		if (d)
			closedir(d);
		return NULL;
	}
	struct dirent *e;
	char *found = NULL;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *p;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0)
			break;
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			found = search(p, name, depth + 1), free(p);
		else if (same_name(name, e->d_name))
			found = p;
		else
			free(p);
	}
	closedir(d);
	return found;
}

struct kinspect_error *kinspect_module_file_find(const char *const *dirs, size_t nr_dirs, const char *name,
						 const uint8_t *want, size_t want_len,
						 struct kinspect_module_file **ret)
{
	for (size_t i = 0; i < nr_dirs; i++) {
		char *path = search(dirs[i], name, 0);
		if (!path)
			continue;
		struct kinspect_error *err = kinspect_module_file_open(path, ret);
		free(path);
		if (err)
			return err;
		if (want && ((*ret)->build_id_len != want_len || memcmp((*ret)->build_id, want, want_len) != 0)) {
			err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "%s: build-id differs from the loaded module",
						    (*ret)->path);
			kinspect_module_file_destroy(*ret);
			return err;
		}
		return NULL;
	}
	return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no %s.ko under the module directories", name);
}

const char *kinspect_module_file_path(const struct kinspect_module_file *f)
{
	return f->path;
}

struct kinspect_error *kinspect_module_file_plain_path(struct kinspect_module_file *f, const char **ret)
{
	*ret = f->path;
	return NULL;
}

Elf *kinspect_module_file_elf(const struct kinspect_module_file *f)
{
	return f->elf;
}

size_t kinspect_module_file_build_id(const struct kinspect_module_file *f, const uint8_t **ret)
{
	*ret = f->build_id;
	return f->build_id_len;
}

size_t kinspect_module_file_nr_alloc_sections(const struct kinspect_module_file *f)
{
	return f->nr;
}

const char *kinspect_module_file_alloc_section(const struct kinspect_module_file *f, size_t i, uint64_t *size)
{
	*size = f->sizes[i];
	return f->names[i];
}
