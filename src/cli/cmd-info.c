/* "kinspect info": which kernel a vmlinux is and, with -t, what the live
 * guest runs: KASLR slide, paging mode, vCPUs.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/stack.h>
#include <kinspect/symbol.h>
#include <kinspect/target.h>

#include "cli/cli.h"

/* What -t adds, gathered through the library before anything is printed. */
struct live_info {
	const char *kind; /* "gdbstub" or "elf-dump" */
	bool dump;
	const char *format;
	bool paging, vmcoreinfo; /* dumps: written with paging, has VMCOREINFO */
	unsigned int nr_vcpus;
	/* gdbstub: the run state and what is left behind */
	const char *was_running, *status, *source, *how, *decision;
	bool resume;
	uint64_t slide;
	const char *method;
	unsigned int probes;
	uint64_t text; /* runtime _text */
	uint64_t page_table_root;
	int page_table_levels;
	uint64_t round_trips, connect_round_trips;
};

static void format_build_id(const struct kinspect_vmlinux *vmlinux, char *buf, size_t size)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	buf[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
}

static struct kinspect_error *gather_target(struct kinspect_kernel *k, struct live_info *live)
{
	struct kinspect_error *err = kinspect_kernel_nr_cpus(k, &live->nr_vcpus);
	if (err || (err = kinspect_kernel_paging(k, 0, &live->page_table_root, &live->page_table_levels)))
		return err;
	live->format = kinspect_kernel_target_format(k);
	if (kinspect_kernel_target_kind(k) == KINSPECT_TARGET_DUMP) {
		live->kind = "elf-dump";
		live->dump = true;
		return kinspect_kernel_dump_details(k, &live->paging, &live->vmcoreinfo);
	}
	live->kind = "gdbstub";
	int was_running;
	err = kinspect_kernel_run_state(k, &was_running, &live->resume, &live->decision);
	if (!err)
		err = kinspect_kernel_run_state_source(k, &live->was_running, &live->status, &live->source,
						       &live->how);
	return err;
}

static int gather_live(struct cli *cli, struct live_info *live)
{
	*live = (struct live_info){ 0 };
	struct kinspect_kernel *k = cli_session(cli);
	if (!k)
		return CLI_EXIT_FAILURE;
	struct kinspect_symbol text;
	struct kinspect_error *err = kinspect_kernel_kaslr(k, &live->slide, &live->method);
	if (!err)
		err = kinspect_kernel_kaslr_probes(k, &live->probes);
	if (!err)
		err = gather_target(k, live);
	if (!err)
		err = kinspect_kernel_symbol_lookup(k, "_text", &text);
	if (err)
		return cli_fail(err);
	live->text = text.address;
	/* Last: the round trips of everything above. */
	if (!live->dump && (err = kinspect_kernel_round_trips(k, &live->round_trips, &live->connect_round_trips)))
		return cli_fail(err);
	return CLI_EXIT_OK;
}

/* The run state record, in text or JSON from the same fields. */
static void render_run_state(struct cli *cli, const struct live_info *live)
{
	const struct {
		const char *key, *value;
	} fields[] = {
		{ "was_running", live->was_running },
		{ "status", live->status },
		{ "source", live->source },
		{ "how", live->how },
		{ "when_done", live->resume ? "resume" : "leave-stopped" },
		{ "decision", live->decision },
	};
	if (!cli->json) {
		printf("run state:   %s (%s)\n", live->decision, live->how ? live->how : "not learned");
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

/* A CPU's pc and stack pointer, keyed by the architecture's names of the
 * two registers (kinspect(1)). */
static void json_pc_sp(struct kinspect_kernel *k, struct kinspect_json *j, uint64_t pc, uint64_t sp)
{
	unsigned int pc_reg = 0, sp_reg = 0;
	kinspect_error_destroy(kinspect_kernel_register_number(k, "pc", &pc_reg));
	kinspect_error_destroy(kinspect_kernel_register_number(k, "sp", &sp_reg));
	kinspect_json_key(j, kinspect_kernel_register_name(k, pc_reg));
	kinspect_json_address(j, pc);
	kinspect_json_key(j, kinspect_kernel_register_name(k, sp_reg));
	kinspect_json_address(j, sp);
}

/* A dump's CPU notes and NT_PRSTATUS notes, each CPU as both say. */
static void render_dump_notes(struct cli *cli, const struct live_info *live)
{
	struct kinspect_json *j = &cli->json_writer;
	struct kinspect_kernel *k = cli->kernel;
	uint64_t pc, sp;
	kinspect_json_key(j, "cpu_notes");
	kinspect_json_begin_array(j);
	for (unsigned int i = 0; i < live->nr_vcpus; i++) {
		struct kinspect_error *err = kinspect_kernel_dump_cpu_note(k, i, &pc, &sp);
		if (err) {
			kinspect_error_destroy(err);
			break;
		}
		kinspect_json_begin_object(j);
		json_pc_sp(k, j, pc, sp);
		kinspect_json_end_object(j);
	}
	kinspect_json_end_array(j);
	size_t nr = 0;
	kinspect_error_destroy(kinspect_kernel_dump_nr_prstatus(k, &nr));
	kinspect_json_key(j, "prstatus");
	kinspect_json_begin_array(j);
	for (size_t i = 0; i < nr; i++) {
		uint32_t pid;
		struct kinspect_error *err = kinspect_kernel_dump_prstatus(k, i, &pid, &pc, &sp);
		if (err) {
			kinspect_error_destroy(err);
			break;
		}
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "pid");
		kinspect_json_uint(j, pid);
		json_pc_sp(k, j, pc, sp);
		kinspect_json_end_object(j);
	}
	kinspect_json_end_array(j);
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
		if (live->dump) {
			kinspect_json_key(j, "format");
			kinspect_json_string(j, live->format);
			render_dump_notes(cli, live);
			kinspect_json_key(j, "paging");
			kinspect_json_bool(j, live->paging);
			kinspect_json_key(j, "vmcoreinfo");
			kinspect_json_bool(j, live->vmcoreinfo);
		} else {
			/* Kept from before run_state: true when kinspect takes the
			 * guest as running (known or assumed). */
			kinspect_json_key(j, "was_running");
			kinspect_json_bool(j, live->was_running && strcmp(live->was_running, "no") != 0);
			render_run_state(cli, live);
			kinspect_json_key(j, "round_trips");
			kinspect_json_uint(j, live->round_trips);
			kinspect_json_key(j, "connect_round_trips");
			kinspect_json_uint(j, live->connect_round_trips);
		}
		kinspect_json_end_object(j);
		kinspect_json_key(j, "kaslr_slide");
		kinspect_json_address(j, live->slide);
		kinspect_json_key(j, "kaslr_method");
		kinspect_json_string(j, live->method);
		kinspect_json_key(j, "kaslr_probes");
		kinspect_json_uint(j, live->probes);
		kinspect_json_key(j, "text");
		kinspect_json_address(j, live->text);
		kinspect_json_key(j, "page_table_levels");
		kinspect_json_uint(j, (uint64_t)live->page_table_levels);
		kinspect_json_key(j, "cr3");
		kinspect_json_address(j, live->page_table_root);
	}
	kinspect_json_end_object(j);
}

static void print_text(struct cli *cli, struct kinspect_vmlinux *vmlinux, const char *build_id,
		       const struct live_info *live)
{
	const char *release = kinspect_vmlinux_release(vmlinux);
	const char *banner = kinspect_vmlinux_banner(vmlinux);
	if (live) {
		if (live->dump)
			printf("target:      dump %s (%s), %u CPU%s, %s, %s\n", cli->target, live->format,
			       live->nr_vcpus, live->nr_vcpus == 1 ? "" : "s",
			       live->paging ? "paging" : "physical memory",
			       live->vmcoreinfo ? "VMCOREINFO" : "no VMCOREINFO");
		else
			printf("target:      gdbstub %s, %u vCPU%s\n", cli->target, live->nr_vcpus,
			       live->nr_vcpus == 1 ? "" : "s");
		if (!live->dump)
			render_run_state(cli, live);
		printf("kernel:      %s (linux_banner in guest memory matches the vmlinux)\n",
		       release ? release : "?");
		printf("KASLR slide: 0x%" PRIx64 " (_text at 0x%" PRIx64 "; found by %s, %u banner read%s)\n",
		       live->slide, live->text, live->method, live->probes, live->probes == 1 ? "" : "s");
		printf("paging:      %d-level, cr3 0x%" PRIx64 "\n", live->page_table_levels, live->page_table_root);
		if (!live->dump)
			printf("round trips: %" PRIu64 " (%" PRIu64 " to connect)\n", live->round_trips,
			       live->connect_round_trips);
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
	if (cli->target && (status = gather_live(cli, &live)) != CLI_EXIT_OK)
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
