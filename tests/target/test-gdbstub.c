/* Unit tests of the gdbstub client against a fake stub in a thread that
 * behaves like QEMU 7.2 (multiprocess thread ids, E14/E22, PhyMemMode, a
 * target XML with includes) and can misbehave on request: nacks, broken
 * checksums, run-length answers, an unsolicited stop reply, dropping or
 * ignoring the connection.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "core/error-priv.h"
#include "target/gdbstub.h"
#include "target/qmp.h"
#include "target/rsp.h"

/* Virtual memory: two mapped pages, a hole, one more page. */
#define VBASE 0x10000u
#define VHOLE 0x12000u
#define VEND 0x14000u
#define MAX_M 0x80u /* what PacketSize=100 allows per "m" */
#define CLOSE_ADDR 0xdead000u
#define HANG_ADDR 0xbeef000u
/* A breakpoint the stub refuses (E22). */
#define BAD_BP_ADDR 0xbad000u

struct fake {
	char path[108];
	int listen_fd;
	pthread_t thread;
	bool joined;
	/* behaviour */
	bool silent, unsolicited_stop, nack_first, corrupt_first, rle;
	/* qSupported answered with a packet past any PacketSize. */
	bool huge_supported;
	/* Nack the first packet that starts with this, once. */
	const char *nack_prefix;
	/* A resume stops again at once (a stop reply right after the '+'). */
	bool stop_at_once;
	/* The monitor's output for qRcmd "info status" / "info version"
	 * (NULL: no qRcmd at all / an error answer), sent in two O packets. */
	const char *monitor_status, *monitor_version;
	/* observations */
	int phymem;
	bool saw_multiprocess;
	char detach[16];
	int nacks_from_client;
	int m_packets;
	int m_tid; /* the "Hg" thread of the last "m" */
	int phymem_switches;
	int rcmds;
	/* Breakpoints in, and the order of commands (their first letter). */
	int breakpoints;
	char trail[64];
	/* Acknowledgements the client sent while the VM ran (each one stops
	 * QEMU's VM; the client must never send one then). */
	int acks_while_running;
};

/* Runs of zeros in every other 256 bytes, for run-length answers. */
static uint8_t vbyte(uint64_t a)
{
	return (a & 0x100) ? 0 : (uint8_t)(a * 7 + 3);
}

static uint8_t pbyte(uint64_t a)
{
	return (uint8_t)(a ^ 0x5a ^ (a >> 8));
}

static const char *const xml_files[][2] = {
	{ "target.xml", "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
			"<target><architecture>i386:x86-64</architecture>"
			"<xi:include href=\"core.xml\"/>\n<xi:include href='sys.xml'/></target>" },
	{ "core.xml", "<?xml version=\"1.0\"?>\n<!-- a * star, a $ dollar, a # hash and a } brace;\n"
		      "<reg name=\"commented\" bitsize=\"8\"/> -->\n"
		      "<feature name=\"org.gnu.gdb.i386.core\">\n"
		      "  <reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
		      "  <reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
		      "  <reg bitsize=\"32\" name=\"eflags\" type=\"x > y\"/>\n"
		      "</feature>\n" },
	{ "sys.xml", "<feature name=\"org.qemu.sys\">"
		     "<reg name=\"cr3\" bitsize=\"64\" regnum=\"40\"/>"
		     "<reg name=\"cr4\" bitsize=\"64\"/>"
		     "<reg name=\"xmm0\" bitsize=\"128\"/></feature>" },
};

/* Register values of vCPU TID (1 or 2), in "p" order. */
static void reg_hex(int tid, uint32_t regnum, char *out)
{
	out[0] = '\0';
	switch (regnum) {
	case 0: kinspect_rsp_format_le(0x1111u * (unsigned)tid, 8, out), out[16] = '\0'; break;
	case 1: kinspect_rsp_format_le(0xffffffff81000000ULL + (unsigned)tid, 8, out), out[16] = '\0'; break;
	case 2: kinspect_rsp_format_le(0x246, 4, out), out[8] = '\0'; break;
	case 40: kinspect_rsp_format_le(0x10d8000u + 0x1000u * (unsigned)tid, 8, out), out[16] = '\0'; break;
	case 41: kinspect_rsp_format_le(0x3506f0, 8, out), out[16] = '\0'; break;
	case 42:
		for (int i = 0; i < 16; i++)
			snprintf(out + 2 * i, 3, "%02x", i);
		break;
	default: strcpy(out, "E14");
	}
}

struct conn {
	struct fake *f;
	int fd;
	char last[16384];
	size_t last_len;
	bool first_reply_done;
	int thread_info_step;
};

static void send_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

/* Frame and send an answer; the first one broken when asked. */
static void reply(struct conn *c, const char *payload, size_t len)
{
	c->last_len = kinspect_rsp_encode(payload, len, c->last);
	if (c->f->corrupt_first && !c->first_reply_done) {
		c->first_reply_done = true;
		char bad[sizeof(c->last)];
		memcpy(bad, c->last, c->last_len);
		bad[c->last_len - 1] ^= 1;
		send_all(c->fd, bad, c->last_len);
		return;
	}
	send_all(c->fd, c->last, c->last_len);
}

static void reply_str(struct conn *c, const char *s)
{
	reply(c, s, strlen(s));
}

/* "X*n" for runs of 4 or more, as gdbserver compresses (never making a
 * count of '#' or '$'). */
static void reply_rle(struct conn *c, const char *s)
{
	static char out[16384];
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t run = 1;
		while (i + run < n && s[i + run] == s[i] && run < 98)
			run++;
		out[o++] = s[i];
		if (run >= 4) {
			size_t more = run - 1;
			if (more + 29 == '#' || more + 29 == '$')
				more = 5; /* '"': shorter run, rest follows */
			out[o++] = '*';
			out[o++] = (char)(more + 29);
			i += more + 1;
		} else {
			i++;
		}
	}
	/* The framing computes the checksum over these bytes as they are;
	 * '*' must not be escaped, so frame by hand. */
	uint8_t sum = 0;
	c->last[0] = '$';
	for (size_t i = 0; i < o; i++) {
		c->last[1 + i] = out[i];
		sum += (uint8_t)out[i];
	}
	c->last_len = (size_t)snprintf(c->last + 1 + o, 4, "#%02x", sum) + 1 + o;
	send_all(c->fd, c->last, c->last_len);
}

/* Answer one command; false to drop the connection. */
static bool handle(struct conn *c, const char *p, size_t len, int *tid, bool *running, bool *hang)
{
	struct fake *f = c->f;
	static char buf[16384];
	if (strncmp(p, "qSupported", 10) == 0) {
		f->saw_multiprocess = strstr(p, "multiprocess+") != NULL;
		if (f->huge_supported) {
			/* Framed by hand: reply() keeps a copy of 16 KiB. */
			size_t n = 300 * 1024;
			char *huge = malloc(n + 5); /* "$", n bytes, "#xx", NUL */
			if (huge) {
				huge[0] = '$';
				memset(huge + 1, 'x', n);
				snprintf(huge + 1 + n, 4, "#%02x", (unsigned)((n * 'x') & 0xff));
				send_all(c->fd, huge, n + 4);
				free(huge);
			}
			return true;
		}
		reply_str(c, "PacketSize=100;qXfer:features:read+;vContSupported+;multiprocess+");
	} else if (strcmp(p, "qqemu.PhyMemMode") == 0) {
		reply_str(c, f->phymem ? "1" : "0");
	} else if (strncmp(p, "Qqemu.PhyMemMode:", 17) == 0) {
		f->phymem = p[17] == '1';
		f->phymem_switches++;
		reply_str(c, "OK");
	} else if (strncmp(p, "qXfer:features:read:", 20) == 0) {
		char annex[64];
		unsigned long off, n;
		if (sscanf(p + 20, "%63[^:]:%lx,%lx", annex, &off, &n) != 3) {
			reply_str(c, "E00");
			return true;
		}
		for (size_t i = 0; i < sizeof(xml_files) / sizeof(xml_files[0]); i++) {
			if (strcmp(annex, xml_files[i][0]) != 0)
				continue;
			size_t total = strlen(xml_files[i][1]);
			if (n > 50)
				n = 50; /* small pieces: several round trips */
			if (off > total)
				off = total;
			size_t take = total - off < n ? total - off : n;
			buf[0] = off + take < total ? 'm' : 'l';
			memcpy(buf + 1, xml_files[i][1] + off, take);
			reply(c, buf, take + 1);
			return true;
		}
		reply_str(c, "E00");
	} else if (strcmp(p, "qfThreadInfo") == 0) {
		reply_str(c, "mp01.01");
	} else if (strcmp(p, "qsThreadInfo") == 0) {
		reply_str(c, c->thread_info_step++ == 0 ? "mp01.02" : "l");
	} else if (strncmp(p, "Hgp01.", 6) == 0) {
		*tid = (int)strtol(p + 6, NULL, 16);
		reply_str(c, "OK");
	} else if (p[0] == 'p') {
		reg_hex(*tid, (uint32_t)strtoul(p + 1, NULL, 16), buf);
		reply_str(c, buf);
	} else if (strcmp(p, "g") == 0) {
		buf[0] = '\0';
		static const uint32_t order[] = { 0, 1, 2, 40, 41, 42 };
		for (size_t i = 0; i < 6; i++)
			reg_hex(*tid, order[i], buf + strlen(buf));
		reply_str(c, buf);
	} else if (p[0] == 'm') {
		uint64_t addr;
		unsigned long n;
		f->m_packets++;
		f->m_tid = *tid;
		if (sscanf(p + 1, "%" SCNx64 ",%lx", &addr, &n) != 2) {
			reply_str(c, "E01");
			return true;
		}
		if (addr == CLOSE_ADDR)
			return false;
		if (addr == HANG_ADDR) {
			*hang = true;
			return true;
		}
		if (n > MAX_M) {
			reply_str(c, "E22");
			return true;
		}
		for (unsigned long i = 0; i < n; i++) {
			uint64_t a = addr + i;
			if (!f->phymem && (a < VBASE || a >= VEND || (a >= VHOLE && a < VHOLE + 0x1000))) {
				reply_str(c, "E14");
				return true;
			}
			snprintf(buf + 2 * i, 3, "%02x", f->phymem ? pbyte(a) : vbyte(a));
		}
		buf[2 * n] = '\0';
		if (f->rle)
			reply_rle(c, buf);
		else
			reply_str(c, buf);
	} else if (strncmp(p, "qRcmd,", 6) == 0) {
		char cmd[64] = "";
		size_t n = (len - 6) / 2;
		f->rcmds++;
		if (n < sizeof(cmd))
			kinspect_rsp_hex_decode(p + 6, 2 * n, cmd), cmd[n] = '\0';
		const char *text = strcmp(cmd, "info status") == 0 ? f->monitor_status
				   : strcmp(cmd, "info version") == 0 ? f->monitor_version : NULL;
		if (!f->monitor_status) {
			reply_str(c, ""); /* no monitor: qRcmd unknown */
		} else if (!text) {
			reply_str(c, "E01");
		} else {
			/* QEMU may split output; the client must join it. */
			size_t half = strlen(text) / 2;
			const char *parts[2][2] = { { text, text + half }, { text + half, text + strlen(text) } };
			for (int i = 0; i < 2; i++) {
				buf[0] = 'O';
				size_t m = kinspect_rsp_hex_encode(parts[i][0], (size_t)(parts[i][1] - parts[i][0]), buf + 1);
				reply(c, buf, m + 1);
			}
			reply_str(c, "OK");
		}
	} else if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '0' && p[2] == ',') {
		uint64_t addr = strtoull(p + 3, NULL, 16);
		if (addr == BAD_BP_ADDR) {
			reply_str(c, "E22");
		} else {
			f->breakpoints += p[0] == 'Z' ? 1 : -1;
			reply_str(c, "OK");
		}
	} else if (strcmp(p, "c") == 0 || strncmp(p, "vCont;c", 7) == 0) {
		*running = true; /* acknowledged, answered when stopped */
		if (f->stop_at_once) {
			*running = false;
			reply_str(c, "T05thread:p01.02;");
		}
	} else if (p[0] == 'D') {
		snprintf(f->detach, sizeof(f->detach), "%.*s", (int)len, p);
		reply_str(c, strcmp(p, "D") == 0 ? "E22" : "OK");
	} else {
		reply_str(c, "");
	}
	return true;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd pfd = { .fd = f->listen_fd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) <= 0)
		return NULL;
	struct conn c = { .f = f, .fd = accept(f->listen_fd, NULL, NULL) };
	if (c.fd < 0)
		return NULL;
	struct kinspect_rsp_decoder dec;
	kinspect_rsp_decoder_init(&dec, 4096);
	if (f->unsolicited_stop)
		reply_str(&c, "T02thread:p01.01;");
	int tid = 1, packets = 0;
	bool running = false, hang = false;
	uint8_t in[4096];
	for (;;) {
		ssize_t n = recv(c.fd, in, sizeof(in), 0);
		if (n <= 0)
			break;
		if (f->silent || hang)
			continue;
		for (size_t pos = 0; pos < (size_t)n;) {
			struct kinspect_rsp_event ev;
			pos += kinspect_rsp_decoder_feed(&dec, in + pos, (size_t)n - pos, &ev);
			if (running && ev.type != KINSPECT_RSP_EVENT_NONE) {
				/* QEMU: any byte stops a running VM. */
				if (ev.type == KINSPECT_RSP_EVENT_ACK)
					f->acks_while_running++;
				running = false;
				reply_str(&c, "T02thread:p01.01;");
				continue;
			}
			if (ev.type == KINSPECT_RSP_EVENT_NACK) {
				f->nacks_from_client++;
				send_all(c.fd, c.last, c.last_len);
			} else if (ev.type == KINSPECT_RSP_EVENT_PACKET) {
				if (f->nack_first && packets++ == 0) {
					send_all(c.fd, "-", 1);
					continue;
				}
				if (f->nack_prefix && strncmp(ev.data, f->nack_prefix, strlen(f->nack_prefix)) == 0) {
					f->nack_prefix = NULL;
					send_all(c.fd, "-", 1);
					continue;
				}
				size_t t = strlen(f->trail);
				if (t + 1 < sizeof(f->trail))
					f->trail[t] = ev.data[0], f->trail[t + 1] = '\0';
				send_all(c.fd, "+", 1);
				if (!handle(&c, ev.data, ev.len, &tid, &running, &hang))
					goto out;
			}
		}
	}
out:
	kinspect_rsp_decoder_deinit(&dec);
	close(c.fd);
	return NULL;
}

static char tmpdir[64];

static struct fake *fake_start(struct fake init)
{
	static int counter;
	struct fake *f = malloc(sizeof(*f));
	*f = init;
	snprintf(f->path, sizeof(f->path), "%s/stub%d", tmpdir, counter++);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, f->path);
	if (bind(f->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(f->listen_fd, 4) < 0) {
		perror("fake stub");
		exit(99);
	}
	pthread_create(&f->thread, NULL, fake_main, f);
	return f;
}

static void fake_join(struct fake *f)
{
	if (!f->joined)
		pthread_join(f->thread, NULL);
	f->joined = true;
}

static void fake_stop(struct fake *f)
{
	fake_join(f);
	close(f->listen_fd);
	unlink(f->path);
	free(f);
}

static char spec_buf[160];
static const char *spec_of(struct fake *f)
{
	snprintf(spec_buf, sizeof(spec_buf), "unix:%s", f->path);
	return spec_buf;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The error's whole message, for matching; frees ERR. */
static char *message_of(struct kinspect_error *err)
{
	static char buf[512];
	char *s = err ? kinspect_error_string(err) : NULL;
	snprintf(buf, sizeof(buf), "%s", s ? s : "(success)");
	free(s);
	kinspect_error_destroy(err);
	return buf;
}

static void test_basic(void)
{
	struct fake *f = fake_start((struct fake){ 0 });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	if (!ok(!err, "connect to the fake stub")) {
		printf("# %s\n", message_of(err));
		exit(1);
	}
	ok(f->saw_multiprocess, "client asks for multiprocess");
	is_int((long long)kinspect_gdbstub_packet_size(gs), 0x100, "PacketSize parsed as hex");
	is_int((long long)kinspect_gdbstub_max_read(gs), MAX_M, "m chunk is PacketSize / 2");
	is_str(kinspect_gdbstub_feature(gs, "multiprocess"), "+", "feature value '+'");
	is_str(kinspect_gdbstub_feature(gs, "PacketSize"), "100", "feature value after '='");
	ok(kinspect_gdbstub_feature(gs, "swbreak") == NULL, "absent feature");
	ok(!kinspect_gdbstub_stopped_on_connect(gs), "no stop reply at connect");
	is_int((long long)kinspect_gdbstub_nr_threads(gs), 2, "two threads");
	is_str(kinspect_gdbstub_thread_id(gs, 1), "p01.02", "thread id as sent");

	is_int((long long)kinspect_gdbstub_nr_registers(gs), 6, "six registers (the commented one skipped)");
	const struct kinspect_gdbstub_register *r = kinspect_gdbstub_find_register(gs, "cr3");
	ok(r && r->regnum == 40 && r->g_offset == 20 && r->bitsize == 64, "cr3: regnum from attribute, g offset 20");
	r = kinspect_gdbstub_find_register(gs, "cr4");
	ok(r && r->regnum == 41 && r->g_offset == 28, "cr4 numbered after cr3");
	r = kinspect_gdbstub_find_register(gs, "eflags");
	ok(r && r->regnum == 2 && r->bitsize == 32, "eflags: attributes in any order, '>' inside a value");

	uint64_t v = 0;
	err = kinspect_gdbstub_read_register(gs, 1, "cr3", &v);
	ok(!err && v == 0x10da000, "cr3 of thread 2: 0x%" PRIx64 " %s", v, err ? message_of(err) : "");
	err = kinspect_gdbstub_read_register(gs, 0, "rip", &v);
	ok(!err && v == 0xffffffff81000001ULL, "rip of thread 1");
	err = kinspect_gdbstub_read_register(gs, 0, "eflags", &v);
	ok(!err && v == 0x246, "32-bit eflags");
	err = kinspect_gdbstub_read_register(gs, 0, "xmm0", &v);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_UNSUPPORTED, "128-bit register: read it raw");
	kinspect_error_destroy(err);
	uint8_t raw[32];
	size_t raw_len = 0;
	err = kinspect_gdbstub_read_register_raw(gs, 0, "xmm0", raw, sizeof(raw), &raw_len);
	ok(!err && raw_len == 16 && raw[15] == 15, "xmm0 raw: 16 bytes");
	err = kinspect_gdbstub_read_register(gs, 0, "nope", &v);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_NOT_FOUND, "unknown register name");
	kinspect_error_destroy(err);
	err = kinspect_gdbstub_read_register(gs, 5, "rip", &v);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "no such thread");
	kinspect_error_destroy(err);
	uint8_t *g = NULL;
	size_t g_len = 0;
	err = kinspect_gdbstub_read_registers(gs, 1, &g, &g_len);
	ok(!err && g_len == 52 && g[20] == 0x00 && g[21] == 0xa0 && g[22] == 0x0d, "g: cr3 at offset 20");
	free(g);

	/* Memory: 8 KiB = 64 "m" packets of 0x80 bytes. */
	static uint8_t buf[0x2000];
	struct kinspect_gdbstub_stats s0, s1;
	kinspect_gdbstub_stats(gs, &s0);
	err = kinspect_gdbstub_read_memory(gs, VBASE, buf, sizeof(buf), false);
	kinspect_gdbstub_stats(gs, &s1);
	bool same = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		same &= buf[i] == vbyte(VBASE + i);
	ok(!err && same, "8 KiB virtual read");
	is_int((long long)(s1.memory_packets - s0.memory_packets), 64, "in 64 chunks");
	is_int((long long)(s1.round_trips - s0.round_trips), 65, "65 round trips: thread 1 selected again first");
	is_int(f->m_tid, 1, "virtual reads use thread 1's page tables after reading thread 2's registers");
	is_int((long long)(s1.memory_bytes - s0.memory_bytes), 0x2000, "8192 bytes counted");

	ok(kinspect_gdbstub_set_memory_thread(gs, 1) == NULL, "memory thread 2");
	err = kinspect_gdbstub_read_memory(gs, VBASE, buf, 1, false);
	ok(!err && f->m_tid == 2, "virtual reads through thread 2");
	kinspect_gdbstub_set_memory_thread(gs, 0);
	err = kinspect_gdbstub_set_memory_thread(gs, 2);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "no memory thread 3");
	kinspect_error_destroy(err);

	/* A fault in the middle of a chunk is located to the page. */
	memset(buf, 0, sizeof(buf));
	err = kinspect_gdbstub_read_memory(gs, VHOLE - 0x40, buf, 0x100, false);
	uint64_t addr = 0;
	bool has_addr = err && kinspect_error_address(err, &addr);
	ok(has_addr && kinspect_error_code(err) == KINSPECT_ERROR_FAULT && addr == VHOLE,
	   "fault reported at the first unreadable page 0x%" PRIx64, addr);
	ok(buf[0x3f] == vbyte(VHOLE - 1), "bytes before the fault were read");
	const char *msg = message_of(err);
	ok(strstr(msg, ": virtual memory not readable (E14) at 0x12000") != NULL, "fault message: %s", msg);
	err = kinspect_gdbstub_read_memory(gs, VHOLE + 0x10, buf, 4, false);
	ok(kinspect_error_address(err, &addr) && addr == VHOLE + 0x10, "fault at the start address");
	kinspect_error_destroy(err);

	/* Physical: switched on and back off. */
	int switches = f->phymem_switches;
	err = kinspect_gdbstub_read_memory(gs, VHOLE, buf, 300, true);
	same = true;
	for (size_t i = 0; i < 300; i++)
		same &= buf[i] == pbyte(VHOLE + i);
	ok(!err && same, "physical read of what is a hole virtually");
	ok(f->phymem == 0 && f->phymem_switches == switches + 2, "PhyMemMode restored after the read");
	kinspect_gdbstub_set_lazy_phymem(gs, true);
	err = kinspect_gdbstub_read_memory(gs, VHOLE, buf, 8, true);
	err = err ? err : kinspect_gdbstub_read_memory(gs, VHOLE + 8, buf, 8, true);
	ok(!err && f->phymem == 1 && f->phymem_switches == switches + 3, "lazy: one switch for two reads");
	err = kinspect_gdbstub_read_memory(gs, VBASE, buf, 8, false);
	ok(!err && f->phymem == 0 && buf[0] == vbyte(VBASE), "lazy: a virtual read switches back");
	kinspect_gdbstub_set_lazy_phymem(gs, false);

	/* Vectored: adjacent pieces share packets. */
	uint8_t a[10], b[0x80], c2[6], d[4];
	struct kinspect_gdbstub_read v4[] = {
		{ VBASE + 0x100, a, sizeof(a) },
		{ VBASE + 0x10a, b, sizeof(b) },
		{ VBASE + 0x18a, c2, sizeof(c2) },
		{ VBASE + 0x1000, d, sizeof(d) },
	};
	int m0 = f->m_packets;
	err = kinspect_gdbstub_read_memory_v(gs, v4, 4, false);
	ok(!err && a[9] == vbyte(VBASE + 0x109) && b[0] == vbyte(VBASE + 0x10a) && c2[5] == vbyte(VBASE + 0x18f) &&
		   d[3] == vbyte(VBASE + 0x1003),
	   "vectored read fills every buffer");
	is_int(f->m_packets - m0, 3, "0x90 contiguous bytes in 2 packets, the separate read in 1");

	/* Batched (pipelined): 40 reads in two round trips, answers matched
	 * to their reads in order, a fault only clears that entry's OK. */
	uint8_t bb[40][16];
	struct kinspect_gdbstub_batch_read batch[40];
	for (int i = 0; i < 40; i++)
		batch[i] = (struct kinspect_gdbstub_batch_read){ VBASE + 0x40 * (uint64_t)i, bb[i], 16, false };
	batch[7].addr = VHOLE + 0x20;
	struct kinspect_gdbstub_stats s2, s3;
	kinspect_gdbstub_stats(gs, &s2);
	m0 = f->m_packets;
	err = kinspect_gdbstub_read_memory_batch(gs, batch, 40);
	kinspect_gdbstub_stats(gs, &s3);
	bool right = !err;
	for (int i = 0; i < 40 && right; i++)
		right = i == 7 ? !batch[i].ok : batch[i].ok && bb[i][15] == vbyte(batch[i].addr + 15);
	ok(right, "batched reads: every answer in its buffer, the one in the hole not ok");
	ok(f->m_packets - m0 == 40 && s3.round_trips - s2.round_trips == 2,
	   "40 batched reads: 40 packets in 2 round trips (32 in flight at most)");
	batch[0].len = MAX_M + 1;
	err = kinspect_gdbstub_read_memory_batch(gs, batch, 1);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "a batched read over max_read is refused");
	kinspect_error_destroy(err);
	ok(kinspect_gdbstub_read_memory(gs, VBASE, buf, 8, false) == NULL && buf[7] == vbyte(VBASE + 7),
	   "plain reads go on after a batch");

	/* Resume, refuse reads while running, stop. */
	ok(!kinspect_gdbstub_resume(gs) && kinspect_gdbstub_is_running(gs), "resume");
	err = kinspect_gdbstub_read_memory(gs, VBASE, buf, 1, false);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "no reads while running");
	kinspect_error_destroy(err);
	err = kinspect_gdbstub_stop(gs);
	ok(!err && !kinspect_gdbstub_is_running(gs), "stop: interrupt and stop reply");
	ok(!kinspect_gdbstub_stop(gs), "stop when stopped does nothing");
	err = kinspect_gdbstub_read_memory(gs, VBASE, buf, 1, false);
	ok(!err, "reads work again after stop");

	kinspect_gdbstub_destroy(gs);
	fake_stop(f);
}

/* Pipelined commands, alone and in front of a resume. */
static void test_command_batch(void)
{
	struct fake *f = fake_start((struct fake){ 0 });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	if (!ok(!err, "connect")) {
		printf("# %s\n", message_of(err));
		fake_stop(f);
		return;
	}
	char z[3][KINSPECT_GDBSTUB_BREAKPOINT_PACKET];
	kinspect_gdbstub_breakpoint_packet(VBASE, true, z[0]);
	kinspect_gdbstub_breakpoint_packet(BAD_BP_ADDR, true, z[1]);
	kinspect_gdbstub_breakpoint_packet(VBASE, false, z[2]);
	ok(strncmp(z[0], "Z0,10000,", 9) == 0 && strncmp(z[2], "z0,10000,", 9) == 0, "breakpoint packets: %s, %s",
	   z[0], z[2]);

	/* Without a resume: answers in order, one round trip. */
	struct kinspect_gdbstub_command cmds[3] = {
		{ .payload = z[0], .len = strlen(z[0]) },
		{ .payload = "qqemu.PhyMemMode", .len = 16 },
		{ .payload = z[2], .len = strlen(z[2]) },
	};
	struct kinspect_gdbstub_stats s0, s1;
	kinspect_gdbstub_stats(gs, &s0);
	err = kinspect_gdbstub_command_batch(gs, cmds, 3, NULL, 0);
	kinspect_gdbstub_stats(gs, &s1);
	ok(!err && cmds[0].reply && strcmp(cmds[0].reply, "OK") == 0 && cmds[1].reply_len == 1 &&
		   strcmp(cmds[1].reply, "0") == 0 && strcmp(cmds[2].reply, "OK") == 0,
	   "three commands, their answers in order %s", err ? message_of(err) : "");
	is_int((long long)(s1.round_trips - s0.round_trips), 1, "in one round trip");
	ok(!kinspect_gdbstub_command_ok(gs, &cmds[0]) && f->breakpoints == 0, "breakpoint in and out again");
	uint8_t b[4];
	ok(!kinspect_gdbstub_read_memory(gs, VBASE, b, 4, false) && b[3] == vbyte(VBASE + 3),
	   "plain exchanges go on after a batch");

	/* In front of a resume: two Z0s, one refused, then vCont. */
	f->trail[0] = '\0';
	cmds[1] = (struct kinspect_gdbstub_command){ .payload = z[1], .len = strlen(z[1]) };
	kinspect_gdbstub_stats(gs, &s0);
	err = kinspect_gdbstub_command_batch(gs, cmds, 2, "vCont;c:p01.-1", 14);
	kinspect_gdbstub_stats(gs, &s1);
	ok(!err && kinspect_gdbstub_is_running(gs), "Z0, Z0 and vCont pipelined: the VM runs %s",
	   err ? message_of(err) : "");
	is_int((long long)(s1.round_trips - s0.round_trips), 1, "one round trip for the breakpoints and the resume");
	is_str(f->trail, "ZZv", "QEMU saw the Z0s before the resume");
	ok(!kinspect_gdbstub_command_ok(gs, &cmds[0]) && f->breakpoints == 1, "the first breakpoint went in");
	const char *msg = message_of(kinspect_gdbstub_command_ok(gs, &cmds[1]));
	ok(strstr(msg, "'Z0,bad000,") && strstr(msg, "answered 'E22'"), "the refused one says why: %s", msg);
	const char *packet;
	size_t len;
	err = kinspect_gdbstub_wait_packet(gs, 300, &packet, &len);
	ok(!err && !packet && kinspect_gdbstub_is_running(gs), "no stop: nothing sent after the resume");
	err = kinspect_gdbstub_stop(gs);
	ok(!err && !kinspect_gdbstub_is_running(gs), "stop");
	is_int(f->acks_while_running, 0, "no acknowledgement was owed while the VM ran");

	/* A stop right after the resume is no answer to a command. */
	f->stop_at_once = true;
	cmds[0] = (struct kinspect_gdbstub_command){ .payload = z[2], .len = strlen(z[2]) };
	err = kinspect_gdbstub_command_batch(gs, cmds, 1, "vCont;c:p01.-1", 14);
	ok(!err && cmds[0].reply && strcmp(cmds[0].reply, "OK") == 0, "z0 answered OK before the resume");
	err = kinspect_gdbstub_wait_packet(gs, 2000, &packet, &len);
	ok(!err && packet && strncmp(packet, "T05thread:p01.02;", len) == 0 && !kinspect_gdbstub_is_running(gs),
	   "the stop reply after it comes as a stop");
	f->stop_at_once = false;

	/* Rejected packets: a command is not sent again, the resume is. */
	f->nack_prefix = "Z0,10000,";
	cmds[0] = (struct kinspect_gdbstub_command){ .payload = z[0], .len = strlen(z[0]) };
	err = kinspect_gdbstub_command_batch(gs, cmds, 1, NULL, 0);
	msg = message_of(kinspect_gdbstub_command_ok(gs, &cmds[0]));
	ok(!err && !cmds[0].reply && strstr(msg, "rejected 'Z0,10000,"), "a rejected command has no answer: %s", msg);
	f->nack_prefix = "vCont";
	kinspect_gdbstub_stats(gs, &s0);
	err = kinspect_gdbstub_command_batch(gs, cmds, 1, "vCont;c:p01.-1", 14);
	kinspect_gdbstub_stats(gs, &s1);
	ok(!err && kinspect_gdbstub_is_running(gs) && s1.retransmissions - s0.retransmissions == 1,
	   "a rejected resume is sent again");
	ok(!kinspect_gdbstub_stop(gs), "stop");

	/* What a batch refuses. */
	struct kinspect_gdbstub_command bad = { .payload = "vCont;c", .len = 7 };
	err = kinspect_gdbstub_command_batch(gs, &bad, 1, NULL, 0);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "a resume among the commands is refused");
	kinspect_error_destroy(err);
	struct kinspect_gdbstub_command many[KINSPECT_GDBSTUB_MAX_BATCH + 1];
	for (size_t i = 0; i <= KINSPECT_GDBSTUB_MAX_BATCH; i++)
		many[i] = cmds[0];
	err = kinspect_gdbstub_command_batch(gs, many, KINSPECT_GDBSTUB_MAX_BATCH + 1, NULL, 0);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "more than 32 commands are refused");
	kinspect_error_destroy(err);
	ok(!kinspect_gdbstub_resume(gs), "resume");
	err = kinspect_gdbstub_command_batch(gs, cmds, 1, NULL, 0);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "no batch while the VM runs");
	kinspect_error_destroy(err);
	kinspect_gdbstub_destroy(gs);
	fake_stop(f);
}

static void test_detach(void)
{
	struct fake *f = fake_start((struct fake){ 0 });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	ok(!err, "connect");
	kinspect_error_destroy(err);
	kinspect_gdbstub_destroy(gs);
	fake_join(f);
	is_str(f->detach, "D;1", "destroy detaches with D;PID in multiprocess mode");
	fake_stop(f);

	f = fake_start((struct fake){ .phymem = 1 });
	err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	ok(!err, "connect to a stub left in physical mode");
	kinspect_error_destroy(err);
	uint8_t b[4];
	err = kinspect_gdbstub_read_memory(gs, VBASE, b, 4, false);
	ok(!err && b[0] == vbyte(VBASE) && f->phymem == 1, "virtual read works, mode put back to physical");
	kinspect_error_destroy(err);
	kinspect_gdbstub_set_keep_stopped(gs, true);
	kinspect_gdbstub_destroy(gs);
	fake_join(f);
	is_str(f->detach, "", "keep_stopped: no D");
	ok(f->phymem == 1, "physical mode as found");
	fake_stop(f);
}

static void test_unreliable(void)
{
	struct fake *f = fake_start((struct fake){ .unsolicited_stop = true, .nack_first = true, .corrupt_first = true,
						   .rle = true });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	if (!ok(!err, "connect through a stop reply, a nack and a broken checksum"))
		printf("# %s\n", message_of(err));
	if (!gs) {
		fake_stop(f);
		return;
	}
	ok(kinspect_gdbstub_stopped_on_connect(gs), "unsolicited stop reply noticed");
	struct kinspect_gdbstub_stats s;
	kinspect_gdbstub_stats(gs, &s);
	is_int((long long)s.retransmissions, 1, "one retransmission after '-'");
	is_int((long long)s.bad_packets, 1, "one broken packet nacked");
	is_int(f->nacks_from_client, 1, "the stub saw one '-'");
	static uint8_t buf[0x300];
	err = kinspect_gdbstub_read_memory(gs, VBASE + 0x7f, buf, sizeof(buf), false);
	bool same = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		same &= buf[i] == vbyte(VBASE + 0x7f + i);
	ok(!err && same, "run-length encoded answers decoded");
	kinspect_gdbstub_destroy(gs);
	fake_stop(f);
}

/* Connect to a stub made from INIT and find the run state: *RET a copy,
 * *RCMDS the monitor commands the stub saw; the detach command the client
 * sent when done (left as it decides) in DETACH. */
static bool run_state_of(struct fake init, struct kinspect_gdbstub_run_state *ret, int *rcmds, char detach[16])
{
	struct fake *f = fake_start(init);
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	const struct kinspect_gdbstub_run_state *rs = NULL;
	if (!err)
		err = kinspect_gdbstub_find_run_state(gs, &rs);
	bool good = !err && rs;
	if (err)
		printf("# %s\n", message_of(err));
	if (good) {
		*ret = *rs;
		const struct kinspect_gdbstub_run_state *again = NULL;
		int before = f->rcmds;
		good = !kinspect_gdbstub_find_run_state(gs, &again) && again == rs && f->rcmds == before &&
		       kinspect_gdbstub_run_state(gs) == rs;
		if (!good)
			printf("# the second find_run_state asked again or answered otherwise\n");
		kinspect_gdbstub_set_keep_stopped(gs, rs->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO);
	}
	kinspect_gdbstub_destroy(gs);
	fake_join(f);
	*rcmds = f->rcmds;
	snprintf(detach, 16, "%s", f->detach);
	fake_stop(f);
	return good;
}

static bool printable_text(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

static void test_run_state(void)
{
	struct kinspect_gdbstub_run_state rs;
	int rcmds;
	char detach[16];

	/* QEMU 7.2: a running VM stopped by connecting says so first. */
	ok(run_state_of((struct fake){ .unsolicited_stop = true, .monitor_status = "VM status: paused\r\n" }, &rs,
			&rcmds, detach),
	   "7.2-like: run state found");
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES && rs.source == KINSPECT_GDBSTUB_RUN_STATE_STOP_REPLY &&
		   strcmp(rs.status, "running") == 0,
	   "7.2-like: stop reply before '+': was running (%s)", rs.how);
	is_int(rcmds, 0, "7.2-like: the monitor is not asked");
	is_str(detach, "D;1", "7.2-like: detached (resumed) when done");
	is_str(kinspect_gdbstub_was_running_name(rs.was_running), "yes", "name of YES");
	is_str(kinspect_gdbstub_run_state_source_name(rs.source), "stop-reply", "name of the stop-reply source");

	/* QEMU 7.2 without a stop reply: paused by someone before. */
	ok(run_state_of((struct fake){ .monitor_status = "VM status: paused\r\n",
				       .monitor_version = "7.2.22Debian 1:7.2+dfsg-7\r\n" },
			&rs, &rcmds, detach),
	   "7.2-like, stopped before: found");
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO && rs.source == KINSPECT_GDBSTUB_RUN_STATE_MONITOR,
	   "7.2-like, no stop reply, 'paused': was stopped (%s)", rs.how);
	ok(rcmds == 2 && detach[0] == '\0', "7.2-like, stopped before: status and version asked, no D");

	/* QEMU 11: plain "paused" is the connect's doing or a user's stop. */
	ok(run_state_of((struct fake){ .monitor_status = "VM status: paused\r\n",
				       .monitor_version = "11.1.3Debian 1:11.1.3+ds-1\r\n" },
			&rs, &rcmds, detach),
	   "11-like, 'paused': found");
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED && rs.source == KINSPECT_GDBSTUB_RUN_STATE_MONITOR &&
		   strcmp(rs.status, "paused") == 0,
	   "11-like, 'paused': assumed running");
	ok(strstr(rs.how, "VM status: paused") && strstr(rs.how, "QEMU 11.1"), "11-like: how: %s", rs.how);
	is_str(detach, "D;1", "11-like, 'paused': resumed when done (the fail-safe)");
	is_str(kinspect_gdbstub_was_running_name(rs.was_running), "assumed", "name of ASSUMED");

	/* A state other than plain paused was there before the connect. */
	ok(run_state_of((struct fake){ .monitor_status = "VM status: paused (debug)\r\n",
				       .monitor_version = "11.1.3\r\n" },
			&rs, &rcmds, detach),
	   "11-like, 'paused (debug)': found");
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO && strcmp(rs.status, "debug") == 0 && rcmds == 1,
	   "'paused (debug)': was stopped, status debug, version not needed (%s)", rs.how);
	is_str(detach, "", "'paused (debug)': left stopped");
	ok(run_state_of((struct fake){ .monitor_status = "VM status: paused (prelaunch)\r\n" }, &rs, &rcmds, detach) &&
		   rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO && strcmp(rs.status, "prelaunch") == 0,
	   "'paused (prelaunch)' (-S): was stopped");
	ok(run_state_of((struct fake){ .monitor_status = "VM status: running (single step mode)\r\n" }, &rs, &rcmds,
			detach) &&
		   rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES,
	   "'running ...': was running");

	/* No monitor at all: nothing tells, so resume. */
	ok(run_state_of((struct fake){ 0 }, &rs, &rcmds, detach), "no qRcmd: found");
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED && rs.source == KINSPECT_GDBSTUB_RUN_STATE_NONE &&
		   rs.status[0] == '\0' && rcmds == 1,
	   "no qRcmd: assumed running (%s)", rs.how);
	is_str(detach, "D;1", "no qRcmd: resumed when done");
	is_str(kinspect_gdbstub_run_state_source_name(rs.source), "none", "name of the none source");

	/* "paused" with a version that does not parse: cannot tell. */
	ok(run_state_of((struct fake){ .monitor_status = "VM status: paused\r\n", .monitor_version = "v?\r\n" }, &rs,
			&rcmds, detach) &&
		   rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED,
	   "'paused', unreadable version: assumed running");

	/* Hostile output: bounded, and nothing unprintable in messages. */
	static char hostile[3000];
	memset(hostile, 'x', sizeof(hostile) - 1);
	static const char odd_start[] = "VM status: paused (\x1b[31m";
	memcpy(hostile, odd_start, strlen(odd_start));
	ok(run_state_of((struct fake){ .monitor_status = hostile }, &rs, &rcmds, detach) &&
		   rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED && printable_text(rs.how) &&
		   printable_text(rs.status),
	   "3000 bytes of odd monitor output: assumed running, message printable");
	ok(run_state_of((struct fake){ .monitor_status = "\x07\x1b]0;owned\x07\r\n" }, &rs, &rcmds, detach) &&
		   rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED && printable_text(rs.how),
	   "no 'VM status:': assumed running (%s)", rs.how);

	/* A caller that asked QMP before connecting is believed. */
	struct fake *f = fake_start((struct fake){ .monitor_status = "VM status: paused\r\n" });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 2000, &gs);
	ok(!err && kinspect_gdbstub_run_state(gs) == NULL, "nothing known before find_run_state");
	kinspect_error_destroy(err);
	struct kinspect_gdbstub_run_state qmp = { .was_running = KINSPECT_GDBSTUB_WAS_RUNNING_NO,
						  .source = KINSPECT_GDBSTUB_RUN_STATE_QMP,
						  .status = "paused",
						  .how = "QMP said so" };
	kinspect_gdbstub_set_run_state(gs, &qmp);
	const struct kinspect_gdbstub_run_state *got = NULL;
	err = kinspect_gdbstub_find_run_state(gs, &got);
	ok(!err && got && got->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO &&
		   got->source == KINSPECT_GDBSTUB_RUN_STATE_QMP && strcmp(got->how, "QMP said so") == 0 && f->rcmds == 0,
	   "set_run_state wins: the monitor is not asked");
	kinspect_error_destroy(err);
	kinspect_gdbstub_destroy(gs);
	fake_stop(f);
}

/* ---- a fake QMP server ---- */

struct fake_qmp {
	char path[108];
	int listen_fd;
	pthread_t thread;
	/* behaviour: the greeting line, the query-status "return" value (NULL:
	 * an error reply), events sent before each reply, silence after the
	 * greeting */
	const char *greeting;
	const char *status_return;
	bool events, silent;
	/* observations */
	bool saw_capabilities, saw_query;
};

static void qmp_send(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

static void *fake_qmp_main(void *arg)
{
	struct fake_qmp *q = arg;
	struct pollfd pfd = { .fd = q->listen_fd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) <= 0)
		return NULL;
	int fd = accept(q->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	qmp_send(fd, q->greeting ? q->greeting
				 : "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 3, \"minor\": 1, \"major\": 11}, "
				   "\"package\": \"Debian 1:11.1.3+ds-1\"}, \"capabilities\": [\"oob\"]}}\r\n");
	char line[4096];
	size_t len = 0;
	for (;;) {
		ssize_t n = recv(fd, line + len, sizeof(line) - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		line[len] = '\0';
		char *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			char reply[1024];
			if (q->silent) {
				reply[0] = '\0';
			} else if (strstr(line, "\"qmp_capabilities\"")) {
				q->saw_capabilities = true;
				snprintf(reply, sizeof(reply), "{\"return\": {}, \"id\": 1}\r\n");
			} else if (strstr(line, "\"query-status\"")) {
				q->saw_query = true;
				if (q->status_return)
					snprintf(reply, sizeof(reply), "{\"return\": %s, \"id\": 2}\r\n", q->status_return);
				else
					snprintf(reply, sizeof(reply),
						 "{\"id\": 2, \"error\": {\"class\": \"GenericError\", "
						 "\"desc\": \"no \\\"status\\\" \\u001b here\"}}\r\n");
			} else {
				snprintf(reply, sizeof(reply), "{\"error\": {\"class\": \"CommandNotFound\"}}\r\n");
			}
			if (q->events && reply[0])
				qmp_send(fd, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\", "
					     "\"data\": {\"id\": 2, \"return\": {\"status\": \"running\", \"running\": true}}}\r\n"
					     "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": 99}\r\n");
			qmp_send(fd, reply);
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
		}
	}
	close(fd);
	return NULL;
}

static struct fake_qmp *fake_qmp_start(struct fake_qmp init)
{
	static int counter;
	struct fake_qmp *q = malloc(sizeof(*q));
	*q = init;
	snprintf(q->path, sizeof(q->path), "%s/qmp%d", tmpdir, counter++);
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	strcpy(sun.sun_path, q->path);
	if (bind(q->listen_fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(q->listen_fd, 4) < 0) {
		perror("fake qmp");
		exit(99);
	}
	pthread_create(&q->thread, NULL, fake_qmp_main, q);
	return q;
}

/* Ask a fake QMP server made from INIT, by PREFIX + its path. */
static struct kinspect_error *qmp_ask(struct fake_qmp init, const char *prefix, int timeout_ms,
				      struct kinspect_qmp_status *ret, struct fake_qmp *seen)
{
	struct fake_qmp *q = fake_qmp_start(init);
	char spec[160];
	snprintf(spec, sizeof(spec), "%s%s", prefix, q->path);
	struct kinspect_error *err = kinspect_qmp_query_status(spec, timeout_ms, ret);
	/* The client closed the connection: the server ends. */
	pthread_join(q->thread, NULL);
	if (seen)
		*seen = *q;
	close(q->listen_fd);
	unlink(q->path);
	free(q);
	return err;
}

static void test_qmp(void)
{
	struct kinspect_qmp_status st;
	struct kinspect_error *err = qmp_ask(
		(struct fake_qmp){ .status_return = "{\"status\": \"running\", \"singlestep\": false, \"running\": true}",
				   .events = true },
		"unix:", 2000, &st, NULL);
	ok(!err && st.running && strcmp(st.status, "running") == 0, "QMP running: %s",
	   err ? message_of(err) : st.status);
	ok(st.major == 11 && st.minor == 1 && st.micro == 3, "QMP greeting: QEMU %d.%d.%d", st.major, st.minor,
	   st.micro);
	struct kinspect_gdbstub_run_state rs;
	kinspect_qmp_run_state(&st, &rs);
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES && rs.source == KINSPECT_GDBSTUB_RUN_STATE_QMP &&
		   strcmp(rs.status, "running") == 0,
	   "QMP running as a run state: %s", rs.how);

	err = qmp_ask((struct fake_qmp){ .status_return = "{\"running\": false, \"status\": \"paused\"}" }, "", 2000,
		      &st, NULL);
	ok(!err && !st.running && strcmp(st.status, "paused") == 0, "QMP paused, a bare PATH");
	kinspect_error_destroy(err);
	kinspect_qmp_run_state(&st, &rs);
	ok(rs.was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO && strcmp(rs.status, "paused") == 0,
	   "QMP paused as a run state: was stopped");
	err = qmp_ask((struct fake_qmp){ .status_return = "{\"status\": \"debug\", \"running\": false}" }, "unix:",
		      2000, &st, NULL);
	ok(!err && !st.running && strcmp(st.status, "debug") == 0, "QMP debug");
	kinspect_error_destroy(err);

	err = qmp_ask((struct fake_qmp){ .status_return = NULL }, "unix:", 2000, &st, NULL);
	const char *msg = message_of(err);
	ok(strstr(msg, "query-status failed: no ") != NULL && printable_text(msg), "QMP error reply: %s", msg);
	err = qmp_ask((struct fake_qmp){ .status_return = "{\"status\": \"run\\nning\", \"running\": true}" },
		      "unix:", 2000, &st, NULL);
	msg = message_of(err);
	ok(strstr(msg, "no run state") != NULL, "odd status string refused: %s", msg);
	err = qmp_ask((struct fake_qmp){ .status_return = "{\"status\": \"running\", \"running\": 1}" }, "unix:", 2000,
		      &st, NULL);
	ok(strstr(message_of(err), "no \"running\"") != NULL, "running must be a boolean");
	err = qmp_ask((struct fake_qmp){ .status_return = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
		      "unix:", 2000, &st, NULL);
	msg = message_of(err);
	ok(strstr(msg, "not a JSON object") != NULL, "nesting bounded: %s", msg);

	struct fake_qmp seen = { 0 };
	err = qmp_ask((struct fake_qmp){ .greeting = "SSH-2.0-OpenSSH_9.2\r\n" }, "unix:", 2000, &st, &seen);
	msg = message_of(err);
	ok(strstr(msg, "not a QMP greeting: 'SSH-2.0-OpenSSH_9.2'") != NULL && !seen.saw_capabilities,
	   "not QMP: %s", msg);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = qmp_ask((struct fake_qmp){ .silent = true }, "unix:", 300, &st, NULL);
	double dt = seconds_since(&t0);
	ok(kinspect_error_code(err) == KINSPECT_ERROR_TIMEOUT && dt < 2.0, "silent QMP: timeout in %.3f s", dt);
	msg = message_of(err);
	ok(strstr(msg, "no reply to qmp_capabilities within 300 ms") != NULL, "timeout names the step: %s", msg);

	char spec[128];
	snprintf(spec, sizeof(spec), "unix:%s/nothing", tmpdir);
	err = kinspect_qmp_query_status(spec, 500, &st);
	ok(kinspect_error_errnum(err) == ENOENT, "no QMP socket: ENOENT");
	kinspect_error_destroy(err);
	err = kinspect_qmp_query_status("127.0.0.1:1", 500, &st);
	int errnum = kinspect_error_errnum(err);
	ok(errnum == ECONNREFUSED, "QMP HOST:PORT, closed port: %s", message_of(err));
}

static void test_dead_stub(void)
{
	struct fake *f = fake_start((struct fake){ 0 });
	struct kinspect_gdbstub *gs = NULL;
	struct kinspect_error *err = kinspect_gdbstub_connect(spec_of(f), 5000, &gs);
	ok(!err, "connect");
	kinspect_error_destroy(err);
	uint8_t b[4];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kinspect_gdbstub_read_memory(gs, CLOSE_ADDR, b, 4, false);
	double dt = seconds_since(&t0);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_OS && dt < 1.0, "dropped connection: error in %.3f s",
	   dt);
	const char *msg = message_of(err);
	ok(strstr(msg, "connection closed by the stub") != NULL, "says the stub closed: %s", msg);
	err = kinspect_gdbstub_read_memory(gs, VBASE, b, 4, false);
	ok(strstr(message_of(err), "unusable after an earlier error") != NULL, "later calls fail at once");
	kinspect_gdbstub_destroy(gs);
	fake_stop(f);

	f = fake_start((struct fake){ 0 });
	err = kinspect_gdbstub_connect(spec_of(f), 300, &gs);
	ok(!err, "connect");
	kinspect_error_destroy(err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kinspect_gdbstub_read_memory(gs, HANG_ADDR, b, 4, false);
	dt = seconds_since(&t0);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_TIMEOUT && dt >= 0.29 && dt < 2.0,
	   "stub that stops answering: timeout after %.3f s", dt);
	ok(strstr(message_of(err), "no answer to 'mbeef000,4' within 300 ms") != NULL, "timeout names the command");
	kinspect_gdbstub_destroy(gs); /* must not wait for anything */
	fake_stop(f);

	f = fake_start((struct fake){ .silent = true });
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kinspect_gdbstub_connect(spec_of(f), 300, &gs);
	dt = seconds_since(&t0);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_TIMEOUT && dt < 2.0, "silent stub: timeout in %.3f s",
	   dt);
	msg = message_of(err);
	ok(strstr(msg, "one client at a time") != NULL, "hint at another client: %s", msg);
	fake_stop(f);

	/* A packet past any PacketSize is a protocol violation, said at once,
	 * not asked for again until a timeout blames another client. */
	f = fake_start((struct fake){ .huge_supported = true });
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = kinspect_gdbstub_connect(spec_of(f), 5000, &gs);
	dt = seconds_since(&t0);
	ok(err && kinspect_error_code(err) == KINSPECT_ERROR_PROTOCOL && dt < 2.0,
	   "oversized packet: protocol error in %.3f s", dt);
	msg = message_of(err);
	ok(strstr(msg, "longer than") && strstr(msg, "PacketSize") && !strstr(msg, "one client at a time"),
	   "named as an oversized packet: %s", msg);
	fake_stop(f);
}

static void test_connect_errors(void)
{
	struct kinspect_gdbstub *gs = NULL;
	char path[128];
	snprintf(path, sizeof(path), "unix:%s/nothing", tmpdir);
	struct kinspect_error *err = kinspect_gdbstub_connect(path, 500, &gs);
	ok(err && kinspect_error_errnum(err) == ENOENT, "missing unix socket: ENOENT");
	kinspect_error_destroy(err);
	err = kinspect_gdbstub_connect("127.0.0.1:1", 500, &gs);
	int errnum = err ? kinspect_error_errnum(err) : 0;
	const char *msg = message_of(err);
	ok(errnum == ECONNREFUSED, "closed TCP port: %s", msg);
	err = kinspect_gdbstub_connect("localhost", 500, &gs);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "spec without a port");
	kinspect_error_destroy(err);
	kinspect_gdbstub_destroy(NULL);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kinspect-test-gdbstub.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 99;
	test_basic();
	test_command_batch();
	test_detach();
	test_unreliable();
	test_run_state();
	test_qmp();
	test_dead_stub();
	test_connect_errors();
	rmdir(tmpdir);
	return tap_done();
}
