/* One record of the kernel's log (dmesg-render.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/dmesg-render.h"

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

struct kinspect_error *dmesg_render_record(const struct kinspect_dmesg_record *r, void *arg)
{
	struct dmesg_render *d = arg;
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

