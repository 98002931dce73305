/* "kinspect info": which kernel a vmlinux is and, with -t, what the live
 * guest runs: KASLR slide, paging mode, vCPUs.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"

#define CR4_LA57 (1ULL << 12)

struct live_info {
	size_t nr_vcpus;
	bool stopped_on_connect;
	uint64_t cr3, cr4;
	const struct kinspect_kaslr *kaslr;
	uint64_t text; /* runtime _text */
	struct kinspect_gdbstub_stats stats;
};

static void format_build_id(const struct kinspect_vmlinux *vmlinux, char *buf, size_t size)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	buf[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
}

static int gather_live(struct cli *cli, struct kinspect_vmlinux *vmlinux, struct live_info *live)
{
	struct kinspect_gdbstub *gs = cli_gdbstub(cli);
	if (!gs)
		return CLI_EXIT_FAILURE;
	live->kaslr = cli_kaslr(cli);
	if (!live->kaslr)
		return CLI_EXIT_FAILURE;
	live->nr_vcpus = kinspect_gdbstub_nr_threads(gs);
	live->stopped_on_connect = kinspect_gdbstub_stopped_on_connect(gs);
	struct kinspect_error *err = kinspect_gdbstub_read_register(gs, 0, "cr3", &live->cr3);
	if (!err)
		err = kinspect_gdbstub_read_register(gs, 0, "cr4", &live->cr4);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "_text", &live->text, NULL);
	if (err)
		return cli_fail(err);
	live->text += live->kaslr->slide;
	kinspect_gdbstub_stats(gs, &live->stats);
	return CLI_EXIT_OK;
}

static void print_json(struct cli *cli, struct kinspect_vmlinux *vmlinux, const char *build_id,
		       const struct live_info *live)
{
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "vmlinux");
	kinspect_json_string(j, kinspect_vmlinux_path(vmlinux));
	kinspect_json_key(j, "release");
	kinspect_json_string(j, kinspect_vmlinux_release(vmlinux));
	kinspect_json_key(j, "banner");
	kinspect_json_string(j, kinspect_vmlinux_banner(vmlinux));
	kinspect_json_key(j, "build_id");
	kinspect_json_string(j, build_id[0] ? build_id : NULL);
	kinspect_json_key(j, "debug_info_bytes");
	kinspect_json_uint(j, kinspect_vmlinux_debug_info_size(vmlinux));
	if (live) {
		kinspect_json_key(j, "target");
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "kind");
		kinspect_json_string(j, "gdbstub");
		kinspect_json_key(j, "address");
		kinspect_json_string(j, cli->target);
		kinspect_json_key(j, "vcpus");
		kinspect_json_uint(j, live->nr_vcpus);
		kinspect_json_key(j, "was_running");
		kinspect_json_bool(j, live->stopped_on_connect);
		kinspect_json_key(j, "round_trips");
		kinspect_json_uint(j, live->stats.round_trips);
		kinspect_json_key(j, "connect_round_trips");
		kinspect_json_uint(j, cli->connect_stats.round_trips);
		kinspect_json_end_object(j);
		kinspect_json_key(j, "kaslr_slide");
		kinspect_json_address(j, live->kaslr->slide);
		kinspect_json_key(j, "kaslr_method");
		kinspect_json_string(j, live->kaslr->method);
		kinspect_json_key(j, "kaslr_probes");
		kinspect_json_uint(j, live->kaslr->probes);
		kinspect_json_key(j, "text");
		kinspect_json_address(j, live->text);
		kinspect_json_key(j, "page_table_levels");
		kinspect_json_uint(j, live->cr4 & CR4_LA57 ? 5 : 4);
		kinspect_json_key(j, "cr3");
		kinspect_json_address(j, live->cr3);
	}
	kinspect_json_end_object(j);
}

static void print_text(struct cli *cli, struct kinspect_vmlinux *vmlinux, const char *build_id,
		       const struct live_info *live)
{
	const char *release = kinspect_vmlinux_release(vmlinux);
	const char *banner = kinspect_vmlinux_banner(vmlinux);
	if (live) {
		printf("target:      gdbstub %s, %zu vCPU%s, %s\n", cli->target, live->nr_vcpus,
		       live->nr_vcpus == 1 ? "" : "s",
		       live->stopped_on_connect ? "was running (stopped while connected)" : "was stopped");
		printf("kernel:      %s (linux_banner in guest memory matches the vmlinux)\n",
		       release ? release : "?");
		printf("KASLR slide: 0x%" PRIx64 " (_text at 0x%" PRIx64 "; found by %s, %u banner read%s)\n",
		       live->kaslr->slide, live->text, live->kaslr->method, live->kaslr->probes,
		       live->kaslr->probes == 1 ? "" : "s");
		printf("paging:      %d-level, cr3 0x%" PRIx64 "\n", live->cr4 & CR4_LA57 ? 5 : 4, live->cr3);
		printf("round trips: %" PRIu64 " (%" PRIu64 " to connect)\n", live->stats.round_trips,
		       cli->connect_stats.round_trips);
	}
	printf("vmlinux:     %s\n", kinspect_vmlinux_path(vmlinux));
	if (!live)
		printf("release:     %s\n", release ? release : "(unknown: no linux_banner in the file)");
	if (banner)
		printf("banner:      %s\n", banner);
	printf("build-id:    %s\n", build_id[0] ? build_id : "(none)");
	printf("debug info:  %.1f MiB of DWARF (.debug_info)\n",
	       (double)kinspect_vmlinux_debug_info_size(vmlinux) / (1024 * 1024));
}

static int run_info(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_info, argc, argv, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_info, "unexpected argument '%s'", argv[argind]);
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return CLI_EXIT_FAILURE;
	struct live_info live;
	if (cli->target && (status = gather_live(cli, vmlinux, &live)) != CLI_EXIT_OK)
		return status;

	char build_id[2 * 64 + 1];
	format_build_id(vmlinux, build_id, sizeof(build_id));
	if (cli->json)
		print_json(cli, vmlinux, build_id, cli->target ? &live : NULL);
	else
		print_text(cli, vmlinux, build_id, cli->target ? &live : NULL);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_info = {
	.name = "info",
	.synopsis = "",
	.summary = "Show the kernel: release, build-id, debug info; live: KASLR slide, paging, vCPUs",
	.help = "Without -t, describes the vmlinux given with -k.  With -t HOST:PORT (a QEMU\n"
		"gdbstub) it also finds the running kernel's KASLR slide, verified by comparing\n"
		"linux_banner in guest memory with the vmlinux, and reports vCPUs, paging mode\n"
		"and the RSP round trips it took.\n"
		"With --json: {\"vmlinux\", \"release\", \"banner\", \"build_id\", \"debug_info_bytes\"},\n"
		"live also \"target\": {\"kind\", \"address\", \"vcpus\", \"was_running\", \"round_trips\",\n"
		"\"connect_round_trips\"}, \"kaslr_slide\", \"kaslr_method\", \"kaslr_probes\", \"text\",\n"
		"\"page_table_levels\", \"cr3\".\n",
	.run = run_info,
};
