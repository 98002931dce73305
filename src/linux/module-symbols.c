/* Module symbols from .ko symbol tables placed at the guest's section
 * addresses.  Sections, files and tables are loaded per module on first
 * use, so "sym ADDR" opens only the module holding ADDR.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "linux/module-info.h"
#include "linux/module-symbols.h"
#include "linux/modules.h"

#define NOT_LOADED UINT64_MAX

struct msym {
	uint64_t value, size;
	uint64_t address; /* once resolved */
	const char *name; /* in the .ko's string table */
	size_t shndx;     /* ELF section */
	size_t section;   /* index into loaded.sections, once resolved */
	bool global;
};

struct loaded {
	struct kinspect_module module;
	bool sections_read;
	struct kinspect_error *sections_err;
	struct kinspect_section_address *sections;
	size_t nr_sections;
	bool file_tried;
	struct kinspect_error *file_err;
	struct kinspect_module_file *file;
	/* From the .ko's symbol table; once resolved (section addresses
	 * read), only those in loaded sections, sorted by address. */
	struct msym *syms;
	size_t nr_syms;
	bool resolved;
	struct kinspect_error *resolve_err;
	struct kinspect_module_debuginfo *debuginfo;
	bool debuginfo_failed; /* its DWARF could not be used: not tried again */
};

struct kinspect_module_symbols {
	const struct kinspect_memory *mem;
	char **dirs;
	size_t nr_dirs;
	struct kinspect_module_info *info;
	struct loaded *modules;
	size_t nr_modules, capacity;
};

static struct kinspect_error *add_module(const struct kinspect_module *module, void *arg)
{
	struct kinspect_module_symbols *ms = arg;
	if (ms->nr_modules == ms->capacity) {
		size_t n = ms->capacity ? 2 * ms->capacity : 16;
		struct loaded *p = realloc(ms->modules, n * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		ms->modules = p;
		ms->capacity = n;
	}
	ms->modules[ms->nr_modules++] = (struct loaded){ .module = *module };
	return NULL;
}

void kinspect_module_symbols_destroy(struct kinspect_module_symbols *ms)
{
	if (!ms)
		return;
	for (size_t i = 0; i < ms->nr_modules; i++) {
		struct loaded *l = &ms->modules[i];
		kinspect_module_debuginfo_destroy(l->debuginfo);
		free(l->syms);
		kinspect_module_file_destroy(l->file);
		kinspect_error_destroy(l->file_err);
		kinspect_error_destroy(l->resolve_err);
		kinspect_error_destroy(l->sections_err);
		kinspect_section_addresses_free(l->sections, l->nr_sections);
	}
	free(ms->modules);
	for (size_t i = 0; i < ms->nr_dirs; i++)
		free(ms->dirs[i]);
	free(ms->dirs);
	kinspect_module_info_destroy(ms->info);
	free(ms);
}

struct kinspect_error *kinspect_module_symbols_create(struct kinspect_dwarf_types *types,
						      const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						      const struct kinspect_memory *mem, const char *const *dirs,
						      size_t nr_dirs, struct kinspect_module_symbols **ret)
{
	struct kinspect_module_symbols *ms = calloc(1, sizeof(*ms));
	if (!ms)
		return &kinspect_error_nomem;
	ms->mem = mem;
	struct kinspect_error *err = NULL;
	if (nr_dirs && !(ms->dirs = calloc(nr_dirs, sizeof(*ms->dirs))))
		err = &kinspect_error_nomem;
	for (size_t i = 0; !err && i < nr_dirs; i++) {
		if (!(ms->dirs[i] = strdup(dirs[i])))
			err = &kinspect_error_nomem;
		else
			ms->nr_dirs++;
	}
	if (!err)
		err = kinspect_module_info_create(types, vmlinux, slide, mem, &ms->info);
	if (!err)
		err = kinspect_modules_for_each(types, vmlinux, slide, mem, add_module, ms);
	if (err) {
		kinspect_module_symbols_destroy(ms);
		return err;
	}
	*ret = ms;
	return NULL;
}

static struct kinspect_error *ensure_sections(struct kinspect_module_symbols *ms, struct loaded *l)
{
	if (!l->sections_read) {
		l->sections_read = true;
		l->sections_err = kinspect_error_wrap(kinspect_module_info_sections(ms->info, l->module.address,
										  &l->sections, &l->nr_sections),
						      "sections of module %s", l->module.name);
	}
	return l->sections_err;
}

/* Init sections are freed once a module is live; their symbols would name
 * memory that now belongs to something else. */
static bool usable_section(const struct loaded *l, const char *name)
{
	return !(strncmp(name, ".init", 5) == 0 && strcmp(l->module.state, "live") == 0);
}

static int compare_syms(const void *a, const void *b)
{
	const struct msym *x = a, *y = b;
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	if (x->global != y->global)
		return x->global ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The .ko's function and object symbols, not yet placed. */
static struct kinspect_error *load_symbols(struct loaded *l)
{
	Elf *elf = kinspect_module_file_elf(l->file);
	const char *path = kinspect_module_file_path(l->file);
	size_t shnum;
	if (elf_getshdrnum(elf, &shnum) != 0)
		return kinspect_error_file(path, "bad section headers: %s", elf_errmsg(-1));
	Elf_Data *symbols = NULL, *xindex = NULL;
	size_t strtab = 0, nr = 0;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr shdr;
		if (!scn || !gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_SYMTAB && !symbols && shdr.sh_entsize) {
			symbols = elf_getdata(scn, NULL);
			strtab = shdr.sh_link;
			nr = shdr.sh_size / shdr.sh_entsize;
		} else if (shdr.sh_type == SHT_SYMTAB_SHNDX) {
			xindex = elf_getdata(scn, NULL);
		}
	}
	if (!symbols)
		return kinspect_error_file(path, "no symbol table (.symtab)");
	l->syms = calloc(nr ? nr : 1, sizeof(*l->syms));
	if (!l->syms)
		return &kinspect_error_nomem;
	for (size_t i = 1; i < nr; i++) {
		GElf_Sym sym;
		GElf_Word shndx;
		if (!gelf_getsymshndx(symbols, xindex, (int)i, &sym, &shndx))
			break;
		if (sym.st_shndx != SHN_XINDEX)
			shndx = sym.st_shndx;
		int type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) || sym.st_name == 0 ||
		    shndx == SHN_UNDEF || shndx >= shnum)
			continue;
		const char *name = elf_strptr(elf, strtab, sym.st_name);
		if (!name || !name[0])
			continue;
		l->syms[l->nr_syms++] = (struct msym){
			.value = sym.st_value,
			.size = sym.st_size,
			.name = name,
			.shndx = shndx,
			.global = GELF_ST_BIND(sym.st_info) != STB_LOCAL,
		};
	}
	return NULL;
}

/* Place the symbols at the guest's section addresses: only symbols of
 * loaded (SHF_ALLOC, listed in sect_attrs, not freed) sections stay. */
static struct kinspect_error *place_symbols(struct loaded *l)
{
	Elf *elf = kinspect_module_file_elf(l->file);
	size_t shnum, shstrndx;
	if (elf_getshdrnum(elf, &shnum) != 0 || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return kinspect_error_file(kinspect_module_file_path(l->file), "bad section headers: %s",
					   elf_errmsg(-1));
	_cleanup_free_ size_t *section_of = malloc((shnum ? shnum : 1) * sizeof(*section_of));
	if (!section_of)
		return &kinspect_error_nomem;
	for (size_t i = 0; i < shnum; i++) {
		section_of[i] = SIZE_MAX;
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr shdr;
		const char *name = scn && gelf_getshdr(scn, &shdr) ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
		if (!name || !(shdr.sh_flags & SHF_ALLOC) || !usable_section(l, name))
			continue;
		for (size_t j = 0; j < l->nr_sections; j++) {
			if (strcmp(l->sections[j].name, name) == 0)
				section_of[i] = j;
		}
	}
	size_t n = 0;
	for (size_t i = 0; i < l->nr_syms; i++) {
		struct msym *sym = &l->syms[i];
		size_t s = section_of[sym->shndx];
		if (s == SIZE_MAX)
			continue;
		sym->section = s;
		sym->address = l->sections[s].address + sym->value;
		l->syms[n++] = *sym;
	}
	l->nr_syms = n;
	qsort(l->syms, l->nr_syms, sizeof(*l->syms), compare_syms);
	return NULL;
}

/* A new error (the caller's to destroy) with the message of E. */
static struct kinspect_error *copy_error(const struct kinspect_error *e)
{
	_cleanup_free_ char *message = kinspect_error_string(e);
	if (!message)
		return &kinspect_error_nomem;
	return kinspect_error_create(kinspect_error_code(e), "%s", message);
}

static struct kinspect_error *find_file(struct kinspect_module_symbols *ms, struct loaded *l)
{
	if (ms->nr_dirs == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s: no module directory to look for "
					     "its .ko (give one with -m)", l->module.name);
	uint8_t build_id[KINSPECT_BUILD_ID_MAX];
	size_t build_id_len = 0;
	/* The notes take a few reads; the section list one per section. */
	struct kinspect_error *err = kinspect_module_info_build_id(ms->info, l->module.address, build_id,
								   &build_id_len);
	if (err) {
		kinspect_error_destroy(err);
		err = ensure_sections(ms, l) ? copy_error(l->sections_err)
					     : kinspect_module_build_id(ms->mem, l->sections, l->nr_sections, build_id,
									&build_id_len);
	}
	if (err) {
		/* Without the guest's build-id a file cannot be verified: say so. */
		_cleanup_free_ char *why = kinspect_error_string(err);
		kinspect_warn("module %s: cannot read its build-id from memory (%s); its .ko is used unverified",
			      l->module.name, why ? why : "?");
		kinspect_error_destroy(err);
		build_id_len = 0;
	}
	if ((err = kinspect_module_file_find((const char *const *)ms->dirs, ms->nr_dirs, l->module.name, build_id,
					     build_id_len, &l->file)))
		return err;
	return load_symbols(l);
}

/* Whether L's .ko and symbols are loaded (tried once). */
static bool have_file(struct kinspect_module_symbols *ms, struct loaded *l)
{
	if (!l->file_tried) {
		l->file_tried = true;
		l->file_err = find_file(ms, l);
	}
	return !l->file_err;
}

/* Load L's .ko; a new error if it cannot be used. */
static struct kinspect_error *ensure_file(struct kinspect_module_symbols *ms, struct loaded *l)
{
	return have_file(ms, l) ? NULL : copy_error(l->file_err);
}

/* Load L's .ko and place its symbols (tried once); a new error if not. */
static struct kinspect_error *ensure_placed(struct kinspect_module_symbols *ms, struct loaded *l)
{
	if (!have_file(ms, l))
		return copy_error(l->file_err);
	if (!l->resolved) {
		l->resolved = true;
		l->resolve_err = ensure_sections(ms, l) ? copy_error(l->sections_err) : place_symbols(l);
	}
	return l->resolve_err ? copy_error(l->resolve_err) : NULL;
}

static struct loaded *find_loaded(struct kinspect_module_symbols *ms, const char *name, size_t name_len)
{
	for (size_t i = 0; i < ms->nr_modules; i++) {
		char buf[sizeof(ms->modules[i].module.name)];
		if (name_len >= sizeof(buf))
			return NULL;
		memcpy(buf, name, name_len);
		buf[name_len] = '\0';
		if (kinspect_module_name_equal(ms->modules[i].module.name, buf))
			return &ms->modules[i];
	}
	return NULL;
}

/* The best symbol NAME of L (global first), or NULL. */
static const struct msym *find_in(const struct loaded *l, const char *name)
{
	const struct msym *best = NULL;
	for (size_t i = 0; i < l->nr_syms; i++) {
		if (strcmp(l->syms[i].name, name) == 0 && (!best || (l->syms[i].global && !best->global)))
			best = &l->syms[i];
	}
	return best;
}

static void set_result(const struct loaded *l, const struct msym *s, uint64_t offset,
		       struct kinspect_module_symbol *ret)
{
	*ret = (struct kinspect_module_symbol){ .module = l->module.name, .name = s->name, .address = s->address,
						.size = s->size, .offset = offset };
}

/* Split "MODULE:NAME"; *MODULE is NULL for a plain name. */
static const char *split_name(struct kinspect_module_symbols *ms, const char *name, struct loaded **module,
			      struct kinspect_error **err)
{
	*module = NULL;
	*err = NULL;
	const char *colon = strchr(name, ':');
	if (!colon)
		return name;
	*module = find_loaded(ms, name, (size_t)(colon - name));
	if (!*module)
		*err = kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module %.*s is loaded", (int)(colon - name),
					     name);
	return colon + 1;
}

struct kinspect_error *kinspect_module_symbols_lookup(struct kinspect_module_symbols *ms, const char *name,
						      struct kinspect_module_symbol *ret)
{
	struct loaded *only;
	struct kinspect_error *err;
	const char *sym_name = split_name(ms, name, &only, &err);
	if (err)
		return err;
	if (only) {
		if ((err = ensure_placed(ms, only)))
			return err;
		const struct msym *s = find_in(only, sym_name);
		if (!s)
			return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s has no symbol %s",
						     only->module.name, sym_name);
		set_result(only, s, 0, ret);
		return NULL;
	}
	if (ms->nr_dirs == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "symbol %s: no module directory to look in the "
					     "loaded modules' .ko files (give one with -m)", sym_name);
	const struct loaded *found = NULL;
	const struct msym *found_sym = NULL;
	char missing[256] = "";
	size_t nr_missing = 0;
	for (size_t i = 0; i < ms->nr_modules; i++) {
		struct loaded *l = &ms->modules[i];
		if (!have_file(ms, l)) {
			if (nr_missing++ < 8 && strlen(missing) + strlen(l->module.name) + 3 < sizeof(missing)) {
				if (missing[0])
					strcat(missing, ", ");
				strcat(missing, l->module.name);
			}
			continue;
		}
		/* Sections are read only for a module that has the name. */
		if (!find_in(l, sym_name))
			continue;
		struct kinspect_error *e = ensure_placed(ms, l);
		if (e)
			return kinspect_error_wrap(e, "symbol %s", sym_name);
		const struct msym *s = find_in(l, sym_name);
		if (!s)
			continue;
		if (found)
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						     "symbol %s is in modules %s and %s: write MODULE:%s", sym_name, found->module.name, l->module.name,
						     sym_name);
		found = l;
		found_sym = s;
	}
	if (!found)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no loaded module has symbol %s%s%s%s", sym_name,
					     nr_missing ? " (no usable .ko for: " : "", missing,
					     nr_missing > 8 ? ", ...)" : nr_missing ? ")" : "");
	set_result(found, found_sym, 0, ret);
	return NULL;
}

static bool in_module(const struct loaded *l, uint64_t addr)
{
	for (unsigned int i = 0; i < l->module.nr_regions; i++) {
		const struct kinspect_module_region *r = &l->module.regions[i];
		if (r->size && addr >= r->base && addr - r->base < r->size)
			return true;
	}
	return false;
}

/* The section of L with the highest address at or below ADDR. */
static const struct kinspect_section_address *section_at(const struct loaded *l, uint64_t addr, size_t *index)
{
	const struct kinspect_section_address *best = NULL;
	for (size_t i = 0; i < l->nr_sections; i++) {
		const struct kinspect_section_address *s = &l->sections[i];
		if (s->address <= addr && (!best || s->address > best->address) && usable_section(l, s->name)) {
			best = s;
			*index = i;
		}
	}
	return best;
}

struct kinspect_error *kinspect_module_symbols_symbolize(struct kinspect_module_symbols *ms, uint64_t addr,
							 struct kinspect_module_symbol *ret)
{
	struct loaded *l = NULL;
	for (size_t i = 0; i < ms->nr_modules && !l; i++) {
		if (in_module(&ms->modules[i], addr))
			l = &ms->modules[i];
	}
	if (!l)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module holds 0x%llx",
					     (unsigned long long)addr);
	if (ensure_sections(ms, l))
		return copy_error(l->sections_err);
	size_t section = SIZE_MAX;
	const struct kinspect_section_address *s = section_at(l, addr, &section);
	struct kinspect_error *placed = ensure_placed(ms, l);
	bool have_symbols = !placed && l->nr_syms;
	kinspect_error_destroy(placed);
	if (have_symbols) {
		/* The last symbol at or below ADDR, in the section holding ADDR. */
		size_t lo = 0, hi = l->nr_syms;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (l->syms[mid].address <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0) {
			size_t i = lo - 1;
			/* Of several at that address, the first sorts global first. */
			while (i > 0 && l->syms[i - 1].address == l->syms[i].address)
				i--;
			const struct msym *sym = &l->syms[i];
			if (sym->section == section || (sym->size && addr - sym->address < sym->size)) {
				set_result(l, sym, addr - sym->address, ret);
				return NULL;
			}
		}
	}
	if (!s)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s: no section holds 0x%llx",
					     l->module.name, (unsigned long long)addr);
	*ret = (struct kinspect_module_symbol){ .module = l->module.name, .name = s->name, .address = s->address,
						.offset = addr - s->address, .from_section = true };
	return NULL;
}

struct kinspect_error *kinspect_module_symbols_file(struct kinspect_module_symbols *ms, const char *name,
						    struct kinspect_module_file **ret_file,
						    const struct kinspect_section_address **ret_sections,
						    size_t *ret_nr_sections)
{
	struct loaded *l = find_loaded(ms, name, strlen(name));
	if (!l)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module %s is loaded", name);
	struct kinspect_error *err = ensure_file(ms, l);
	if (err)
		return err;
	if (ensure_sections(ms, l))
		return copy_error(l->sections_err);
	*ret_file = l->file;
	*ret_sections = l->sections;
	*ret_nr_sections = l->nr_sections;
	return NULL;
}

static struct kinspect_error *loaded_debuginfo(struct kinspect_module_symbols *ms, struct loaded *l)
{
	struct kinspect_error *err = ensure_file(ms, l);
	if (err || l->debuginfo)
		return err;
	if (ensure_sections(ms, l))
		return copy_error(l->sections_err);
	return kinspect_module_debuginfo_create(l->file, l->module.name, l->sections, l->nr_sections, &l->debuginfo);
}

struct kinspect_error *kinspect_module_symbols_debuginfo(struct kinspect_module_symbols *ms, const char *name,
							 struct kinspect_module_debuginfo **ret)
{
	struct loaded *l = find_loaded(ms, name, strlen(name));
	if (!l)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module %s is loaded", name);
	struct kinspect_error *err = loaded_debuginfo(ms, l);
	if (!err)
		*ret = l->debuginfo;
	return err;
}

bool kinspect_module_symbols_cfi_covers(struct kinspect_module_symbols *ms, uint64_t addr)
{
	struct loaded *l = NULL;
	for (size_t i = 0; i < ms->nr_modules && !l; i++) {
		if (in_module(&ms->modules[i], addr))
			l = &ms->modules[i];
	}
	if (!l || l->debuginfo_failed)
		return false;
	struct kinspect_error *err = loaded_debuginfo(ms, l);
	if (err) {
		/* A debugger without the module's DWARF has no CFI for it either. */
		kinspect_error_destroy(err);
		l->debuginfo_failed = true;
		return false;
	}
	return kinspect_module_debuginfo_cfi_covers(l->debuginfo, addr);
}

struct kinspect_error *kinspect_module_symbols_function(struct kinspect_module_symbols *ms, const char *name,
							const char **ret_module, uint64_t *ret_address,
							Dwarf_Die *ret_die)
{
	struct loaded *l;
	struct kinspect_error *err;
	const char *function = split_name(ms, name, &l, &err);
	if (err)
		return err;
	if (!l) {
		/* The symbol table says which module; DWARF says the rest. */
		struct kinspect_module_symbol sym;
		if ((err = kinspect_module_symbols_lookup(ms, name, &sym)))
			return err;
		l = find_loaded(ms, sym.module, strlen(sym.module));
		if (!l)
			return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "no module %s is loaded", sym.module);
	}
	if ((err = loaded_debuginfo(ms, l)) ||
	    (err = kinspect_module_debuginfo_function(l->debuginfo, function, ret_address, ret_die)))
		return err;
	*ret_module = l->module.name;
	return NULL;
}
