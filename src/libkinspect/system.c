/* System-wide facts (see kinspect/system.h): the boot command line, the
 * CPU sets, uname, the clocks, the load average and the memory total, read
 * through typed objects so that the slide, the target and the layouts are
 * the session's.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/object.h>
#include <kinspect/system.h>

#include "arch/arch.h"
#include "core/error-priv.h"
#include "libkinspect/kernel-priv.h"
#include "linux/module-info.h"

struct kinspect_error *kinspect_kernel_cmdline(struct kinspect_kernel *k, char **ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	uint64_t addr, len = 0;
	if (err || (err = kinspect_kernel_read_variable(k, "saved_command_line", "", &addr)))
		return err;
	if (!addr)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "saved_command_line is NULL: the kernel has not got that far in booting");
	/* COMMAND_LINE_SIZE is boot_command_line's size (its storage is
	 * freed with the init sections, its symbol stays); bootconfig can
	 * make saved_command_line longer, so twice that bounds it. */
	uint64_t bound = 0;
	kinspect_kernel_has_symbol(k, "boot_command_line", &bound);
	bound = bound ? 2 * bound : 2 * 4096;
	/* saved_command_line_len, where the kernel has it (the size
	 * fs/proc/cmdline.c gives /proc/cmdline), is exact; else up to the
	 * first NUL. */
	struct kinspect_error *len_err = kinspect_kernel_read_variable(k, "saved_command_line_len", "", &len);
	if (len_err) {
		kinspect_error_destroy(len_err);
		len = 0;
	} else if (len > bound) {
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "saved_command_line_len %" PRIu64 " is past COMMAND_LINE_SIZE's bound %" PRIu64
					     ": not a command line",
					     len, bound);
	}
	char *text = malloc(bound + 1);
	if (!text)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	/* No page is crossed by a read: the string's allocation may end where
	 * the next page is not mapped (a dump may leave pages out). */
	const uint64_t page = kinspect_arch()->page_size;
	uint64_t got = 0, want = len ? len : bound;
	while (got < want) {
		uint64_t chunk = page - ((addr + got) % page);
		if (chunk > want - got)
			chunk = want - got;
		if ((err = kinspect_kernel_read(k, addr + got, text + got, chunk))) {
			free(text);
			return kinspect_error_wrap(err, "the command line at 0x%" PRIx64, addr);
		}
		void *nul = memchr(text + got, '\0', chunk);
		got += chunk;
		if (nul) {
			got = (uint64_t)((char *)nul - text);
			break;
		}
	}
	if (!len && got == bound && !memchr(text, '\0', bound)) {
		free(text);
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "saved_command_line at 0x%" PRIx64 ": no NUL in %" PRIu64
					     " bytes, not a command line",
					     addr, bound);
	}
	text[got] = '\0';
	*ret = text;
	return NULL;
}

static const char *const set_names[KINSPECT_CPU_SET_COUNT] = { "possible", "present", "online", "active" };

const char *kinspect_cpu_set_name(enum kinspect_cpu_set set)
{
	return (unsigned int)set < KINSPECT_CPU_SET_COUNT ? set_names[set] : NULL;
}

/* The CPU list of the NR_BITS bits of MASK: "0-3,6". */
static char *format_list(const uint8_t *mask, uint32_t nr_bits, uint32_t *ret_count)
{
	size_t cap = 16, n = 0;
	char *list = malloc(cap);
	uint32_t count = 0;
	if (!list)
		return NULL;
	list[0] = '\0';
	for (uint32_t cpu = 0; cpu < nr_bits; cpu++) {
		if (!(mask[cpu / 8] >> (cpu % 8) & 1))
			continue;
		uint32_t last = cpu;
		while (last + 1 < nr_bits && mask[(last + 1) / 8] >> ((last + 1) % 8) & 1)
			last++;
		count += last - cpu + 1;
		char item[32];
		int len = last == cpu ? snprintf(item, sizeof(item), "%s%" PRIu32, n ? "," : "", cpu)
				      : snprintf(item, sizeof(item), "%s%" PRIu32 "-%" PRIu32, n ? "," : "", cpu, last);
		if (n + (size_t)len + 1 > cap) {
			cap = 2 * (n + (size_t)len + 1);
			char *bigger = realloc(list, cap);
			if (!bigger) {
				free(list);
				return NULL;
			}
			list = bigger;
		}
		memcpy(list + n, item, (size_t)len + 1);
		n += (size_t)len;
		cpu = last;
	}
	*ret_count = count;
	return list;
}

struct kinspect_error *kinspect_kernel_cpu_set(struct kinspect_kernel *k, enum kinspect_cpu_set set, char **ret_list,
					       uint32_t *ret_count)
{
	const char *name = kinspect_cpu_set_name(set);
	if (!name)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "no CPU set %d", (int)set);
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	uint64_t nr_cpu_ids;
	if (err || (err = kinspect_kernel_read_variable(k, "nr_cpu_ids", "", &nr_cpu_ids)))
		return err;
	char symbol[32];
	snprintf(symbol, sizeof(symbol), "__cpu_%s_mask", name);
	struct kinspect_object *mask;
	if ((err = kinspect_kernel_object_variable(k, symbol, -1, &mask))) {
		if (kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
			kinspect_error_destroy(err);
			return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
						     "the vmlinux has no %s (kernels before 4.5 keep cpu_%s_bits)", symbol,
						     name);
		}
		return err;
	}
	/* The mask holds NR_CPUS bits; nr_cpu_ids <= NR_CPUS of them are CPUs. */
	uint64_t bytes = kinspect_object_size(mask), addr = kinspect_object_address(mask);
	kinspect_object_destroy(mask);
	if (nr_cpu_ids == 0 || nr_cpu_ids > 8 * bytes)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "nr_cpu_ids is %" PRIu64 ", %s has %" PRIu64 " bits: not a CPU count",
					     nr_cpu_ids, symbol, 8 * bytes);
	size_t len = (size_t)(nr_cpu_ids + 7) / 8;
	uint8_t *bits = malloc(len);
	if (!bits)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	if ((err = kinspect_kernel_read(k, addr, bits, len))) {
		free(bits);
		return kinspect_error_wrap(err, "%s", symbol);
	}
	uint32_t count = 0;
	char *list = format_list(bits, (uint32_t)nr_cpu_ids, &count);
	free(bits);
	if (!list)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	*ret_list = list;
	if (ret_count)
		*ret_count = count;
	return NULL;
}

static const char *const utsname_fields[] = { "sysname", "nodename", "release", "version", "machine", "domainname" };

struct kinspect_error *kinspect_kernel_utsname(struct kinspect_kernel *k, const char *field, char **ret)
{
	bool known = false;
	for (size_t i = 0; i < sizeof(utsname_fields) / sizeof(utsname_fields[0]); i++)
		known |= strcmp(field, utsname_fields[i]) == 0;
	if (!known)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "no utsname field '%s' (sysname, nodename, release, version, machine, "
					     "domainname)",
					     field);
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	struct kinspect_object *uts, *member = NULL;
	if (err || (err = kinspect_kernel_object_variable(k, "init_uts_ns", -1, &uts)))
		return err;
	char path[32];
	snprintf(path, sizeof(path), "name.%s", field);
	err = kinspect_object_member(uts, path, &member);
	kinspect_object_destroy(uts);
	if (err)
		return kinspect_error_wrap(err, "init_uts_ns");
	/* A char array of __NEW_UTS_LEN + 1 (65) bytes: its size from DWARF. */
	uint64_t size = kinspect_object_size(member), addr = kinspect_object_address(member);
	kinspect_object_destroy(member);
	if (size == 0 || size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "init_uts_ns.%s: %" PRIu64 " bytes, not a utsname field", path, size);
	char *text = malloc(size + 1);
	if (!text)
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	if ((err = kinspect_kernel_read(k, addr, text, size))) {
		free(text);
		return kinspect_error_wrap(err, "init_uts_ns.%s", path);
	}
	text[size] = '\0';
	*ret = text;
	return NULL;
}

struct kinspect_error *kinspect_kernel_time(struct kinspect_kernel *k, uint64_t *ret_uptime_s, int64_t *ret_realtime_s)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	/* The timekeeper: tk_core.timekeeper (struct timekeeper in an
	 * anonymous struct, struct tk_data since 6.13); since 6.17's
	 * auxiliary clocks ("timekeeping: Introduce auxiliary timekeepers")
	 * tk_core is timekeeper_data[TIMEKEEPER_CORE]. */
	const char *tk = "tk_core";
	char mono_path[64] = "timekeeper.ktime_sec", real_path[64] = "timekeeper.xtime_sec";
	int64_t core;
	if (!kinspect_kernel_has_symbol(k, "tk_core", NULL)) {
		if ((err = kinspect_kernel_enum_value(k, "TIMEKEEPER_CORE", &core)))
			return kinspect_error_wrap(err, "the vmlinux has neither tk_core nor timekeeper_data");
		tk = "timekeeper_data";
		snprintf(mono_path, sizeof(mono_path), "[%lld].timekeeper.ktime_sec", (long long)core);
		snprintf(real_path, sizeof(real_path), "[%lld].timekeeper.xtime_sec", (long long)core);
	}
	uint64_t mono, real;
	if ((err = kinspect_kernel_read_variable(k, tk, mono_path, &mono)) ||
	    (err = kinspect_kernel_read_variable(k, tk, real_path, &real)))
		return err;
	*ret_uptime_s = mono;
	if (ret_realtime_s)
		*ret_realtime_s = (int64_t)real;
	return NULL;
}

/* FSHIFT, the fraction bits of avenrun[] (include/linux/sched/loadavg.h):
 * a #define, not in DWARF, unchanged since Linux 1.x. */
#define LOAD_FSHIFT 11

struct kinspect_error *kinspect_kernel_load_average(struct kinspect_kernel *k, uint64_t ret_hundredths[3])
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	for (int i = 0; i < 3; i++) {
		char index[8];
		uint64_t avenrun;
		snprintf(index, sizeof(index), "[%d]", i);
		if ((err = kinspect_kernel_read_variable(k, "avenrun", index, &avenrun)))
			return err;
		/* As /proc/loadavg rounds: LOAD_INT and LOAD_FRAC of
		 * avenrun + FIXED_1/200. */
		uint64_t fixed_1 = 1u << LOAD_FSHIFT, a = avenrun + fixed_1 / 200;
		ret_hundredths[i] = (a >> LOAD_FSHIFT) * 100 + (((a & (fixed_1 - 1)) * 100) >> LOAD_FSHIFT);
	}
	return NULL;
}

struct kinspect_error *kinspect_kernel_memory_total(struct kinspect_kernel *k, uint64_t *ret_bytes)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	/* _totalram_pages, an atomic_long_t since 5.0 ("mm: convert
	 * totalram_pages and totalhigh_pages variables to atomic"); before,
	 * the unsigned long totalram_pages. */
	uint64_t pages;
	if (kinspect_kernel_has_symbol(k, "_totalram_pages", NULL))
		err = kinspect_kernel_read_variable(k, "_totalram_pages", "counter", &pages);
	else
		err = kinspect_kernel_read_variable(k, "totalram_pages", "", &pages);
	if (err)
		return err;
	*ret_bytes = pages * kinspect_arch()->page_size;
	return NULL;
}

struct kinspect_error *kinspect_kernel_panic_cpu(struct kinspect_kernel *k, int *ret_cpu)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	/* panic_cpu is an atomic_t: PANIC_CPU_INVALID (-1) until panic(). */
	uint64_t v;
	if ((err = kinspect_kernel_read_variable(k, "panic_cpu", "counter", &v)))
		return kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND
			       ? kinspect_error_wrap(kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED, "no panic_cpu"),
						     "the vmlinux")
			       : err;
	int32_t cpu = (int32_t)(uint32_t)v;
	*ret_cpu = cpu < -1 ? -1 : cpu;
	return NULL;
}

struct kinspect_error *kinspect_kernel_taints(struct kinspect_kernel *k, uint64_t *ret_mask, char **ret_letters)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	uint64_t mask;
	struct kinspect_module_info *info;
	char letters[KINSPECT_MODULE_TAINTS_MAX + 1];
	if (err || (err = kinspect_kernel_read_variable(k, "tainted_mask", "", &mask)) ||
	    (err = kinspect_kernel_module_info(k, &info)) ||
	    (err = kinspect_module_info_kernel_taints(info, mask, letters)))
		return err;
	if (ret_letters && !(*ret_letters = strdup(letters)))
		return kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory");
	*ret_mask = mask;
	return NULL;
}
