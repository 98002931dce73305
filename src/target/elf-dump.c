/* QEMU dump-guest-memory ELF reader.
 * The CPU notes' layouts are the architecture's (kinspect_arch()->
 * parse_cpu_note, parse_prstatus).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "core/file.h"
#include "target/elf-dump.h"
#include "target/kdump.h"

/* Bounds for hostile files. */
/* paging=true dumps have one PT_LOAD per virtually contiguous range: 65k
 * for a 1 GiB guest; the program headers must fit in the file anyway. */
#define MAX_SEGMENTS (1 << 22)
#define MAX_CPUS 4096
#define VMCOREINFO_MAX (1 << 20)

struct segment {
	uint64_t paddr, vaddr, offset, filesz, memsz;
};

/* The segments ordered by start address (physical or virtual), so that a
 * read finds its segment by binary search: a paging=true dump of a 1 GiB
 * guest has tens of thousands, and a stack trace makes hundreds of reads.
 * max_end[k] is the highest end among order[0..k]: where ranges overlap
 * (one physical page mapped at several virtual addresses), the search
 * steps back only over segments that can still hold the address. */
struct segment_index {
	uint32_t *order;
	uint64_t *max_end;
};

struct kinspect_elf_dump {
	char *path;
	const uint8_t *map;
	uint64_t size;
	struct segment *segments;
	size_t nr_segments;
	struct segment_index by_paddr, by_vaddr; /* built at the first read */
	bool paging;
	struct kinspect_elf_dump_cpu *cpus;
	size_t nr_cpus;
	struct kinspect_elf_dump_prstatus *prstatus;
	size_t nr_prstatus;
	char *vmcoreinfo;
	/* A kdump-compressed file: its pages, instead of segments. */
	struct kinspect_kdump *kdump;
};

static struct kinspect_error *parse_qemu_note(struct kinspect_elf_dump *d, const uint8_t *desc, size_t len)
{
	struct kinspect_elf_dump_cpu cpu;
	struct kinspect_error *err = kinspect_arch()->parse_cpu_note(d->path, desc, len, &cpu);
	if (err)
		return err;
	if (d->nr_cpus >= MAX_CPUS)
		return kinspect_error_file(d->path, "more than %d CPU notes", MAX_CPUS);
	struct kinspect_elf_dump_cpu *cpus = realloc(d->cpus, (d->nr_cpus + 1) * sizeof(*cpus));
	if (!cpus)
		return &kinspect_error_nomem;
	d->cpus = cpus;
	cpus[d->nr_cpus++] = cpu;
	return NULL;
}

static struct kinspect_error *parse_prstatus(struct kinspect_elf_dump *d, const uint8_t *desc, size_t len)
{
	struct kinspect_elf_dump_prstatus prstatus;
	struct kinspect_error *err = kinspect_arch()->parse_prstatus(d->path, desc, len, &prstatus);
	if (err)
		return err;
	if (d->nr_prstatus >= MAX_CPUS)
		return kinspect_error_file(d->path, "more than %d NT_PRSTATUS notes", MAX_CPUS);
	struct kinspect_elf_dump_prstatus *p = realloc(d->prstatus, (d->nr_prstatus + 1) * sizeof(*p));
	if (!p)
		return &kinspect_error_nomem;
	d->prstatus = p;
	p[d->nr_prstatus++] = prstatus;
	return NULL;
}

static struct kinspect_error *parse_notes(struct kinspect_elf_dump *d, Elf_Data *data)
{
	GElf_Nhdr nhdr;
	size_t offset = 0, name_off, desc_off;
	while (offset < data->d_size &&
	       (offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)data->d_buf + name_off;
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
		struct kinspect_error *err = NULL;
		if (nhdr.n_namesz == 5 && memcmp(name, "QEMU", 5) == 0) {
			err = parse_qemu_note(d, desc, nhdr.n_descsz);
		} else if (nhdr.n_namesz == 5 && memcmp(name, "CORE", 5) == 0 && nhdr.n_type == NT_PRSTATUS) {
			err = parse_prstatus(d, desc, nhdr.n_descsz);
		} else if (nhdr.n_namesz == 11 && memcmp(name, "VMCOREINFO", 11) == 0 && !d->vmcoreinfo &&
			   nhdr.n_descsz > 0 && nhdr.n_descsz < VMCOREINFO_MAX) {
			d->vmcoreinfo = strndup((const char *)desc, nhdr.n_descsz);
			if (!d->vmcoreinfo)
				return &kinspect_error_nomem;
		}
		if (err)
			return err;
	}
	return NULL;
}

static struct kinspect_error *parse(struct kinspect_elf_dump *d, Elf *elf)
{
	GElf_Ehdr ehdr;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr))
		return kinspect_error_file(d->path, "not an ELF file (QEMU dump-guest-memory format elf expected)");
	if (ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ehdr.e_machine != kinspect_arch()->elf_machine)
		return kinspect_error_file(d->path, "not an %s 64-bit ELF dump", kinspect_arch()->name);
	if (ehdr.e_type != ET_CORE)
		return kinspect_error_file(d->path, "ELF type %u is not a core dump", ehdr.e_type);
	size_t phnum;
	if (elf_getphdrnum(elf, &phnum) != 0)
		return kinspect_error_file(d->path, "bad program headers: %s", elf_errmsg(-1));
	if (phnum > MAX_SEGMENTS)
		return kinspect_error_file(d->path, "%zu program headers is more than a dump has", phnum);
	d->segments = calloc(phnum ? phnum : 1, sizeof(*d->segments));
	if (!d->segments)
		return &kinspect_error_nomem;
	/* The table itself, not gelf_getphdr's copy of each of the tens of
	 * thousands of entries a paging=true dump has. */
	const Elf64_Phdr *phdrs = phnum ? elf64_getphdr(elf) : NULL;
	if (phnum && !phdrs)
		return kinspect_error_file(d->path, "bad program headers: %s", elf_errmsg(-1));
	for (size_t i = 0; i < phnum; i++) {
		const Elf64_Phdr phdr = phdrs[i];
		if (phdr.p_offset > d->size || phdr.p_filesz > d->size - phdr.p_offset)
			return kinspect_error_file(d->path, "truncated: segment %zu ends at byte %llu but the file has %llu",
						   i, (unsigned long long)(phdr.p_offset + phdr.p_filesz),
						   (unsigned long long)d->size);
		if (phdr.p_type == PT_LOAD) {
			d->segments[d->nr_segments++] = (struct segment){
				phdr.p_paddr, phdr.p_vaddr, phdr.p_offset, phdr.p_filesz, phdr.p_memsz,
			};
			/* paging=true writes the guest's virtual addresses;
			 * paging=false writes p_vaddr equal to p_paddr (QEMU
			 * 7.2) or 0 (other versions): only kernel-half
			 * addresses mean paging. */
			if (kinspect_arch_kernel_address(phdr.p_vaddr))
				d->paging = true;
		} else if (phdr.p_type == PT_NOTE) {
			Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)phdr.p_offset, phdr.p_filesz, ELF_T_NHDR);
			if (!data)
				return kinspect_error_file(d->path, "bad note segment: %s", elf_errmsg(-1));
			struct kinspect_error *err = parse_notes(d, data);
			if (err)
				return err;
		}
	}
	if (d->nr_segments == 0)
		return kinspect_error_file(d->path, "no memory segments (PT_LOAD) in the dump");
	return NULL;
}

/* A kdump-compressed file: pages from kdump.c, the notes parsed as here. */
static struct kinspect_error *open_kdump(struct kinspect_elf_dump *d)
{
	struct kinspect_error *err = kinspect_kdump_open(d->path, d->map, d->size, &d->kdump);
	if (err)
		return err;
	size_t len;
	const uint8_t *notes = kinspect_kdump_notes(d->kdump, &len);
	if (!len)
		return NULL;
	Elf_Data data = { .d_buf = (void *)notes, .d_size = len, .d_type = ELF_T_NHDR, .d_version = EV_CURRENT };
	return parse_notes(d, &data);
}

struct kinspect_error *kinspect_elf_dump_open(const char *path, struct kinspect_elf_dump **ret)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return kinspect_error_create(KINSPECT_ERROR_OTHER, "libelf: %s", elf_errmsg(-1));
	struct kinspect_elf_dump *d = calloc(1, sizeof(*d));
	if (!d || !(d->path = strdup(path))) {
		free(d);
		return &kinspect_error_nomem;
	}
	int fd = -1;
	struct kinspect_error *err = kinspect_open_input(path, "dump", &fd, &d->size);
	if (!err) {
		/* Writable private mapping: libelf may convert headers in place;
		 * nothing reaches the file. */
		void *map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
		if (map == MAP_FAILED) {
			err = kinspect_error_os(errno, path, "cannot map dump");
		} else {
			d->map = map;
			if (kinspect_kdump_detect(map, d->size)) {
				err = open_kdump(d);
				goto out;
			}
			Elf *elf = elf_memory((char *)map, d->size);
			err = elf ? parse(d, elf) : kinspect_error_file(path, "cannot read ELF: %s", elf_errmsg(-1));
			if (elf)
				elf_end(elf);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (err) {
		kinspect_elf_dump_destroy(d);
		return err;
	}
	*ret = d;
	return NULL;
}

void kinspect_elf_dump_destroy(struct kinspect_elf_dump *d)
{
	if (!d)
		return;
	kinspect_kdump_destroy(d->kdump);
	if (d->map)
		munmap((void *)d->map, d->size);
	free(d->segments);
	free(d->by_paddr.order);
	free(d->by_paddr.max_end);
	free(d->by_vaddr.order);
	free(d->by_vaddr.max_end);
	free(d->cpus);
	free(d->prstatus);
	free(d->vmcoreinfo);
	free(d->path);
	free(d);
}

const char *kinspect_elf_dump_path(const struct kinspect_elf_dump *d)
{
	return d->path;
}

bool kinspect_elf_dump_has_paging(const struct kinspect_elf_dump *d)
{
	return d->paging;
}

size_t kinspect_elf_dump_nr_cpus(const struct kinspect_elf_dump *d)
{
	return d->nr_cpus;
}

const struct kinspect_elf_dump_cpu *kinspect_elf_dump_cpu(const struct kinspect_elf_dump *d, size_t index)
{
	return index < d->nr_cpus ? &d->cpus[index] : NULL;
}

const char *kinspect_elf_dump_vmcoreinfo(const struct kinspect_elf_dump *d)
{
	return d->vmcoreinfo;
}

static uint64_t segment_start(const struct segment *s, bool virt)
{
	return virt ? s->vaddr : s->paddr;
}

/* Ends saturate: a segment reaching the top of the address space. */
static uint64_t segment_end(const struct segment *s, bool virt)
{
	uint64_t start = segment_start(s, virt);
	return s->memsz > UINT64_MAX - start ? UINT64_MAX : start + s->memsz;
}

/* Order ORDER[0..N) by KEY[ORDER[i]]: a stable LSD radix sort on 16-bit
 * digits, skipping the digits every key shares (kernel addresses share
 * their top 16 bits).  A paging=true dump lists its segments in physical
 * order, so the virtual order is a real sort of tens of thousands: qsort
 * took longer than the whole stack trace. */
static struct kinspect_error *radix_sort_by_key(uint32_t *order, const uint64_t *key, size_t n)
{
	uint32_t *tmp = malloc((n ? n : 1) * sizeof(*tmp));
	uint32_t *counts = malloc(65536 * sizeof(*counts));
	if (!tmp || !counts) {
		free(tmp);
		free(counts);
		return &kinspect_error_nomem;
	}
	uint32_t *from = order, *to = tmp;
	for (unsigned int shift = 0; shift < 64; shift += 16) {
		memset(counts, 0, 65536 * sizeof(*counts));
		for (size_t i = 0; i < n; i++)
			counts[(key[from[i]] >> shift) & 0xffff]++;
		if (n && counts[(key[from[0]] >> shift) & 0xffff] == n)
			continue;
		uint32_t sum = 0;
		for (size_t digit = 0; digit < 65536; digit++) {
			uint32_t c = counts[digit];
			counts[digit] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			to[counts[(key[from[i]] >> shift) & 0xffff]++] = from[i];
		uint32_t *swap = from;
		from = to;
		to = swap;
	}
	if (from != order)
		memcpy(order, from, n * sizeof(*order));
	free(tmp);
	free(counts);
	return NULL;
}

static struct kinspect_error *build_segment_index(struct kinspect_elf_dump *d, bool virt)
{
	struct segment_index *ix = virt ? &d->by_vaddr : &d->by_paddr;
	size_t n = d->nr_segments;
	ix->order = malloc(n * sizeof(*ix->order));
	ix->max_end = malloc(n * sizeof(*ix->max_end));
	if (!ix->order || !ix->max_end) {
		free(ix->order);
		free(ix->max_end);
		ix->order = NULL;
		ix->max_end = NULL;
		return &kinspect_error_nomem;
	}
	bool sorted = true;
	for (size_t i = 0; i < n; i++) {
		ix->order[i] = (uint32_t)i;
		if (i && segment_start(&d->segments[i], virt) < segment_start(&d->segments[i - 1], virt))
			sorted = false;
	}
	/* The physical order is usually the file's already. */
	if (!sorted) {
		/* max_end serves as the key array until it is filled below. */
		for (size_t i = 0; i < n; i++)
			ix->max_end[i] = segment_start(&d->segments[i], virt);
		struct kinspect_error *err = radix_sort_by_key(ix->order, ix->max_end, n);
		if (err) {
			free(ix->order);
			free(ix->max_end);
			ix->order = NULL;
			ix->max_end = NULL;
			return err;
		}
	}
	uint64_t max = 0;
	for (size_t k = 0; k < n; k++) {
		uint64_t end = segment_end(&d->segments[ix->order[k]], virt);
		max = end > max ? end : max;
		ix->max_end[k] = max;
	}
	return NULL;
}

/* The segment holding ADDR (the first in file order if several do), or
 * NULL. */
static const struct segment *find_segment(const struct kinspect_elf_dump *d, const struct segment_index *ix,
					  uint64_t addr, bool virt)
{
	size_t lo = 0, hi = d->nr_segments;
	while (lo < hi) { /* the first segment starting above ADDR */
		size_t mid = lo + (hi - lo) / 2;
		if (segment_start(&d->segments[ix->order[mid]], virt) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct segment *found = NULL;
	for (size_t k = lo; k > 0 && ix->max_end[k - 1] > addr; k--) {
		const struct segment *s = &d->segments[ix->order[k - 1]];
		if (addr < segment_end(s, virt) && (!found || s < found))
			found = s;
	}
	return found;
}

/* Copy from the segment holding ADDR (physical or virtual) as much of LEN as
 * it has; returns the bytes copied, 0 if no segment holds ADDR. */
static size_t copy_from_segment(const struct kinspect_elf_dump *d, uint64_t addr, bool virt, uint8_t *buf,
				size_t len)
{
	const struct segment *s = find_segment(d, virt ? &d->by_vaddr : &d->by_paddr, addr, virt);
	if (!s)
		return 0;
	uint64_t off = addr - segment_start(s, virt);
	size_t n = (size_t)(s->memsz - off < len ? s->memsz - off : len);
	/* Bytes past p_filesz are declared but not stored: zeros. */
	size_t stored = off < s->filesz ? (size_t)(s->filesz - off < n ? s->filesz - off : n) : 0;
	if (stored)
		memcpy(buf, d->map + s->offset + off, stored);
	memset(buf + stored, 0, n - stored);
	return n;
}

static struct kinspect_error *read_segments(struct kinspect_elf_dump *d, uint64_t addr, void *buf, size_t len,
					    bool virt)
{
	struct segment_index *ix = virt ? &d->by_vaddr : &d->by_paddr;
	struct kinspect_error *err;
	if (!ix->order && (err = build_segment_index(d, virt)))
		return err;
	uint8_t *p = buf;
	while (len > 0) {
		size_t n = copy_from_segment(d, addr, virt, p, len);
		if (n == 0 || (n < len && addr + n < addr))
			return kinspect_error_fault(addr, "%s: %s address not in the dump", d->path,
						    virt ? "virtual" : "physical");
		addr += n;
		p += n;
		len -= n;
	}
	return NULL;
}

struct kinspect_error *kinspect_elf_dump_read_phys(struct kinspect_elf_dump *d, uint64_t paddr, void *buf,
						   size_t len)
{
	if (d->kdump)
		return kinspect_kdump_read_phys(d->kdump, paddr, buf, len);
	return read_segments(d, paddr, buf, len, false);
}

static struct kinspect_error *read_pte(void *ctx, uint64_t paddr, uint64_t *ret)
{
	return kinspect_elf_dump_read_phys(ctx, paddr, ret, sizeof(*ret));
}

struct kinspect_error *kinspect_elf_dump_read_virt(struct kinspect_elf_dump *d, uint64_t vaddr, void *buf,
						   size_t len)
{
	if (d->paging)
		return read_segments(d, vaddr, buf, len, true);
	if (d->nr_cpus == 0)
		return kinspect_error_fault(vaddr, "%s: no CPU note with a page-table root to translate virtual addresses", d->path);
	const struct kinspect_elf_dump_cpu *cpu = &d->cpus[0];
	uint8_t *p = buf;
	while (len > 0) {
		uint64_t paddr, page_size;
		struct kinspect_error *err = kinspect_arch()->translate_cpu(read_pte, d, cpu, vaddr, &paddr, &page_size);
		if (err)
			return err;
		if (len > 0 && vaddr + (len - 1) < vaddr)
			return kinspect_error_fault(vaddr, "read wraps around the address space");
		uint64_t in_page = page_size - (vaddr & (page_size - 1));
		size_t n = in_page < len ? (size_t)in_page : len;
		if ((err = kinspect_elf_dump_read_phys(d, paddr, p, n)))
			return err;
		vaddr += n;
		p += n;
		len -= n;
	}
	return NULL;
}

const char *kinspect_elf_dump_format(const struct kinspect_elf_dump *d)
{
	return d->kdump ? kinspect_kdump_format(d->kdump) : d->paging ? "elf, paging" : "elf";
}

size_t kinspect_elf_dump_nr_prstatus(const struct kinspect_elf_dump *d)
{
	return d->nr_prstatus;
}

const struct kinspect_elf_dump_prstatus *kinspect_elf_dump_prstatus(const struct kinspect_elf_dump *d, size_t index)
{
	return index < d->nr_prstatus ? &d->prstatus[index] : NULL;
}
