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
#include "cli/record-writer.h"

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

/* Where info's text puts each part: target, kernel, then vmlinux lines. */
enum {
	TARGET = 1,
	TARGET_FORMAT,
	TARGET_CPUS,
	TARGET_DUMP,
	RUN_STATE,
	RUN_STATE_HOW,
	KERNEL,
	SLIDE,
	SLIDE_TEXT,
	SLIDE_METHOD,
	PAGING,
	ROUND_TRIPS,
	VMLINUX,
	RELEASE,
	BANNER,
	BUILD_ID,
	DEBUG_INFO,
};

/* The run state record: one line in the text. */
static void render_run_state(struct record_writer *w, const struct live_info *live)
{
	record_begin_object(w, "run_state");
	record_json_string(w, "was_running", live->was_running);
	record_json_string(w, "status", live->status);
	record_json_string(w, "source", live->source);
	record_slot(w, RUN_STATE_HOW);
	record_string_or(w, "how", " (%s)\n", live->how, "not learned");
	record_json_string(w, "when_done", live->resume ? "resume" : "leave-stopped");
	record_slot(w, RUN_STATE);
	record_string(w, "decision", "run state:   %s", live->decision);
	record_end_object(w);
}

/* A CPU's pc and stack pointer, keyed by the architecture's names of the
 * two registers (kinspect(1)). */
static void json_pc_sp(struct kinspect_kernel *k, struct record_writer *w, uint64_t pc, uint64_t sp)
{
	unsigned int pc_reg = 0, sp_reg = 0;
	kinspect_error_destroy(kinspect_kernel_register_number(k, "pc", &pc_reg));
	kinspect_error_destroy(kinspect_kernel_register_number(k, "sp", &sp_reg));
	record_json_address(w, kinspect_kernel_register_name(k, pc_reg), pc);
	record_json_address(w, kinspect_kernel_register_name(k, sp_reg), sp);
}

/* A dump's CPU notes and NT_PRSTATUS notes, each CPU as both say (JSON
 * only). */
static void render_dump_notes(struct kinspect_kernel *k, struct record_writer *w, const struct live_info *live)
{
	uint64_t pc, sp;
	if (!record_is_json(w))
		return; /* nothing of them in the text */
	record_begin_array(w, "cpu_notes");
	for (unsigned int i = 0; i < live->nr_vcpus; i++) {
		struct kinspect_error *err = kinspect_kernel_dump_cpu_note(k, i, &pc, &sp);
		if (err) {
			kinspect_error_destroy(err);
			break;
		}
		record_begin_object(w, NULL);
		json_pc_sp(k, w, pc, sp);
		record_end_object(w);
	}
	record_end_array(w);
	size_t nr = 0;
	kinspect_error_destroy(kinspect_kernel_dump_nr_prstatus(k, &nr));
	record_begin_array(w, "prstatus");
	for (size_t i = 0; i < nr; i++) {
		uint32_t pid;
		struct kinspect_error *err = kinspect_kernel_dump_prstatus(k, i, &pid, &pc, &sp);
		if (err) {
			kinspect_error_destroy(err);
			break;
		}
		record_begin_object(w, NULL);
		record_json_uint(w, "pid", pid);
		json_pc_sp(k, w, pc, sp);
		record_end_object(w);
	}
	record_end_array(w);
}

/* What -t adds: the target, then the kernel found in it. */
static void render_target(struct cli *cli, struct record_writer *w, const struct live_info *live)
{
	record_begin_object(w, "target");
	record_slot(w, TARGET);
	record_string_as(w, "kind", live->kind, "target:      %s ", live->dump ? "dump" : "gdbstub");
	record_string(w, "address", "%s", cli->target);
	record_slot(w, TARGET_CPUS);
	record_uint(w, "vcpus", live->dump ? ", %" PRIu64 " CPU" : ", %" PRIu64 " vCPU", live->nr_vcpus);
	record_text(w, "%s", live->nr_vcpus == 1 ? "" : "s");
	if (live->dump) {
		record_slot(w, TARGET_FORMAT);
		record_string(w, "format", " (%s)", live->format);
		render_dump_notes(cli->kernel, w, live);
		record_slot(w, TARGET_DUMP);
		record_bool(w, "paging", live->paging, ", paging", ", physical memory");
		record_bool(w, "vmcoreinfo", live->vmcoreinfo, ", VMCOREINFO\n", ", no VMCOREINFO\n");
	} else {
		record_text(w, "\n");
		/* Kept from before run_state: true when kinspect takes the
		 * guest as running (known or assumed). */
		record_bool(w, "was_running", live->was_running && strcmp(live->was_running, "no") != 0, NULL, NULL);
		render_run_state(w, live);
		record_slot(w, ROUND_TRIPS);
		record_uint(w, "round_trips", "round trips: %" PRIu64, live->round_trips);
		record_uint(w, "connect_round_trips", " (%" PRIu64 " to connect)\n", live->connect_round_trips);
	}
	record_end_object(w);
	record_slot(w, SLIDE);
	record_address(w, "kaslr_slide", "KASLR slide: 0x%" PRIx64, live->slide);
	record_slot(w, SLIDE_METHOD);
	record_string(w, "kaslr_method", "; found by %s", live->method);
	record_uint(w, "kaslr_probes", ", %" PRIu64 " banner read", live->probes);
	record_text(w, "%s)\n", live->probes == 1 ? "" : "s");
	record_slot(w, SLIDE_TEXT);
	record_address(w, "text", " (_text at 0x%" PRIx64, live->text);
	record_slot(w, PAGING);
	record_uint(w, "page_table_levels", "paging:      %" PRIu64 "-level", (uint64_t)live->page_table_levels);
	/* The root's register by the architecture's name, key and text alike. */
	const char *root_name = kinspect_kernel_page_table_root_name(cli->kernel);
	record_json_address(w, root_name, live->page_table_root);
	record_text(w, ", %s 0x%" PRIx64 "\n", root_name, live->page_table_root);
}

/* The info record: the vmlinux and, with -t (LIVE), the target and the
 * kernel in it, which the text shows first. */
static void render_info(struct cli *cli, struct kinspect_vmlinux *vmlinux, const char *build_id,
			const struct live_info *live)
{
	struct record_writer w = record_writer_cli(cli);
	record_begin_object(&w, NULL);
	record_slot(&w, VMLINUX);
	record_string(&w, "vmlinux", "vmlinux:     %s\n", kinspect_vmlinux_path(vmlinux));
	/* With -t, the release is the one the guest's banner matched. */
	record_slot(&w, live ? KERNEL : RELEASE);
	record_string_or(&w, "release",
			 live ? "kernel:      %s (linux_banner in guest memory matches the vmlinux)\n" : "release:     %s\n",
			 kinspect_vmlinux_release(vmlinux), live ? "?" : "(unknown: no linux_banner in the file)");
	record_slot(&w, BANNER);
	record_string(&w, "banner", "banner:      %s\n", kinspect_vmlinux_banner(vmlinux));
	record_slot(&w, BUILD_ID);
	record_string_or(&w, "build_id", "build-id:    %s\n", build_id[0] ? build_id : NULL, "(none)");
	record_slot(&w, DEBUG_INFO);
	record_mib(&w, "debug_info_bytes", "debug info:  %.1f MiB of DWARF (.debug_info)\n",
		   kinspect_vmlinux_debug_info_size(vmlinux));
	if (live)
		render_target(cli, &w, live);
	record_end_object(&w);
	record_flush(&w);
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
	cli_format_build_id(vmlinux, build_id, sizeof(build_id));
	render_info(cli, vmlinux, build_id, cli->target ? &live : NULL);
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
		"\"paging\", \"vmcoreinfo\", \"cpu_notes\" [{PC, SP}] (QEMU's CPU state), \"prstatus\"\n"
		"[{pid, PC, SP}] (NT_PRSTATUS)}, \"kaslr_slide\", \"kaslr_method\", \"kaslr_probes\", \"text\",\n"
		"\"page_table_levels\", ROOT.  PC, SP and ROOT are the architecture's names of\n"
		"the program counter, the stack pointer and the page-table root register\n"
		"(x86-64: \"rip\", \"rsp\", \"cr3\").\n",
	.run = run_info,
};
