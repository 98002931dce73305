/* Functions and their parameters from DWARF (see dwarf-function.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdio.h>
#include <string.h>

#include "core/error-priv.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/dwarf-function.h"

/* Typedef chains and pointer levels in a type name: bounded against
 * hostile DWARF that loops. */
#define TYPE_DEPTH_MAX 16

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct kinspect_error *kinspect_dwarf_function_open(const char *file, Dwfl **ret_dwfl, Dwfl_Module **ret_mod)
{
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);
	if (!dwfl)
		return &kinspect_error_nomem;
	Dwfl_Module *mod = dwfl_report_offline(dwfl, "kernel", file, -1);
	struct kinspect_error *err = NULL;
	Dwarf_Addr bias;
	if (!mod || dwfl_report_end(dwfl, NULL, NULL) != 0)
		err = kinspect_error_file(file, "cannot read ELF: %s", dwfl_errmsg(-1));
	else
		err = kinspect_elf_check_compressed(dwfl_module_getelf(mod, &bias), file);
	if (err) {
		dwfl_end(dwfl);
		return err;
	}
	*ret_dwfl = dwfl;
	*ret_mod = mod;
	return NULL;
}

/* The type DIE that DIE's DW_AT_type names (following abstract origins). */
static bool type_of(Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, ret);
}

/* TYPE as C spells it, approximately: "struct iov_iter *", "u64". */
static void type_name(Dwarf_Die *type, char *buf, size_t size)
{
	char stars[TYPE_DEPTH_MAX + 1] = "";
	size_t nr_stars = 0;
	Dwarf_Die t = *type;
	const char *prefix = "";
	for (int depth = 0; depth < TYPE_DEPTH_MAX; depth++) {
		int tag = dwarf_tag(&t);
		const char *name = dwarf_diename(&t);
		switch (tag) {
		case DW_TAG_pointer_type:
			stars[nr_stars++] = '*';
			if (!type_of(&t, &t)) {
				snprintf(buf, size, "void %s", stars);
				return;
			}
			continue;
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
			if (!type_of(&t, &t)) {
				snprintf(buf, size, "void%s%s", nr_stars ? " " : "", stars);
				return;
			}
			continue;
		case DW_TAG_structure_type: prefix = "struct "; break;
		case DW_TAG_union_type: prefix = "union "; break;
		case DW_TAG_enumeration_type: prefix = "enum "; break;
		case DW_TAG_subroutine_type: name = "(function)"; break;
		default: break;
		}
		snprintf(buf, size, "%s%s%s%s", prefix, name ? name : "?", nr_stars ? " " : "", stars);
		return;
	}
	snprintf(buf, size, "?");
}

/* Whether TYPE, with typedefs and qualifiers peeled, is passed as a
 * struct, union or array. */
static bool is_aggregate(Dwarf_Die *type)
{
	Dwarf_Die t = *type;
	for (int depth = 0; depth < TYPE_DEPTH_MAX; depth++) {
		switch (dwarf_tag(&t)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
			if (!type_of(&t, &t))
				return false;
			continue;
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_class_type:
		case DW_TAG_array_type: return true;
		default: return false;
		}
	}
	return false;
}

static void add_param(struct kinspect_function *fn, Dwarf_Die *die)
{
	if (fn->nr_params >= KINSPECT_FUNCTION_PARAMS_MAX) {
		fn->more_params = true;
		return;
	}
	struct kinspect_function_param *p = &fn->params[fn->nr_params++];
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	Dwarf_Die type;
	if (type_of(die, &type)) {
		type_name(&type, p->type, sizeof(p->type));
		Dwarf_Word size;
		if (dwarf_aggregate_size(&type, &size) == 0)
			p->size = size;
		p->aggregate = is_aggregate(&type);
	} else {
		snprintf(p->type, sizeof(p->type), "?");
	}
}

struct find {
	Dwarf_Addr addr;
	Dwarf_Die die;
	bool found;
};

/* Whether one of DIE's address ranges starts at ADDR.  A function GCC split
 * into hot and .cold parts has DW_AT_ranges and no DW_AT_low_pc, and
 * dwarf_entrypc() then fails (or gives the lowest part, the cold one): its
 * entry is the start of one of its ranges. */
static bool range_starts_at(Dwarf_Die *die, Dwarf_Addr addr)
{
	Dwarf_Addr base, start, end;
	ptrdiff_t offset = 0;
	for (int i = 0; i < 64 && (offset = dwarf_ranges(die, offset, &base, &start, &end)) > 0; i++) {
		if (start == addr)
			return true;
	}
	return false;
}

static int match_function(Dwarf_Die *die, void *arg)
{
	struct find *f = arg;
	Dwarf_Addr entry;
	if ((dwarf_entrypc(die, &entry) == 0 && entry == f->addr) || range_starts_at(die, f->addr)) {
		f->die = *die;
		f->found = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

struct kinspect_error *kinspect_dwarf_function_at(Dwfl_Module *mod, uint64_t addr, struct kinspect_function *ret)
{
	memset(ret, 0, sizeof(*ret));
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	if (!cu)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no DWARF compile unit covers 0x%llx",
					     (unsigned long long)addr);
	struct find f = { .addr = addr - bias };
	/* dwarf_getfuncs() sees the CU's top-level functions: an out-of-line
	 * function's concrete DIE always is one. */
	if (dwarf_getfuncs(cu, match_function, &f, 0) < 0 && !f.found)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "cannot read the functions of a CU: %s",
					     dwarf_errmsg(-1));
	if (!f.found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no DWARF function starts at 0x%llx",
					     (unsigned long long)addr);
	return kinspect_dwarf_function_from_die(&f.die, addr, ret);
}

struct kinspect_error *kinspect_dwarf_function_from_die(Dwarf_Die *die, uint64_t entry, struct kinspect_function *ret)
{
	memset(ret, 0, sizeof(*ret));
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	snprintf(ret->name, sizeof(ret->name), "%s", name ? name : "?");
	ret->entry = entry;
	/* The concrete instance of an inlined-elsewhere function lists its
	 * parameters with DW_AT_abstract_origin: same order, names through
	 * the origin. */
	Dwarf_Die child;
	if (dwarf_child(die, &child) == 0) {
		do {
			int tag = dwarf_tag(&child);
			if (tag == DW_TAG_formal_parameter)
				add_param(ret, &child);
			else if (tag == DW_TAG_unspecified_parameters)
				ret->varargs = true;
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	return NULL;
}
