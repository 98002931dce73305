/* "kinspect page" and "kinspect folio": one struct page or folio decoded,
 * found by its address, its page frame number or an address it backs.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/folio.h"
#include "linux/page.h"

struct page_cmd {
	const struct cli_command *cmd;
	struct cli *cli;
	bool is_folio;
	bool walk;
	bool hexdump;
	uint64_t hexdump_len;
	/* How ADDR was given: "page", "pfn", "phys" or "virt". */
	const char *how;
	uint64_t given; /* the address or pfn given */
	bool translated;
	enum kinspect_translation translation;
};

/* The flags of FLAGS in ROLE, "a|b|c", plus the bits with no name there. */
static void print_flag_names(const struct kinspect_page_flag_names *names, const struct kinspect_page *p,
			     uint64_t flags, enum kinspect_page_flags_role role, uint64_t not_flags)
{
	const char *list[KINSPECT_PAGE_FLAG_NAMES_MAX];
	uint64_t unnamed;
	unsigned int n =
		kinspect_page_flags_decode(names, flags, role, p->anon, p->swapbacked, not_flags, list, &unnamed);
	for (unsigned int i = 0; i < n; i++)
		printf("%s%s", i ? "|" : "", list[i]);
	if (!n)
		fputs("-", stdout);
	if (not_flags & flags)
		printf("  (order byte 0x%" PRIx64 ")", flags & not_flags);
	if (unnamed)
		printf("  (%s bits 0x%" PRIx64 ")", role == KINSPECT_PAGE_FLAGS_FOLIO ? "unnamed" : "head-page", unnamed);
}

static void json_flag_names(struct kinspect_json *j, const struct kinspect_page_flag_names *names,
			    const struct kinspect_page *p, uint64_t flags, enum kinspect_page_flags_role role,
			    uint64_t not_flags, const char *unnamed_key)
{
	const char *list[KINSPECT_PAGE_FLAG_NAMES_MAX];
	uint64_t unnamed;
	unsigned int n =
		kinspect_page_flags_decode(names, flags, role, p->anon, p->swapbacked, not_flags, list, &unnamed);
	kinspect_json_begin_array(j);
	for (unsigned int i = 0; i < n; i++)
		kinspect_json_string(j, list[i]);
	kinspect_json_end_array(j);
	kinspect_json_key(j, unnamed_key);
	kinspect_json_address(j, unnamed);
}

/* page->flags above the flags: section, node and zone numbers. */
static uint64_t high_bits(const struct kinspect_page_flag_names *names, uint64_t flags)
{
	return names->nr >= 64 ? 0 : flags >> names->nr;
}

static void print_text(const struct page_cmd *pc, const struct kinspect_page_flag_names *names,
		       const struct kinspect_page *p)
{
	/* folio: the head page is described. */
	uint64_t page = pc->is_folio ? p->folio : p->page, pfn = pc->is_folio ? p->folio_pfn : p->pfn;
	printf("%-12s0x%016" PRIx64 "  pfn 0x%" PRIx64 "  phys 0x%" PRIx64 "  virt 0x%016" PRIx64 "\n",
	       pc->is_folio ? "folio" : "page", page, pfn, pfn << 12, p->virt - ((p->pfn - pfn) << 12));
	if (pc->translated)
		printf("%-12s0x%016" PRIx64 " -> phys 0x%" PRIx64 " by %s\n", "address", pc->given,
		       (p->pfn << 12) | (pc->given & 0xfff),
		       kinspect_translation_name(pc->translation));
	uint64_t flags = pc->is_folio ? p->folio_flags : p->flags;
	printf("%-12s0x%016" PRIx64 " ", "flags", flags);
	if (pc->is_folio)
		print_flag_names(names, p, flags, KINSPECT_PAGE_FLAGS_FOLIO, 0);
	else
		print_flag_names(names, p, flags, p->flags_role, p->flags_not_flags);
	printf("  (fields above bit %u: 0x%" PRIx64 ")\n", names->nr, high_bits(names, flags));
	const char *type = pc->is_folio ? p->folio_type : p->type;
	if (type)
		printf("%-12s%s\n", "type", type);
	if (p->tail && !pc->is_folio) {
		printf("%-12s0x%016" PRIx64 "  tail page %" PRIu64 " of %" PRIu64 ", order %u, %" PRIu64 " bytes\n",
		       "folio", p->folio, p->pfn - p->folio_pfn, p->nr_pages, p->order, p->nr_pages << 12);
		printf("%-12s0x%016" PRIx64 " ", "folio flags", p->folio_flags);
		print_flag_names(names, p, p->folio_flags, KINSPECT_PAGE_FLAGS_FOLIO, 0);
		putchar('\n');
	} else if (p->tail) {
		printf("%-12s0x%016" PRIx64 " (tail page %" PRIu64 ")\n", "from page", p->page, p->pfn - p->folio_pfn);
	}
	if (!p->tail || pc->is_folio)
		printf("%-12s%u (%" PRIu64 " page%s, %" PRIu64 " bytes)%s\n", "order", p->order, p->nr_pages,
		       p->nr_pages == 1 ? "" : "s", p->nr_pages << 12, p->large ? ", head page" : "");
	if (pc->is_folio && p->large) {
		printf("%-12s0x%016" PRIx64 " ", "2nd page", p->second_flags);
		print_flag_names(names, p, p->second_flags, KINSPECT_PAGE_FLAGS_SECOND, p->second_not_flags);
		putchar('\n');
	}
	printf("%-12s0x%016" PRIx64 " %s", "mapping", p->mapping, kinspect_mapping_kind_name(p->mapping_kind));
	if (p->mapping_kind == KINSPECT_MAPPING_FILE) {
		printf(", inode 0x%" PRIx64 " ino %" PRIu64, p->inode, p->ino);
		if (p->fs_type[0])
			printf(" on %s", p->fs_type);
		if (p->path[0])
			printf(", %s", p->path);
	} else if (p->mapping_kind == KINSPECT_MAPPING_SLAB && p->slab_cache) {
		printf(", cache 0x%" PRIx64 " %s", p->slab_cache, p->slab_cache_name);
	} else if (p->mapping_kind == KINSPECT_MAPPING_ANON || p->mapping_kind == KINSPECT_MAPPING_KSM) {
		printf(", anon_vma 0x%" PRIx64, p->mapping & ~(uint64_t)3);
	}
	putchar('\n');
	if (p->mapping_kind != KINSPECT_MAPPING_SLAB)
		printf("%-12s0x%" PRIx64 "\n", "index", p->index);
	printf("%-12s%" PRId64 "\n", "refcount", p->refcount);
	bool has_mapcount = pc->is_folio ? p->folio_has_mapcount : p->has_mapcount;
	if (has_mapcount)
		printf("%-12s%" PRId64 "%s\n", "mapcount", pc->is_folio ? p->folio_mapcount : p->mapcount,
		       p->large ? (pc->is_folio ? " (head page)" : " (this page)") : "");
	else
		printf("%-12s- (page_type 0x%08" PRIx32 ")\n", "mapcount",
		       pc->is_folio ? p->folio_page_type : p->page_type);
	if (p->has_entire_mapcount)
		printf("%-12s%" PRId64 "\n", "entire map", p->entire_mapcount);
	if (p->has_large_mapcount)
		printf("%-12s%" PRId64 "\n", "large map", p->large_mapcount);
}

static void json_opt_int(struct kinspect_json *j, const char *key, bool has, int64_t value)
{
	kinspect_json_key(j, key);
	if (has)
		kinspect_json_int(j, value);
	else
		kinspect_json_null(j);
}

static void print_json(const struct page_cmd *pc, const struct kinspect_page_flag_names *names,
		       const struct kinspect_page *p)
{
	struct kinspect_json *j = &pc->cli->json_writer;
	bool f = pc->is_folio;
	uint64_t pfn = f ? p->folio_pfn : p->pfn, flags = f ? p->folio_flags : p->flags;
	kinspect_json_key(j, "page");
	kinspect_json_address(j, f ? p->folio : p->page);
	kinspect_json_key(j, "pfn");
	kinspect_json_uint(j, pfn);
	kinspect_json_key(j, "phys");
	kinspect_json_address(j, pfn << 12);
	kinspect_json_key(j, "virt");
	kinspect_json_address(j, p->virt - ((p->pfn - pfn) << 12));
	if (pc->translated) {
		kinspect_json_key(j, "address");
		kinspect_json_address(j, pc->given);
		kinspect_json_key(j, "address_phys");
		kinspect_json_address(j, (p->pfn << 12) | (pc->given & 0xfff));
		kinspect_json_key(j, "translation");
		kinspect_json_string(j, kinspect_translation_name(pc->translation));
	}
	kinspect_json_key(j, "flags");
	kinspect_json_address(j, flags);
	kinspect_json_key(j, "flag_names");
	if (f)
		json_flag_names(j, names, p, flags, KINSPECT_PAGE_FLAGS_FOLIO, 0, "flags_unnamed");
	else
		json_flag_names(j, names, p, flags, p->flags_role, p->flags_not_flags, "flags_unnamed");
	kinspect_json_key(j, "nr_pageflags");
	kinspect_json_uint(j, names->nr);
	kinspect_json_key(j, "flags_high");
	kinspect_json_address(j, high_bits(names, flags));
	const char *type = f ? p->folio_type : p->type;
	kinspect_json_key(j, "type");
	if (type)
		kinspect_json_string(j, type);
	else
		kinspect_json_null(j);
	kinspect_json_key(j, "page_type");
	kinspect_json_address(j, f ? p->folio_page_type : p->page_type);
	kinspect_json_key(j, "folio");
	kinspect_json_address(j, p->folio);
	kinspect_json_key(j, "folio_pfn");
	kinspect_json_uint(j, p->folio_pfn);
	/* folio: the head page is described; FROM_PAGE is what was given. */
	kinspect_json_key(j, "tail");
	kinspect_json_bool(j, !f && p->tail);
	kinspect_json_key(j, "from_page");
	kinspect_json_address(j, p->page);
	kinspect_json_key(j, "from_tail");
	kinspect_json_bool(j, p->tail);
	kinspect_json_key(j, "large");
	kinspect_json_bool(j, p->large);
	kinspect_json_key(j, "order");
	kinspect_json_uint(j, p->order);
	kinspect_json_key(j, "nr_pages");
	kinspect_json_uint(j, p->nr_pages);
	kinspect_json_key(j, "size");
	kinspect_json_uint(j, p->nr_pages << 12);
	if (!f) {
		kinspect_json_key(j, "folio_flags");
		kinspect_json_address(j, p->folio_flags);
		kinspect_json_key(j, "folio_flag_names");
		json_flag_names(j, names, p, p->folio_flags, KINSPECT_PAGE_FLAGS_FOLIO, 0, "folio_flags_unnamed");
	}
	if (p->large) {
		kinspect_json_key(j, "second_page_flags");
		kinspect_json_address(j, p->second_flags);
		kinspect_json_key(j, "second_page_flag_names");
		json_flag_names(j, names, p, p->second_flags, KINSPECT_PAGE_FLAGS_SECOND, p->second_not_flags,
				"second_page_flags_unnamed");
	}
	kinspect_json_key(j, "mapping");
	kinspect_json_address(j, p->mapping);
	kinspect_json_key(j, "mapping_kind");
	kinspect_json_string(j, kinspect_mapping_kind_name(p->mapping_kind));
	if (p->mapping_kind == KINSPECT_MAPPING_FILE) {
		kinspect_json_key(j, "inode");
		kinspect_json_address(j, p->inode);
		kinspect_json_key(j, "ino");
		kinspect_json_uint(j, p->ino);
		kinspect_json_key(j, "fs_type");
		kinspect_json_string(j, p->fs_type);
		kinspect_json_key(j, "path");
		kinspect_json_string(j, p->path);
	} else if (p->mapping_kind == KINSPECT_MAPPING_SLAB) {
		kinspect_json_key(j, "slab_cache");
		kinspect_json_address(j, p->slab_cache);
		kinspect_json_key(j, "slab_cache_name");
		kinspect_json_string(j, p->slab_cache_name);
	}
	kinspect_json_key(j, "index");
	kinspect_json_uint(j, p->index);
	kinspect_json_key(j, "refcount");
	kinspect_json_int(j, p->refcount);
	json_opt_int(j, "mapcount", f ? p->folio_has_mapcount : p->has_mapcount, f ? p->folio_mapcount : p->mapcount);
	json_opt_int(j, "entire_mapcount", p->has_entire_mapcount, p->entire_mapcount);
	json_opt_int(j, "large_mapcount", p->has_large_mapcount, p->large_mapcount);
}

/* The struct page ADDR names: "pfn:N", "phys:ADDR", "virt:ADDR" or the
 * address of a struct page (numbers or symbols). */
static struct kinspect_error *resolve(struct page_cmd *pc, struct kinspect_memory_map *map,
				      const struct kinspect_memory *mem, const char *text, uint64_t *ret)
{
	struct cli *cli = pc->cli;
	uint64_t value, pfn;
	if (strncmp(text, "pfn:", 4) == 0) {
		pc->how = "pfn";
		if (!cli_parse_number(text + 4, &value))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "'%s': not a page frame number",
						     text + 4);
		pc->given = value;
		return kinspect_pfn_to_page(map, value, ret);
	}
	if (strncmp(text, "phys:", 5) == 0) {
		pc->how = "phys";
		if (!cli_parse_number(text + 5, &value))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "'%s': not a physical address",
						     text + 5);
		pc->given = value;
		return kinspect_pfn_to_page(map, value >> 12, ret);
	}
	if (strncmp(text, "virt:", 5) == 0) {
		pc->how = "virt";
		if (!cli_parse_address(cli, text + 5, &value))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad virtual address '%s'",
						     text + 5);
		pc->given = value;
		uint64_t phys;
		struct kinspect_error *err = kinspect_virt_to_phys(map, mem, value, pc->walk, &phys, &pc->translation);
		if (err)
			return kinspect_error_wrap(err, "translate 0x%" PRIx64, value);
		pc->translated = true;
		if ((err = kinspect_pfn_to_page(map, phys >> 12, ret)))
			return kinspect_error_wrap(err, "0x%" PRIx64 " maps physical 0x%" PRIx64, value, phys);
		return NULL;
	}
	pc->how = "page";
	if (!cli_parse_address(cli, text, &value))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad struct page address '%s'", text);
	pc->given = value;
	struct kinspect_error *err = kinspect_page_to_pfn(map, value, &pfn);
	if (!err)
		*ret = value;
	return err;
}

/* The bytes --hexdump may show: from the page (or folio) start to the end
 * of the folio at most. */
static uint64_t hexdump_max(const struct page_cmd *pc, const struct kinspect_page *p)
{
	uint64_t start_pfn = pc->is_folio ? p->folio_pfn : p->pfn;
	return (p->folio_pfn + p->nr_pages - start_pfn) << 12;
}

static int dump_contents(struct page_cmd *pc, const struct kinspect_page *p)
{
	uint64_t start_pfn = pc->is_folio ? p->folio_pfn : p->pfn;
	uint64_t len = pc->hexdump_len ? pc->hexdump_len : 4096;
	_cleanup_free_ uint8_t *buf = malloc(len);
	if (!buf)
		return cli_fail(&kinspect_error_nomem);
	struct kinspect_error *err = cli_read(pc->cli, start_pfn << 12, buf, len, true);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "read %" PRIu64 " bytes at physical 0x%" PRIx64, len,
						    start_pfn << 12));
	if (pc->cli->json) {
		struct kinspect_json *j = &pc->cli->json_writer;
		kinspect_json_key(j, "hexdump");
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "phys");
		kinspect_json_address(j, start_pfn << 12);
		kinspect_json_key(j, "length");
		kinspect_json_uint(j, len);
		kinspect_json_key(j, "hex");
		cli_json_hex(j, buf, len);
		kinspect_json_end_object(j);
	} else {
		printf("contents (physical addresses):\n");
		cli_hexdump(start_pfn << 12, buf, len);
	}
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

	const struct kinspect_kaslr *kaslr = cli_kaslr(cli);
	struct kinspect_dwarf_types *types = kaslr ? cli_types(cli) : NULL;
	if (!types)
		return CLI_EXIT_FAILURE;
	/* This command is the stub's only user: stay in physical mode between
	 * physical reads. */
	if (cli->gdbstub)
		kinspect_gdbstub_set_lazy_phymem(cli->gdbstub, true);
	struct kinspect_memory mem = cli_memory(cli);
	struct kinspect_memory_map map;
	struct kinspect_error *err = kinspect_memory_map_read(types, cli->vmlinux, kaslr->slide, &mem, &map);
	if (err)
		return cli_fail(kinspect_error_wrap(err, "the kernel's memory map"));
	uint64_t page;
	if ((err = resolve(&pc, &map, &mem, addr_text, &page)))
		return cli_fail(err);
	struct kinspect_folio_decoder *dec;
	if ((err = kinspect_folio_decoder_create(types, &map, &mem, &dec)))
		return cli_fail(err);
	struct kinspect_page p;
	err = kinspect_folio_decode(dec, page, &p);
	int status = CLI_EXIT_OK;
	if (err) {
		status = cli_fail(err);
	} else if (pc.hexdump && (pc.hexdump_len ? pc.hexdump_len : 4096) > hexdump_max(&pc, &p)) {
		status = cli_usage_error(cmd, "--hexdump %" PRIu64 ": the %s has %" PRIu64 " bytes from its start",
					 pc.hexdump_len, pc.is_folio ? "folio" : "page's folio", hexdump_max(&pc, &p));
	} else {
		const struct kinspect_page_flag_names *names = kinspect_folio_decoder_flag_names(dec);
		if (cli->json) {
			kinspect_json_begin_object(&cli->json_writer);
			print_json(&pc, names, &p);
		} else {
			print_text(&pc, names, &p);
		}
		if (pc.hexdump)
			status = dump_contents(&pc, &p);
		if (cli->json)
			kinspect_json_end_object(&cli->json_writer);
	}
	kinspect_folio_decoder_destroy(dec);
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
