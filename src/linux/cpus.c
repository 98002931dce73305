/* Possible CPUs: cpu_possible_mask, else nr_cpu_ids.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>

#include "linux/cpus.h"
#include "linux/kaslr.h"

static struct kinspect_error *read_symbol(const struct kinspect_vmlinux *v, uint64_t slide,
					  const struct kinspect_memory *mem, const char *name, uint64_t index,
					  void *buf, size_t len)
{
	uint64_t link, size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(v, name, &link, &size);
	if (err)
		return err;
	if (size && (index + 1) * len > size)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s has only %" PRIu64 " bytes", name,
					     size);
	err = kinspect_memory_read(mem, kinspect_kaslr_runtime(slide, link) + index * len, buf, len);
	return err ? kinspect_error_wrap(err, "%s", name) : NULL;
}

static struct kinspect_error *nr_cpu_ids(const struct kinspect_vmlinux *v, uint64_t slide,
					 const struct kinspect_memory *mem, uint32_t *ret)
{
	uint8_t word[4];
	struct kinspect_error *err = read_symbol(v, slide, mem, "nr_cpu_ids", 0, word, sizeof(word));
	if (!err)
		*ret = (uint32_t)kinspect_load_le(word, sizeof(word));
	return err;
}

struct kinspect_error *kinspect_cpu_check_possible(const struct kinspect_vmlinux *v, uint64_t slide,
						   const struct kinspect_memory *mem, uint64_t cpu)
{
	uint32_t nr = 0;
	struct kinspect_error *err = nr_cpu_ids(v, slide, mem, &nr);
	if (err)
		return kinspect_error_wrap(err, "which CPUs are possible");
	/* NR_CPUS-sized per-CPU tables hold garbage past nr_cpu_ids (the
	 * kernel never sets those entries up). */
	if (cpu >= nr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "CPU %" PRIu64 " is not possible: the kernel has %" PRIu32
					     " possible CPUs (nr_cpu_ids), 0-%" PRIu32,
					     cpu, nr, nr ? nr - 1 : 0);
	/* Below nr_cpu_ids the mask can still have holes (firmware listing
	 * sparse CPU ids).  The mask's storage is the symbol
	 * __cpu_possible_mask since v4.5; older kernels have only the
	 * nr_cpu_ids bound. */
	uint8_t bytes[8];
	err = read_symbol(v, slide, mem, "__cpu_possible_mask", cpu / 64, bytes, sizeof(bytes));
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return NULL;
	}
	if (err)
		return kinspect_error_wrap(err, "which CPUs are possible");
	if (!(kinspect_load_le(bytes, sizeof(bytes)) >> (cpu % 64) & 1))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "CPU %" PRIu64 " is not possible: its bit in __cpu_possible_mask is clear", cpu);
	return NULL;
}
