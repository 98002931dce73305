/* Typed objects of a session (see kinspect/object.h): where a variable
 * lies (per-CPU copies included), where its bytes come from (the target,
 * or the vmlinux file without one), and formatting them with the value
 * printer, as kinspect(1)'s print shows them.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>

#include <kinspect/object.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/json-writer.h"
#include "debuginfo/value-printer.h"
#include "libkinspect/kernel-priv.h"
#include "libkinspect/type-priv.h"
#include "debuginfo/vmlinux-priv.h"
#include "linux/cpus.h"

/* Larger objects are a mistake more often than not (and gdb's default
 * max-value-size is 64 KiB). */
#define FORMAT_MAX (1u << 20)

struct kinspect_object {
	struct kinspect_kernel *kernel;
	const struct kinspect_type *type;
	uint64_t address;    /* of the first byte */
	uint64_t size;       /* bytes from there */
	uint64_t bit_offset; /* a bit-field: its first bit in the first byte */
	uint32_t bit_size;   /* a bit-field's width, else 0 */
};

static struct kinspect_error *new_object(struct kinspect_kernel *k, const struct kinspect_type *type, uint64_t addr,
					 struct kinspect_object **ret)
{
	uint64_t size;
	struct kinspect_error *err = kinspect_type_size(type, &size);
	if (err)
		return err;
	struct kinspect_object *o = calloc(1, sizeof(*o));
	if (!o)
		return &kinspect_error_nomem;
	*o = (struct kinspect_object){ .kernel = k, .type = type, .address = addr, .size = size };
	*ret = o;
	return NULL;
}

struct kinspect_error *kinspect_kernel_object(struct kinspect_kernel *k, const struct kinspect_type *type,
					      uint64_t addr, struct kinspect_object **ret)
{
	if (type->kernel != k)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "type %s is of another session",
					     type->name);
	return new_object(k, type, addr, ret);
}

/* Whether the variable linked at ADDR is a per-CPU one: inside
 * [__per_cpu_start, __per_cpu_end).  Without the bounds, the architecture
 * table's rule is the guess: an offset below its per-CPU limit (the
 * zero-based per-CPU area before v6.15). */
static bool is_percpu(const struct kinspect_vmlinux *vmlinux, uint64_t addr)
{
	uint64_t start, end;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, "__per_cpu_start", &start, NULL);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "__per_cpu_end", &end, NULL);
	if (err) {
		kinspect_error_destroy(err);
		return !kinspect_kaslr_in_image(addr) && addr < kinspect_arch()->percpu_offset_limit;
	}
	return addr >= start && addr < end;
}

/* The runtime address of the per-CPU variable NAME linked at LINK on CPU:
 * __per_cpu_offset[cpu] plus the variable's address (its runtime one since
 * v6.15; before, its offset in the zero-based area). */
static struct kinspect_error *percpu_address(struct kinspect_kernel *k, const struct kinspect_vmlinux *vmlinux,
					     const char *name, uint64_t link, int cpu, uint64_t *ret)
{
	if (cpu < 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "%s is a per-CPU variable: say which CPU's copy", name);
	const struct kinspect_kaslr *kaslr;
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
	if (err)
		return err;
	uint64_t table, table_size;
	if ((err = kinspect_vmlinux_symbol(vmlinux, "__per_cpu_offset", &table, &table_size)))
		return kinspect_error_wrap(err, "per-CPU variable %s", name);
	if (table_size && (uint64_t)cpu >= table_size / 8)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "CPU %d: the kernel has at most %" PRIu64 " CPUs", cpu, table_size / 8);
	if ((err = kinspect_cpu_check_possible(vmlinux, kaslr->slide, mem, (uint64_t)cpu)))
		return err;
	uint64_t base;
	err = kinspect_kernel_read(k, kinspect_kaslr_runtime(kaslr->slide, table) + 8 * (uint64_t)cpu, &base, 8);
	if (err)
		return kinspect_error_wrap(err, "__per_cpu_offset[%d]", cpu);
	*ret = base + kinspect_kaslr_runtime(kaslr->slide, link);
	return NULL;
}

struct kinspect_error *kinspect_kernel_object_variable(struct kinspect_kernel *k, const char *name, int cpu,
						       struct kinspect_object **ret)
{
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err || (err = kinspect_kernel_types(k, &types)))
		return err;
	struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
	uint64_t addr = 0;
	bool has_addr = false;
	err = kinspect_dwarf_types_find_variable(types, name, &pos.die, &addr, &has_addr);
	if (!err && !has_addr)
		err = kinspect_vmlinux_probe_symbol(vmlinux, name, &addr, NULL);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return &kinspect_error_not_found;
	}
	if (err)
		return err;
	bool percpu = is_percpu(vmlinux, addr);
	if (cpu >= 0 && !percpu)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "CPU %d: %s is not a per-CPU variable", cpu, name);
	if (kinspect_kernel_target_kind(k) != KINSPECT_TARGET_NONE) {
		if (percpu) {
			err = percpu_address(k, vmlinux, name, addr, cpu, &addr);
		} else {
			const struct kinspect_kaslr *kaslr;
			if (!(err = kinspect_kernel_kaslr_record(k, &kaslr)))
				addr = kinspect_kaslr_runtime(kaslr->slide, addr);
		}
		if (err)
			return err;
	} else if (cpu >= 0) {
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "CPU %d's copy of %s needs a target: the vmlinux file holds only the "
					     "initial copy of per-CPU variables", cpu, name);
	}
	const struct kinspect_type *type;
	if ((err = kinspect_type_intern(k, &pos, NULL, &type)))
		return err;
	return new_object(k, type, addr, ret);
}

void kinspect_object_destroy(struct kinspect_object *o)
{
	free(o);
}

struct kinspect_error *kinspect_object_member(const struct kinspect_object *o, const char *path,
					      struct kinspect_object **ret)
{
	struct kinspect_member m;
	struct kinspect_error *err = kinspect_type_member(o->type, path, &m);
	if (err)
		return err;
	struct kinspect_object *member = calloc(1, sizeof(*member));
	if (!member)
		return &kinspect_error_nomem;
	/* Only the member's bytes: whole bytes around a bit-field. */
	uint64_t bits = o->bit_offset + m.bit_offset;
	*member = (struct kinspect_object){
		.kernel = o->kernel,
		.type = m.type,
		.address = o->address + bits / 8,
		.size = m.bit_size ? (bits % 8 + m.bit_size + 7) / 8 : m.size,
		.bit_offset = m.bit_size ? bits % 8 : 0,
		.bit_size = m.bit_size,
	};
	*ret = member;
	return NULL;
}

const struct kinspect_type *kinspect_object_type(const struct kinspect_object *o)
{
	return o->type;
}

uint64_t kinspect_object_address(const struct kinspect_object *o)
{
	return o->address;
}

uint64_t kinspect_object_size(const struct kinspect_object *o)
{
	return o->size;
}

bool kinspect_object_bit_field(const struct kinspect_object *o, uint64_t *ret_bit_offset, uint32_t *ret_bit_size)
{
	if (!o->bit_size)
		return false;
	if (ret_bit_offset)
		*ret_bit_offset = o->bit_offset;
	if (ret_bit_size)
		*ret_bit_size = o->bit_size;
	return true;
}

/* Read LEN bytes at the object's address: from the target (runtime
 * addresses), or without one from the vmlinux file (link-time). */
static struct kinspect_error *read_bytes(const struct kinspect_object *o, void *buf, size_t len)
{
	struct kinspect_error *err;
	if (kinspect_kernel_target_kind(o->kernel) != KINSPECT_TARGET_NONE) {
		err = kinspect_kernel_read(o->kernel, o->address, buf, len);
	} else {
		struct kinspect_vmlinux *vmlinux;
		if ((err = kinspect_kernel_vmlinux(o->kernel, &vmlinux)))
			return err;
		err = kinspect_vmlinux_read(vmlinux, o->address, buf, len);
		if (err && kinspect_error_code(err) == KINSPECT_ERROR_FAULT)
			err = kinspect_error_wrap(err, "not in the vmlinux file (uninitialised data such as .bss is "
						       "only in a running kernel or a dump: give one with -t)");
	}
	return err ? kinspect_error_wrap(err, "read %zu bytes at 0x%" PRIx64, len, o->address) : NULL;
}

struct kinspect_error *kinspect_object_read_u64(const struct kinspect_object *o, uint64_t *ret)
{
	int tag = dwarf_tag((Dwarf_Die *)&o->type->pos.die);
	bool scalar = tag == DW_TAG_base_type || tag == DW_TAG_enumeration_type || tag == DW_TAG_pointer_type;
	if (!scalar || o->size > 8 || o->size == 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "%s is not an integer, enumerator or pointer of at most 8 bytes",
					     o->type->name);
	uint8_t buf[8] = { 0 };
	struct kinspect_error *err = read_bytes(o, buf, o->size);
	if (err)
		return err;
	/* Little-endian, as every kernel kinspect reads. */
	uint64_t value = 0;
	for (size_t i = o->size; i-- > 0;)
		value = value << 8 | buf[i];
	if (o->bit_size)
		value = (value >> o->bit_offset) & (o->bit_size >= 64 ? UINT64_MAX : (UINT64_C(1) << o->bit_size) - 1);
	*ret = value;
	return NULL;
}

/* Pointers into the vmlinux as gdb writes them: <symbol+decimal offset>. */
static bool symbolize(void *ctx, uint64_t addr, char *buf, size_t size)
{
	const struct kinspect_object *o = ctx;
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide = 0;
	const struct kinspect_kaslr *kaslr;
	const char *name;
	uint64_t offset;
	struct kinspect_error *err = kinspect_kernel_vmlinux(o->kernel, &vmlinux);
	if (!err && kinspect_kernel_target_kind(o->kernel) != KINSPECT_TARGET_NONE &&
	    !(err = kinspect_kernel_kaslr_record(o->kernel, &kaslr)))
		slide = kaslr->slide;
	if (!err)
		err = kinspect_vmlinux_symbolize(vmlinux, kinspect_kaslr_link(slide, addr), &name, &offset);
	if (err) {
		kinspect_error_destroy(err);
		return false;
	}
	if (offset)
		snprintf(buf, size, "%s+%" PRIu64, name, offset);
	else
		snprintf(buf, size, "%s", name);
	return true;
}

struct kinspect_error *kinspect_object_format(const struct kinspect_object *o, unsigned int flags, char **ret)
{
	if (o->size > FORMAT_MAX)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "%s is %" PRIu64 " bytes; at most %u are formatted", o->type->name,
					     o->size, FORMAT_MAX);
	_cleanup_free_ uint8_t *bytes = malloc(o->size ? o->size : 1);
	if (!bytes)
		return &kinspect_error_nomem;
	struct kinspect_error *err = o->size ? read_bytes(o, bytes, o->size) : NULL;
	if (err)
		return err;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return &kinspect_error_nomem;
	struct kinspect_json json;
	kinspect_json_init(&json, out, flags & KINSPECT_FORMAT_PRETTY);
	struct kinspect_value_printer printer = {
		.types = o->type->types,
		.out = out,
		.json = flags & KINSPECT_FORMAT_JSON ? &json : NULL,
		.symbolize = symbolize,
		.symbolize_ctx = (void *)o,
	};
	struct kinspect_dwarf_type_pos pos = o->type->pos;
	err = kinspect_value_print(&printer, &pos, o->bit_offset, o->bit_size, bytes, o->size);
	if (fclose(out) != 0 && !err)
		err = &kinspect_error_nomem;
	if (err) {
		free(text);
		return err;
	}
	*ret = text;
	return NULL;
}

struct kinspect_error *kinspect_kernel_read_variable(struct kinspect_kernel *k, const char *name, const char *path,
						     uint64_t *ret)
{
	struct kinspect_object *object, *member = NULL;
	struct kinspect_error *err = kinspect_kernel_object_variable(k, name, -1, &object);
	if (err)
		return err;
	if (path[0])
		err = kinspect_object_member(object, path, &member);
	if (!err)
		err = kinspect_object_read_u64(member ? member : object, ret);
	kinspect_object_destroy(member);
	kinspect_object_destroy(object);
	return err ? kinspect_error_wrap(err, "%s%s%s", name, path[0] && path[0] != '[' ? "." : "", path) : NULL;
}

bool kinspect_kernel_has_symbol(struct kinspect_kernel *k, const char *name, uint64_t *ret_size)
{
	struct kinspect_vmlinux *vmlinux;
	uint64_t addr, size = 0;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, name, &addr, &size);
	bool found = !err;
	kinspect_error_destroy(err);
	if (found && ret_size)
		*ret_size = size;
	return found;
}
