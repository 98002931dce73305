/* gdbstub-probe: connect to a live gdbstub, run the actions given on the
 * command line and print what they find as key=value lines, for the VM
 * tests and for measuring the protocol's cost.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * usage: gdbstub-probe [-t TIMEOUT_MS] [--keep-stopped] [--lazy-phymem] SPEC ACTION...
 *   info                   packet size, threads, registers, features
 *   regs:NAME[,NAME...]    cpuN.NAME=0x... for every vCPU
 *   read:ADDR:LEN          read.ADDR=HEX (virtual), or read.ADDR.error=
 *                          and read.ADDR.fault=; read.ADDR.ms= always
 *   pread:ADDR:LEN         the same, physical (key pread.ADDR)
 *   str:ADDR:LEN           str.ADDR=the bytes up to a NUL (virtual)
 *   u64:ADDR, pu64:ADDR    u64.ADDR=0x... (virtual, physical)
 *   stats:LABEL            stats.LABEL.*= traffic since the last stats
 *   bench:ADDR             reads of 4 KiB and 64 KiB, virtual and
 *                          physical, and 200 one-byte reads: bench.*=
 *   second                 try a second connection: second.error=
 *   sync:PATH              create PATH.ready, wait (120 s at most) for PATH.go
 *   write:ADDR:HEX         write the bytes HEX at virtual ADDR: write.ADDR=ok
 *   stop, resume           interrupt / continue the VM
 * Exit status: 0 all actions worked, 1 some failed, 2 no connection. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "target/gdbstub.h"

static int timeout_ms = 5000;
static const char *spec;
static struct kinspect_gdbstub_stats last_stats;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Print KEY.error= (and KEY.fault=) for ERR, free it, return 1. */
static int report_error(const char *key, struct kinspect_error *err)
{
	char *s = kinspect_error_string(err);
	printf("%s.error=%s\n", key, s ? s : "?");
	free(s);
	uint64_t addr;
	if (kinspect_error_address(err, &addr))
		printf("%s.fault=0x%" PRIx64 "\n", key, addr);
	printf("%s.code=%d\n", key, (int)kinspect_error_code(err));
	kinspect_error_destroy(err);
	return 1;
}

static int parse_range(const char *arg, uint64_t *addr, size_t *len)
{
	char *end;
	*addr = strtoull(arg, &end, 0);
	if (*end != ':')
		return -1;
	*len = strtoull(end + 1, &end, 0);
	return *end || *len == 0 || *len > (64 << 20) ? -1 : 0;
}

static void print_stats(const char *label, const struct kinspect_gdbstub_stats *a,
			const struct kinspect_gdbstub_stats *b)
{
	printf("%s.round_trips=%" PRIu64 "\n", label, b->round_trips - a->round_trips);
	printf("%s.packets_sent=%" PRIu64 "\n", label, b->packets_sent - a->packets_sent);
	printf("%s.packets_received=%" PRIu64 "\n", label, b->packets_received - a->packets_received);
	printf("%s.bytes_sent=%" PRIu64 "\n", label, b->bytes_sent - a->bytes_sent);
	printf("%s.bytes_received=%" PRIu64 "\n", label, b->bytes_received - a->bytes_received);
	printf("%s.memory_packets=%" PRIu64 "\n", label, b->memory_packets - a->memory_packets);
	printf("%s.retransmissions=%" PRIu64 "\n", label, b->retransmissions - a->retransmissions);
	printf("%s.wait_us=%" PRIu64 "\n", label, (b->wait_ns - a->wait_ns) / 1000);
}

static int do_read(struct kinspect_gdbstub *gs, const char *kind, const char *arg, bool physical, bool as_string)
{
	uint64_t addr;
	size_t len;
	char key[128];
	snprintf(key, sizeof(key), "%s.%s", kind, arg);
	if (as_string || strchr(arg, ':')) {
		if (parse_range(arg, &addr, &len) < 0) {
			fprintf(stderr, "gdbstub-probe: bad range '%s'\n", arg);
			return 1;
		}
		*strrchr(key, ':') = '\0';
	} else {
		addr = strtoull(arg, NULL, 0);
		len = 8;
	}
	unsigned char *buf = calloc(1, len + 1);
	if (!buf)
		return 1;
	double t0 = now_ms();
	struct kinspect_error *err = kinspect_gdbstub_read_memory(gs, addr, buf, len, physical);
	printf("%s.ms=%.1f\n", key, now_ms() - t0);
	int rc = 0;
	if (err) {
		rc = report_error(key, err);
	} else if (as_string) {
		printf("%s=", key);
		for (size_t i = 0; i < len && buf[i]; i++)
			putchar(buf[i] >= ' ' && buf[i] < 0x7f ? buf[i] : '?');
		putchar('\n');
	} else if (strcmp(kind, "u64") == 0 || strcmp(kind, "pu64") == 0) {
		uint64_t v;
		memcpy(&v, buf, 8);
		printf("%s=0x%" PRIx64 "\n", key, v);
	} else {
		printf("%s=", key);
		for (size_t i = 0; i < len; i++)
			printf("%02x", buf[i]);
		putchar('\n');
	}
	free(buf);
	return rc;
}

/* "write:ADDR:HEX" */
static int do_write(struct kinspect_gdbstub *gs, const char *arg)
{
	char *end;
	uint64_t addr = strtoull(arg, &end, 0);
	size_t n = *end == ':' ? strlen(end + 1) : 0;
	if (n == 0 || n % 2 || n > 2 * 4096) {
		fprintf(stderr, "gdbstub-probe: bad write action 'write:%s'\n", arg);
		return 1;
	}
	unsigned char buf[4096];
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;
		if (sscanf(end + 1 + 2 * i, "%2x", &byte) != 1)
			return 1;
		buf[i] = (unsigned char)byte;
	}
	char key[64];
	snprintf(key, sizeof(key), "write.0x%" PRIx64, addr);
	struct kinspect_error *err = kinspect_gdbstub_write_memory(gs, addr, buf, n / 2);
	if (err)
		return report_error(key, err);
	printf("%s=ok\n", key);
	return 0;
}

static int do_regs(struct kinspect_gdbstub *gs, const char *names)
{
	int rc = 0;
	for (size_t t = 0; t < kinspect_gdbstub_nr_threads(gs); t++) {
		char *copy = strdup(names), *save = NULL;
		for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
			uint64_t v;
			char key[96];
			snprintf(key, sizeof(key), "cpu%zu.%s", t, n);
			struct kinspect_error *err = kinspect_gdbstub_read_register(gs, t, n, &v);
			if (err)
				rc |= report_error(key, err);
			else
				printf("%s=0x%" PRIx64 "\n", key, v);
		}
		free(copy);
	}
	return rc;
}

static int bench_one(struct kinspect_gdbstub *gs, const char *label, uint64_t addr, size_t len, bool physical)
{
	unsigned char *buf = malloc(len);
	struct kinspect_gdbstub_stats a, b;
	kinspect_gdbstub_stats(gs, &a);
	double t0 = now_ms();
	struct kinspect_error *err = kinspect_gdbstub_read_memory(gs, addr, buf, len, physical);
	double dt = now_ms() - t0;
	kinspect_gdbstub_stats(gs, &b);
	free(buf);
	if (err)
		return report_error(label, err);
	print_stats(label, &a, &b);
	printf("%s.ms=%.2f\n", label, dt);
	return 0;
}

static int do_bench(struct kinspect_gdbstub *gs, const char *arg)
{
	uint64_t addr = strtoull(arg, NULL, 0);
	int rc = bench_one(gs, "bench.4k", addr, 4096, false);
	rc |= bench_one(gs, "bench.64k", addr, 65536, false);
	/* The kernel image at its physical load address (16 MiB by default
	 * for x86-64) is always RAM; the caller may pass pbench instead. */
	rc |= bench_one(gs, "bench.phys4k", 0x1000000, 4096, true);
	rc |= bench_one(gs, "bench.phys64k", 0x1000000, 65536, true);
	kinspect_gdbstub_set_lazy_phymem(gs, true);
	rc |= bench_one(gs, "bench.phys4k_lazy", 0x1000000, 4096, true);
	kinspect_gdbstub_set_lazy_phymem(gs, false);
	/* Round-trip time: many one-byte reads. */
	struct kinspect_gdbstub_stats a, b;
	kinspect_gdbstub_stats(gs, &a);
	double t0 = now_ms();
	int n = 200;
	for (int i = 0; i < n; i++) {
		unsigned char c;
		struct kinspect_error *err = kinspect_gdbstub_read_memory(gs, addr, &c, 1, false);
		if (err)
			return report_error("bench.rtt", err);
	}
	double dt = now_ms() - t0;
	kinspect_gdbstub_stats(gs, &b);
	printf("bench.rtt_us=%.1f\n", dt * 1000 / n);
	printf("bench.rtt_wait_us=%.1f\n", (double)(b.wait_ns - a.wait_ns) / 1000 / n);
	return rc;
}

static int do_second(void)
{
	struct kinspect_gdbstub *gs2 = NULL;
	double t0 = now_ms();
	struct kinspect_error *err = kinspect_gdbstub_connect(spec, timeout_ms, &gs2);
	printf("second.ms=%.0f\n", now_ms() - t0);
	if (!err) {
		printf("second=connected\n");
		kinspect_gdbstub_set_keep_stopped(gs2, true);
		kinspect_gdbstub_destroy(gs2);
		return 1;
	}
	report_error("second", err);
	return 0;
}

static int do_sync(const char *path)
{
	char name[4096];
	snprintf(name, sizeof(name), "%s.ready", path);
	FILE *f = fopen(name, "w");
	if (!f)
		return 1;
	fclose(f);
	fflush(stdout);
	snprintf(name, sizeof(name), "%s.go", path);
	for (int i = 0; i < 12000; i++) {
		if (access(name, F_OK) == 0)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "gdbstub-probe: no %s within 120 s\n", name);
	return 1;
}

static void do_info(struct kinspect_gdbstub *gs)
{
	printf("packet_size=%zu\n", kinspect_gdbstub_packet_size(gs));
	printf("max_read=%zu\n", kinspect_gdbstub_max_read(gs));
	printf("stopped_on_connect=%d\n", kinspect_gdbstub_stopped_on_connect(gs));
	const struct kinspect_gdbstub_run_state *rs;
	struct kinspect_error *err = kinspect_gdbstub_find_run_state(gs, &rs);
	if (err) {
		printf("run_state.error=%s\n", kinspect_error_message(err));
		kinspect_error_destroy(err);
	} else {
		printf("run_state.was_running=%s\n", kinspect_gdbstub_was_running_name(rs->was_running));
		printf("run_state.source=%s\n", kinspect_gdbstub_run_state_source_name(rs->source));
		printf("run_state.status=%s\n", rs->status);
	}
	printf("threads=%zu\n", kinspect_gdbstub_nr_threads(gs));
	for (size_t i = 0; i < kinspect_gdbstub_nr_threads(gs); i++)
		printf("thread.%zu=%s\n", i, kinspect_gdbstub_thread_id(gs, i));
	printf("registers=%zu\n", kinspect_gdbstub_nr_registers(gs));
	static const char *const names[] = { "rip", "cr3", "cr4", "efer", "gs_base", "k_gs_base" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct kinspect_gdbstub_register *r = kinspect_gdbstub_find_register(gs, names[i]);
		if (r)
			printf("register.%s=regnum %u bits %u g_offset %zu\n", names[i], r->regnum, r->bitsize,
			       r->g_offset);
	}
	static const char *const features[] = { "PacketSize", "qXfer:features:read", "multiprocess",
						"vContSupported" };
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const char *v = kinspect_gdbstub_feature(gs, features[i]);
		printf("feature.%s=%s\n", features[i], v ? v : "(absent)");
	}
}

int main(int argc, char **argv)
{
	bool keep_stopped = false, lazy = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			timeout_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--keep-stopped") == 0)
			keep_stopped = true;
		else if (strcmp(argv[i], "--lazy-phymem") == 0)
			lazy = true;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: gdbstub-probe [-t TIMEOUT_MS] [--keep-stopped] [--lazy-phymem] SPEC ACTION...\n");
		return 2;
	}
	spec = argv[i++];
	struct kinspect_gdbstub *gs = NULL;
	double t0 = now_ms();
	struct kinspect_error *err = kinspect_gdbstub_connect(spec, timeout_ms, &gs);
	printf("connect.ms=%.1f\n", now_ms() - t0);
	if (err) {
		report_error("connect", err);
		return 2;
	}
	kinspect_gdbstub_set_keep_stopped(gs, keep_stopped);
	kinspect_gdbstub_set_lazy_phymem(gs, lazy);
	int rc = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "info") == 0) {
			do_info(gs);
		} else if (strncmp(a, "regs:", 5) == 0) {
			rc |= do_regs(gs, a + 5);
		} else if (strncmp(a, "read:", 5) == 0) {
			rc |= do_read(gs, "read", a + 5, false, false);
		} else if (strncmp(a, "pread:", 6) == 0) {
			rc |= do_read(gs, "pread", a + 6, true, false);
		} else if (strncmp(a, "str:", 4) == 0) {
			rc |= do_read(gs, "str", a + 4, false, true);
		} else if (strncmp(a, "u64:", 4) == 0) {
			rc |= do_read(gs, "u64", a + 4, false, false);
		} else if (strncmp(a, "pu64:", 5) == 0) {
			rc |= do_read(gs, "pu64", a + 5, true, false);
		} else if (strncmp(a, "stats:", 6) == 0) {
			struct kinspect_gdbstub_stats s;
			kinspect_gdbstub_stats(gs, &s);
			char label[64];
			snprintf(label, sizeof(label), "stats.%s", a + 6);
			print_stats(label, &last_stats, &s);
			last_stats = s;
		} else if (strncmp(a, "bench:", 6) == 0) {
			rc |= do_bench(gs, a + 6);
		} else if (strcmp(a, "second") == 0) {
			rc |= do_second();
		} else if (strncmp(a, "sync:", 5) == 0) {
			rc |= do_sync(a + 5);
		} else if (strncmp(a, "write:", 6) == 0) {
			rc |= do_write(gs, a + 6);
		} else if (strcmp(a, "stop") == 0) {
			err = kinspect_gdbstub_stop(gs);
			rc |= err ? report_error("stop", err) : (printf("stop=ok\n"), 0);
		} else if (strcmp(a, "resume") == 0) {
			err = kinspect_gdbstub_resume(gs);
			rc |= err ? report_error("resume", err) : (printf("resume=ok\n"), 0);
		} else {
			fprintf(stderr, "gdbstub-probe: unknown action '%s'\n", a);
			rc = 1;
		}
		fflush(stdout);
	}
	t0 = now_ms();
	kinspect_gdbstub_destroy(gs);
	printf("destroy.ms=%.1f\n", now_ms() - t0);
	return rc;
}
