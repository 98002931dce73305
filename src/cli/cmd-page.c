/* "kinspect page" and "kinspect folio": one struct page or folio decoded,
 * found by its address, its page frame number or an address it backs,
 * rendered from the public page API (kinspect/page.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/page.h>

#include "cli/cli.h"
#include "cli/record-writer.h"
#include "core/cleanup.h"

struct page_cmd {
	const struct cli_command *cmd;
	struct cli *cli;
	bool is_folio;
	bool walk;
	bool hexdump;
	uint64_t hexdump_len;
};

/* The flags word WORD of a page under the keys PREFIX + "flags",
 * "flag_names", "flags_order_bits" and "flags_unnamed": in the text (SHOW)
 * the word, its flags "a|b|c" and the bits that are no flags there. */
static void render_flags(struct record_writer *w, const struct kinspect_page_info *info,
			 enum kinspect_page_word word, bool show, const char *prefix)
{
	char key[64];
#define KEY(name) (snprintf(key, sizeof(key), "%s%s", prefix, name), key)
	size_t n = kinspect_page_info_nr_flag_names(info, word);
	uint64_t unnamed = kinspect_page_info_flags_unnamed(info, word);
	uint64_t order_bits = kinspect_page_info_flags_order_bits(info, word);
	/* Bits a tail page's word has no name for belong to the head page. */
	bool tail_word = word == KINSPECT_PAGE_WORD_SECOND || (word == KINSPECT_PAGE_WORD_PAGE && kinspect_page_info_tail(info));
	record_address(w, KEY("flags"), show ? "0x%016" PRIx64 " " : NULL, kinspect_page_info_flags(info, word));
	record_begin_array(w, KEY("flag_names"));
	for (size_t i = 0; i < n; i++)
		record_string(w, NULL, !show ? NULL : i ? "|%s" : "%s", kinspect_page_info_flag_name(info, word, i));
	record_end_array(w);
	if (show && !n)
		record_text(w, "-");
	record_address(w, KEY("flags_order_bits"), show && order_bits ? "  (order byte 0x%" PRIx64 ")" : NULL,
		       order_bits);
	record_address(w, KEY("flags_unnamed"),
		       !show || !unnamed ? NULL
		       : tail_word	 ? "  (head-page bits 0x%" PRIx64 ")"
					 : "  (unnamed bits 0x%" PRIx64 ")",
		       unnamed);
#undef KEY
}

/* The record of one page or folio (the folio: its head page described). */
static void render_page(struct record_writer *w, const struct kinspect_page_info *info)
{
	enum { /* the text's lines, in order */
	       PAGE_LINE = 1,
	       ADDRESS_LINE,
	       FLAGS_LINE,
	       TYPE_LINE,
	       FOLIO_LINE, /* a tail page's folio: its size in the parts below */
	       TAIL_PAGES,
	       TAIL_ORDER,
	       TAIL_SIZE,
	       FROM_LINE,
	       FOLIO_FLAGS_LINE,
	       ORDER_LINE,
	       SECOND_PAGE_LINE,
	       MAPPING_LINE,
	       INDEX_LINE,
	       REFCOUNT_LINE,
	       MAPCOUNT_LINE,
	       PAGE_TYPE, /* in the mapcount line when there is no mapcount */
	       ENTIRE_LINE,
	       LARGE_LINE,
	};
	bool f = kinspect_page_info_is_folio(info), tail = kinspect_page_info_tail(info);
	bool large = kinspect_page_info_large(info), from_tail = kinspect_page_info_from_tail(info);
	uint64_t nr_pages = kinspect_page_info_nr_pages(info), size = kinspect_page_info_size(info);
	unsigned int order = kinspect_page_info_order(info);
	int64_t mapcount = 0, entire = 0, large_map = 0;
	bool has_mapcount = kinspect_page_info_mapcount(info, &mapcount);

	record_slot(w, PAGE_LINE);
	record_text(w, "%-12s", f ? "folio" : "page");
	record_address(w, "page", "0x%016" PRIx64, kinspect_page_info_address(info));
	record_uint(w, "pfn", "  pfn 0x%" PRIx64, kinspect_page_info_pfn(info));
	record_address(w, "phys", "  phys 0x%" PRIx64, kinspect_page_info_phys(info));
	record_address(w, "virt", "  virt 0x%016" PRIx64 "\n", kinspect_page_info_virt(info));
	uint64_t virt, phys;
	const char *how = kinspect_page_info_translation(info, &virt, &phys);
	if (how) {
		record_slot(w, ADDRESS_LINE);
		record_text(w, "%-12s", "address");
		record_address(w, "address", "0x%016" PRIx64, virt);
		record_address(w, "address_phys", " -> phys 0x%" PRIx64, phys);
		record_string(w, "translation", " by %s\n", how);
	}

	record_slot(w, FLAGS_LINE);
	record_text(w, "%-12s", "flags");
	render_flags(w, info, KINSPECT_PAGE_WORD_PAGE, true, "");
	record_uint(w, "nr_pageflags", "  (fields above bit %" PRIu64, kinspect_page_info_nr_pageflags(info));
	record_address(w, "flags_high", ": 0x%" PRIx64 ")\n", kinspect_page_info_flags_high(info, KINSPECT_PAGE_WORD_PAGE));
	record_slot(w, TYPE_LINE);
	record_string(w, "type", "type        %s\n", kinspect_page_info_type(info));
	/* No mapcount: the word holds a page type. */
	record_slot(w, PAGE_TYPE);
	record_address(w, "page_type", has_mapcount ? NULL : "- (page_type 0x%08" PRIx64 ")\n",
		       kinspect_page_info_page_type(info));

	/* A tail page: its folio, where it lies in it, the folio's size. */
	record_slot(w, FOLIO_LINE);
	record_address(w, "folio", tail ? "folio       0x%016" PRIx64 : NULL, kinspect_page_info_folio(info));
	if (tail)
		record_uint(w, "from_index", "  tail page %" PRIu64, kinspect_page_info_from_index(info));
	record_json_uint(w, "folio_pfn", kinspect_page_info_folio_pfn(info));
	record_bool(w, "tail", tail, NULL, NULL);
	/* A folio found from a tail page: that page. */
	record_slot(w, FROM_LINE);
	record_address(w, "from_page", f && from_tail ? "from page   0x%016" PRIx64 : NULL, kinspect_page_info_from(info));
	if (!tail)
		record_uint(w, "from_index", f && from_tail ? " (tail page %" PRIu64 ")\n" : NULL,
			    kinspect_page_info_from_index(info));
	record_bool(w, "from_tail", from_tail, NULL, NULL);
	record_bool(w, "large", large, NULL, NULL);
	if (!f) {
		record_slot(w, FOLIO_FLAGS_LINE);
		record_text(w, "%s", tail ? "folio flags " : "");
		render_flags(w, info, KINSPECT_PAGE_WORD_FOLIO, tail, "folio_");
		record_text(w, "%s", tail ? "\n" : "");
	}
	/* The order line of a head or single page, the folio line's end of a
	 * tail. */
	record_slot(w, tail ? TAIL_ORDER : ORDER_LINE);
	record_uint(w, "order", tail ? ", order %" PRIu64 : "order       %" PRIu64, order);
	record_slot(w, tail ? TAIL_PAGES : ORDER_LINE);
	record_uint(w, "nr_pages", tail ? " of %" PRIu64 : nr_pages == 1 ? " (%" PRIu64 " page" : " (%" PRIu64 " pages",
		    nr_pages);
	record_slot(w, tail ? TAIL_SIZE : ORDER_LINE);
	record_uint(w, "size", tail ? ", %" PRIu64 " bytes\n" : ", %" PRIu64 " bytes)", size);
	if (!tail)
		record_text(w, "%s\n", large ? ", head page" : "");
	if (large) {
		/* The folio's second page: in the text of the folio only. */
		record_slot(w, SECOND_PAGE_LINE);
		record_text(w, "%s", f ? "2nd page    " : "");
		render_flags(w, info, KINSPECT_PAGE_WORD_SECOND, f, "second_page_");
		record_text(w, "%s", f ? "\n" : "");
	}

	enum kinspect_mapping_kind kind = kinspect_page_info_mapping_kind(info);
	record_slot(w, MAPPING_LINE);
	record_address(w, "mapping", "mapping     0x%016" PRIx64, kinspect_page_info_mapping(info));
	record_string(w, "mapping_kind", " %s", kinspect_page_info_mapping_name(info));
	if (kind == KINSPECT_MAPPING_FILE) {
		const char *fs_type = kinspect_page_info_fs_type(info), *path = kinspect_page_info_path(info);
		record_address(w, "inode", ", inode 0x%" PRIx64, kinspect_page_info_inode(info));
		record_uint(w, "ino", " ino %" PRIu64, kinspect_page_info_ino(info));
		record_string(w, "fs_type", fs_type[0] ? " on %s" : NULL, fs_type);
		record_string(w, "path", path[0] ? ", %s" : NULL, path);
	} else if (kind == KINSPECT_MAPPING_SLAB) {
		uint64_t cache = kinspect_page_info_slab_cache(info);
		record_address(w, "slab_cache", cache ? ", cache 0x%" PRIx64 : NULL, cache);
		record_string(w, "slab_cache_name", cache ? " %s" : NULL, kinspect_page_info_slab_cache_name(info));
	} else if (kind == KINSPECT_MAPPING_ANON || kind == KINSPECT_MAPPING_KSM) {
		record_address(w, "anon_vma", ", anon_vma 0x%" PRIx64, kinspect_page_info_anon_vma(info));
	}
	record_text(w, "\n");
	/* A slab page's index word belongs to struct slab. */
	record_slot(w, INDEX_LINE);
	record_uint(w, "index", kind != KINSPECT_MAPPING_SLAB ? "index       0x%" PRIx64 "\n" : NULL,
		    kinspect_page_info_index(info));
	record_slot(w, REFCOUNT_LINE);
	record_int(w, "refcount", "refcount    %" PRId64 "\n", kinspect_page_info_refcount(info));
	record_slot(w, MAPCOUNT_LINE);
	record_text(w, "%-12s", "mapcount");
	record_int_opt(w, "mapcount",
		       !large ? "%" PRId64 "\n"
		       : f    ? "%" PRId64 " (head page)\n"
			      : "%" PRId64 " (this page)\n",
		       has_mapcount, mapcount);
	bool has_entire = kinspect_page_info_entire_mapcount(info, &entire);
	bool has_large = kinspect_page_info_large_mapcount(info, &large_map);
	record_slot(w, ENTIRE_LINE);
	record_int_opt(w, "entire_mapcount", "entire map  %" PRId64 "\n", has_entire, entire);
	record_slot(w, LARGE_LINE);
	record_int_opt(w, "large_mapcount", "large map   %" PRId64 "\n", has_large, large_map);
	record_flush(w);
}

/* The contents record: LEN bytes of BUF at physical PHYS. */
static void render_contents(struct record_writer *w, uint64_t phys, const uint8_t *buf, uint64_t len)
{
	record_begin_object(w, "hexdump");
	record_text(w, "contents (physical addresses):\n");
	record_json_address(w, "phys", phys);
	record_json_uint(w, "length", len);
	record_hexdump(w, "hex", phys, buf, len);
	record_end_object(w);
}

/* What ADDR names: "pfn:N", "phys:ADDR", "virt:ADDR" or the address of a
 * struct page (numbers or symbols). */
static struct kinspect_error *parse_addr(struct cli *cli, const char *text, enum kinspect_page_address_kind *ret_kind,
					 uint64_t *ret)
{
	if (strncmp(text, "pfn:", 4) == 0) {
		*ret_kind = KINSPECT_PAGE_AT_PFN;
		if (!cli_parse_number(text + 4, ret))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "'%s': not a page frame number",
						     text + 4);
		return NULL;
	}
	if (strncmp(text, "phys:", 5) == 0) {
		*ret_kind = KINSPECT_PAGE_AT_PHYS;
		if (!cli_parse_number(text + 5, ret))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "'%s': not a physical address",
						     text + 5);
		return NULL;
	}
	if (strncmp(text, "virt:", 5) == 0) {
		*ret_kind = KINSPECT_PAGE_AT_VIRT;
		if (!cli_parse_address(cli, text + 5, ret))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad virtual address '%s'",
						     text + 5);
		return NULL;
	}
	*ret_kind = KINSPECT_PAGE_AT_PAGE;
	if (!cli_parse_address(cli, text, ret))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad struct page address '%s'", text);
	return NULL;
}

static int dump_contents(struct page_cmd *pc, struct record_writer *w, const struct kinspect_page_info *info)
{
	uint64_t phys = kinspect_page_info_phys(info);
	/* By default one page: the folio's size over its pages. */
	uint64_t len = pc->hexdump_len ? pc->hexdump_len
				       : kinspect_page_info_size(info) / kinspect_page_info_nr_pages(info);
	_cleanup_free_ uint8_t *buf = malloc(len);
	if (!buf)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	struct kinspect_error *err = kinspect_kernel_read_phys(pc->cli->kernel, phys, buf, len);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "read %" PRIu64 " bytes at physical 0x%" PRIx64, len, phys));
	render_contents(w, phys, buf, len);
	return CLI_EXIT_OK;
}

static int run_page_cmd(const struct cli_command *cmd, struct cli *cli, int argc, char **argv)
{
	struct page_cmd pc = { .cmd = cmd, .cli = cli, .is_folio = cmd == &cli_command_folio };
	const char *positional[2];
	int nr_positional = 0, len_index = -1;
	bool operands_only = false;
	/* --hexdump takes an optional LEN: "--hexdump=LEN", or "--hexdump LEN"
	 * when two words follow the options (LEN and ADDR).  Options come
	 * anywhere, up to a "--"; "-1" is an operand (and a bad address), as
	 * for every command (cli_options_first). */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (operands_only || a[0] != '-' || !a[1] || isdigit((unsigned char)a[1])) {
			if (nr_positional == 2)
				return cli_usage_error(cmd, "unexpected argument '%s'", a);
			positional[nr_positional++] = a;
		} else if (strcmp(a, "--") == 0) {
			operands_only = true;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cli_print_help(cmd);
			return CLI_EXIT_OK;
		} else if (strcmp(a, "--walk") == 0) {
			pc.walk = true;
		} else if (strcmp(a, "--hexdump") == 0 || strcmp(a, "-x") == 0) {
			pc.hexdump = true;
			uint64_t n;
			if (i + 1 < argc && cli_parse_number(argv[i + 1], &n))
				len_index = nr_positional;
		} else if (strncmp(a, "--hexdump=", 10) == 0) {
			pc.hexdump = true;
			if (!cli_parse_number(a + 10, &pc.hexdump_len) || pc.hexdump_len == 0)
				return cli_usage_error(cmd, "bad --hexdump length '%s'", a + 10);
		} else {
			return cli_usage_error(cmd, "unknown option '%s'", a);
		}
	}
	const char *addr_text;
	if (nr_positional == 2 && len_index >= 0) {
		if (!cli_parse_number(positional[len_index], &pc.hexdump_len) || pc.hexdump_len == 0)
			return cli_usage_error(cmd, "bad --hexdump length '%s'", positional[len_index]);
		addr_text = positional[1 - len_index];
	} else if (nr_positional == 1) {
		addr_text = positional[0];
	} else {
		return cli_usage_error(cmd, nr_positional ? "unexpected argument '%s'" : "expected ADDR%s",
				       nr_positional ? positional[1] : "");
	}

	if (!cli_open_target(cli) || !cli_vmlinux(cli))
		return CLI_EXIT_FAILURE;
	enum kinspect_page_address_kind kind;
	uint64_t addr;
	struct kinspect_error *err = parse_addr(cli, addr_text, &kind, &addr);
	struct kinspect_page_info *info = NULL;
	if (!err)
		err = (pc.is_folio ? kinspect_kernel_folio_info : kinspect_kernel_page_info)(
			cli->kernel, kind, addr, pc.walk ? KINSPECT_PAGE_WALK : 0, &info);
	if (err)
		return cli_fail(err);
	int status = CLI_EXIT_OK;
	uint64_t extent = kinspect_page_info_extent(info);
	if (pc.hexdump && pc.hexdump_len > extent) {
		status = cli_usage_error(cmd, "--hexdump %" PRIu64 ": the %s has %" PRIu64 " bytes from its start",
					 pc.hexdump_len, pc.is_folio ? "folio" : "page's folio", extent);
	} else {
		struct record_writer w = record_writer_cli(cli);
		record_begin_object(&w, NULL);
		render_page(&w, info);
		if (pc.hexdump)
			status = dump_contents(&pc, &w, info);
		record_end_object(&w);
	}
	kinspect_page_info_destroy(info);
	return status;
}

static int run_page(struct cli *cli, int argc, char **argv)
{
	return run_page_cmd(&cli_command_page, cli, argc, argv);
}

static int run_folio(struct cli *cli, int argc, char **argv)
{
	return run_page_cmd(&cli_command_folio, cli, argc, argv);
}

#define ADDR_HELP \
	"ADDR is the address of a struct page (a number or a symbol), or\n" \
	"  pfn:N       the page of page frame N\n" \
	"  phys:ADDR   the page holding physical address ADDR\n" \
	"  virt:ADDR   the page backing kernel virtual address ADDR (a number or a\n" \
	"              symbol): direct-map addresses by subtraction, others by\n" \
	"              walking the kernel's page tables\n" \
	"  --walk      translate virt: addresses by the page walk even in the direct map\n" \
	"  --hexdump [LEN], --hexdump=LEN\n" \
	"              also dump LEN bytes (default 4096) of the contents, read at\n" \
	"              their physical address, at most up to the end of the folio\n" \
	"The memory map (page_offset_base, vmemmap_base, max_pfn) is read from the\n" \
	"kernel; layouts and flag names (enum pageflags, enum pagetype) come from the\n" \
	"vmlinux's DWARF.  Flags are the bits below __NR_PAGEFLAGS; the bits above\n" \
	"hold section, node, zone (and LRU generation, cpupid) fields and are shown\n" \
	"as one number.  Aliases are named where the page's kind gives them their\n" \
	"meaning (anon_exclusive in anonymous pages, swapcache in swap-backed ones);\n" \
	"a tail page's own flags word holds only per-page flags, the first tail's\n" \
	"also the folio's second-page flags and (since v6.6) its order byte.\n"

const struct cli_command cli_command_page = {
	.name = "page",
	.synopsis = "[--walk] [--hexdump [LEN]] ADDR",
	.summary = "Decode a struct page: pfn, flags, folio, mapping, counts",
	.help = ADDR_HELP "A tail page shows its folio (head) and the folio's flags too.  The mapping\n"
			  "is anon (anon_vma), file (inode number, file system, path through the\n"
			  "inode's dentry), slab (the kmem_cache's name), ksm, movable or none.\n"
			  "mapcount is _mapcount + 1 of this page; large folios also show the\n"
			  "whole-folio counts the kernel keeps (entire map, large map).\n"
			  "With --json: {\"page\", \"pfn\", \"phys\", \"virt\", \"flags\", \"flag_names\",\n"
			  "\"flags_high\", \"type\", \"folio\", \"tail\", \"order\", \"nr_pages\", \"size\",\n"
			  "\"mapping\", \"mapping_kind\", \"ino\", \"path\", \"slab_cache_name\", \"index\",\n"
			  "\"refcount\", \"mapcount\", ..., \"hexdump\": {\"phys\", \"length\", \"hex\"}}.\n",
	.run = run_page,
};

const struct cli_command cli_command_folio = {
	.name = "folio",
	.synopsis = "[--walk] [--hexdump [LEN]] ADDR",
	.summary = "Decode the folio a struct page belongs to: order, flags, mapping, counts",
	.help = ADDR_HELP "A tail page is followed to its head: the folio is described from its first\n"
			  "page.  The order comes from the folio (_folio_order, or the low byte of\n"
			  "_flags_1 since v6.6).  With --json: the fields of 'kinspect page --json',\n"
			  "for the folio.\n",
	.run = run_folio,
};
