/* The kernel's ORC tables (see x86_64-orc-kernel.h).
 *
 * vmlinux's tables come from the file (the relative offsets in
 * .orc_unwind_ip do not change with KASLR; sorted at build time since
 * commit f14bf6a350df "Remove boot-time ORC unwind tables sorting",
 * v5.6).  A module's come from guest memory, mod->arch.orc_unwind_ip,
 * orc_unwind and num_orcs, already sorted by the kernel when it loaded the
 * module (unwind_module_init()).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/vmlinux.h>

#include "arch/x86_64-orc-kernel.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/vmlinux-priv.h"
#include "linux/kaslr.h"

/* Bounds for tables read from a possibly corrupted guest. */
#define MODULE_ORCS_MAX (1u << 22)

struct kinspect_orc_module {
	uint64_t address; /* struct module */
	bool have;
	struct kinspect_orc_table table;
};

static struct kinspect_error *symbol(const struct kinspect_orc_kernel *orc, const char *name, uint64_t *ret)
{
	struct kinspect_error *err = kinspect_vmlinux_symbol(orc->kernel.vmlinux, name, ret, NULL);
	if (!err)
		*ret = kinspect_kaslr_runtime(orc->kernel.slide, *ret);
	return err;
}

struct kinspect_error *kinspect_orc_kernel_init(struct kinspect_orc_kernel *orc,
						const struct kinspect_arch_unwind_kernel *kernel,
						struct kinspect_orc_format *format)
{
	*orc = (struct kinspect_orc_kernel){ .kernel = *kernel, .format = format };
	const struct kinspect_vmlinux *vmlinux = kernel->vmlinux;
	uint64_t ip_start, ip_stop, orc_start, stext, etext, sinit, einit;
	struct kinspect_error *err;
	if ((err = kinspect_vmlinux_symbol(vmlinux, "__start_orc_unwind_ip", &ip_start, NULL)) ||
	    (err = kinspect_vmlinux_symbol(vmlinux, "__stop_orc_unwind_ip", &ip_stop, NULL)) ||
	    (err = kinspect_vmlinux_symbol(vmlinux, "__start_orc_unwind", &orc_start, NULL)))
		return kinspect_error_wrap(err, "vmlinux has no ORC tables (CONFIG_UNWINDER_ORC)");
	if ((err = symbol(orc, "_stext", &stext)) || (err = symbol(orc, "_etext", &etext)))
		return err;
	struct kinspect_orc_table *t = &orc->vmlinux;
	snprintf(t->name, sizeof(t->name), "vmlinux");
	t->format = format;
	if (ip_stop <= ip_start || (ip_stop - ip_start) % 4 || (ip_stop - ip_start) / 4 > (1u << 26))
		return kinspect_error_file(kinspect_vmlinux_path(vmlinux), "bad .orc_unwind_ip bounds");
	t->n = (ip_stop - ip_start) / 4;
	t->ip_base = kinspect_kaslr_runtime(kernel->slide, ip_start);
	/* Used in place in the mapped file: a copy of these megabytes cost a
	 * whole stack trace's time in page faults, and a trace looks at a few
	 * dozen entries. */
	const void *ips, *entries;
	if ((err = kinspect_vmlinux_contents(vmlinux, ip_start, t->n * 4, &ips)) ||
	    (err = kinspect_vmlinux_contents(vmlinux, orc_start, t->n * format->entry_size, &entries)))
		return kinspect_error_wrap(err, "reading vmlinux's ORC tables");
	t->ips = ips;
	t->entries = entries;
	t->borrowed = true;
	/* Modules share vmlinux's numbering: one detection for all tables. */
	if ((err = kinspect_orc_format_detect_registers(format, t->entries, t->n)))
		return kinspect_error_wrap(err, "vmlinux's ORC table");
	kinspect_orc_table_add_range(t, stext, etext);
	/* Init code has ORC data too (it is freed after boot, so only early
	 * traces reach it). */
	if (!symbol(orc, "_sinittext", &sinit) && !symbol(orc, "_einittext", &einit))
		kinspect_orc_table_add_range(t, sinit, einit);
	return NULL;
}

void kinspect_orc_kernel_deinit(struct kinspect_orc_kernel *orc)
{
	kinspect_orc_table_deinit(&orc->vmlinux);
	for (size_t i = 0; i < orc->nr_modules; i++)
		kinspect_orc_table_deinit(&orc->modules[i].table);
	free(orc->modules);
	orc->modules = NULL;
	orc->nr_modules = 0;
}

/* ---- modules ----------------------------------------------------------- */

static void read_module_layout(struct kinspect_orc_kernel *orc)
{
	if (orc->layout_read)
		return;
	orc->layout_read = true;
	struct kinspect_dwarf_types *types = orc->kernel.types;
	struct kinspect_dwarf_member ip, entries, num;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, "struct module", "arch.orc_unwind_ip", &ip);
	if (!err)
		err = kinspect_dwarf_types_member(types, "struct module", "arch.orc_unwind", &entries);
	if (!err)
		err = kinspect_dwarf_types_member(types, "struct module", "arch.num_orcs", &num);
	if (!err && num.size <= 8) {
		orc->layout_known = true;
		orc->ip_off = ip.offset;
		orc->orc_off = entries.offset;
		orc->num_off = num.offset;
		orc->num_size = num.size;
	}
	kinspect_error_destroy(err);
}

static struct kinspect_error *read_field(const struct kinspect_orc_kernel *orc, uint64_t addr, uint64_t size,
					 uint64_t *ret)
{
	uint8_t buf[8];
	struct kinspect_error *err = kinspect_memory_read(orc->kernel.mem, addr, buf, size);
	*ret = kinspect_load_le(buf, size);
	return err;
}

static struct kinspect_error *load_module(struct kinspect_orc_kernel *orc, const struct kinspect_arch_module *m,
					  struct kinspect_orc_module *out)
{
	read_module_layout(orc);
	if (!orc->layout_known)
		return NULL;
	uint64_t ips, entries, n;
	struct kinspect_error *err;
	if ((err = read_field(orc, m->address + orc->ip_off, 8, &ips)) ||
	    (err = read_field(orc, m->address + orc->orc_off, 8, &entries)) ||
	    (err = read_field(orc, m->address + orc->num_off, orc->num_size, &n)))
		return kinspect_error_wrap(err, "ORC tables of module %s", m->name);
	if (n == 0 || n > MODULE_ORCS_MAX)
		return n ? kinspect_error_create(KINSPECT_ERROR_FORMAT, "module %s: %" PRIu64 " ORC entries", m->name, n)
			 : NULL;
	struct kinspect_orc_table *t = &out->table;
	t->format = orc->format;
	t->ip_base = ips;
	t->n = n;
	uint8_t *own_ips = malloc(n * 4), *own_entries = malloc(n * orc->format->entry_size);
	t->ips = own_ips;
	t->entries = own_entries;
	if (!own_ips || !own_entries) {
		kinspect_orc_table_deinit(t);
		return &kinspect_error_nomem;
	}
	if ((err = kinspect_memory_read(orc->kernel.mem, ips, own_ips, n * 4)) ||
	    (err = kinspect_memory_read(orc->kernel.mem, entries, own_entries, n * orc->format->entry_size))) {
		kinspect_orc_table_deinit(t);
		return kinspect_error_wrap(err, "ORC tables of module %s", m->name);
	}
	for (unsigned int r = 0; r < m->nr_ranges; r++)
		kinspect_orc_table_add_range(t, m->start[r], m->end[r]);
	out->have = true;
	return NULL;
}

/* Module M's entry, its tables read when it is new; NULL when out of
 * memory. */
static struct kinspect_orc_module *module_tables(struct kinspect_orc_kernel *orc, const struct kinspect_arch_module *m)
{
	for (size_t i = 0; i < orc->nr_modules; i++) {
		if (orc->modules[i].address == m->address)
			return &orc->modules[i];
	}
	struct kinspect_orc_module *mods = realloc(orc->modules, (orc->nr_modules + 1) * sizeof(*mods));
	if (!mods)
		return NULL;
	orc->modules = mods;
	struct kinspect_orc_module *out = &mods[orc->nr_modules++];
	memset(out, 0, sizeof(*out));
	out->address = m->address;
	snprintf(out->table.name, sizeof(out->table.name), "%s", m->name);
	struct kinspect_error *err = load_module(orc, m, out);
	if (err) {
		char *msg = kinspect_error_string(err);
		kinspect_warn("%s", msg ? msg : "out of memory");
		free(msg);
		kinspect_error_destroy(err);
	}
	return out;
}

enum kinspect_orc_lookup kinspect_orc_kernel_find(void *arg, uint64_t addr, struct kinspect_orc_entry *ret,
						  const char **ret_table)
{
	struct kinspect_orc_kernel *orc = arg;
	if (kinspect_orc_table_covers(&orc->vmlinux, addr)) {
		*ret_table = orc->vmlinux.name;
		return kinspect_orc_table_find(&orc->vmlinux, addr, ret) ? KINSPECT_ORC_FOUND : KINSPECT_ORC_NOT_TEXT;
	}
	struct kinspect_arch_module m;
	if (!orc->kernel.module_at(orc->kernel.ctx, addr, &m))
		return KINSPECT_ORC_NOT_TEXT;
	struct kinspect_orc_module *mod = module_tables(orc, &m);
	*ret_table = mod ? mod->table.name : m.name;
	if (!mod || !mod->have)
		return KINSPECT_ORC_NOT_TEXT;
	return kinspect_orc_table_find(&mod->table, addr, ret) ? KINSPECT_ORC_FOUND : KINSPECT_ORC_NOT_TEXT;
}
