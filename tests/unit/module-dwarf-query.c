/* For the VM tests: the runtime entry address and parameters of module
 * functions, from the .ko's DWARF relocated with section addresses as the
 * guest shows them in /sys/module/NAME/sections.
 *
 *   module-dwarf-query KO MODULE SECTIONS_FILE FUNCTION...
 *   module-dwarf-query --target TARGET VMLINUX MODDIR FUNCTION...
 *
 * SECTIONS_FILE has one "NAME ADDRESS" line per section.  With --target the
 * section addresses come from guest memory (a gdbstub HOST:PORT or a dump
 * file) through kinspect_module_symbols_function(), the way "break" finds
 * module functions.  Prints one line per function:
 * "FUNCTION 0xADDRESS PARAM,PARAM,..." (then " MODULE" with --target).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/module-debuginfo.h"
#include "linux/kaslr.h"
#include "linux/module-symbols.h"
#include "target/elf-dump.h"
#include "target/gdbstub.h"

#define SECTIONS_MAX 1024

static int fail(struct kinspect_error *err)
{
	fputs("module-dwarf-query: ", stderr);
	kinspect_error_fputs(err, stderr);
	kinspect_error_destroy(err);
	return 1;
}

struct target {
	struct kinspect_gdbstub *gdbstub;
	struct kinspect_elf_dump *dump;
};

static struct kinspect_error *read_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct target *t = ctx;
	return t->gdbstub ? kinspect_gdbstub_read_memory(t->gdbstub, addr, buf, len, false)
			  : kinspect_elf_dump_read_virt(t->dump, addr, buf, len);
}

static void print_parameters(Dwarf_Die *function);

static int query_target(int argc, char **argv)
{
	struct target t = { 0 };
	struct kinspect_vmlinux *vmlinux = NULL;
	struct kinspect_dwarf_types *types = NULL;
	struct kinspect_module_symbols *ms = NULL;
	struct kinspect_kaslr kaslr;
	const char *dir = argv[4];
	struct kinspect_memory mem = { .read = read_target, .ctx = &t };
	struct kinspect_error *err = kinspect_vmlinux_open(argv[3], &vmlinux);
	if (!err)
		err = strchr(argv[2], ':') ? kinspect_gdbstub_connect(argv[2], 10000, &t.gdbstub)
					   : kinspect_elf_dump_open(argv[2], &t.dump);
	if (!err)
		err = t.gdbstub ? kinspect_kaslr_find_live(t.gdbstub, vmlinux, &kaslr)
				: kinspect_kaslr_find_dump(t.dump, vmlinux, &kaslr);
	if (!err)
		err = kinspect_dwarf_types_create(argv[3], &types);
	if (!err)
		err = kinspect_module_symbols_create(types, vmlinux, kaslr.slide, &mem, &dir, 1, &ms);
	int status = err ? fail(err) : 0;
	for (int i = 5; !status && i < argc; i++) {
		const char *module;
		uint64_t address;
		Dwarf_Die die;
		if ((err = kinspect_module_symbols_function(ms, argv[i], &module, &address, &die))) {
			status = fail(err);
			continue;
		}
		printf("%s 0x%" PRIx64 " ", argv[i], address);
		print_parameters(&die);
		printf(" %s\n", module);
	}
	kinspect_module_symbols_destroy(ms);
	kinspect_dwarf_types_destroy(types);
	kinspect_gdbstub_destroy(t.gdbstub);
	kinspect_elf_dump_destroy(t.dump);
	kinspect_vmlinux_destroy(vmlinux);
	return status;
}

static void print_parameters(Dwarf_Die *function)
{
	Dwarf_Die child;
	const char *sep = "";
	if (dwarf_child(function, &child) != 0) {
		fputs("-", stdout);
		return;
	}
	do {
		if (dwarf_tag(&child) != DW_TAG_formal_parameter)
			continue;
		Dwarf_Attribute attr;
		const char *name = dwarf_formstring(dwarf_attr_integrate(&child, DW_AT_name, &attr));
		printf("%s%s", sep, name ? name : "?");
		sep = ",";
	} while (dwarf_siblingof(&child, &child) == 0);
	fputs(*sep ? "" : "-", stdout);
}

int main(int argc, char **argv)
{
	if (argc >= 6 && strcmp(argv[1], "--target") == 0)
		return query_target(argc, argv);
	if (argc < 5) {
		fputs("usage: module-dwarf-query KO MODULE SECTIONS_FILE FUNCTION...\n"
		      "       module-dwarf-query --target TARGET VMLINUX MODDIR FUNCTION...\n", stderr);
		return 2;
	}
	FILE *f = fopen(argv[3], "r");
	if (!f) {
		perror(argv[3]);
		return 1;
	}
	static struct kinspect_section_address sections[SECTIONS_MAX];
	static char names[SECTIONS_MAX][128];
	size_t nr = 0;
	uint64_t address;
	while (nr < SECTIONS_MAX && fscanf(f, "%127s %" SCNx64, names[nr], &address) == 2) {
		sections[nr] = (struct kinspect_section_address){ names[nr], address };
		nr++;
	}
	fclose(f);

	struct kinspect_module_file *file;
	struct kinspect_error *err = kinspect_module_file_open(argv[1], &file);
	if (err)
		return fail(err);
	struct kinspect_module_debuginfo *md;
	if ((err = kinspect_module_debuginfo_create(file, argv[2], sections, nr, &md))) {
		kinspect_module_file_destroy(file);
		return fail(err);
	}
	int status = 0;
	for (int i = 4; i < argc; i++) {
		Dwarf_Die die;
		if ((err = kinspect_module_debuginfo_function(md, argv[i], &address, &die))) {
			status = fail(err);
			continue;
		}
		printf("%s 0x%" PRIx64 " ", argv[i], address);
		print_parameters(&die);
		putchar('\n');
	}
	kinspect_module_debuginfo_destroy(md);
	kinspect_module_file_destroy(file);
	return status;
}
