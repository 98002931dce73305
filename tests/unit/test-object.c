/* Unit tests: the public symbol, type and object calls (kinspect/symbol.h,
 * type.h, object.h) on a session of tests/fixtures-src/printer-values.c
 * linked as a vmlinux (no target: link-time addresses, values from the
 * file).  Values must be those written in that file; misses must be the
 * static not-found error.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/kinspect.h>

#include "core/error-priv.h"
#include "fixture.h"
#include "tap.h"

static char tmpdir[] = "/tmp/kinspect-object.XXXXXX";
static char executable[4096];
static struct kinspect_kernel *kernel;

static bool build_fixture(void)
{
	const char *srcdir = fixture_srcdir(), *cc = fixture_cc();
	if (!mkdtemp(tmpdir))
		return false;
	snprintf(executable, sizeof(executable), "%s/printer-values", tmpdir);
	char cmd[16384];
	/* Line tables are found through .debug_aranges, which gcc writes
	 * and clang only when asked (gcc knows no such option). */
	static const char *const extra[] = { "-gdwarf-aranges 2>/dev/null", "" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd),
			 "%s -std=gnu11 -g -O0 -no-pie -nostdlib -Wl,-e,0 '%s/tests/fixtures-src/printer-values.c' -o '%s' %s",
			 cc, srcdir, executable, extra[i]);
		if (system(cmd) == 0)
			return true;
	}
	return false;
}

/* Report and drop ERR; true if there was none. */
static bool no_error(struct kinspect_error *err, const char *what)
{
	if (!ok(!err, "%s", what)) {
		printf("# ");
		kinspect_error_fputs(err, stdout);
	}
	kinspect_error_destroy(err);
	return !err;
}

/* The value of variable NAME's member PATH ("" for all of it), read as an integer. */
static uint64_t value_of(const char *name, const char *path)
{
	struct kinspect_object *var = NULL, *m = NULL;
	uint64_t value = UINT64_MAX;
	struct kinspect_error *err = kinspect_kernel_object_variable(kernel, name, -1, &var);
	if (!err && *path)
		err = kinspect_object_member(var, path, &m);
	if (!err)
		err = kinspect_object_read_u64(m ? m : var, &value);
	if (err) {
		printf("# %s.%s: ", name, path);
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
	}
	kinspect_object_destroy(m);
	kinspect_object_destroy(var);
	return value;
}

static void test_types(void)
{
	const struct kinspect_type *iter, *again, *module;
	struct kinspect_member m;
	uint64_t size = 0;
	if (!no_error(kinspect_kernel_type_find(kernel, "struct iov_iter", &iter), "struct iov_iter found"))
		return;
	is_str(kinspect_type_name(iter), "struct iov_iter", "a type keeps the name asked");
	no_error(kinspect_kernel_type_find(kernel, "struct iov_iter", &again), "found again");
	ok(again == iter, "one handle per type and name");
	ok(!kinspect_type_size(iter, &size) && size > 0, "it has a size");
	if (no_error(kinspect_type_member(iter, "folioq", &m), "member through an anonymous union")) {
		is_str(kinspect_type_name(m.type), "struct folio_queue *", "a pointer member's type name");
		is_int(m.size, 8, "a pointer's size");
	}
	if (!no_error(kinspect_kernel_type_find(kernel, "module_t", &module), "a typedef found"))
		return;
	if (no_error(kinspect_type_member(module, "mem", &m), "an array member")) {
		ok(m.is_array && m.array_length > 1, "arrays say their length");
		ok(strncmp(kinspect_type_name(m.type), "struct module_memory [", 22) == 0, "an array's type name: %s",
		   kinspect_type_name(m.type));
	}
	struct kinspect_member base, one;
	if (no_error(kinspect_type_member(module, "mem[0].base", &base), "nested path, element 0") &&
	    no_error(kinspect_type_member(module, "mem[1].base", &one), "nested path, element 1")) {
		uint64_t elem;
		const struct kinspect_type *mm;
		no_error(kinspect_kernel_type_find(kernel, "struct module_memory", &mm), "element type found");
		ok(!kinspect_type_size(mm, &elem) && one.offset - base.offset == elem, "an index adds whole elements");
	}
	if (no_error(kinspect_type_member(module, "mem[1].delta", &m), "a bit-field member"))
		is_int(m.bit_size, 9, "its width");
	if (no_error(kinspect_type_member(module, "exit", &m), "a function pointer member"))
		is_str(kinspect_type_name(m.type), "<function> *", "its type name");

	int64_t value = -1;
	no_error(kinspect_kernel_enum_value(kernel, "PG_writeback", &value), "an enumerator");
	is_int(value, 1, "its value");

	/* Misses that probe are the static error: nothing to free. */
	const struct kinspect_type *none = NULL;
	ok(kinspect_kernel_type_find(kernel, "struct no_such_type", &none) == &kinspect_error_not_found && !none,
	   "a missing type is the static not-found, *RET untouched");
	ok(kinspect_type_member(module, "no_such_member", &m) == &kinspect_error_not_found,
	   "a missing member is the static not-found");
	ok(kinspect_type_member(module, "mem[1].no_such", &m) == &kinspect_error_not_found,
	   "a missing nested member too");
	ok(kinspect_kernel_enum_value(kernel, "NO_SUCH_ENUMERATOR", &value) == &kinspect_error_not_found,
	   "a missing enumerator too");
}

static void test_symbols(void)
{
	struct kinspect_vmlinux *vmlinux;
	uint64_t addr = 0, size = 0;
	struct kinspect_symbol sym;
	if (!no_error(kinspect_kernel_vmlinux(kernel, &vmlinux), "vmlinux of the session") ||
	    !no_error(kinspect_vmlinux_symbol(vmlinux, "pv_iter", &addr, &size), "pv_iter in the ELF symbols"))
		return;
	if (no_error(kinspect_kernel_symbol_lookup(kernel, "pv_iter", &sym), "symbol lookup")) {
		ok(sym.address == addr && sym.size == size && !sym.module, "lookup: address and size of the vmlinux's");
		is_int(sym.offset, 0, "lookup: offset 0");
	}
	if (no_error(kinspect_kernel_symbolize(kernel, addr + 8, &sym), "symbolize")) {
		is_str(sym.name, "pv_iter", "symbolize: the object holding the address");
		ok(sym.address == addr && sym.offset == 8 && sym.size == size, "symbolize: start, offset, size");
	}
	uint64_t code = 0;
	const char *file = NULL;
	int line = 0;
	if (no_error(kinspect_vmlinux_symbol(vmlinux, "pv_exit", &code, NULL), "a function") &&
	    no_error(kinspect_kernel_source_line(kernel, code, &file, &line), "its source line")) {
		ok(file && strlen(file) >= 16 && strcmp(file + strlen(file) - 16, "printer-values.c") == 0,
		   "source file of a function: %s", file ? file : "(null)");
		ok(line >= 11 && line <= 14, "source line of its definition: %d", line);
	}
	ok(kinspect_kernel_source_line(kernel, 0x10, &file, &line) == &kinspect_error_not_found,
	   "no line table covers a wild address: the static not-found");
	ok(kinspect_kernel_symbol_lookup(kernel, "no_such_symbol", &sym) == &kinspect_error_not_found,
	   "a missing symbol is the static not-found (no target)");
	ok(kinspect_kernel_symbolize(kernel, 0x10, &sym) == &kinspect_error_not_found,
	   "an address nothing holds too");
}

static void test_objects(void)
{
	/* As written in printer-values.c. */
	is_int(value_of("pv_iter", "count"), 0x3000, "read a member");
	is_int(value_of("pv_module", "mem[1].size"), 0x20, "read a nested member");
	is_int(value_of("pv_module", "mem[1].flags"), 5, "read a bit-field");
	is_int(value_of("pv_module", "mem[1].delta"), 0x1fd, "read a signed bit-field (zero-extended)");
	is_int(value_of("pv_module", "mem[1].tail"), 0x7f, "read a u16 bit-field");
	is_int(value_of("pv_module", "taints"), 0xabcdef1234, "read a 40-bit bit-field");
	is_int(value_of("pv_module", "more_taints"), 0x123456, "read the bit-field after it");
	is_int(value_of("pv_negative", ""), 0xfffffffb, "read a negative int");
	is_int(value_of("pv_pageflag", ""), 1, "read an enum");

	struct kinspect_object *var = NULL, *m = NULL;
	if (!no_error(kinspect_kernel_object_variable(kernel, "pv_module", -1, &var), "a variable"))
		return;
	uint64_t u;
	struct kinspect_error *err = kinspect_object_read_u64(var, &u);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT, "a struct is not read as an integer");
	kinspect_error_destroy(err);
	ok(kinspect_object_member(var, "no_such", &m) == &kinspect_error_not_found, "a missing member of an object");
	char *text = NULL;
	if (no_error(kinspect_object_member(var, "mem[1]", &m), "an object's member") &&
	    no_error(kinspect_object_format(m, 0, &text), "formatted as text"))
		is_str(text,
		       "{\n  base = 0x1000,\n  size = 0x20,\n  flags = 0x5,\n  is_rox = 0x1,\n  delta = 0xfffffffd,\n"
		       "  tail = 0x7f\n}",
		       "text as print shows it");
	free(text);
	text = NULL;
	if (m && no_error(kinspect_object_format(m, KINSPECT_FORMAT_JSON, &text), "formatted as JSON"))
		is_str(text, "{\"base\":\"0x1000\",\"size\":32,\"flags\":5,\"is_rox\":1,\"delta\":-3,\"tail\":127}",
		       "JSON as print --json shows it");
	free(text);
	text = NULL;
	if (m && no_error(kinspect_object_format(m, KINSPECT_FORMAT_JSON | KINSPECT_FORMAT_PRETTY, &text),
			  "formatted as indented JSON"))
		ok(text && strncmp(text, "{\n  \"base\": \"0x1000\",\n", 22) == 0, "indented two spaces a level");
	free(text);
	kinspect_object_destroy(m);
	m = NULL;
	if (no_error(kinspect_object_member(var, "mem[1].delta", &m), "a bit-field object")) {
		uint64_t bit_offset = 99;
		uint32_t bit_size = 0;
		ok(kinspect_object_bit_field(m, &bit_offset, &bit_size) && bit_offset < 8 && bit_size == 9,
		   "says it is a bit-field");
	}
	kinspect_object_destroy(m);
	m = NULL;

	/* The type at an address is the same object. */
	const struct kinspect_type *type = kinspect_object_type(var);
	struct kinspect_object *at = NULL;
	if (no_error(kinspect_kernel_object(kernel, type, kinspect_object_address(var), &at), "a type at an address") &&
	    no_error(kinspect_object_member(at, "num_syms", &m), "its member"))
		ok(!kinspect_object_read_u64(m, &u) && u == 42, "reads the same value");
	kinspect_object_destroy(m);
	kinspect_object_destroy(at);
	kinspect_object_destroy(var);

	ok(kinspect_kernel_object_variable(kernel, "no_such_variable", -1, &var) == &kinspect_error_not_found,
	   "a missing variable is the static not-found");
	err = kinspect_kernel_object_variable(kernel, "pv_iter", 0, &var);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT, "a CPU for an ordinary variable");
	kinspect_error_destroy(err);
}

int main(void)
{
	if (!build_fixture()) {
		printf("Bail out! cannot link the fixture\n");
		return 1;
	}
	struct kinspect_options o;
	kinspect_options_init(&o);
	o.vmlinux = executable;
	struct kinspect_error *err = kinspect_kernel_open(NULL, &o, &kernel);
	if (!ok(!err, "fixture opens as a vmlinux session")) {
		kinspect_error_fputs(err, stdout);
		return 1;
	}
	test_types();
	test_symbols();
	test_objects();
	kinspect_kernel_destroy(kernel);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return tap_done();
}
