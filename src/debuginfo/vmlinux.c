/* Opening a vmlinux: validation with clear messages, build-id, banner, ELF
 * symbol table and file-backed reads.  DWARF types are a separate layer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/vmlinux-priv.h"

#include "arch/arch.h"
#include "core/cache-path.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/file.h"

#define BUILD_ID_MAX 64
/* linux_banner is a few hundred bytes; anything far larger is not it. */
#define BANNER_MAX 4096

struct kinspect_vmlinux {
	char *path;
	int fd;
	Elf *elf;
	uint64_t file_size;
	size_t shstrndx;
	Elf_Scn *symtab;
	size_t symtab_strndx;
	uint64_t debug_info_size;
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_len;
	char *banner;
	char *release;
	/* Function and object symbols sorted by address, built on the first
	 * address lookup (most commands never need it). */
	struct sorted_symbol *by_addr;
	size_t nr_by_addr;
	/* Symbol table index + 1 by name hash (open addressing), built on the
	 * first lookup by name: a kernel has over 100k symbols and a command
	 * looks up dozens. */
	const uint32_t *by_name;
	size_t by_name_mask;
	/* Both indexes come from a per-build-id cache file when it is there
	 * (tried once); the by-address order as symbol table indexes.  The
	 * file is mapped, not read: by_name and cached_by_addr then point
	 * into INDEX_MAP (megabytes a command looks at a few dozen words of). */
	bool index_cache_tried;
	const uint32_t *cached_by_addr;
	size_t nr_cached_by_addr;
	void *index_map;
	size_t index_map_size;
};

struct sorted_symbol {
	uint64_t value, size;
	uint16_t shndx;
	uint32_t index;   /* in the symbol table */
	const char *name; /* points into the mapped string table */
};

static const char *const vmlinux_hint =
	"kinspect needs the unstripped vmlinux with DWARF: "
	"Debian/Ubuntu: linux-image-<release>-dbg (/usr/lib/debug/boot/vmlinux-<release>), "
	"Fedora: kernel-debuginfo (/usr/lib/debug/lib/modules/<release>/vmlinux), "
	"own builds and NixOS: CONFIG_DEBUG_INFO_DWARF5=y or CONFIG_DEBUG_INFO_DWARF4=y";

static struct kinspect_error *elf_error(const struct kinspect_vmlinux *v, const char *what)
{
	return kinspect_error_file(v->path, "%s: %s", what, elf_errmsg(-1));
}

/* Explain files that are not ELF at all; the common mistake is passing the
 * compressed boot image. */
static struct kinspect_error *not_elf_error(const struct kinspect_vmlinux *v)
{
	char hdr[0x206] = { 0 };
	ssize_t n = pread(v->fd, hdr, sizeof(hdr), 0);
	if (n == (ssize_t)sizeof(hdr) && memcmp(hdr + 0x202, "HdrS", 4) == 0)
		return kinspect_error_file(v->path, "this is a compressed boot image (bzImage, vmlinuz), "
					   "not an ELF vmlinux; %s", vmlinux_hint);
	return kinspect_error_file(v->path, "not an ELF file");
}

static struct kinspect_error *check_header(struct kinspect_vmlinux *v)
{
	if (elf_kind(v->elf) != ELF_K_ELF)
		return not_elf_error(v);
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(v->elf, &ehdr))
		return elf_error(v, "bad ELF header");
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64)
		return kinspect_error_file(v->path, "32-bit ELF file; kinspect reads %s kernels", kinspect_arch()->name);
	if (ehdr.e_machine != kinspect_arch()->elf_machine)
		return kinspect_error_file(v->path, "ELF file for machine %u, not %s", ehdr.e_machine,
					   kinspect_arch()->name);
	if (ehdr.e_type == ET_REL)
		return kinspect_error_file(v->path, "relocatable ELF file (a module?); "
					   "pass modules with -m, the kernel with -k");
	if (ehdr.e_type != ET_EXEC)
		return kinspect_error_file(v->path, "ELF type %u is not an executable kernel image", ehdr.e_type);
	/* The linker writes the section headers last: a file cut short (an
	 * interrupted copy or download) loses them first, and without this
	 * check would read as a file with no sections, so with "no DWARF". */
	uint64_t shnum_bytes = (uint64_t)ehdr.e_shnum * ehdr.e_shentsize;
	if (ehdr.e_shoff > v->file_size || shnum_bytes > v->file_size - ehdr.e_shoff)
		return kinspect_error_file(v->path, "truncated: its section headers end at byte %" PRIu64
					   " but the file has %" PRIu64 " (an incomplete copy?)",
					   (uint64_t)ehdr.e_shoff + shnum_bytes, v->file_size);
	if (elf_getshdrstrndx(v->elf, &v->shstrndx) != 0)
		return elf_error(v, "bad section header string table");
	return NULL;
}

static void note_build_id(struct kinspect_vmlinux *v, Elf_Data *data)
{
	GElf_Nhdr nhdr;
	size_t offset = 0, name_off, desc_off;
	while (offset < data->d_size &&
	       (offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
		if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
		    memcmp((const char *)data->d_buf + name_off, "GNU", 4) == 0 &&
		    nhdr.n_descsz > 0 && nhdr.n_descsz <= BUILD_ID_MAX) {
			memcpy(v->build_id, (const char *)data->d_buf + desc_off, nhdr.n_descsz);
			v->build_id_len = nhdr.n_descsz;
			return;
		}
	}
}

/* One pass over the section headers: bounds against the file size (a
 * truncated file is refused here, not found later as a crash), the symbol
 * table, DWARF and the build-id. */
static struct kinspect_error *scan_sections(struct kinspect_vmlinux *v)
{
	/* Only errors of this scan count at its end, not an earlier call's. */
	(void)elf_errno();
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(v->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			return elf_error(v, "bad section header");
		const char *name = elf_strptr(v->elf, v->shstrndx, shdr.sh_name);
		if (!name)
			return elf_error(v, "bad section name");
		if (shdr.sh_type != SHT_NOBITS &&
		    (shdr.sh_offset > v->file_size || shdr.sh_size > v->file_size - shdr.sh_offset))
			return kinspect_error_file(v->path, "truncated: section %s ends at byte %" PRIu64
						   " but the file has %" PRIu64,
						   name, (uint64_t)(shdr.sh_offset + shdr.sh_size), v->file_size);
		if (shdr.sh_type == SHT_SYMTAB) {
			v->symtab = scn;
			v->symtab_strndx = shdr.sh_link;
		} else if ((strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0) &&
			   shdr.sh_type != SHT_NOBITS) {
			v->debug_info_size = shdr.sh_size;
		} else if (shdr.sh_type == SHT_NOTE && v->build_id_len == 0) {
			Elf_Data *data = elf_getdata(scn, NULL);
			if (!data)
				return elf_error(v, "cannot read note section");
			note_build_id(v, data);
		}
	}
	int e = elf_errno();
	if (e != 0)
		return kinspect_error_file(v->path, "bad section headers: %s", elf_errmsg(e));
	if (v->debug_info_size == 0)
		return kinspect_error_file(v->path, "no DWARF debug info (.debug_info); %s", vmlinux_hint);
	if (!v->symtab)
		return kinspect_error_file(v->path, "no ELF symbol table (.symtab): the image is stripped");
	return NULL;
}

/* The banner is optional (a debug-only file has no .rodata bytes), so
 * failing to read it is not an error. */
static struct kinspect_error *read_banner(struct kinspect_vmlinux *v)
{
	uint64_t addr, size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(v, "linux_banner", &addr, &size);
	if (err) {
		kinspect_error_destroy(err);
		return NULL;
	}
	if (size == 0 || size > BANNER_MAX)
		size = BANNER_MAX;
	_cleanup_free_ char *buf = calloc(1, size + 1);
	if (!buf)
		return &kinspect_error_nomem;
	err = kinspect_vmlinux_read(v, addr, buf, size);
	if (err) {
		kinspect_error_destroy(err);
		return NULL;
	}
	size_t len = strnlen(buf, size);
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	static const char prefix[] = "Linux version ";
	if (strncmp(buf, prefix, sizeof(prefix) - 1) == 0) {
		const char *start = buf + sizeof(prefix) - 1;
		v->release = strndup(start, strcspn(start, " "));
		if (!v->release)
			return &kinspect_error_nomem;
	}
	v->banner = no_cleanup_ptr(buf);
	return NULL;
}

struct kinspect_error *kinspect_vmlinux_open(const char *path, struct kinspect_vmlinux **ret)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "libelf: %s", elf_errmsg(-1));

	struct kinspect_vmlinux *v = calloc(1, sizeof(*v));
	if (!v)
		return &kinspect_error_nomem;
	v->fd = -1;
	v->path = strdup(path);
	if (!v->path) {
		kinspect_vmlinux_destroy(v);
		return &kinspect_error_nomem;
	}

	struct kinspect_error *err = kinspect_open_input(path, "vmlinux", &v->fd, &v->file_size);
	if (!err) {
		v->elf = elf_begin(v->fd, ELF_C_READ_MMAP, NULL);
		if (!v->elf)
			err = elf_error(v, "cannot read ELF");
	}
	if (!err)
		err = check_header(v);
	if (!err)
		err = scan_sections(v);
	if (!err)
		err = read_banner(v);
	if (err) {
		kinspect_vmlinux_destroy(v);
		return err;
	}
	*ret = v;
	return NULL;
}

void kinspect_vmlinux_destroy(struct kinspect_vmlinux *v)
{
	if (!v)
		return;
	if (v->elf)
		elf_end(v->elf);
	if (v->fd >= 0)
		close(v->fd);
	free(v->by_addr);
	if (v->index_map) {
		munmap(v->index_map, v->index_map_size);
	} else {
		free((void *)v->by_name);
		free((void *)v->cached_by_addr);
	}
	free(v->release);
	free(v->banner);
	free(v->path);
	free(v);
}

const char *kinspect_vmlinux_path(const struct kinspect_vmlinux *v)
{
	return v->path;
}

size_t kinspect_vmlinux_build_id(const struct kinspect_vmlinux *v, const uint8_t **ret)
{
	*ret = v->build_id;
	return v->build_id_len;
}

const char *kinspect_vmlinux_banner(const struct kinspect_vmlinux *v)
{
	return v->banner;
}

const char *kinspect_vmlinux_release(const struct kinspect_vmlinux *v)
{
	return v->release;
}

uint64_t kinspect_vmlinux_debug_info_size(const struct kinspect_vmlinux *v)
{
	return v->debug_info_size;
}

/* The raw symbol and string tables, for the one-pass indexes below. */
struct raw_symtab {
	const Elf64_Sym *syms;
	size_t count;
	const char *strs;
	size_t strs_size;
};

static struct kinspect_error *raw_symtab(const struct kinspect_vmlinux *v, struct raw_symtab *ret)
{
	Elf_Data *data = elf_getdata(v->symtab, NULL);
	Elf_Scn *strscn = elf_getscn(v->elf, v->symtab_strndx);
	Elf_Data *strs = strscn ? elf_getdata(strscn, NULL) : NULL;
	if (!data || !strs || data->d_type != ELF_T_SYM || (uintptr_t)data->d_buf % _Alignof(Elf64_Sym))
		return elf_error(v, "cannot read symbol table");
	/* A SHT_NOBITS section has a size but no bytes: libelf gives it a
	 * NULL d_buf. */
	if ((data->d_size && !data->d_buf) || (strs->d_size && !strs->d_buf))
		return kinspect_error_file(v->path, "the symbol table or its string table has no data in the file (SHT_NOBITS)");
	/* A string table ends in NUL: then every offset inside it starts a
	 * C string, with no scan per name. */
	if (strs->d_size == 0 || ((const char *)strs->d_buf)[strs->d_size - 1] != '\0')
		return kinspect_error_file(v->path, "the symbol string table is not NUL-terminated");
	*ret = (struct raw_symtab){ data->d_buf, data->d_size / sizeof(Elf64_Sym), strs->d_buf, strs->d_size };
	return NULL;
}

static const char *raw_name(const struct raw_symtab *t, const Elf64_Sym *sym)
{
	if (sym->st_name >= t->strs_size)
		return NULL;
	return t->strs + sym->st_name;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool named_symbol(const Elf64_Sym *sym)
{
	int type = ELF64_ST_TYPE(sym->st_info);
	return sym->st_shndx != SHN_UNDEF && type != STT_FILE && type != STT_SECTION;
}

static struct kinspect_error *sort_symbols(struct kinspect_vmlinux *v);
static void load_index_cache(struct kinspect_vmlinux *v);
static void save_index_cache(struct kinspect_vmlinux *v);

static struct kinspect_error *index_names(struct kinspect_vmlinux *v)
{
	load_index_cache(v);
	if (v->by_name)
		return NULL;
	struct raw_symtab t;
	struct kinspect_error *err = raw_symtab(v, &t);
	if (err)
		return err;
	if (t.count >= UINT32_MAX / 4)
		return kinspect_error_file(v->path, "%zu symbols", t.count);
	size_t size = 1024;
	while (size < 2 * t.count)
		size *= 2;
	uint32_t *table = calloc(size, sizeof(*table));
	if (!table)
		return &kinspect_error_nomem;
	for (size_t i = 1; i < t.count; i++) {
		const char *name = raw_name(&t, &t.syms[i]);
		if (!name || !named_symbol(&t.syms[i]))
			continue;
		/* The first of several symbols with one name wins, as a
		 * scan in table order would find it. */
		size_t slot = name_hash(name) & (size - 1);
		while (table[slot] && strcmp(raw_name(&t, &t.syms[table[slot] - 1]), name) != 0)
			slot = (slot + 1) & (size - 1);
		if (!table[slot])
			table[slot] = (uint32_t)i + 1;
	}
	v->by_name = table;
	v->by_name_mask = size - 1;
	/* Built the slow way: build the other index too and keep both for
	 * the next run. */
	if (!v->by_addr && (err = sort_symbols(v)))
		return err;
	save_index_cache(v);
	return NULL;
}

struct kinspect_error *kinspect_vmlinux_probe_symbol(const struct kinspect_vmlinux *cv, const char *name,
						     uint64_t *ret, uint64_t *ret_size)
{
	/* The index is a cache: building it does not change what V is. */
	struct kinspect_vmlinux *v = (struct kinspect_vmlinux *)cv;
	struct raw_symtab t;
	struct kinspect_error *err;
	if (!v->by_name && (err = index_names(v)))
		return err;
	if ((err = raw_symtab(v, &t)))
		return err;
	for (size_t slot = name_hash(name) & v->by_name_mask; v->by_name[slot]; slot = (slot + 1) & v->by_name_mask) {
		const Elf64_Sym *sym = &t.syms[v->by_name[slot] - 1];
		if (strcmp(raw_name(&t, sym), name) == 0) {
			*ret = sym->st_value;
			if (ret_size)
				*ret_size = sym->st_size;
			return NULL;
		}
	}
	return &kinspect_error_not_found;
}

struct kinspect_error *kinspect_vmlinux_symbol(const struct kinspect_vmlinux *v, const char *name, uint64_t *ret,
					       uint64_t *ret_size)
{
	struct kinspect_error *err = kinspect_vmlinux_probe_symbol(v, name, ret, ret_size);
	if (err == &kinspect_error_not_found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no symbol %s in %s", name, v->path);
	return err;
}

struct kinspect_error *kinspect_vmlinux_contents(const struct kinspect_vmlinux *v, uint64_t addr, size_t len,
						 const void **ret)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(v->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || !(shdr.sh_flags & SHF_ALLOC))
			continue;
		if (addr < shdr.sh_addr || addr - shdr.sh_addr >= shdr.sh_size)
			continue;
		uint64_t offset = addr - shdr.sh_addr;
		if (shdr.sh_type == SHT_NOBITS || len > shdr.sh_size - offset)
			break;
		/* Section contents were bounds-checked against the file at open. */
		Elf_Data *data = elf_rawdata(scn, NULL);
		if (!data || data->d_size < offset + len)
			break;
		*ret = (const char *)data->d_buf + offset;
		return NULL;
	}
	return kinspect_error_fault(addr, "%s: no file contents for %zu bytes", v->path, len);
}

struct kinspect_error *kinspect_vmlinux_read(const struct kinspect_vmlinux *v, uint64_t addr, void *buf,
					     size_t len)
{
	const void *contents;
	struct kinspect_error *err = kinspect_vmlinux_contents(v, addr, len, &contents);
	if (err)
		return err;
	memcpy(buf, contents, len);
	return NULL;
}

/* Among aliases at one address prefer the sized one (a function over its
 * label). */
static bool before_alias(const struct sorted_symbol *x, const struct sorted_symbol *y)
{
	return x->size > y->size;
}

/* By address: an LSD radix sort (four 16-bit digits; kernel addresses
 * share their top bits, so those passes are skipped), then aliases
 * ordered by insertion sort in their (short) runs.  Far faster than qsort
 * for 100k+ symbols. */
static struct kinspect_error *sort_by_value(struct sorted_symbol *syms, size_t n)
{
	struct sorted_symbol *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	size_t *counts = malloc(65536 * sizeof(*counts));
	if (!tmp || !counts) {
		free(tmp);
		free(counts);
		return &kinspect_error_nomem;
	}
	struct sorted_symbol *from = syms, *to = tmp;
	for (unsigned int shift = 0; shift < 64; shift += 16) {
		memset(counts, 0, 65536 * sizeof(*counts));
		for (size_t i = 0; i < n; i++)
			counts[(from[i].value >> shift) & 0xffff]++;
		if (n && counts[(from[0].value >> shift) & 0xffff] == n)
			continue; /* every key has this digit */
		size_t sum = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = counts[d];
			counts[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[counts[(from[i].value >> shift) & 0xffff]++] = from[i];
		struct sorted_symbol *swap = from;
		from = to;
		to = swap;
	}
	if (from != syms)
		memcpy(syms, from, n * sizeof(*syms));
	free(tmp);
	free(counts);
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && syms[j - 1].value == syms[j].value && before_alias(&syms[j], &syms[j - 1]); j--) {
			struct sorted_symbol swap = syms[j];
			syms[j] = syms[j - 1];
			syms[j - 1] = swap;
		}
	}
	return NULL;
}

/* The by-address order from the cache file: every index checked, the
 * order verified; false if it does not fit this symbol table. */
static bool sorted_from_cache(struct kinspect_vmlinux *v, const struct raw_symtab *t, struct sorted_symbol *syms)
{
	for (size_t i = 0; i < v->nr_cached_by_addr; i++) {
		uint32_t index = v->cached_by_addr[i];
		if (index == 0 || index >= t->count)
			return false;
		const Elf64_Sym *sym = &t->syms[index];
		const char *name = raw_name(t, sym);
		if (!name || (i && sym->st_value < syms[i - 1].value))
			return false;
		syms[i] = (struct sorted_symbol){ sym->st_value, sym->st_size, sym->st_shndx, index, name };
	}
	return true;
}

static struct kinspect_error *sort_symbols(struct kinspect_vmlinux *v)
{
	struct raw_symtab t;
	struct kinspect_error *err = raw_symtab(v, &t);
	if (err)
		return err;
	struct sorted_symbol *syms = calloc(t.count ? t.count : 1, sizeof(*syms));
	if (!syms)
		return &kinspect_error_nomem;
	load_index_cache(v);
	if (v->cached_by_addr && v->nr_cached_by_addr <= t.count && sorted_from_cache(v, &t, syms)) {
		v->by_addr = syms;
		v->nr_by_addr = v->nr_cached_by_addr;
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 1; i < t.count; i++) {
		const Elf64_Sym *sym = &t.syms[i];
		int type = ELF64_ST_TYPE(sym->st_info);
		if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE ||
		    (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE))
			continue;
		const char *name = raw_name(&t, sym);
		if (!name || !*name)
			continue;
		syms[n++] = (struct sorted_symbol){ sym->st_value, sym->st_size, sym->st_shndx, (uint32_t)i, name };
	}
	if ((err = sort_by_value(syms, n))) {
		free(syms);
		return err;
	}
	v->by_addr = syms;
	v->nr_by_addr = n;
	return NULL;
}

struct kinspect_error *kinspect_vmlinux_symbolize(struct kinspect_vmlinux *v, uint64_t addr, const char **ret_name,
						  uint64_t *ret_offset)
{
	if (!v->by_addr) {
		struct kinspect_error *err = sort_symbols(v);
		if (err)
			return err;
	}
	/* The last symbol at or below ADDR. */
	size_t lo = 0, hi = v->nr_by_addr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->by_addr[mid].value <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no symbol at or below 0x%" PRIx64, addr);
	const struct sorted_symbol *sym = &v->by_addr[lo - 1];
	/* Step back over aliases at the same address to the preferred one. */
	while (lo - 1 > 0 && v->by_addr[lo - 2].value == sym->value)
		sym = &v->by_addr[--lo - 1];
	/* The address must lie in the symbol's own section. */
	Elf_Scn *scn = elf_getscn(v->elf, sym->shndx);
	GElf_Shdr shdr;
	if (!scn || !gelf_getshdr(scn, &shdr) || addr < shdr.sh_addr || addr - shdr.sh_addr >= shdr.sh_size)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "0x%" PRIx64 " is in no section of %s", addr,
					     v->path);
	*ret_name = sym->name;
	*ret_offset = addr - sym->value;
	return NULL;
}

/* ---- the index cache: ${XDG_CACHE_HOME}/kinspect/symbols/BUILD-ID.idx ----
 * magic, version, symbol count, name table size, by-address count (u64
 * each after the magic), the name table and the by-address order (u32
 * symbol indexes), a checksum of the vmlinux's build-id and all before it
 * (so a file copied under another build-id's name does not fit either).
 * Checked before use: a file that does not fit is ignored and written anew. */
#define INDEX_MAGIC "KSYMIDX1"
#define INDEX_VERSION 2
#define INDEX_HEADER (8 + 4 * 8)
#define INDEX_FILE_MAX (256u << 20)

/* Word-wise FNV-style mix: a 2-3 MB file checks in well under a millisecond. */
static uint64_t index_checksum(const struct kinspect_vmlinux *v, const uint8_t *p, size_t len)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < v->build_id_len; i++)
		h = (h ^ v->build_id[i]) * 1099511628211ull;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static char *index_cache_path(const struct kinspect_vmlinux *v)
{
	char *path = NULL;
	if (!kinspect_cache_enabled())
		return NULL;
	kinspect_error_destroy(kinspect_cache_path("symbols", v->build_id, v->build_id_len, "idx", &path));
	return path;
}

static void load_index_cache(struct kinspect_vmlinux *v)
{
	if (v->index_cache_tried)
		return;
	v->index_cache_tried = true;
	_cleanup_free_ char *path = index_cache_path(v);
	struct raw_symtab t;
	struct kinspect_error *err = path ? raw_symtab(v, &t) : NULL;
	if (!path || err) {
		kinspect_error_destroy(err);
		return;
	}
	struct stat st;
	const char *why;
	int fd = kinspect_cache_open(path, &st, &why);
	if (fd < 0)
		return; /* an untrusted file is replaced by the next save */
	void *map = MAP_FAILED;
	size_t len = 0;
	if (st.st_size >= INDEX_HEADER + 8 && (uint64_t)st.st_size <= INDEX_FILE_MAX) {
		len = (size_t)st.st_size;
		/* Populated at once: the checksum reads every page anyway. */
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	}
	close(fd);
	if (map == MAP_FAILED)
		return;
	const uint8_t *buf = map;
	uint64_t h[4], sum;
	memcpy(h, buf + 8, sizeof(h));
	memcpy(&sum, buf + len - 8, 8);
	uint64_t version = h[0], count = h[1], name_size = h[2], nr_addr = h[3];
	if (memcmp(buf, INDEX_MAGIC, 8) != 0 || version != INDEX_VERSION || count != t.count || name_size < 1024 ||
	    (name_size & (name_size - 1)) || name_size > INDEX_FILE_MAX / 4 || nr_addr > count ||
	    len != INDEX_HEADER + 4 * (name_size + nr_addr) + 8 || sum != index_checksum(v, buf, len - 8)) {
		munmap(map, len);
		return;
	}
	/* The tables are 4-byte aligned in the file (the header is 40 bytes). */
	const uint32_t *by_name = (const uint32_t *)(buf + INDEX_HEADER);
	const uint32_t *by_addr = (const uint32_t *)(buf + INDEX_HEADER + name_size * 4);
	for (uint64_t i = 0; i < name_size; i++) {
		if (by_name[i] > count) { /* index + 1, 0 for empty */
			munmap(map, len);
			return;
		}
	}
	v->index_map = map;
	v->index_map_size = len;
	v->by_name = by_name;
	v->by_name_mask = name_size - 1;
	v->cached_by_addr = by_addr;
	v->nr_cached_by_addr = nr_addr;
}

static void save_index_cache(struct kinspect_vmlinux *v)
{
	_cleanup_free_ char *path = index_cache_path(v);
	struct raw_symtab t;
	struct kinspect_error *err = path && v->by_name && v->by_addr ? raw_symtab(v, &t) : NULL;
	if (!path || !v->by_name || !v->by_addr || err) {
		kinspect_error_destroy(err);
		return;
	}
	size_t name_size = v->by_name_mask + 1, len = INDEX_HEADER + 4 * (name_size + v->nr_by_addr) + 8;
	_cleanup_free_ uint8_t *buf = malloc(len);
	if (!buf)
		return;
	uint64_t h[4] = { INDEX_VERSION, t.count, name_size, v->nr_by_addr };
	memcpy(buf, INDEX_MAGIC, 8);
	memcpy(buf + 8, h, sizeof(h));
	memcpy(buf + INDEX_HEADER, v->by_name, name_size * 4);
	for (size_t i = 0; i < v->nr_by_addr; i++)
		memcpy(buf + INDEX_HEADER + 4 * (name_size + i), &v->by_addr[i].index, 4);
	uint64_t sum = index_checksum(v, buf, len - 8);
	memcpy(buf + len - 8, &sum, 8);
	/* Best effort: without a cache the next run builds the index again. */
	kinspect_error_destroy(kinspect_cache_write(path, buf, len, 0600));
}
