/* Example: the page behind a kernel virtual address (or a page frame
 * number) of a dump or a live guest, with its folio, flags and mapping,
 * through libkinspect alone.
 * Build against an installed libkinspect with
 *   cc page-info.c $(pkg-config --cflags --libs kinspect)
 * and run as
 *   page-info VMLINUX TARGET ADDRESS|pfn:N
 * (TARGET: a dump file, HOST:PORT or unix:PATH of QEMU's gdbstub).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/kinspect.h>

static void print_flags(const struct kinspect_page_info *info, enum kinspect_page_word word)
{
	size_t n = kinspect_page_info_nr_flag_names(info, word);
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", kinspect_page_info_flag_name(info, word, i));
	printf("%s\n", n ? "" : "-");
}

static void print_page(const struct kinspect_page_info *info)
{
	printf("page 0x%016" PRIx64 " pfn 0x%" PRIx64 "\n", kinspect_page_info_address(info),
	       kinspect_page_info_pfn(info));
	printf("flags ");
	print_flags(info, KINSPECT_PAGE_WORD_PAGE);
	printf("folio 0x%016" PRIx64 " order %u (%" PRIu64 " bytes)%s\n", kinspect_page_info_folio(info),
	       kinspect_page_info_order(info), kinspect_page_info_size(info),
	       kinspect_page_info_tail(info) ? ", a tail page" : "");
	printf("folio flags ");
	print_flags(info, KINSPECT_PAGE_WORD_FOLIO);
	printf("mapping %s", kinspect_page_info_mapping_name(info));
	if (kinspect_page_info_mapping_kind(info) == KINSPECT_MAPPING_FILE)
		printf(" ino %" PRIu64 " %s", kinspect_page_info_ino(info), kinspect_page_info_path(info));
	else if (kinspect_page_info_mapping_kind(info) == KINSPECT_MAPPING_SLAB)
		printf(" %s", kinspect_page_info_slab_cache_name(info));
	int64_t mapcount;
	printf("\nrefcount %" PRId64, kinspect_page_info_refcount(info));
	if (kinspect_page_info_mapcount(info, &mapcount))
		printf(" mapcount %" PRId64, mapcount);
	putchar('\n');
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s VMLINUX TARGET ADDRESS|pfn:N\n", argv[0]);
		return 2;
	}
	bool by_pfn = strncmp(argv[3], "pfn:", 4) == 0;
	char *end;
	uint64_t addr = strtoull(by_pfn ? argv[3] + 4 : argv[3], &end, 0);
	if (*end || end == argv[3] + (by_pfn ? 4 : 0)) {
		fprintf(stderr, "%s: '%s' is not a number\n", argv[0], argv[3]);
		return 2;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	struct kinspect_kernel *kernel = NULL;
	struct kinspect_page_info *info = NULL;
	struct kinspect_error *err = kinspect_kernel_open(argv[2], &options, &kernel);
	if (!err)
		err = kinspect_kernel_page_info(kernel, by_pfn ? KINSPECT_PAGE_AT_PFN : KINSPECT_PAGE_AT_VIRT, addr, 0,
						&info);
	if (!err)
		print_page(info);
	kinspect_page_info_destroy(info);
	kinspect_kernel_destroy(kernel);
	if (err) {
		fputs("page-info: ", stderr);
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return 1;
	}
	return 0;
}
