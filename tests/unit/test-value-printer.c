/* Unit tests: the typed value printer.  tests/fixtures-src/printer-values.c
 * is linked here with -g -nostdlib, as a vmlinux is; its initialised
 * objects (anonymous unions, bit-fields signed and unsigned, nested and
 * repeated arrays, enums and flag enums, pointers to symbols) are read from
 * the file and printed from their DWARF, and must print as the values
 * written in that file say.  Truncated buffers and random bytes must print
 * without overrunning anything.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "debuginfo/value-printer.h"
#include "fixture.h"
#include "tap.h"

static char tmpdir[] = "/tmp/kinspect-value-printer.XXXXXX";
static char executable[4096];
static struct kinspect_vmlinux *vmlinux;
static struct kinspect_dwarf_types *types;

static bool build_fixture(void)
{
	const char *srcdir = fixture_srcdir(), *cc = fixture_cc();
	if (!mkdtemp(tmpdir))
		return false;
	snprintf(executable, sizeof(executable), "%s/printer-values", tmpdir);
	char cmd[16384];
	snprintf(cmd, sizeof(cmd), "%s -std=gnu11 -g -O0 -no-pie -nostdlib -Wl,-e,0 '%s/tests/fixtures-src/printer-values.c' -o '%s'",
		 cc, srcdir, executable);
	return system(cmd) == 0;
}

static bool symbolize(void *ctx, uint64_t addr, char *buf, size_t size)
{
	const char *name;
	uint64_t offset;
	struct kinspect_error *err = kinspect_vmlinux_symbolize(vmlinux, addr, &name, &offset);
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

static uint64_t address_of(const char *name)
{
	uint64_t addr = 0;
	kinspect_error_destroy(kinspect_vmlinux_symbol(vmlinux, name, &addr, NULL));
	return addr;
}

/* Print variable NAME (optionally member PATH, "" for all of it) as text
 * or JSON with options from TEMPLATE, at most LIMIT bytes of it read (0:
 * all); returns the output (malloc()ed) or NULL on error. */
static char *print_variable(const char *name, const char *path, bool json, const struct kinspect_value_printer *template,
			    size_t limit)
{
	struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
	uint64_t addr = 0;
	bool has_addr;
	struct kinspect_dwarf_member m = { 0 };
	struct kinspect_error *err = kinspect_dwarf_types_find_variable(types, name, &pos.die, &addr, &has_addr);
	if (!err)
		err = kinspect_dwarf_types_pos_size(types, &pos, &m.size);
	if (!err && *path)
		err = kinspect_dwarf_types_resolve_pos(types, name, &pos, path, &m);
	uint64_t start = m.bit_offset / 8;
	uint64_t size = m.bit_size ? (m.bit_offset % 8 + m.bit_size + 7) / 8 : m.size;
	uint8_t buf[4096];
	if (!err && size > sizeof(buf))
		err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "too big");
	if (!err && size)
		err = kinspect_vmlinux_read(vmlinux, addr + start, buf, size);
	char *out = NULL;
	size_t out_size = 0;
	FILE *f = open_memstream(&out, &out_size);
	struct kinspect_json writer;
	struct kinspect_value_printer printer = template ? *template : (struct kinspect_value_printer){ 0 };
	printer.types = types;
	printer.out = f;
	printer.symbolize = symbolize;
	if (json) {
		kinspect_json_init(&writer, f, false);
		printer.json = &writer;
	}
	if (!err)
		err = kinspect_value_print(&printer, &pos, m.bit_size ? m.bit_offset % 8 : 0, m.bit_size, buf,
					   limit && limit < size ? limit : size);
	if (!err && json && !kinspect_json_end(&writer))
		err = kinspect_error_create(KINSPECT_ERROR_OTHER, "malformed JSON");
	fclose(f);
	if (err) {
		printf("# %s%s%s: ", name, *path ? "." : "", path);
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
		free(out);
		return NULL;
	}
	if (json && out_size && out[out_size - 1] == '\n')
		out[out_size - 1] = '\0';
	return out;
}

static void is_text(char *got, const char *want, const char *what)
{
	if (!ok(got && strcmp(got, want) == 0, "%s", what))
		printf("# got:\n%s\n# want:\n%s\n", got ? got : "(error)", want);
	free(got);
}

static void test_text(void)
{
	char want[8192];
	snprintf(want, sizeof(want),
		 "{\n"
		 "  vec = {\n"
		 "    nr = 0x3,\n"
		 "    i = 0x1,\n"
		 "    percpu_pvec_drained = true,\n"
		 "    folios = {0x0 <repeats 31 times>}\n"
		 "  },\n"
		 "  orders = {0x0, 0x2, 0x9, 0x0 <repeats 28 times>},\n"
		 "  next = 0x0,\n"
		 "  prev = 0x%" PRIx64 " <pv_folioq>,\n"
		 "  marks = 0x5,\n"
		 "  marks2 = 0x0\n"
		 "}",
		 address_of("pv_folioq"));
	is_text(print_variable("pv_folioq", "", false, NULL, 0), want,
		"struct: nested struct, bool, repeated runs, pointer to a symbol");

	uint64_t q = address_of("pv_folioq");
	snprintf(want, sizeof(want),
		 "{\n"
		 "  iter_type = 0x5,\n"
		 "  nofault = true,\n"
		 "  data_source = false,\n"
		 "  iov_offset = 0x1000,\n"
		 "  {\n"
		 "    __ubuf_iovec = {\n"
		 "      iov_base = 0x%" PRIx64 " <pv_folioq>,\n"
		 "      iov_len = 0x3000\n"
		 "    },\n"
		 "    {\n"
		 "      {\n"
		 "        __iov = 0x%" PRIx64 " <pv_folioq>,\n"
		 "        folioq = 0x%" PRIx64 " <pv_folioq>,\n"
		 "        ubuf = 0x%" PRIx64 " <pv_folioq>\n"
		 "      },\n"
		 "      count = 0x3000\n"
		 "    }\n"
		 "  },\n"
		 "  {\n"
		 "    nr_segs = 0x2,\n"
		 "    folioq_slot = 0x2,\n"
		 "    xarray_start = 0x2\n"
		 "  }\n"
		 "}",
		 q, q, q, q);
	is_text(print_variable("pv_iter", "", false, NULL, 0), want, "anonymous unions and structs nest unnamed");

	is_text(print_variable("pv_module", "mem[1]", false, NULL, 0),
		"{\n"
		"  base = 0x1000,\n"
		"  size = 0x20,\n"
		"  flags = 0x5,\n"
		"  is_rox = 0x1,\n"
		"  delta = 0xfffffffd,\n"
		"  tail = 0x7f\n"
		"}",
		"bit-fields: unsigned, signed (in the declared width, as gdb), of a u16");
	is_text(print_variable("pv_module", "packed", false, NULL, 0), "{\n  lo = 0xfffe,\n  hi = 0x3e8\n}",
		"signed short bit-fields");
	is_text(print_variable("pv_module", "mem[1].delta", false, NULL, 0), "0xfffffffd", "one bit-field by path");
	is_text(print_variable("pv_module", "taints", false, NULL, 0), "0xabcdef1234", "40-bit bit-field");
	is_text(print_variable("pv_module", "more_taints", false, NULL, 0), "0x123456", "bit-field after it");
	is_text(print_variable("pv_module", "grid", false, NULL, 0),
		"{{0x1, 0x2, 0x3, 0x4}, {0x5, 0x6, 0x7, 0x8}, {0x0, 0x0, 0x0, 0x0}}", "two-dimensional array");
	is_text(print_variable("pv_module", "grid[1]", false, NULL, 0), "{0x5, 0x6, 0x7, 0x8}", "one row of it");
	is_text(print_variable("pv_module", "name", false, NULL, 0), "\"pv\\\"mod\"", "char array as a string");
	is_text(print_variable("pv_module", "state", false, NULL, 0), "MODULE_STATE_COMING", "enumerator by name");
	is_text(print_variable("pv_module", "pages", false, NULL, 0), "{}", "flexible array");
	snprintf(want, sizeof(want), "0x%" PRIx64 " <pv_exit>", address_of("pv_exit"));
	is_text(print_variable("pv_module", "exit", false, NULL, 0), want, "function pointer by symbol");
	snprintf(want, sizeof(want), "{\n  next = 0x%" PRIx64 " <pv_module+8>,\n  prev = 0x%" PRIx64 " <pv_module+8>\n}",
		 address_of("pv_module") + 8, address_of("pv_module") + 8);
	is_text(print_variable("pv_module", "list", false, NULL, 0), want, "pointer inside a symbol: +offset");

	/* An array of structs: one element per line with its index. */
	char *mem = print_variable("pv_module", "mem", false, NULL, 0);
	ok(mem && strstr(mem, "\n  [1] = {\n    base = 0x1000,") && strstr(mem, "\n  [6] = {"),
	   "array of structs: indexed elements");
	free(mem);

	is_text(print_variable("pv_word", "", false, NULL, 0),
		"{\n  value = 0x102030405060708,\n  bytes = {0x8, 0x7, 0x6, 0x5, 0x4, 0x3, 0x2, 0x1}\n}",
		"union members overlap");
	is_text(print_variable("pv_pageflag", "", false, NULL, 0), "PG_writeback", "enum variable");
	is_text(print_variable("pv_flags", "", false, NULL, 0), "(PV_READ | PV_EXEC)", "flag enum");
	is_text(print_variable("pv_flags_unknown", "", false, NULL, 0), "(PV_WRITE | unknown: 0x40)",
		"flag enum with an unknown bit");
	is_text(print_variable("pv_flags_none", "", false, NULL, 0), "(unknown: 0x30)", "flag enum, no known bit");
	is_text(print_variable("pv_negative", "", false, NULL, 0), "0xfffffffb", "negative int in hex");
	is_text(print_variable("pv_bool", "", false, NULL, 0), "true", "bool");
	is_text(print_variable("pv_u16s", "", false, NULL, 0), "{0x7 <repeats 12 times>, 0x1, 0x2, 0x0 <repeats 26 times>}",
		"repeats at both ends");
}

static void test_json(void)
{
	char want[4096];
	uint64_t q = address_of("pv_folioq");
	snprintf(want, sizeof(want),
		 "{\"iter_type\":5,\"nofault\":true,\"data_source\":false,\"iov_offset\":4096,"
		 "\"__ubuf_iovec\":{\"iov_base\":\"0x%" PRIx64 "\",\"iov_len\":12288},"
		 "\"__iov\":\"0x%" PRIx64 "\",\"folioq\":\"0x%" PRIx64 "\",\"ubuf\":\"0x%" PRIx64 "\",\"count\":12288,"
		 "\"nr_segs\":2,\"folioq_slot\":2,\"xarray_start\":2}",
		 q, q, q, q);
	is_text(print_variable("pv_iter", "", true, NULL, 0), want, "JSON: anonymous members merged into the object");
	is_text(print_variable("pv_module", "packed", true, NULL, 0), "{\"lo\":-2,\"hi\":1000}",
		"JSON: signed bit-fields are negative numbers");
	is_text(print_variable("pv_module", "state", true, NULL, 0), "\"MODULE_STATE_COMING\"", "JSON: enumerator");
	is_text(print_variable("pv_flags", "", true, NULL, 0), "\"PV_READ | PV_EXEC\"", "JSON: flag enum");
	is_text(print_variable("pv_module", "name", true, NULL, 0), "\"pv\\\"mod\"", "JSON: char array");
	is_text(print_variable("pv_module", "grid", true, NULL, 0), "[[1,2,3,4],[5,6,7,8],[0,0,0,0]]",
		"JSON: nested arrays, no repeats");
	is_text(print_variable("pv_word", "value", true, NULL, 0), "\"0x102030405060708\"",
		"JSON: integers beyond 2^53 as hex strings");
	is_text(print_variable("pv_negative", "", true, NULL, 0), "-5", "JSON: negative int");
}

static void test_bounds(void)
{
	struct kinspect_value_printer options = { .max_elements = 3, .repeat_threshold = UINT_MAX };
	is_text(print_variable("pv_u16s", "", false, &options, 0), "{0x7, 0x7, 0x7, ...}", "max_elements cuts arrays");
	options = (struct kinspect_value_printer){ .max_elements = 3 };
	is_text(print_variable("pv_u16s", "", true, &options, 0), "[7,7,7]", "JSON: max_elements too");
	is_text(print_variable("pv_ones", "", false, NULL, 0), "{0x1 <repeats 300 times>}",
		"a run of repeats past max_elements is the whole array");
	/* Only the first 10 bytes of pv_folioq: the rest is unavailable, and
	 * nothing past the buffer is read (ASan). */
	char *text = print_variable("pv_folioq", "", false, NULL, 10);
	ok(text && strstr(text, "nr = 0x3,") && strstr(text, "folios = <unavailable>") &&
		   strstr(text, "prev = <unavailable>"),
	   "a short buffer: <unavailable> parts");
	free(text);
	text = print_variable("pv_folioq", "", true, NULL, 10);
	ok(text && strstr(text, "\"folios\":null"), "JSON: unavailable is null");
	free(text);

	/* Random bytes under every type: output, never a crash. */
	static const char *const names[] = { "pv_folioq", "pv_iter", "pv_module", "pv_word", "pv_flags", "pv_u16s" };
	unsigned int seed = 1;
	int printed = 0;
	for (int round = 0; round < 200; round++) {
		struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
		uint64_t addr;
		bool has_addr;
		const char *name = names[round % 6];
		struct kinspect_error *err = kinspect_dwarf_types_find_variable(types, name, &pos.die, &addr, &has_addr);
		uint8_t buf[2048];
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(rand_r(&seed) >> 7);
		FILE *f = fopen("/dev/null", "w");
		struct kinspect_value_printer printer = { .types = types, .out = f, .symbolize = symbolize };
		if (!err)
			err = kinspect_value_print(&printer, &pos, 0, 0, buf, (size_t)rand_r(&seed) % sizeof(buf));
		printed += err == NULL;
		kinspect_error_destroy(err);
		fclose(f);
	}
	ok(printed == 200, "random bytes print (%d of 200)", printed);
}

int main(void)
{
	if (!build_fixture()) {
		printf("Bail out! cannot link the fixture\n");
		return 1;
	}
	struct kinspect_error *err = kinspect_vmlinux_open(executable, &vmlinux);
	if (!err)
		err = kinspect_dwarf_types_create(executable, &types);
	if (!ok(!err, "fixture opens as a vmlinux")) {
		kinspect_error_fputs(err, stdout);
		return 1;
	}
	test_text();
	test_json();
	test_bounds();
	kinspect_dwarf_types_destroy(types);
	kinspect_vmlinux_destroy(vmlinux);
	char cmd[8192];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}
