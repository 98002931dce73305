/* "kinspect dmesg": the kernel's log from the printk ring buffer, as
 * dmesg(1) shows it, rendered from the public API.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kinspect/dmesg.h>

#include "cli/cli.h"

struct dmesg {
	struct cli *cli;
	unsigned int levels; /* bit N: show level N */
	bool raw;
};

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

/* One line of a record's text, control characters but tabs escaped as
 * \xNN (as dmesg(1) and /dev/kmsg do): a guest's log is not the
 * terminal's to interpret. */
static void print_line(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < ' ' && c != '\t') || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
}

static void json_flag(struct kinspect_json *j, unsigned int flags, unsigned int flag, const char *name)
{
	if (flags & flag)
		kinspect_json_string(j, name);
}

/* One record: its lines as the kernel's syslog prints them (each line of
 * a multi-line record with the record's prefix), or an object. */
static struct kinspect_error *render_record(const struct kinspect_dmesg_record *r, void *arg)
{
	struct dmesg *d = arg;
	unsigned int level = kinspect_dmesg_record_level(r), facility = kinspect_dmesg_record_facility(r);
	unsigned int flags = kinspect_dmesg_record_flags(r);
	uint64_t seq = kinspect_dmesg_record_seq(r), ts = kinspect_dmesg_record_timestamp_ns(r);
	int64_t pid = kinspect_dmesg_record_pid(r), cpu = kinspect_dmesg_record_cpu(r);
	const char *comm = kinspect_dmesg_record_comm(r);
	const char *subsystem = kinspect_dmesg_record_subsystem(r), *device = kinspect_dmesg_record_device(r);
	size_t len;
	const char *text = kinspect_dmesg_record_text(r, &len);
	if (!(d->levels & (1u << level)))
		return NULL;
	if (!d->cli->json) {
		for (const char *line = text, *end = text + len;;) {
			const char *nl = memchr(line, '\n', (size_t)(end - line));
			if (d->raw)
				printf("<%u>[%" PRIu64 "] ", facility * 8 + level, ts);
			else
				printf("[%5" PRIu64 ".%06" PRIu64 "] ", ts / 1000000000, ts % 1000000000 / 1000);
			print_line(line, nl ? (size_t)(nl - line) : (size_t)(end - line));
			if (!nl)
				break;
			line = nl + 1;
		}
		return NULL;
	}
	struct kinspect_json *j = &d->cli->json_writer;
	const char *level_name = kinspect_dmesg_level_name(level), *facility_name = kinspect_dmesg_facility_name(facility);
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "seq");
	kinspect_json_uint(j, seq);
	kinspect_json_key(j, "timestamp_ns");
	kinspect_json_uint(j, ts);
	kinspect_json_key(j, "level");
	kinspect_json_uint(j, level);
	kinspect_json_key(j, "level_name");
	kinspect_json_string(j, level_name);
	kinspect_json_key(j, "facility");
	kinspect_json_uint(j, facility);
	kinspect_json_key(j, "facility_name");
	if (facility_name)
		kinspect_json_string(j, facility_name);
	else
		kinspect_json_null(j);
	kinspect_json_key(j, "flags");
	kinspect_json_begin_array(j);
	json_flag(j, flags, KINSPECT_DMESG_NEWLINE, "newline");
	json_flag(j, flags, KINSPECT_DMESG_CONT, "cont");
	json_flag(j, flags, KINSPECT_DMESG_FORCE_CONSOLE, "force_console");
	json_flag(j, flags, KINSPECT_DMESG_OPEN, "open");
	kinspect_json_end_array(j);
	kinspect_json_key(j, "caller_id");
	kinspect_json_uint(j, kinspect_dmesg_record_caller_id(r));
	kinspect_json_key(j, "pid");
	if (pid >= 0)
		kinspect_json_int(j, pid);
	else
		kinspect_json_null(j);
	kinspect_json_key(j, "cpu");
	if (cpu >= 0)
		kinspect_json_int(j, cpu);
	else
		kinspect_json_null(j);
	if (comm) {
		kinspect_json_key(j, "comm");
		kinspect_json_string(j, comm);
	}
	if (*subsystem) {
		kinspect_json_key(j, "subsystem");
		kinspect_json_string(j, subsystem);
	}
	if (*device) {
		kinspect_json_key(j, "device");
		kinspect_json_string(j, device);
	}
	kinspect_json_key(j, "text");
	kinspect_json_string_len(j, text, len);
	kinspect_json_end_object(j);
	return NULL;
}

static int run_dmesg(struct cli *cli, int argc, char **argv)
{
	struct dmesg d = { .cli = cli, .levels = 0xff };
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
	struct kinspect_error *err = kinspect_kernel_dmesg_for_each(cli->kernel, since, render_record, &d, NULL);
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
