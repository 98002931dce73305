/* The kernel's memory map, read from the running kernel: the generic part
 * (struct page, max_pfn, the conversions); where things lie is the
 * architecture's (kinspect_arch()->memory_map).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/page.h"

/* Read the unsigned variable NAME (its ELF size, at most 8 bytes) into *RET;
 * *RET_FOUND false (and no error) if the vmlinux has no such symbol. */
static struct kinspect_error *read_variable(const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					    const struct kinspect_memory *mem, const char *name, uint64_t *ret,
					    bool *ret_found)
{
	uint64_t addr, size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, name, &addr, &size);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && ret_found) {
		kinspect_error_destroy(err);
		*ret_found = false;
		return NULL;
	}
	if (err)
		return err;
	if (size == 0 || size > 8)
		size = 8;
	uint8_t buf[8];
	addr = kinspect_kaslr_runtime(slide, addr);
	if ((err = kinspect_memory_read(mem, addr, buf, size)))
		return kinspect_error_wrap(err, "read %s at 0x%" PRIx64, name, addr);
	*ret = kinspect_load_le(buf, size);
	if (ret_found)
		*ret_found = true;
	return NULL;
}

/* The kernel behind the memory map, for the architecture's code. */
struct kernel_vars {
	const struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const struct kinspect_memory *mem;
};

static struct kinspect_error *kernel_variable(void *ctx, const char *name, uint64_t *ret, bool *ret_found)
{
	const struct kernel_vars *v = ctx;
	return read_variable(v->vmlinux, v->slide, v->mem, name, ret, ret_found);
}

static struct kinspect_error *kernel_symbol(void *ctx, const char *name, uint64_t *ret)
{
	const struct kernel_vars *v = ctx;
	struct kinspect_error *err = kinspect_vmlinux_symbol(v->vmlinux, name, ret, NULL);
	if (!err)
		*ret = kinspect_kaslr_runtime(v->slide, *ret);
	return err;
}

struct kinspect_error *kinspect_memory_map_read(struct kinspect_dwarf_types *types,
						const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						const struct kinspect_memory *mem, struct kinspect_memory_map *ret)
{
	struct kinspect_memory_map map = { 0 };
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, "struct page", &map.page_struct_size);
	if (err)
		return err;
	if (map.page_struct_size == 0 || map.page_struct_size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "sizeof(struct page) is %" PRIu64,
					     map.page_struct_size);

	struct kernel_vars vars = { .vmlinux = vmlinux, .slide = slide, .mem = mem };
	struct kinspect_arch_kernel kernel = { .read_variable = kernel_variable, .symbol = kernel_symbol, .ctx = &vars };
	if ((err = kinspect_arch()->memory_map(&kernel, &map)))
		return err;

	if ((err = read_variable(vmlinux, slide, mem, "max_pfn", &map.max_pfn, NULL)))
		return err;
	if (map.max_pfn == 0 || map.max_pfn > (1ULL << (map.phys_bits - kinspect_arch()->page_shift)))
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "max_pfn 0x%" PRIx64 " is out of range",
					     map.max_pfn);

	map.vmlinux = vmlinux;
	map.slide = slide;
	*ret = map;
	return NULL;
}

static struct kinspect_error *find_pgd(struct kinspect_memory_map *map, const struct kinspect_memory *mem)
{
	struct kernel_vars vars = { .vmlinux = map->vmlinux, .slide = map->slide, .mem = mem };
	struct kinspect_arch_kernel kernel = { .read_variable = kernel_variable, .symbol = kernel_symbol, .ctx = &vars };
	return kinspect_arch()->kernel_page_tables(&kernel, map);
}

const char *kinspect_translation_name(enum kinspect_translation how)
{
	switch (how) {
	case KINSPECT_TRANSLATION_DIRECT_MAP: return "direct map";
	case KINSPECT_TRANSLATION_KERNEL_IMAGE: return "kernel image";
	default: return "page walk";
	}
}

struct kinspect_error *kinspect_pfn_to_page(const struct kinspect_memory_map *map, uint64_t pfn, uint64_t *ret)
{
	if (pfn >= map->max_pfn)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "pfn 0x%" PRIx64 " is beyond the last page frame (max_pfn 0x%" PRIx64 ")",
					     pfn, map->max_pfn);
	*ret = map->vmemmap + pfn * map->page_struct_size;
	return NULL;
}

struct kinspect_error *kinspect_page_to_pfn(const struct kinspect_memory_map *map, uint64_t page, uint64_t *ret)
{
	uint64_t off = page - map->vmemmap;
	if (page < map->vmemmap || off / map->page_struct_size >= map->max_pfn)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "0x%" PRIx64 " is not a struct page: the page array (vmemmap) is 0x%" PRIx64
					     "..0x%" PRIx64,
					     page, map->vmemmap, map->vmemmap + map->max_pfn * map->page_struct_size);
	if (off % map->page_struct_size)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "0x%" PRIx64 " is inside a struct page, not at its start (struct page is %" PRIu64
					     " bytes)",
					     page, map->page_struct_size);
	*ret = off / map->page_struct_size;
	return NULL;
}

static struct kinspect_error *read_pte(void *ctx, uint64_t paddr, uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read_phys(ctx, paddr, buf, sizeof(buf));
	if (!err)
		*ret = kinspect_load_le(buf, sizeof(buf));
	return err;
}

struct kinspect_error *kinspect_virt_to_phys(struct kinspect_memory_map *map, const struct kinspect_memory *mem,
					     uint64_t vaddr, bool walk, uint64_t *ret,
					     enum kinspect_translation *ret_how)
{
	if (!walk && vaddr >= map->page_offset && (vaddr - map->page_offset) >> kinspect_arch()->page_shift < map->max_pfn) {
		*ret = vaddr - map->page_offset;
		if (ret_how)
			*ret_how = KINSPECT_TRANSLATION_DIRECT_MAP;
		return NULL;
	}
	struct kinspect_error *err = map->pgd_phys ? NULL : find_pgd(map, mem);
	/* The kernel image is mapped linearly (__pa_symbol()); its mapping
	 * may still have holes, which only the walk sees. */
	if (!err && !walk && kinspect_kaslr_in_image(vaddr)) {
		*ret = vaddr - kinspect_arch()->kernel_map_start + map->phys_base;
		if (ret_how)
			*ret_how = KINSPECT_TRANSLATION_KERNEL_IMAGE;
		return NULL;
	}
	if (!err)
		err = kinspect_arch()->translate(read_pte, (void *)mem, map->pgd_phys, map->paging_levels, vaddr, ret,
						 NULL);
	if (err)
		return err;
	if (ret_how)
		*ret_how = KINSPECT_TRANSLATION_PAGE_WALK;
	return NULL;
}
