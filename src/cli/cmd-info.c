/* "kinspect info": which kernel a vmlinux is and, with -t, what the live
 * guest runs: KASLR slide, paging mode, vCPUs.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "arch/arch.h"
#include "cli/cli.h"

struct live_info {
	const char *kind; /* "gdbstub" or "elf-dump" */
	bool paging, vmcoreinfo; /* dumps: written with paging, has VMCOREINFO */
	size_t nr_vcpus;
	struct cli_run_state run_state; /* gdbstub */
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

static struct kinspect_error *gather_registers(struct cli *cli, struct live_info *live)
{
	if (cli->dump) {
		live->kind = "elf-dump";
		live->nr_vcpus = kinspect_elf_dump_nr_cpus(cli->dump);
		live->paging = kinspect_elf_dump_has_paging(cli->dump);
		live->vmcoreinfo = kinspect_elf_dump_vmcoreinfo(cli->dump) != NULL;
		const struct kinspect_elf_dump_cpu *cpu = kinspect_elf_dump_cpu(cli->dump, 0);
		if (cpu) {
			live->cr3 = cpu->cr3;
			live->cr4 = cpu->cr4;
		}
		return NULL;
	}
	live->kind = "gdbstub";
	live->nr_vcpus = kinspect_gdbstub_nr_threads(cli->gdbstub);
	cli_run_state(cli, &live->run_state);
	return kinspect_arch()->read_paging(cli->gdbstub, 0, &live->cr3, &live->cr4);
}

static int gather_live(struct cli *cli, struct kinspect_vmlinux *vmlinux, struct live_info *live)
{
	*live = (struct live_info){ 0 };
	live->kaslr = cli_kaslr(cli);
	if (!live->kaslr)
		return CLI_EXIT_FAILURE;
	struct kinspect_error *err = gather_registers(cli, live);
	if (!err)
		err = kinspect_vmlinux_symbol(vmlinux, "_text", &live->text, NULL);
	if (err)
		return cli_fail(err);
	live->text = kinspect_kaslr_runtime(live->kaslr->slide, live->text);
	if (cli->gdbstub)
		kinspect_gdbstub_stats(cli->gdbstub, &live->stats);
	return CLI_EXIT_OK;
}

/* The run state record, in text or JSON from the same fields. */
static void render_run_state(struct cli *cli, const struct cli_run_state *rs)
{
	const struct kinspect_gdbstub_run_state *found = rs->found;
	const struct {
		const char *key, *value;
	} fields[] = {
		{ "was_running", found ? kinspect_gdbstub_was_running_name(found->was_running) : NULL },
		{ "status", found && found->status[0] ? found->status : NULL },
		{ "source", found ? kinspect_gdbstub_run_state_source_name(found->source) : NULL },
		{ "how", found ? found->how : NULL },
		{ "when_done", rs->resume ? "resume" : "leave-stopped" },
		{ "decision", rs->decision },
	};
	if (!cli->json) {
		printf("run state:   %s (%s)\n", rs->decision, found ? found->how : "not learned");
		return;
	}
	struct kinspect_json *j = &cli->json_writer;
	kinspect_json_key(j, "run_state");
	kinspect_json_begin_object(j);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		kinspect_json_key(j, fields[i].key);
		kinspect_json_string(j, fields[i].value);
	}
	kinspect_json_end_object(j);
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
		kinspect_json_string(j, live->kind);
		kinspect_json_key(j, "address");
		kinspect_json_string(j, cli->target);
		kinspect_json_key(j, "vcpus");
		kinspect_json_uint(j, live->nr_vcpus);
		if (cli->dump) {
			kinspect_json_key(j, "format");
			kinspect_json_string(j, kinspect_elf_dump_format(cli->dump));
			/* Each CPU as both of its notes say. */
			kinspect_json_key(j, "cpu_notes");
			kinspect_json_begin_array(j);
			for (size_t i = 0; i < kinspect_elf_dump_nr_cpus(cli->dump); i++) {
				const struct kinspect_elf_dump_cpu *c = kinspect_elf_dump_cpu(cli->dump, i);
				kinspect_json_begin_object(j);
				kinspect_json_key(j, "rip");
				kinspect_json_address(j, c->rip);
				kinspect_json_key(j, "rsp");
				kinspect_json_address(j, c->rsp);
				kinspect_json_end_object(j);
			}
			kinspect_json_end_array(j);
			kinspect_json_key(j, "prstatus");
			kinspect_json_begin_array(j);
			for (size_t i = 0; i < kinspect_elf_dump_nr_prstatus(cli->dump); i++) {
				const struct kinspect_elf_dump_prstatus *p = kinspect_elf_dump_prstatus(cli->dump, i);
				kinspect_json_begin_object(j);
				kinspect_json_key(j, "pid");
				kinspect_json_uint(j, p->pid);
				kinspect_json_key(j, "rip");
				kinspect_json_address(j, p->rip);
				kinspect_json_key(j, "rsp");
				kinspect_json_address(j, p->rsp);
				kinspect_json_end_object(j);
			}
			kinspect_json_end_array(j);
			kinspect_json_key(j, "paging");
			kinspect_json_bool(j, live->paging);
			kinspect_json_key(j, "vmcoreinfo");
			kinspect_json_bool(j, live->vmcoreinfo);
		} else {
			/* Kept from before run_state: true when kinspect takes the
			 * guest as running (known or assumed). */
			kinspect_json_key(j, "was_running");
			kinspect_json_bool(j, live->run_state.found &&
						      live->run_state.found->was_running != KINSPECT_GDBSTUB_WAS_RUNNING_NO);
			render_run_state(cli, &live->run_state);
			kinspect_json_key(j, "round_trips");
			kinspect_json_uint(j, live->stats.round_trips);
			kinspect_json_key(j, "connect_round_trips");
			kinspect_json_uint(j, cli_connect_stats(cli)->round_trips);
		}
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
		kinspect_json_uint(j, (uint64_t)kinspect_arch()->paging_levels(live->cr4));
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
		if (cli->dump)
			printf("target:      dump %s (%s), %zu CPU%s, %s, %s\n", cli->target,
			       kinspect_elf_dump_format(cli->dump), live->nr_vcpus, live->nr_vcpus == 1 ? "" : "s",
			       live->paging ? "paging" : "physical memory",
			       live->vmcoreinfo ? "VMCOREINFO" : "no VMCOREINFO");
		else
			printf("target:      gdbstub %s, %zu vCPU%s\n", cli->target, live->nr_vcpus,
			       live->nr_vcpus == 1 ? "" : "s");
		if (cli->gdbstub)
			render_run_state(cli, &live->run_state);
		printf("kernel:      %s (linux_banner in guest memory matches the vmlinux)\n",
		       release ? release : "?");
		printf("KASLR slide: 0x%" PRIx64 " (_text at 0x%" PRIx64 "; found by %s, %u banner read%s)\n",
		       live->kaslr->slide, live->text, live->kaslr->method, live->kaslr->probes,
		       live->kaslr->probes == 1 ? "" : "s");
		printf("paging:      %d-level, cr3 0x%" PRIx64 "\n", kinspect_arch()->paging_levels(live->cr4), live->cr3);
		if (cli->gdbstub)
			printf("round trips: %" PRIu64 " (%" PRIu64 " to connect)\n", live->stats.round_trips,
			       cli_connect_stats(cli)->round_trips);
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
	int argind, status = cli_parse_command_options(&cli_command_info, argc, argv, NULL, &argind);
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
	.summary = "Show the kernel: release, build-id, debug info; with -t: KASLR slide, paging, CPUs",
	.help = "Without -t, describes the vmlinux given with -k.  With -t HOST:PORT (a QEMU\n"
		"gdbstub) or -t DUMP (a QEMU dump-guest-memory ELF file, paging on or off) it\n"
		"also finds the kernel's KASLR slide (VMCOREINFO, a CPU's RIP, or probing),\n"
		"verified by comparing linux_banner in guest memory with the vmlinux, and\n"
		"reports CPUs, paging mode and, live, whether the guest ran before kinspect\n"
		"came, how that was learned (QMP with --qmp, QEMU's stop reply, or its\n"
		"monitor) and what kinspect leaves behind, and the RSP round trips it took.\n"
		"With --json: {\"vmlinux\", \"release\", \"banner\", \"build_id\", \"debug_info_bytes\"},\n"
		"with -t also \"target\": {\"kind\": \"gdbstub\"|\"elf-dump\", \"address\", \"vcpus\",\n"
		"gdbstub: \"was_running\" (true: taken as running), \"run_state\" {\"was_running\":\n"
		"\"yes\"|\"no\"|\"assumed\", \"status\" (QEMU's run state as seen), \"source\":\n"
		"\"stop-reply\"|\"qmp\"|\"monitor\"|\"none\", \"how\", \"when_done\": \"resume\"|\n"
		"\"leave-stopped\", \"decision\"}, \"round_trips\", \"connect_round_trips\"; dump: \"format\",\n"
		"\"paging\", \"vmcoreinfo\", \"cpu_notes\" [{rip, rsp}] (QEMU's CPU state), \"prstatus\"\n"
		"[{pid, rip, rsp}] (NT_PRSTATUS)}, \"kaslr_slide\", \"kaslr_method\", \"kaslr_probes\", \"text\",\n"
		"\"page_table_levels\", \"cr3\".\n",
	.run = run_info,
};
