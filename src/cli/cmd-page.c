/* "kinspect page" and "kinspect folio": one struct page or folio decoded,
 * found by its address, its page frame number or an address it backs,
 * rendered from the public page API (kinspect/page.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/page.h>

#include "cli/cli.h"
#include "core/cleanup.h"

struct page_cmd {
	const struct cli_command *cmd;
	struct cli *cli;
	bool is_folio;
	bool walk;
	bool hexdump;
	uint64_t hexdump_len;
};

/* One renderer for text and --json: a record is written by one function,
 * each value once, with its JSON key and, where the text shows it, the
 * words BEFORE and AFTER it there (BEFORE NULL: JSON only); text() adds
 * what only the text has.  J is NULL for text. */
struct out {
	struct kinspect_json *j;
};

/* How a number reads in the text. */
enum style {
	HEX,  /* 0x1f */
	WORD, /* 0x000000000000001f: addresses and flags words */
	DEC,
};

__attribute__((format(printf, 2, 3))) static void text(const struct out *o, const char *fmt, ...)
{
	if (o->j)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static void text_number(const char *before, enum style style, uint64_t value, const char *after)
{
	if (style == DEC)
		printf("%s%" PRIu64 "%s", before, value, after);
	else
		printf("%s0x%0*" PRIx64 "%s", before, style == WORD ? 16 : 0, value, after);
}

/* VALUE as a JSON address string ("0x1f"). */
static void out_address(const struct out *o, const char *key, const char *before, enum style style,
			uint64_t value, const char *after)
{
	if (o->j) {
		kinspect_json_key(o->j, key);
		kinspect_json_address(o->j, value);
	} else if (before) {
		text_number(before, style, value, after);
	}
}

/* VALUE as a JSON number. */
static void out_uint(const struct out *o, const char *key, const char *before, enum style style, uint64_t value,
		     const char *after)
{
	if (o->j) {
		kinspect_json_key(o->j, key);
		kinspect_json_uint(o->j, value);
	} else if (before) {
		text_number(before, style, value, after);
	}
}

/* HAS false: JSON null, and no text. */
static void out_int(const struct out *o, const char *key, const char *before, bool has, int64_t value,
		    const char *after)
{
	if (o->j) {
		kinspect_json_key(o->j, key);
		if (has)
			kinspect_json_int(o->j, value);
		else
			kinspect_json_null(o->j);
	} else if (before && has) {
		printf("%s%" PRId64 "%s", before, value, after);
	}
}

/* VALUE NULL: JSON null, and no text. */
static void out_string(const struct out *o, const char *key, const char *before, const char *value,
		       const char *after)
{
	if (o->j) {
		kinspect_json_key(o->j, key);
		kinspect_json_string(o->j, value);
	} else if (before && value) {
		printf("%s%s%s", before, value, after);
	}
}

static void out_bool(const struct out *o, const char *key, bool value)
{
	if (o->j) {
		kinspect_json_key(o->j, key);
		kinspect_json_bool(o->j, value);
	}
}

/* The flags of WORD: "a|b|c" and the bits that are no flags there in the
 * text (SHOW), an array NAMES_KEY and a number UNNAMED_KEY in JSON. */
static void out_flag_names(const struct out *o, const struct kinspect_page_info *info, enum kinspect_page_word word,
			   bool show, const char *names_key, const char *unnamed_key)
{
	size_t n = kinspect_page_info_nr_flag_names(info, word);
	uint64_t unnamed = kinspect_page_info_flags_unnamed(info, word);
	uint64_t order_bits = kinspect_page_info_flags_order_bits(info, word);
	/* Bits a tail page's word has no name for belong to the head page. */
	bool tail_word = word == KINSPECT_PAGE_WORD_SECOND || (word == KINSPECT_PAGE_WORD_PAGE && kinspect_page_info_tail(info));
	if (o->j) {
		kinspect_json_key(o->j, names_key);
		kinspect_json_begin_array(o->j);
		for (size_t i = 0; i < n; i++)
			kinspect_json_string(o->j, kinspect_page_info_flag_name(info, word, i));
		kinspect_json_end_array(o->j);
		out_address(o, unnamed_key, NULL, HEX, unnamed, NULL);
		return;
	}
	if (!show)
		return;
	for (size_t i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", kinspect_page_info_flag_name(info, word, i));
	if (!n)
		fputs("-", stdout);
	if (order_bits)
		printf("  (order byte 0x%" PRIx64 ")", order_bits);
	if (unnamed)
		printf("  (%s bits 0x%" PRIx64 ")", tail_word ? "head-page" : "unnamed", unnamed);
}

/* The record of one page or folio (the folio: its head page described). */
static void render_page(const struct out *o, const struct kinspect_page_info *info)
{
	bool f = kinspect_page_info_is_folio(info), tail = kinspect_page_info_tail(info);
	bool large = kinspect_page_info_large(info), from_tail = kinspect_page_info_from_tail(info);
	uint64_t nr_pages = kinspect_page_info_nr_pages(info), size = kinspect_page_info_size(info);
	unsigned int order = kinspect_page_info_order(info);

	text(o, "%-12s", f ? "folio" : "page");
	out_address(o, "page", "", WORD, kinspect_page_info_address(info), "");
	out_uint(o, "pfn", "  pfn ", HEX, kinspect_page_info_pfn(info), "");
	out_address(o, "phys", "  phys ", HEX, kinspect_page_info_phys(info), "");
	out_address(o, "virt", "  virt ", WORD, kinspect_page_info_virt(info), "\n");
	uint64_t virt, phys;
	const char *how = kinspect_page_info_translation(info, &virt, &phys);
	if (how) {
		text(o, "%-12s", "address");
		out_address(o, "address", "", WORD, virt, "");
		out_address(o, "address_phys", " -> phys ", HEX, phys, "");
		out_string(o, "translation", " by ", how, "\n");
	}

	text(o, "%-12s", "flags");
	out_address(o, "flags", "", WORD, kinspect_page_info_flags(info, KINSPECT_PAGE_WORD_PAGE), " ");
	out_flag_names(o, info, KINSPECT_PAGE_WORD_PAGE, true, "flag_names", "flags_unnamed");
	out_uint(o, "nr_pageflags", "  (fields above bit ", DEC, kinspect_page_info_nr_pageflags(info), "");
	out_address(o, "flags_high", ": ", HEX, kinspect_page_info_flags_high(info, KINSPECT_PAGE_WORD_PAGE), ")\n");
	out_string(o, "type", "type        ", kinspect_page_info_type(info), "\n");
	out_address(o, "page_type", NULL, HEX, kinspect_page_info_page_type(info), NULL);

	/* A tail page: its folio, where it lies in it, the folio's flags. */
	out_address(o, "folio", tail ? "folio       " : NULL, WORD, kinspect_page_info_folio(info), "");
	if (tail)
		text(o, "  tail page %" PRIu64 " of %" PRIu64 ", order %u, %" PRIu64 " bytes\n",
		     kinspect_page_info_from_index(info), nr_pages, order, size);
	out_uint(o, "folio_pfn", NULL, HEX, kinspect_page_info_folio_pfn(info), NULL);
	out_bool(o, "tail", tail);
	/* A folio found from a tail page: that page. */
	out_address(o, "from_page", f && from_tail ? "from page   " : NULL, WORD, kinspect_page_info_from(info), "");
	if (f && from_tail)
		text(o, " (tail page %" PRIu64 ")\n", kinspect_page_info_from_index(info));
	out_bool(o, "from_tail", from_tail);
	out_bool(o, "large", large);
	if (!f) {
		out_address(o, "folio_flags", tail ? "folio flags " : NULL, WORD,
			    kinspect_page_info_flags(info, KINSPECT_PAGE_WORD_FOLIO), " ");
		out_flag_names(o, info, KINSPECT_PAGE_WORD_FOLIO, tail, "folio_flag_names", "folio_flags_unnamed");
		if (tail)
			text(o, "\n");
	}
	/* The order line of a head or single page (a tail's is above). */
	out_uint(o, "order", tail ? NULL : "order       ", DEC, order, "");
	out_uint(o, "nr_pages", tail ? NULL : " (", DEC, nr_pages, nr_pages == 1 ? " page" : " pages");
	out_uint(o, "size", tail ? NULL : ", ", DEC, size, " bytes)");
	if (!tail)
		text(o, "%s\n", large ? ", head page" : "");
	if (large) {
		/* The folio's second page: in the text of the folio only. */
		out_address(o, "second_page_flags", f ? "2nd page    " : NULL, WORD,
			    kinspect_page_info_flags(info, KINSPECT_PAGE_WORD_SECOND), " ");
		out_flag_names(o, info, KINSPECT_PAGE_WORD_SECOND, f, "second_page_flag_names", "second_page_flags_unnamed");
		if (f)
			text(o, "\n");
	}

	enum kinspect_mapping_kind kind = kinspect_page_info_mapping_kind(info);
	out_address(o, "mapping", "mapping     ", WORD, kinspect_page_info_mapping(info), "");
	out_string(o, "mapping_kind", " ", kinspect_page_info_mapping_name(info), "");
	if (kind == KINSPECT_MAPPING_FILE) {
		const char *fs_type = kinspect_page_info_fs_type(info), *path = kinspect_page_info_path(info);
		out_address(o, "inode", ", inode ", HEX, kinspect_page_info_inode(info), "");
		out_uint(o, "ino", " ino ", DEC, kinspect_page_info_ino(info), "");
		out_string(o, "fs_type", fs_type[0] ? " on " : NULL, fs_type, "");
		out_string(o, "path", path[0] ? ", " : NULL, path, "");
	} else if (kind == KINSPECT_MAPPING_SLAB) {
		uint64_t cache = kinspect_page_info_slab_cache(info);
		out_address(o, "slab_cache", cache ? ", cache " : NULL, HEX, cache, "");
		out_string(o, "slab_cache_name", cache ? " " : NULL, kinspect_page_info_slab_cache_name(info), "");
	} else if (kind == KINSPECT_MAPPING_ANON || kind == KINSPECT_MAPPING_KSM) {
		out_address(o, "anon_vma", ", anon_vma ", HEX, kinspect_page_info_anon_vma(info), "");
	}
	text(o, "\n");
	/* A slab page's index word belongs to struct slab. */
	out_uint(o, "index", kind != KINSPECT_MAPPING_SLAB ? "index       " : NULL, HEX, kinspect_page_info_index(info),
		 "\n");
	out_int(o, "refcount", "refcount    ", true, kinspect_page_info_refcount(info), "\n");
	int64_t mapcount = 0, entire = 0, large_map = 0;
	bool has_mapcount = kinspect_page_info_mapcount(info, &mapcount);
	text(o, "%-12s", "mapcount");
	out_int(o, "mapcount", "", has_mapcount, mapcount, !large ? "\n" : f ? " (head page)\n" : " (this page)\n");
	if (!has_mapcount)
		text(o, "- (page_type 0x%08" PRIx32 ")\n", kinspect_page_info_page_type(info));
	bool has_entire = kinspect_page_info_entire_mapcount(info, &entire);
	bool has_large = kinspect_page_info_large_mapcount(info, &large_map);
	out_int(o, "entire_mapcount", "entire map  ", has_entire, entire, "\n");
	out_int(o, "large_mapcount", "large map   ", has_large, large_map, "\n");
}

/* The contents record: LEN bytes of BUF at physical PHYS. */
static void render_contents(const struct out *o, uint64_t phys, const uint8_t *buf, uint64_t len)
{
	if (o->j) {
		kinspect_json_key(o->j, "hexdump");
		kinspect_json_begin_object(o->j);
		out_address(o, "phys", NULL, HEX, phys, NULL);
		out_uint(o, "length", NULL, DEC, len, NULL);
		kinspect_json_key(o->j, "hex");
		cli_json_hex(o->j, buf, len);
		kinspect_json_end_object(o->j);
	} else {
		printf("contents (physical addresses):\n");
		cli_hexdump(phys, buf, len);
	}
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

static int dump_contents(struct page_cmd *pc, const struct out *o, const struct kinspect_page_info *info)
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
	render_contents(o, phys, buf, len);
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
		struct out o = { .j = cli->json ? &cli->json_writer : NULL };
		if (o.j)
			kinspect_json_begin_object(o.j);
		render_page(&o, info);
		if (pc.hexdump)
			status = dump_contents(&pc, &o, info);
		if (o.j)
			kinspect_json_end_object(o.j);
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
