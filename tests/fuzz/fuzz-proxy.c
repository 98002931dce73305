/* libFuzzer harness for the gdb proxy's packet handling, both sides at once:
 * the real kinspect_proxy_run() serves a socketpair whose other end plays
 * gdb, and connects to a fake gdbstub on a unix socket; a thread of this
 * harness plays both from a script the fuzzer writes.  Every byte gdb
 * sends and every answer "QEMU" gives (stop replies, T packets with thread
 * and library fields, memory for the proxy's own reads, errors, console
 * output, garbage, acks, escapes, run-length encoding) comes from the
 * input, or from a canned QEMU-like answer when the script asks for one.
 * The session must end, without a crash, a leak or a hang, once the script
 * is played: the harness then closes gdb's side and answers QEMU's briefly.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Input: records, each a tag byte (kind in the low 3 bits, PARAM in the
 * high 5) and for some kinds a length byte (plus PARAM * 256) and bytes:
 *   0 canned: QEMU's answer to the oldest unanswered request of the proxy
 *     (PARAM picks rip values and stop replies); none waiting: a stop reply
 *   1 LEN BYTES raw bytes from QEMU (answering the oldest request)
 *   2 LEN BYTES raw bytes from gdb
 *   3 LEN PAYLOAD "+$PAYLOAD#cs" from QEMU (answering the oldest request)
 *   4 LEN PAYLOAD "$PAYLOAD#cs" from gdb
 *   5 0x03 from gdb (interrupt)
 *   6 '+' (PARAM even) or '-' from gdb
 *   7 (PARAM 0) a pause: until the proxy is quiet (it goes on meanwhile)
 *   7 (PARAM > 0) LEN BYTES, LEN plus (PARAM - 1) * 256: guest memory from
 *     now on, repeated over a 16 MiB direct-map window, with the
 *     "modules" head aliased to its first 16 bytes (hostile module lists
 *     for the proxy's library scans, read through its gdbstub client)
 * A record for QEMU waits (briefly) for a request of the proxy first.  A
 * canned record with nothing to answer completes what raw bytes answered
 * last (the proxy may still wait for the end of a packet), or stops a
 * running VM.
 *
 * $FUZZ_PROXY_VMLINUX: the vmlinux the proxy opens (a small fake kernel
 * built by the test, with linux_banner, modules, do_init_module and
 * free_module); canned memory reads answer its bytes at their link
 * addresses, so the proxy finds KASLR slide 0 and plants its breakpoints.
 * FUZZ_WRITE_SEEDS=DIR writes seeds (gdb's and QEMU's real packet shapes)
 * and exits; FUZZ_PROXY_VERBOSE=1 traces records and the proxy's log.
 * tests/fuzz/regressions/proxy/ holds inputs of fixed bugs in this format:
 * a change to the format must keep them reproducing (check against the
 * code before the fix).
 *
 * Built and run by tests/fuzz/fuzz-bounded.test. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <kinspect/vmlinux.h>

#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/dwarf-types.h"
#include "proxy/proxy.h"
#include "target/rsp.h"

/* The proxy's wait bound.  The harness answers every request long before
 * it; scripts that leave the proxy waiting (a reply to a request answered
 * already, half a packet) cost an iteration this much. */
#define PROXY_TIMEOUT_MS 300
/* A record for QEMU waits this long for a request to answer. */
#define IDLE_MS 2
/* After the script: answer QEMU's requests until it is quiet this long. */
#define TAIL_IDLE_MS 50
#define TAIL_MAX_ANSWERS 64
/* Bounds of one iteration, whatever the script. */
#define MAX_RECORDS 256
#define ITERATION_MS 2000
#define MAX_PENDING 16
#define MAX_REQUEST 4096

/* In the working directory (the test's scratch directory): a crash, which
 * skips the atexit() cleanup, leaves nothing behind elsewhere. */
static char dir[] = "fuzz-proxy.XXXXXX";
static char sock_path[sizeof(dir) + 16];
static char module_dir[sizeof(dir) + 16];
static const char *vmlinux_path;
static bool verbose;
static struct kinspect_vmlinux *vmlinux;
static uint64_t sym_do_init_module, sym_free_module, sym_banner, sym_modules;

#define WINDOW_BASE 0xffff888000000000ULL
#define WINDOW_SIZE (16ULL << 20)

/* ---- QEMU's canned answers ----------------------------------------------- */

/* The registers a QEMU x86-64 target description has, in regnum order
 * (the proxy reads rip and rdi; gdbstub_probe-style reads find them by
 * name).  All 64-bit: widths are not what is fuzzed here. */
static const char *const reg_names[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",  "r9",
					 "r10", "r11", "r12", "r13", "r14", "r15", "rip", "eflags", "cs" };
#define NR_REGS (sizeof(reg_names) / sizeof(reg_names[0]))
#define RIP_REGNUM 16

static char target_xml[2048];

static void make_target_xml(void)
{
	size_t n = (size_t)snprintf(target_xml, sizeof(target_xml),
				    "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
				    "<target><architecture>i386:x86-64</architecture>"
				    "<feature name=\"org.gnu.gdb.i386.core\">");
	for (size_t i = 0; i < NR_REGS; i++)
		n += (size_t)snprintf(target_xml + n, sizeof(target_xml) - n, "<reg name=\"%s\" bitsize=\"64\"/>",
				      reg_names[i]);
	snprintf(target_xml + n, sizeof(target_xml) - n, "</feature></target>");
}

/* What rip holds when the proxy asks, by PARAM: its own breakpoints (a
 * module event), the banner, or somewhere in kernel text. */
static uint64_t rip_for(unsigned int param)
{
	switch (param & 3) {
	case 0: return sym_do_init_module;
	case 1: return sym_free_module;
	case 2: return sym_banner;
	default: return 0xffffffff81000000ULL + param;
	}
}

static const char *stop_for(unsigned int param)
{
	static const char *const stops[] = {
		"T05thread:p01.01;swbreak:;", "T05thread:p01.02;", "S05",	 "T02thread:p01.01;",
		"T05thread:p01.01;watch:ffffffff81000000;", "W00", "T05thread:01;", "T05library:;thread:p01.01;",
	};
	return stops[(param >> 2) % (sizeof(stops) / sizeof(stops[0]))];
}

struct driver {
	const uint8_t *data;
	size_t size, pos;
	int gdb_fd, listen_fd, stub_fd;
	bool gdb_eof, stub_eof;
	uint64_t deadline;
	struct kinspect_rsp_decoder dec;
	/* Requests of the proxy not answered yet (payloads; "\x03" for an
	 * interrupt, "-" for a nack). */
	char *pending[MAX_PENDING];
	size_t nr_pending;
	char last[2 * MAX_REQUEST + 8];
	size_t last_len;
	bool running;
	/* The request raw bytes answered last, maybe not for good. */
	char *raw_answered;
	/* Guest memory given by the script (see the top), or none. */
	const uint8_t *memory;
	size_t memory_len;
	/* Nothing was sent or received since both sides were last idle for
	 * IDLE_MS: waiting again would change nothing (runs of records that
	 * do nothing then cost no time). */
	bool quiet;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void push_request(struct driver *d, const char *payload, size_t len)
{
	if (d->nr_pending == MAX_PENDING)
		return;
	if (len > MAX_REQUEST)
		len = MAX_REQUEST;
	d->pending[d->nr_pending++] = strndup(payload, len);
}

static char *pop_request(struct driver *d)
{
	if (!d->nr_pending)
		return NULL;
	char *r = d->pending[0];
	memmove(d->pending, d->pending + 1, --d->nr_pending * sizeof(*d->pending));
	return r;
}

/* Read what both sides sent, waiting at most TIMEOUT_MS for the first
 * byte.  Returns whether anything came. */
static bool pump(struct driver *d, int timeout_ms)
{
	struct pollfd fds[2] = { { .fd = d->gdb_eof ? -1 : d->gdb_fd, .events = POLLIN },
				 { .fd = d->stub_eof ? -1 : d->stub_fd, .events = POLLIN } };
	if (poll(fds, 2, timeout_ms) <= 0)
		return false;
	d->quiet = false;
	char buf[8192];
	if (fds[0].revents) {
		/* gdb's side: the proxy's answers, read and dropped. */
		ssize_t n = read(d->gdb_fd, buf, sizeof(buf));
		if (n <= 0 && !(n < 0 && errno == EINTR))
			d->gdb_eof = true;
	}
	if (fds[1].revents) {
		ssize_t n = read(d->stub_fd, buf, sizeof(buf));
		if (n <= 0 && !(n < 0 && errno == EINTR)) {
			d->stub_eof = true;
			return true;
		}
		for (size_t off = 0; n > 0 && off < (size_t)n;) {
			struct kinspect_rsp_event ev;
			off += kinspect_rsp_decoder_feed(&d->dec, buf + off, (size_t)n - off, &ev);
			if (ev.type == KINSPECT_RSP_EVENT_PACKET)
				push_request(d, ev.data, ev.len);
			else if (ev.type == KINSPECT_RSP_EVENT_INTERRUPT)
				push_request(d, "\003", 1);
			else if (ev.type == KINSPECT_RSP_EVENT_NACK)
				push_request(d, "-", 1);
		}
	}
	return true;
}

/* Write all of BUF to FD, reading both sides meanwhile (so neither the
 * proxy nor this thread blocks on a full socket). */
static void send_bytes(struct driver *d, int fd, const void *buf, size_t len)
{
	while (len > 0 && now_ms() < d->deadline) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			d->quiet = false;
			buf = (const char *)buf + n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			pump(d, 1);
		} else {
			return; /* the proxy went away */
		}
	}
}

static void send_packet(struct driver *d, int fd, bool ack, const char *payload, size_t len)
{
	char *frame = malloc(kinspect_rsp_encode_bound(len) + 1);
	if (!frame)
		return;
	size_t n = 0;
	if (ack)
		frame[n++] = '+';
	n += kinspect_rsp_encode(payload, len, frame + n);
	if (fd == d->stub_fd && n <= sizeof(d->last)) {
		memcpy(d->last, frame, n);
		d->last_len = n;
	}
	send_bytes(d, fd, frame, n);
	free(frame);
}

static void stub_str(struct driver *d, const char *payload)
{
	send_packet(d, d->stub_fd, true, payload, strlen(payload));
}

/* The answer to "m ADDR,LEN": the fake vmlinux's bytes, E14 elsewhere
 * (unmapped), E22 over QEMU's limit. */
static void answer_memory(struct driver *d, const char *req)
{
	uint64_t addr, len;
	const char *comma = strchr(req, ',');
	if (!comma || !kinspect_rsp_parse_hex(req + 1, (size_t)(comma - req - 1), &addr) ||
	    !kinspect_rsp_parse_hex(comma + 1, strlen(comma + 1), &len) || len == 0) {
		stub_str(d, "E22");
		return;
	}
	if (len > 0x800) {
		stub_str(d, "E22");
		return;
	}
	uint8_t bytes[0x800];
	char hex[2 * 0x800 + 1];
	struct kinspect_error *err = NULL;
	if (d->memory_len && addr >= sym_modules && addr - sym_modules < 16 && len <= 16 - (addr - sym_modules)) {
		for (size_t i = 0; i < len; i++)
			bytes[i] = d->memory[(addr - sym_modules + i) % d->memory_len];
	} else if (d->memory_len && addr >= WINDOW_BASE && addr - WINDOW_BASE < WINDOW_SIZE &&
		   len <= WINDOW_SIZE - (addr - WINDOW_BASE)) {
		for (size_t i = 0; i < len; i++)
			bytes[i] = d->memory[(addr - WINDOW_BASE + i) % d->memory_len];
	} else {
		err = vmlinux ? kinspect_vmlinux_read(vmlinux, addr, bytes, len)
			      : kinspect_error_fault(addr, "no vmlinux");
	}
	if (err) {
		kinspect_error_destroy(err);
		stub_str(d, "E14");
		return;
	}
	kinspect_rsp_hex_encode(bytes, len, hex);
	send_packet(d, d->stub_fd, true, hex, 2 * len);
}

static void answer_xfer(struct driver *d, const char *req)
{
	char annex[64];
	unsigned long off, n;
	if (sscanf(req, "qXfer:features:read:%63[^:]:%lx,%lx", annex, &off, &n) != 3 ||
	    strcmp(annex, "target.xml") != 0) {
		stub_str(d, "E00");
		return;
	}
	size_t total = strlen(target_xml);
	if (off > total)
		off = total;
	size_t take = total - off < n ? total - off : n;
	char *buf = malloc(take + 1);
	if (!buf)
		return;
	buf[0] = off + take < total ? 'm' : 'l';
	memcpy(buf + 1, target_xml + off, take);
	send_packet(d, d->stub_fd, true, buf, take + 1);
	free(buf);
}

/* QEMU 7.2's answer to REQ (NULL: nothing waits, so a stop reply if the
 * VM runs). */
static void canned(struct driver *d, const char *req, unsigned int param)
{
	char buf[256];
	if (!req) {
		if (d->running) {
			d->running = false;
			stub_str(d, stop_for(param));
		}
		return;
	}
	if (strcmp(req, "-") == 0) {
		send_bytes(d, d->stub_fd, d->last, d->last_len);
	} else if (strcmp(req, "\003") == 0) {
		d->running = false;
		stub_str(d, "T02thread:p01.01;");
	} else if (strncmp(req, "qSupported", 10) == 0) {
		stub_str(d, "PacketSize=1000;qXfer:features:read+;multiprocess+;vContSupported+");
	} else if (strncmp(req, "qXfer:features:read:", 20) == 0) {
		answer_xfer(d, req);
	} else if (strcmp(req, "qqemu.PhyMemMode") == 0) {
		stub_str(d, "0");
	} else if (strcmp(req, "qfThreadInfo") == 0) {
		stub_str(d, "mp01.01,p01.02");
	} else if (strcmp(req, "qsThreadInfo") == 0) {
		stub_str(d, "l");
	} else if (strcmp(req, "qC") == 0) {
		stub_str(d, "QCp01.01");
	} else if (strcmp(req, "qAttached") == 0) {
		stub_str(d, "1");
	} else if (strcmp(req, "?") == 0) {
		stub_str(d, "T05thread:p01.01;");
	} else if (req[0] == 'm') {
		answer_memory(d, req);
	} else if (req[0] == 'p') {
		uint64_t regnum = UINT64_MAX;
		uint64_t v = 0;
		if (kinspect_rsp_parse_hex(req + 1, strlen(req + 1), &regnum) && regnum == RIP_REGNUM)
			v = rip_for(param);
		kinspect_rsp_format_le(v, 8, buf);
		buf[16] = '\0';
		stub_str(d, regnum < NR_REGS ? buf : "E14");
	} else if (req[0] == 'g') {
		char g[NR_REGS * 16 + 1];
		for (size_t i = 0; i < NR_REGS; i++)
			kinspect_rsp_format_le(i == RIP_REGNUM ? rip_for(param) : 0x1000 * i, 8, g + 16 * i);
		send_packet(d, d->stub_fd, true, g, NR_REGS * 16);
	} else if (strncmp(req, "qRcmd,", 6) == 0) {
		static const char out[] = "fuzzing QEMU monitor\n";
		buf[0] = 'O';
		kinspect_rsp_hex_encode(out, sizeof(out) - 1, buf + 1);
		send_packet(d, d->stub_fd, true, buf, 1 + 2 * (sizeof(out) - 1));
		send_packet(d, d->stub_fd, false, "OK", 2);
	} else if (req[0] == 'c' || req[0] == 'C' || req[0] == 's' || req[0] == 'S' ||
		   strncmp(req, "vCont;", 6) == 0) {
		/* Resumed: the stop reply comes with a later record. */
		d->running = true;
		send_bytes(d, d->stub_fd, "+", 1);
	} else if (strcmp(req, "k") == 0) {
		send_bytes(d, d->stub_fd, "+", 1);
	} else if (req[0] == 'H' || req[0] == 'Z' || req[0] == 'z' || req[0] == 'D' || req[0] == 'Q' ||
		   req[0] == 'M' || req[0] == 'X' || req[0] == 'T' || req[0] == 'P') {
		stub_str(d, "OK");
	} else {
		stub_str(d, ""); /* not supported, as for vMustReplyEmpty */
	}
}

/* A canned record: the answer to REQ, or see the top of the file. */
static void answer(struct driver *d, const char *req, unsigned int param)
{
	canned(d, req || d->running ? req : d->raw_answered, param);
	free(d->raw_answered);
	d->raw_answered = NULL;
}

/* Wait (briefly) until the proxy asked QEMU something. */
static void wait_request(struct driver *d, int idle_ms)
{
	while (!d->nr_pending && !d->stub_eof && !d->quiet && now_ms() < d->deadline) {
		if (!pump(d, idle_ms))
			d->quiet = true;
	}
}

static bool take(struct driver *d, size_t n, const uint8_t **ret)
{
	if (d->size - d->pos < n)
		return false;
	*ret = d->data + d->pos;
	d->pos += n;
	return true;
}

static void play(struct driver *d)
{
	for (unsigned int records = 0; records < MAX_RECORDS && d->pos < d->size && now_ms() < d->deadline;
	     records++) {
		uint8_t tag = d->data[d->pos++];
		unsigned int kind = tag & 7, param = tag >> 3;
		const uint8_t *p;
		size_t len = 0;
		if ((kind >= 1 && kind <= 4) || (kind == 7 && param)) {
			if (!take(d, 1, &p))
				return;
			len = p[0] + 256 * (kind == 7 ? param - 1 : param);
			if (!take(d, len, &p))
				p = d->data + d->pos, len = d->size - d->pos, d->pos = d->size;
		}
		char *req = NULL;
		if (kind == 0 || kind == 1 || kind == 3) {
			wait_request(d, IDLE_MS);
			req = pop_request(d);
		}
		if (verbose)
			fprintf(stderr, "fuzz-proxy: %" PRIu64 " ms: record %u, %zu bytes, request '%.40s'\n",
				now_ms() - (d->deadline - ITERATION_MS), kind, len, req ? req : "");
		switch (kind) {
		case 0: answer(d, req, param); break;
		case 1: send_bytes(d, d->stub_fd, p, len); break;
		case 2: send_bytes(d, d->gdb_fd, p, len); break;
		case 3: send_packet(d, d->stub_fd, true, (const char *)p, len); break;
		case 4: send_packet(d, d->gdb_fd, false, (const char *)p, len); break;
		case 5: send_bytes(d, d->gdb_fd, "\003", 1); break;
		case 6: send_bytes(d, d->gdb_fd, param & 1 ? "-" : "+", 1); break;
		case 7:
			if (param) {
				d->memory = p;
				d->memory_len = len;
				break;
			}
			while (!d->quiet && now_ms() < d->deadline) {
				if (!pump(d, IDLE_MS))
					d->quiet = true;
			}
			break;
		}
		if (kind == 1 || kind == 3) {
			free(d->raw_answered);
			d->raw_answered = req;
		} else {
			free(req);
		}
	}
}

static void *driver_main(void *arg)
{
	struct driver *d = arg;
	struct pollfd pfd = { .fd = d->listen_fd, .events = POLLIN };
	if (poll(&pfd, 1, PROXY_TIMEOUT_MS) == 1)
		d->stub_fd = accept(d->listen_fd, NULL, NULL);
	if (d->stub_fd >= 0) {
		play(d);
		/* gdb goes away; QEMU answers what the proxy still asks
		 * (a detach, an interrupt) for a while, then goes too. */
		shutdown(d->gdb_fd, SHUT_WR);
		d->quiet = false; /* the proxy sees gdb's EOF */
		d->deadline = now_ms() + ITERATION_MS;
		for (int i = 0; i < TAIL_MAX_ANSWERS && !d->stub_eof && now_ms() < d->deadline; i++) {
			wait_request(d, TAIL_IDLE_MS);
			char *req = pop_request(d);
			if (!req && !d->running && !d->raw_answered)
				break;
			/* A step over the proxy's own breakpoint waits for its stop. */
			answer(d, req, 0);
			free(req);
		}
		close(d->stub_fd);
	}
	/* Until the proxy closed gdb's side. */
	d->deadline = now_ms() + ITERATION_MS;
	while (!d->gdb_eof && now_ms() < d->deadline)
		pump(d, 100);
	return NULL;
}

/* ---- seeds --------------------------------------------------------------- */

struct seed {
	uint8_t buf[8192];
	size_t len;
};

static void rec(struct seed *s, unsigned int kind, unsigned int param, const void *bytes, size_t len)
{
	if (s->len + 2 + len > sizeof(s->buf))
		return;
	bool memory = kind == 7 && bytes;
	if (kind >= 1 && kind <= 4)
		param = (unsigned int)(len >> 8);
	else if (memory)
		param = 1 + (unsigned int)(len >> 8);
	s->buf[s->len++] = (uint8_t)(kind | param << 3);
	if ((kind >= 1 && kind <= 4) || memory) {
		s->buf[s->len++] = (uint8_t)len;
		memcpy(s->buf + s->len, bytes, len);
		s->len += len;
	}
}

/* gdb sends PAYLOAD, QEMU gives its canned answer. */
static void gdb_canned(struct seed *s, const char *payload, unsigned int param)
{
	rec(s, 4, 0, payload, strlen(payload));
	rec(s, 0, param, NULL, 0);
}

/* QEMU's side of connecting: qSupported, PhyMemMode, the target XML in
 * pieces, the thread list, then the proxy's own PhyMemMode query. */
static void connect_canned(struct seed *s)
{
	for (int i = 0; i < 8; i++)
		rec(s, 0, 0, NULL, 0);
}

static void put(uint8_t *p, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t member(struct kinspect_dwarf_types *types, const char *type, const char *path, bool *ok)
{
	struct kinspect_dwarf_member m = { 0 };
	struct kinspect_error *err = kinspect_dwarf_types_member(types, type, path, &m);
	if (err) {
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		*ok = false;
	}
	return m.offset;
}

/* Guest memory M (at WINDOW_BASE, its first 16 bytes also the modules
 * head) with one live module with two sections, one its build-id note. */
static bool module_list(uint8_t m[0x1000])
{
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_dwarf_types_create(vmlinux_path, &types);
	if (err) {
		kinspect_error_fputs(err, stderr);
		kinspect_error_destroy(err);
		return false;
	}
	bool ok = true;
	const uint64_t mod = 0x100, attrs = 0x800, names = 0xc00, note = 0xd00;
	uint64_t list = member(types, "struct module", "list", &ok);
	put(m, WINDOW_BASE + mod + list, 8);
	put(m + 8, WINDOW_BASE + mod + list, 8);
	put(m + mod + list, sym_modules, 8);
	put(m + mod + list + 8, sym_modules, 8);
	memcpy(m + mod + member(types, "struct module", "name", &ok), "fuzz_<mod>&\"'", 14);
	put(m + mod + member(types, "struct module", "core_layout.base", &ok), 0xffffffffc0000000ULL, 8);
	put(m + mod + member(types, "struct module", "core_layout.size", &ok), 0x1000, 4);
	put(m + mod + member(types, "struct module", "sect_attrs", &ok), WINDOW_BASE + attrs, 8);
	put(m + attrs + member(types, "struct module_sect_attrs", "nsections", &ok), 2, 4);
	uint64_t attr0 = attrs + member(types, "struct module_sect_attrs", "attrs", &ok);
	uint64_t size;
	if ((err = kinspect_dwarf_types_sizeof(types, "struct module_sect_attr", &size))) {
		kinspect_error_destroy(err);
		ok = false;
	}
	uint64_t name = member(types, "struct module_sect_attr", "battr.attr.name", &ok);
	uint64_t address = member(types, "struct module_sect_attr", "address", &ok);
	put(m + attr0 + name, WINDOW_BASE + names, 8);
	put(m + attr0 + address, 0xffffffffc0000000ULL, 8);
	memcpy(m + names, ".text", 6);
	put(m + attr0 + size + name, WINDOW_BASE + names + 0x10, 8);
	put(m + attr0 + size + address, WINDOW_BASE + note, 8);
	memcpy(m + names + 0x10, ".note.gnu.build-id", 19);
	put(m + note, 4, 4);
	put(m + note + 4, 20, 4);
	put(m + note + 8, 3, 4); /* NT_GNU_BUILD_ID */
	memcpy(m + note + 12, "GNU", 4);
	for (int i = 0; i < 20; i++)
		m[note + 16 + i] = (uint8_t)(0xb0 + i);
	kinspect_dwarf_types_destroy(types);
	return ok;
}

static void write_seed(const char *out_dir, const char *name, const struct seed *s)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(s->buf, s->len, 1, f) != 1 || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static void write_seeds(const char *out_dir)
{
	/* gdb 13 connecting with a vmlinux, then looking around. */
	static const char *const session[] = {
		"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;exec-events+;"
		"vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386",
		"vMustReplyEmpty", "QStartNoAckMode", "Hgp0.0", "qXfer:features:read:target.xml:0,ffb",
		"qTStatus", "?", "qfThreadInfo", "qsThreadInfo", "qAttached:1", "Hc-1", "qC", "qOffsets",
		"qXfer:libraries:read::0,ffb", "g", "mffffffff81000000,40", "qSymbol::",
		"qRcmd,696e666f20726567697374657273", "qRcmd,6c736d6f64", "qRcmd,71656d7520696e666f2063707573",
		"Hgp1.2", "p10", "Qqemu.PhyMemMode:1", "m1000,8", "Qqemu.PhyMemMode:0", "Z0,ffffffff81000000,1",
		"z0,ffffffff81000000,1", "Z1,ffffffff81000010,1", "X1000,0:", "M1000,2:9090",
	};
	struct seed s = { .len = 0 };
	connect_canned(&s);
	for (size_t i = 0; i < sizeof(session) / sizeof(session[0]); i++)
		gdb_canned(&s, session[i], 3);
	write_seed(out_dir, "session", &s);

	/* Continue, stop at the proxy's module breakpoint (rip =
	 * do_init_module), gdb reads the libraries again; then free_module. */
	for (unsigned int rip = 0; rip < 2; rip++) {
		s.len = 0;
		connect_canned(&s);
		gdb_canned(&s, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386", 0);
		gdb_canned(&s, "qXfer:libraries:read::0,ffb", 0);
		gdb_canned(&s, "vCont;c:p1.-1", 0);
		rec(&s, 0, 0, NULL, 0);        /* the Z0s the proxy plants */
		rec(&s, 0, 0, NULL, 0);
		rec(&s, 0, rip, NULL, 0); /* the vCont */
		rec(&s, 7, 3, NULL, 0);
		rec(&s, 0, rip, NULL, 0); /* T05thread:p01.01;swbreak:; */
		for (int i = 0; i < 12; i++)
			rec(&s, 0, rip, NULL, 0); /* rip, the scan, the step over */
		gdb_canned(&s, "qXfer:libraries:read::0,ffb", 0);
		gdb_canned(&s, "vCont;s:p1.1;c:p1.-1", 0);
		rec(&s, 0, 4 * 2, NULL, 0); /* S05 */
		gdb_canned(&s, "D;1", 0);
		write_seed(out_dir, rip ? "module-unload" : "module-load", &s);
	}

	/* QEMU's other answers, raw: stop replies, exit, errors, memory,
	 * console output, run-length and escapes, a bad checksum, acks. */
	static const char *const raw[] = {
		"+$T05thread:p01.01;#06",  "+$S05#b8",     "+$W00#b7",     "+$E14#aa", "+$OK#9a",
		"+$0000000000000000#80",	"+$0*}#00",	"+$}]}}#00",	"$O6869#00", "-",
		"+$T05thread:p01.01;library:;#00", "$E22#ff", "+",	   "\003",	"$",
	};
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++) {
		s.len = 0;
		connect_canned(&s);
		gdb_canned(&s, "qSupported:multiprocess+", 0);
		rec(&s, 4, 0, "mffffffff81000000,10", 20);
		rec(&s, 1, 0, raw[i], strlen(raw[i]));
		rec(&s, 4, 0, "c", 1);
		rec(&s, 0, 0, NULL, 0);
		rec(&s, 1, 0, raw[i], strlen(raw[i]));
		rec(&s, 5, 0, NULL, 0);
		rec(&s, 0, 0, NULL, 0);
		char name[32];
		snprintf(name, sizeof(name), "qemu-%zu", i);
		write_seed(out_dir, name, &s);
	}

	/* A module on the list (laid out with the fake kernel's DWARF) whose
	 * name needs escaping and whose .ko is nowhere: gdb reads the
	 * libraries, the proxy warns on the console with the next stop. */
	if (vmlinux) {
		s.len = 0;
		connect_canned(&s);
		uint8_t m[0x1000] = { 0 };
		if (module_list(m))
			rec(&s, 7, 0, m, sizeof(m));
		gdb_canned(&s, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386", 0);
		for (int i = 0; i < 16; i++)
			gdb_canned(&s, "qXfer:libraries:read::0,ffb", 0);
		gdb_canned(&s, "vCont;c:p1.-1", 0);
		for (int i = 0; i < 4; i++)
			rec(&s, 0, 3, NULL, 0);
		write_seed(out_dir, "module-list", &s);
	}

	/* gdb's side raw: a bad checksum, RLE, escapes, nacks, an interrupt
	 * while stopped, a packet while running. */
	s.len = 0;
	connect_canned(&s);
	static const char bad[] = "$qSupported#00$m0*\"#00$}]#00--\003$g#67+";
	rec(&s, 2, 0, bad, sizeof(bad) - 1);
	rec(&s, 0, 0, NULL, 0);
	gdb_canned(&s, "c", 0);
	rec(&s, 4, 0, "g", 1);
	rec(&s, 5, 0, NULL, 0);
	rec(&s, 0, 0, NULL, 0);
	rec(&s, 6, 1, NULL, 0);
	gdb_canned(&s, "k", 0);
	write_seed(out_dir, "gdb-raw", &s);
	exit(0);
}

/* ---- the harness --------------------------------------------------------- */

static bool is_monitor_command(const char *name)
{
	return strcmp(name, "lsmod") == 0 || strcmp(name, "bt") == 0;
}

static void cleanup(void)
{
	unlink(sock_path);
	rmdir(module_dir);
	rmdir(dir);
}

static uint64_t symbol_or_zero(const char *name)
{
	uint64_t v = 0;
	kinspect_error_destroy(kinspect_vmlinux_symbol(vmlinux, name, &v, NULL));
	return v;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Writes to a closed socket are errors, not signals. */
	signal(SIGPIPE, SIG_IGN);
	/* Errors still go to stderr: run with -close_fd_mask=2. */
	verbose = getenv("FUZZ_PROXY_VERBOSE") != NULL;
	kinspect_log_set_level(verbose ? KINSPECT_LOG_DEBUG : KINSPECT_LOG_ERROR);
	make_target_xml();
	vmlinux_path = getenv("FUZZ_PROXY_VMLINUX");
	if (vmlinux_path) {
		struct kinspect_error *err = kinspect_vmlinux_open(vmlinux_path, &vmlinux);
		if (err) {
			kinspect_error_fputs(err, stderr);
			exit(2);
		}
		sym_do_init_module = symbol_or_zero("do_init_module");
		sym_free_module = symbol_or_zero("free_module");
		sym_banner = symbol_or_zero("linux_banner");
		sym_modules = symbol_or_zero("modules");
	}
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");
	if (seeds)
		write_seeds(seeds);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(sock_path, sizeof(sock_path), "%s/qemu", dir);
	snprintf(module_dir, sizeof(module_dir), "%s/modules", dir);
	mkdir(module_dir, 0700);
	atexit(cleanup);
	return 0;
}

static int listen_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	unlink(sock_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		perror("fake gdbstub socket");
		exit(2);
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair)) {
		perror("socketpair");
		exit(2);
	}
	struct driver d = { .data = data, .size = size, .gdb_fd = pair[1], .listen_fd = listen_unix(),
			    .stub_fd = -1, .deadline = now_ms() + ITERATION_MS };
	if (kinspect_rsp_decoder_init(&d.dec, 1 << 16)) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	pthread_t thread;
	if (pthread_create(&thread, NULL, driver_main, &d)) {
		perror("pthread_create");
		exit(2);
	}

	char spec[sizeof(sock_path) + 8];
	snprintf(spec, sizeof(spec), "unix:%s", sock_path);
	const char *dirs[] = { module_dir };
	struct kinspect_proxy_options opts = {
		.qemu = spec,
		.vmlinux_path = vmlinux_path,
		.module_dirs = dirs,
		.nr_module_dirs = 1,
		.timeout_ms = PROXY_TIMEOUT_MS,
		/* No program: "monitor lsmod" is answered without a child
		 * process (nothing is spawned while fuzzing). */
		.exe = NULL,
		.is_monitor_command = is_monitor_command,
		.track_modules = true,
	};
	struct kinspect_error *err = kinspect_proxy_run(&opts, pair[0], pair[0]);
	if (err && verbose)
		kinspect_error_fputs(err, stderr);
	kinspect_error_destroy(err);
	close(pair[0]);
	pthread_join(thread, NULL);
	close(pair[1]);
	close(d.listen_fd);
	kinspect_rsp_decoder_deinit(&d.dec);
	free(d.raw_answered);
	while (d.nr_pending)
		free(pop_request(&d));
	return 0;
}
