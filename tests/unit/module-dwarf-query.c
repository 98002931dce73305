/* For the VM tests: the runtime entry address and parameters of module
 * functions, from the .ko's DWARF relocated with section addresses as the
 * guest shows them in /sys/module/NAME/sections.
 *
 *   module-dwarf-query KO MODULE SECTIONS_FILE FUNCTION...
 *
 * SECTIONS_FILE has one "NAME ADDRESS" line per section.  Prints one line
 * per function: "FUNCTION 0xADDRESS PARAM,PARAM,...".
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <dwarf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/module-debuginfo.h"

#define SECTIONS_MAX 1024

static int fail(struct kinspect_error *err)
{
	fputs("module-dwarf-query: ", stderr);
	kinspect_error_fputs(err, stderr);
	kinspect_error_destroy(err);
	return 1;
}

static void print_parameters(Dwarf_Die *function)
{
	Dwarf_Die child;
	const char *sep = "";
	if (dwarf_child(function, &child) != 0) {
		puts("-");
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
	puts(*sep ? "" : "-");
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fputs("usage: module-dwarf-query KO MODULE SECTIONS_FILE FUNCTION...\n", stderr);
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
	}
	kinspect_module_debuginfo_destroy(md);
	kinspect_module_file_destroy(file);
	return status;
}
