/* Modules as gdb libraries (see libraries.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/module.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/module-file.h"
#include "libkinspect/kernel-priv.h"
#include "proxy/gdb-ko.h"
#include "proxy/libraries.h"
#include "target/rsp.h"

/* Where sections not in memory go: those the kernel does not load
 * (.modinfo, __versions, empty ones) and a live module's init sections (the
 * kernel freed them after mod->init ran and may have given the memory to
 * another module; sect_attrs still shows the old addresses).  gdb must not
 * find their symbols at real addresses, nor plant breakpoints there, so
 * they go to the kernel's own poison pointer delta (CONFIG_ILLEGAL_POINTER_VALUE,
 * 0xdead000000000000 on the 64-bit architectures): below kernel space,
 * never mapped, never 0.
 *
 * Each module needs a placeholder of its own.  solib-target.c sets a
 * library's addr_low to the lowest address of its non-empty <section>s,
 * which is the placeholder whenever one non-empty section is not loaded;
 * Debian's gdb 18.1 then, in solib_read_symbols (solib.c), takes a library
 * as already loaded when any objfile has the same addr_low, without
 * comparing file names as gdb 13.1 and 16.3 do (seen in the disassembly,
 * and tests/vm/gdb-proxy.sh fails on it).  With one shared placeholder
 * every module after the first was attached to the first one's objfile (and
 * still showed "Syms Read Yes").  Vmlinux's objfile has addr_low 0.
 *
 * So the placeholder carries the low 48 bits of the struct module address:
 * unique among the loaded modules (each struct module lives in its own
 * module's memory) and the same at every rescan.  A number from the
 * position in the module list would not do: the kernel adds a new module at
 * the head of the list, so it would take the number, and the addr_low, of a
 * module gdb already has.  The unloaded sections of one module follow each
 * other from there, so that they do not overlap each other in gdb's
 * section map (those of two modules may: nothing runs there, so no pc is
 * ever looked up in them).
 *
 * gdb's "info sharedlibrary" shows addr_low and addr_high in its From and
 * To columns: with the placeholders below, From would be one.  So the
 * sections the kernel never loads are empty in the copy of the .ko gdb
 * loads (proxy_gdb_ko_emptied()): solib-target skips empty sections for
 * addr_low and addr_high.  A live module's freed init sections cannot be
 * empty: when the module is removed, gdb keeps a breakpoint on its init
 * function (pending, for the next insmod) only if an unloaded library's
 * section holds the breakpoint's address (gdb 18.1 disables it
 * otherwise, "Error in re-setting breakpoint").  They go above every
 * loaded section instead, into the architecture's unused top of the
 * address space (x86-64: the 2 MiB hole above the fixmap), each .ko file
 * a range of its own there, kept for the session (a placeholder when it
 * is full).  From is then the lowest address of the
 * module's loaded sections, real and unique to the module (gdb 18's test
 * holds), and To the end of its init sections up there for a live module
 * that has them. */
#define NOT_LOADED_BASE 0xdead000000000000ULL
#define NOT_LOADED_MODULE_MASK 0xffffffffffffULL
/* Placeholders of one module's sections start on this boundary, like the
 * sections themselves would (for readability in "maint info sections"). */
#define NOT_LOADED_ALIGN 64

/* The placeholder of the first unloaded section of the module whose struct
 * module is at MODULE. */
static uint64_t not_loaded_address(uint64_t module)
{
	return NOT_LOADED_BASE | (module & NOT_LOADED_MODULE_MASK);
}

struct proxy_library_cache {
	char name[64];
	uint8_t build_id[64];
	size_t build_id_len;
	/* Owned by the session; NULL: not found, warned. */
	const struct kinspect_module_file *file;
	char *gdb_path; /* what gdb loads (see gdb-ko.h) */
	/* Where this file's init sections go while its module is live: a
	 * range of the unused top of the address space of its own, the
	 * same at every scan (0: none yet, or no room: placeholders). */
	uint64_t freed_base;
	bool freed_tried;
};

struct section {
	char name[128];
	uint64_t address;
};

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->buf && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *b = realloc(t->buf, cap);
		if (!b) {
			t->failed = true;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
}

/* S with XML's special characters escaped. */
static void text_add_xml(struct text *t, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': text_add(t, "&amp;"); break;
		case '<': text_add(t, "&lt;"); break;
		case '>': text_add(t, "&gt;"); break;
		case '"': text_add(t, "&quot;"); break;
		case '\'': text_add(t, "&apos;"); break;
		default: text_add(t, "%c", *s); break;
		}
	}
}

struct scan {
	struct proxy_libraries *libs;
	struct kinspect_kernel *kernel;
	uint64_t exclude;
	struct text xml, console;
	struct section *sections;
	size_t nr_sections, cap_sections;
};

static struct kinspect_error *add_section(const char *name, uint64_t address, void *arg)
{
	struct scan *s = arg;
	if (s->nr_sections == s->cap_sections) {
		size_t cap = s->cap_sections ? 2 * s->cap_sections : 64;
		struct section *p = realloc(s->sections, cap * sizeof(*p));
		if (!p)
			return &kinspect_error_nomem;
		s->sections = p;
		s->cap_sections = cap;
	}
	struct section *sec = &s->sections[s->nr_sections++];
	snprintf(sec->name, sizeof(sec->name), "%s", name);
	sec->address = address;
	return NULL;
}

static const struct section *find_section(const struct scan *s, const char *name)
{
	for (size_t i = 0; i < s->nr_sections; i++) {
		if (strcmp(s->sections[i].name, name) == 0)
			return &s->sections[i];
	}
	return NULL;
}

/* The cache entry of module NAME with BUILD_ID, opening its .ko on first
 * sight; NULL on out of memory. */
static struct proxy_library_cache *cached_file(struct scan *s, const char *name, const uint8_t *build_id,
					       size_t build_id_len)
{
	struct proxy_libraries *libs = s->libs;
	for (size_t i = 0; i < libs->nr_cache; i++) {
		struct proxy_library_cache *c = &libs->cache[i];
		if (strcmp(c->name, name) == 0 && c->build_id_len == build_id_len &&
		    memcmp(c->build_id, build_id, build_id_len) == 0)
			return c;
	}
	struct proxy_library_cache *cache = realloc(libs->cache, (libs->nr_cache + 1) * sizeof(*cache));
	if (!cache)
		return NULL;
	libs->cache = cache;
	struct proxy_library_cache *c = &cache[libs->nr_cache++];
	*c = (struct proxy_library_cache){ .build_id_len = build_id_len };
	snprintf(c->name, sizeof(c->name), "%s", name);
	memcpy(c->build_id, build_id, build_id_len);
	/* The session's rule (build-id first) and its files, which stay open
	 * for its other users (monitor commands). */
	struct kinspect_error *err = kinspect_kernel_find_module_file(s->kernel, name, build_id, build_id_len, &c->file);
	if (err) {
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_error_destroy(err);
		kinspect_warn("gdb-proxy: no symbols for module %s: %s", name, msg ? msg : "out of memory");
		text_add(&s->console, "kinspect: no symbols for module %s: %s\n", name, msg ? msg : "out of memory");
		c->file = NULL;
	}
	return c;
}

/* A .ko section's span among placeholders: its size, rounded up. */
static uint64_t placeholder_span(uint64_t size)
{
	/* A hostile size cannot wrap anything: .ko sections are far below
	 * 2^32 bytes. */
	return size < (1ULL << 32) ? (size + NOT_LOADED_ALIGN - 1) & ~(uint64_t)(NOT_LOADED_ALIGN - 1) : 0;
}

/* What FILE's init sections take among placeholders. */
static uint64_t init_span(const struct kinspect_module_file *file)
{
	uint64_t total = 0;
	for (size_t i = 0; i < kinspect_module_file_nr_alloc_sections(file); i++) {
		uint64_t size = 0;
		const char *name = kinspect_module_file_alloc_section(file, i, &size);
		if (name && strncmp(name, ".init", 5) == 0)
			total += placeholder_span(size);
	}
	return total;
}

/* The start of C's range in the unused top of the address space, taken
 * on first use and kept (gdb asserts when two libraries' sections hold one
 * breakpoint's address); 0 when it is full or the architecture has none. */
static uint64_t freed_range(struct proxy_libraries *libs, struct proxy_library_cache *c)
{
	const struct kinspect_arch *arch = kinspect_arch();
	if (!c->freed_tried) {
		c->freed_tried = true;
		if (!libs->next_freed)
			libs->next_freed = arch->unused_top_start;
		uint64_t span = init_span(c->file);
		if (span && libs->next_freed && span <= arch->unused_top_end - libs->next_freed) {
			c->freed_base = libs->next_freed;
			libs->next_freed += span;
		}
	}
	return c->freed_base;
}

static struct kinspect_error *add_module(const struct kinspect_module *m, void *arg)
{
	struct scan *s = arg;
	const char *name = kinspect_module_name(m), *state = kinspect_module_state(m);
	uint64_t address = kinspect_module_address(m);
	if (address == s->exclude || (strcmp(state, "live") != 0 && strcmp(state, "coming") != 0))
		return NULL;
	s->libs->nr_modules++;
	if (strcmp(state, "coming") == 0)
		s->libs->nr_coming++;
	s->nr_sections = 0;
	struct kinspect_error *err = kinspect_kernel_module_sections(s->kernel, m, add_section, s);
	if (err)
		return err;
	uint8_t build_id[64];
	size_t build_id_len = 0;
	/* No build-id (a module being loaded may lack its notes): the file
	 * of that name, as lsmod takes it. */
	err = kinspect_kernel_module_build_id(s->kernel, m, build_id, sizeof(build_id), &build_id_len);
	kinspect_error_destroy(err);
	if (err)
		build_id_len = 0;
	struct proxy_library_cache *c = cached_file(s, name, build_id, build_id_len);
	if (!c)
		return &kinspect_error_nomem;
	if (!c->file)
		return NULL;
	bool live = strcmp(state, "live") == 0;
	size_t n = kinspect_module_file_nr_alloc_sections(c->file);
	/* Where each ALLOC section goes: its address, or a placeholder. */
	_cleanup_free_ uint64_t *at = calloc(n ? n : 1, sizeof(*at));
	_cleanup_free_ const char **emptied = calloc(n ? n : 1, sizeof(*emptied));
	if (!at || !emptied)
		return &kinspect_error_nomem;
	size_t nr_emptied = 0;
	uint64_t not_loaded = not_loaded_address(address), freed = freed_range(s->libs, c), freed_end = 0;
	if (freed)
		freed_end = freed + init_span(c->file);
	for (size_t i = 0; i < n; i++) {
		uint64_t size = 0;
		const char *sname = kinspect_module_file_alloc_section(c->file, i, &size);
		const struct section *sec = sname ? find_section(s, sname) : NULL;
		bool init = sname && strncmp(sname, ".init", 5) == 0;
		uint64_t span = placeholder_span(size);
		if (sec && !(init && live)) {
			at[i] = sec->address;
		} else if (sec && span && freed && span <= freed_end - freed) {
			at[i] = freed;
			freed += span;
		} else {
			at[i] = not_loaded;
			not_loaded += span;
			if (!sec && size)
				emptied[nr_emptied++] = sname;
		}
	}
	const char *path;
	/* Decompressing on first use changes the file object, which the
	 * session lends out as const for its other readers. */
	err = kinspect_module_file_plain_path((struct kinspect_module_file *)c->file, &path);
	if (!err && !c->gdb_path)
		err = proxy_gdb_ko_emptied(path, c->name, c->build_id, c->build_id_len, emptied, nr_emptied,
					   &c->gdb_path);
	if (err) {
		/* Say it once: drop the file so that the next scan is quiet. */
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_error_destroy(err);
		kinspect_warn("gdb-proxy: module %s: %s", name, msg ? msg : "out of memory");
		text_add(&s->console, "kinspect: module %s: %s\n", name, msg ? msg : "out of memory");
		c->file = NULL;
		return NULL;
	}
	s->libs->nr_loaded++;
	text_add(&s->xml, "<library name=\"");
	text_add_xml(&s->xml, c->gdb_path);
	text_add(&s->xml, "\">");
	/* gdb wants every ALLOC section, in this order. */
	for (size_t i = 0; i < n; i++)
		text_add(&s->xml, "<section address=\"0x%" PRIx64 "\"/>", at[i]);
	text_add(&s->xml, "</library>\n");
	return NULL;
}

struct kinspect_error *proxy_libraries_scan(struct proxy_libraries *libs, struct kinspect_kernel *kernel,
					    uint64_t exclude, bool *changed)
{
	struct scan s = { .libs = libs, .kernel = kernel, .exclude = exclude };
	libs->nr_modules = libs->nr_loaded = libs->nr_coming = 0;
	text_add(&s.xml, "<library-list>\n");
	struct kinspect_error *err = kinspect_kernel_for_each_module(kernel, add_module, &s);
	text_add(&s.xml, "</library-list>\n");
	free(s.sections);
	if (!err && (s.xml.failed || s.console.failed))
		err = &kinspect_error_nomem;
	if (!err && s.console.len) {
		char *c = realloc(libs->console, libs->console_len + s.console.len + 1);
		if (!c) {
			err = &kinspect_error_nomem;
		} else {
			memcpy(c + libs->console_len, s.console.buf, s.console.len + 1);
			libs->console = c;
			libs->console_len += s.console.len;
		}
	}
	free(s.console.buf);
	if (err) {
		free(s.xml.buf);
		return err;
	}
	*changed = !libs->xml || libs->xml_len != s.xml.len || memcmp(libs->xml, s.xml.buf, s.xml.len) != 0;
	free(libs->xml);
	libs->xml = s.xml.buf;
	libs->xml_len = s.xml.len;
	return NULL;
}

struct kinspect_error *proxy_libraries_xfer(const struct proxy_libraries *libs, const char *args, char **ret,
					    size_t *ret_len)
{
	/* "OFFSET,LENGTH", both hex. */
	const char *comma = strchr(args, ',');
	uint64_t off, len;
	if (!comma || !kinspect_rsp_parse_hex(args, (size_t)(comma - args), &off) ||
	    !kinspect_rsp_parse_hex(comma + 1, strlen(comma + 1), &len))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad qXfer:libraries:read arguments '%.40s'",
					     args);
	const char *xml = libs->xml ? libs->xml : "<library-list/>\n";
	size_t xml_len = libs->xml ? libs->xml_len : strlen(xml);
	size_t n = off >= xml_len ? 0 : xml_len - (size_t)off;
	if (n > len)
		n = (size_t)len;
	char *out = malloc(n + 1);
	if (!out)
		return &kinspect_error_nomem;
	out[0] = off + n >= xml_len ? 'l' : 'm';
	if (n)
		memcpy(out + 1, xml + off, n);
	*ret = out;
	*ret_len = n + 1;
	return NULL;
}

void proxy_libraries_deinit(struct proxy_libraries *libs)
{
	for (size_t i = 0; i < libs->nr_cache; i++)
		free(libs->cache[i].gdb_path);
	free(libs->cache);
	free(libs->xml);
	free(libs->console);
	*libs = (struct proxy_libraries){ 0 };
}
