/* The kernel's log of a session (see kinspect/dmesg.h), on the walkers of
 * src/linux/printk.c, and the level and facility names dmesg(1) uses.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/dmesg.h>

#include "core/error-priv.h"
#include "core/log.h"
#include "libkinspect/kernel-priv.h"
#include "linux/printk.h"

struct kinspect_error *kinspect_kernel_dmesg_for_each(struct kinspect_kernel *k, uint64_t first_seq,
						      struct kinspect_error *(*fn)(const struct kinspect_dmesg_record *,
										   void *),
						      void *arg, uint64_t *ret_skipped)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_dwarf_types *types;
	const struct kinspect_memory *mem;
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
	if (!err)
		err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err)
		return err;
	struct kinspect_printk_stats stats;
	if ((err = kinspect_printk_for_each(types, vmlinux, kaslr->slide, mem, first_seq, fn, arg, &stats)))
		return kinspect_error_wrap(err, "the kernel's log");
	kinspect_info("kernel log (%s): %llu records, %llu skipped", stats.layout, (unsigned long long)stats.records,
		      (unsigned long long)stats.skipped);
	if (ret_skipped)
		*ret_skipped = stats.skipped;
	return NULL;
}

uint64_t kinspect_dmesg_record_seq(const struct kinspect_dmesg_record *r)
{
	return r->seq;
}

uint64_t kinspect_dmesg_record_timestamp_ns(const struct kinspect_dmesg_record *r)
{
	return r->ts_nsec;
}

unsigned int kinspect_dmesg_record_level(const struct kinspect_dmesg_record *r)
{
	return r->level;
}

unsigned int kinspect_dmesg_record_facility(const struct kinspect_dmesg_record *r)
{
	return r->facility;
}

unsigned int kinspect_dmesg_record_flags(const struct kinspect_dmesg_record *r)
{
	return r->flags;
}

const char *kinspect_dmesg_record_text(const struct kinspect_dmesg_record *r, size_t *ret_len)
{
	if (ret_len)
		*ret_len = r->text_len;
	return r->text;
}

uint32_t kinspect_dmesg_record_caller_id(const struct kinspect_dmesg_record *r)
{
	return r->caller_id;
}

int64_t kinspect_dmesg_record_pid(const struct kinspect_dmesg_record *r)
{
	return r->pid;
}

int64_t kinspect_dmesg_record_cpu(const struct kinspect_dmesg_record *r)
{
	return r->cpu;
}

const char *kinspect_dmesg_record_comm(const struct kinspect_dmesg_record *r)
{
	return r->comm;
}

const char *kinspect_dmesg_record_subsystem(const struct kinspect_dmesg_record *r)
{
	return r->subsystem;
}

const char *kinspect_dmesg_record_device(const struct kinspect_dmesg_record *r)
{
	return r->device;
}

const char *kinspect_dmesg_level_name(unsigned int level)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug" };
	return level < sizeof(names) / sizeof(names[0]) ? names[level] : NULL;
}

const char *kinspect_dmesg_facility_name(unsigned int facility)
{
	/* RFC 5424's facilities, named as dmesg(1) and syslog.h name them. */
	static const char *const names[] = { "kern",   "user",	 "mail",   "daemon", "auth",   "syslog",
					     "lpr",    "news",	 "uucp",   "cron",   "authpriv", "ftp",
					     "res0",   "res1",	 "res2",   "res3",   "local0", "local1",
					     "local2", "local3", "local4", "local5", "local6", "local7" };
	return facility < sizeof(names) / sizeof(names[0]) ? names[facility] : NULL;
}
