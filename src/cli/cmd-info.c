/* "kinspect info": what kernel a vmlinux is.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>

#include "cli/cli.h"

static void format_build_id(const struct kinspect_vmlinux *vmlinux, char *buf, size_t size)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	buf[0] = '\0';
	for (size_t i = 0; i < len && 2 * i + 2 < size; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
}

static int run_info(struct cli *cli, int argc, char **argv)
{
	int argind, status = cli_parse_command_options(&cli_command_info, argc, argv, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_info, "unexpected argument '%s'", argv[argind]);
	if ((status = cli_require_no_target(cli, &cli_command_info)) >= 0)
		return status;
	struct kinspect_vmlinux *vmlinux = cli_vmlinux(cli);
	if (!vmlinux)
		return CLI_EXIT_FAILURE;

	char build_id[2 * 64 + 1];
	format_build_id(vmlinux, build_id, sizeof(build_id));
	const char *release = kinspect_vmlinux_release(vmlinux);
	const char *banner = kinspect_vmlinux_banner(vmlinux);
	uint64_t dwarf = kinspect_vmlinux_debug_info_size(vmlinux);

	if (cli->json) {
		struct kinspect_json *j = &cli->json_writer;
		kinspect_json_begin_object(j);
		kinspect_json_key(j, "vmlinux");
		kinspect_json_string(j, kinspect_vmlinux_path(vmlinux));
		kinspect_json_key(j, "release");
		kinspect_json_string(j, release);
		kinspect_json_key(j, "banner");
		kinspect_json_string(j, banner);
		kinspect_json_key(j, "build_id");
		kinspect_json_string(j, build_id[0] ? build_id : NULL);
		kinspect_json_key(j, "debug_info_bytes");
		kinspect_json_uint(j, dwarf);
		kinspect_json_end_object(j);
		return CLI_EXIT_OK;
	}
	printf("vmlinux:    %s\n", kinspect_vmlinux_path(vmlinux));
	printf("release:    %s\n", release ? release : "(unknown: no linux_banner in the file)");
	if (banner)
		printf("banner:     %s\n", banner);
	printf("build-id:   %s\n", build_id[0] ? build_id : "(none)");
	printf("debug info: %.1f MiB of DWARF (.debug_info)\n", (double)dwarf / (1024 * 1024));
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_info = {
	.name = "info",
	.synopsis = "",
	.summary = "Show which kernel the vmlinux is: release, banner, build-id, debug info",
	.help = "Works offline on the file given with -k.\n"
		"With --json: {\"vmlinux\", \"release\", \"banner\", \"build_id\", \"debug_info_bytes\"}.\n",
	.run = run_info,
};
