/* "kinspect dmesg": the kernel's log from the printk ring buffer, as
 * dmesg(1) shows it, rendered from the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/dmesg.h>

#include "cli/cli.h"
#include "cli/dmesg-render.h"

/* The levels of LIST ("err,warn" or "3,4"), as a mask in *RET. */
static bool parse_levels(const char *list, unsigned int *ret)
{
	unsigned int mask = 0;
	char word[16];
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(word))
			return false;
		memcpy(word, p, n);
		word[n] = '\0';
		unsigned int level = 8;
		for (unsigned int l = 0; l < 8; l++) {
			if (strcmp(word, kinspect_dmesg_level_name(l)) == 0)
				level = l;
		}
		uint64_t number;
		if (level == 8 && cli_parse_number(word, &number) && number < 8)
			level = (unsigned int)number;
		if (level == 8)
			return false;
		mask |= 1u << level;
		p += n;
		if (*p == ',' && *++p == '\0')
			return false;
	}
	*ret = mask;
	return mask != 0;
}

static int run_dmesg(struct cli *cli, int argc, char **argv)
{
	struct dmesg_render d = { .cli = cli, .levels = 0xff };
	const char *level_arg = NULL, *since_arg = NULL;
	const struct cli_flag flags[] = { { 'l', "level", NULL, &level_arg },
					  { 'r', "raw", &d.raw, NULL },
					  { CLI_LONG_ONLY, "since", NULL, &since_arg },
					  { 0 } };
	int argind, status = cli_parse_command_options(&cli_command_dmesg, argc, argv, flags, &argind);
	if (status >= 0)
		return status;
	if (argind != argc)
		return cli_usage_error(&cli_command_dmesg, "unexpected argument '%s'", argv[argind]);
	if (level_arg && !parse_levels(level_arg, &d.levels))
		return cli_usage_error(&cli_command_dmesg,
				       "--level %s: a list of levels (emerg, alert, crit, err, warn, notice, info, "
				       "debug or 0 to 7), comma-separated",
				       level_arg);
	uint64_t since = 0;
	if (since_arg && !cli_parse_number(since_arg, &since))
		return cli_usage_error(&cli_command_dmesg, "--since %s: not a sequence number", since_arg);
	if (!cli_target_session(cli))
		return CLI_EXIT_FAILURE;
	if (cli->json)
		kinspect_json_begin_array(&cli->json_writer);
	struct kinspect_error *err = kinspect_kernel_dmesg_for_each(cli->kernel, since, dmesg_render_record, &d, NULL);
	if (cli->json)
		kinspect_json_end_array(&cli->json_writer);
	if (err)
		return cli_fail(err);
	return CLI_EXIT_OK;
}

const struct cli_command cli_command_dmesg = {
	.name = "dmesg",
	.synopsis = "[--level LIST] [--since SEQ] [--raw]",
	.summary = "The kernel's log (the printk ring buffer), as dmesg shows it",
	.help = "Reads the printk ring buffer of the target given with -t, layouts from the\n"
		"vmlinux's DWARF: the lockless ring `prb` points to (Linux 5.10 and later: its\n"
		"descriptor, info and text arrays, read in a few large reads), or the log_buf\n"
		"of older kernels.  Each record prints as the kernel's syslog prints it:\n"
		"\"[seconds.microseconds] text\", every line of a multi-line record with the\n"
		"record's prefix; continuation lines (KERN_CONT) are in the record they were\n"
		"appended to, as the kernel shows them.  Control characters in the text are\n"
		"escaped as \\xNN.  Records the ring still describes but no longer holds\n"
		"(overwritten after the ring wrapped, or still being written) are skipped.\n"
		"  -l, --level LIST  only these levels: names (emerg, alert, crit, err, warn,\n"
		"                    notice, info, debug) or numbers 0 to 7, comma-separated\n"
		"  --since SEQ       only records with sequence number SEQ or later (the second\n"
		"                    field of /dev/kmsg)\n"
		"  -r, --raw         \"<PRIORITY>[NANOSECONDS] text\": the syslog priority\n"
		"                    (facility * 8 + level, as dmesg -r shows it) and the\n"
		"                    timestamp in nanoseconds\n"
		"With --json: [{\"seq\", \"timestamp_ns\", \"level\", \"level_name\", \"facility\",\n"
		"\"facility_name\", \"flags\": [\"newline\", \"cont\", \"force_console\", \"open\"\n"
		"(committed, not yet finalized)], \"caller_id\", \"pid\", \"cpu\" (null when not\n"
		"recorded), \"comm\" (kernels that record it), \"subsystem\" and \"device\" (when\n"
		"set), \"text\"}].\n",
	.run = run_dmesg,
};
