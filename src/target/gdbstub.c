/* The gdbstub client (see gdbstub.h): sockets with deadlines, the
 * command/acknowledge/answer exchange, the target description, memory and
 * register reads, stop and resume.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "core/cleanup.h"
#include "core/connect.h"
#include "core/error-priv.h"
#include "target/gdbstub.h"
#include "target/rsp.h"

/* The largest answer accepted (after expansion): far above QEMU's 4 KiB,
 * bounded so that a broken stub cannot exhaust memory. */
#define MAX_ANSWER (256 * 1024)
/* How often a packet is re-sent after '-', and how many broken packets in a
 * row are answered with '-', before the connection is given up. */
#define MAX_RETRANSMITS 5
#define MAX_BAD_PACKETS 8
/* Faults are located to this granularity (the smallest page size; smaller
 * than the architecture's page size is also correct, just slower). */
#define FAULT_GRANULE 4096
/* Limits on what a stub can make us hold. */
#define MAX_XML_BYTES (4 * 1024 * 1024)
#define MAX_XML_DEPTH 8
#define MAX_REGISTERS 4096
#define MAX_THREADS 16384

struct feature {
	char *name;
	char *value;
};

struct kinspect_gdbstub {
	char *spec;
	int fd;
	int timeout_ms;
	struct kinspect_rsp_decoder dec;
	uint8_t in[16384];
	size_t in_pos, in_len;
	char *out;
	size_t out_cap;
	/* Acknowledgements owed to the stub: sent in front of the next
	 * packet, saving a write and a TCP segment per round trip. */
	unsigned int acks_owed;
	/* Set when the connection cannot be used any more; later calls fail
	 * with this reason at once. */
	char *broken;
	enum kinspect_error_code broken_code;
	/* The command being waited for, for timeout messages. */
	char waiting_for[64];
	bool in_handshake;

	struct feature *features;
	size_t nr_features;
	size_t packet_size;
	size_t max_read;
	bool multiprocess;
	bool stopped_on_connect;
	bool have_run_state;
	struct kinspect_gdbstub_run_state run_state;
	bool running;
	bool keep_stopped;
	bool lazy_phymem;
	/* Set by a signal handler: refuse new exchanges (see set_cancel). */
	const volatile sig_atomic_t *cancel;
	/* Qqemu.PhyMemMode: -1 if the stub has none, else 0 or 1. */
	int phymem_initial;
	int phymem;

	struct kinspect_gdbstub_register *regs;
	size_t nr_regs;
	size_t g_size;

	char **threads;
	size_t nr_threads;
	size_t g_thread; /* the thread "Hg" selected, or SIZE_MAX */
	size_t mem_thread; /* whose page tables virtual reads use */

	uint8_t *chunk;
	/* The answers of the last command batch, each NUL-terminated. */
	char *replies;
	size_t replies_len, replies_cap;
	struct kinspect_gdbstub_stats stats;
	/* Bumped whenever memory as seen by reads may have changed. */
	uint64_t generation;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_after(int timeout_ms)
{
	return now_ns() + (uint64_t)timeout_ms * 1000000u;
}

static struct kinspect_error *gs_error(struct kinspect_gdbstub *gs, enum kinspect_error_code code, const char *fmt,
				       ...) KINSPECT_PRINTF(3, 4);

/* An error about GS: "gdbstub SPEC: message". */
static struct kinspect_error *gs_error(struct kinspect_gdbstub *gs, enum kinspect_error_code code, const char *fmt,
				       ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = kinspect_error_vabout(code, "gdbstub", gs->spec, fmt, ap);
	va_end(ap);
	return err;
}

/* The connection is unusable from now on (a timeout leaves the stream out
 * of step; EOF is final).  Returns ERR. */
static struct kinspect_error *gs_break(struct kinspect_gdbstub *gs, struct kinspect_error *err)
{
	if (!gs->broken && err && err != &kinspect_error_nomem) {
		gs->broken = kinspect_error_string(err);
		gs->broken_code = kinspect_error_code(err);
	}
	return err;
}

static struct kinspect_error *check_usable(struct kinspect_gdbstub *gs)
{
	if (gs->broken)
		return kinspect_error_create(gs->broken_code, "connection unusable after an earlier error: %s",
					     gs->broken);
	return NULL;
}

static struct kinspect_error *closed_error(struct kinspect_gdbstub *gs, int errnum)
{
	return kinspect_error_os(errnum, NULL, "gdbstub %s: connection closed by the stub", gs->spec);
}

static struct kinspect_error *timeout_error(struct kinspect_gdbstub *gs)
{
	if (gs->in_handshake)
		return gs_error(gs, KINSPECT_ERROR_TIMEOUT,
				"no answer within %d ms (QEMU's gdbstub serves one client at a time: "
				"is another debugger attached?)",
				gs->timeout_ms);
	return gs_error(gs, KINSPECT_ERROR_TIMEOUT, "no answer to '%s' within %d ms", gs->waiting_for,
			gs->timeout_ms);
}

/* Wait until the socket is ready for EVENTS or DEADLINE passes. */
static struct kinspect_error *wait_fd(struct kinspect_gdbstub *gs, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return timeout_error(gs);
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		struct pollfd pfd = { .fd = gs->fd, .events = events };
		int r = poll(&pfd, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
		if (r > 0)
			return NULL; /* also on POLLHUP/POLLERR: recv/send says what */
		if (r < 0 && errno != EINTR)
			return kinspect_error_os(errno, NULL, "gdbstub %s: poll", gs->spec);
	}
}

static bool is_closed_errno(int e)
{
	return e == ECONNRESET || e == EPIPE || e == ECONNABORTED || e == ENOTCONN;
}

static struct kinspect_error *send_raw(struct kinspect_gdbstub *gs, const void *data, size_t len, uint64_t deadline)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = send(gs->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct kinspect_error *err = wait_fd(gs, POLLOUT, deadline);
				if (err)
					return gs_break(gs, err);
				continue;
			}
			if (is_closed_errno(errno))
				return gs_break(gs, closed_error(gs, errno));
			return gs_break(gs, kinspect_error_os(errno, NULL, "gdbstub %s: send", gs->spec));
		}
		gs->stats.bytes_sent += (uint64_t)n;
		p += n;
		len -= (size_t)n;
	}
	return NULL;
}

static struct kinspect_error *reserve_out(struct kinspect_gdbstub *gs, size_t size)
{
	if (size <= gs->out_cap)
		return NULL;
	char *out = realloc(gs->out, size);
	if (!out)
		return &kinspect_error_nomem;
	gs->out = out;
	gs->out_cap = size;
	return NULL;
}

/* Send the acknowledgements owed, then (if PAYLOAD) one packet. */
static struct kinspect_error *send_packet(struct kinspect_gdbstub *gs, const char *payload, size_t len,
					  uint64_t deadline)
{
	size_t acks = gs->acks_owed > 16 ? 16 : gs->acks_owed;
	struct kinspect_error *err = reserve_out(gs, acks + (payload ? kinspect_rsp_encode_bound(len) : 0));
	if (err)
		return err;
	memset(gs->out, '+', acks);
	size_t n = acks;
	if (payload) {
		n += kinspect_rsp_encode(payload, len, gs->out + n);
		gs->stats.packets_sent++;
	}
	gs->acks_owed = 0;
	return send_raw(gs, gs->out, n, deadline);
}

/* Refill the empty input buffer with what the socket has (perhaps nothing). */
static struct kinspect_error *read_input(struct kinspect_gdbstub *gs)
{
	ssize_t n = recv(gs->fd, gs->in, sizeof(gs->in), MSG_DONTWAIT);
	if (n == 0)
		return gs_break(gs, closed_error(gs, 0));
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return NULL;
		if (is_closed_errno(errno))
			return gs_break(gs, closed_error(gs, errno));
		return gs_break(gs, kinspect_error_os(errno, NULL, "gdbstub %s: recv", gs->spec));
	}
	gs->stats.bytes_received += (uint64_t)n;
	gs->in_pos = 0;
	gs->in_len = (size_t)n;
	return NULL;
}

/* The next event from the stub, reading the socket as needed. */
static struct kinspect_error *next_event(struct kinspect_gdbstub *gs, uint64_t deadline, struct kinspect_rsp_event *ret)
{
	for (;;) {
		while (gs->in_pos < gs->in_len) {
			gs->in_pos += kinspect_rsp_decoder_feed(&gs->dec, gs->in + gs->in_pos, gs->in_len - gs->in_pos,
								ret);
			if (ret->type != KINSPECT_RSP_EVENT_NONE)
				return NULL;
		}
		struct kinspect_error *err = wait_fd(gs, POLLIN, deadline);
		if (err)
			return gs_break(gs, err);
		err = read_input(gs);
		if (err)
			return err;
	}
}

/* A stop reply: "S05", "T05thread:...;", "W00", "X09". */
static bool is_stop_reply(const char *data, size_t len)
{
	return len >= 3 && strchr("STWX", data[0]) && kinspect_rsp_hex_value((unsigned char)data[1]) >= 0 &&
	       kinspect_rsp_hex_value((unsigned char)data[2]) >= 0;
}

/* A broken packet arrived: ask for it again, a bounded number of times.
 * One too long for the decoder would only come again as long: that is a
 * protocol violation, said as such at once (not a later timeout that reads
 * as a busy stub). */
static struct kinspect_error *nack_event(struct kinspect_gdbstub *gs, const struct kinspect_rsp_event *ev,
					 unsigned int *bad, uint64_t deadline);
static struct kinspect_error *nack(struct kinspect_gdbstub *gs, unsigned int *bad, uint64_t deadline)
{
	gs->stats.bad_packets++;
	if (++*bad > MAX_BAD_PACKETS)
		return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "%u broken packets in a row", *bad));
	return send_raw(gs, "-", 1, deadline);
}

static struct kinspect_error *nack_event(struct kinspect_gdbstub *gs, const struct kinspect_rsp_event *ev,
					 unsigned int *bad, uint64_t deadline)
{
	if (ev->bad == KINSPECT_RSP_BAD_TOO_LONG)
		return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL,
					     "the stub sent a packet longer than %d bytes, the most a gdbstub answer "
					     "can be (a PacketSize violation)",
					     MAX_ANSWER));
	return nack(gs, bad, deadline);
}

static struct kinspect_error *check_stopped(struct kinspect_gdbstub *gs)
{
	struct kinspect_error *err = check_usable(gs);
	if (err)
		return err;
	/* A signal asked to stop: no new exchange starts, the one under way
	 * has finished, so the link is in step for destroy's own packets. */
	if (gs->cancel && *gs->cancel)
		return gs_error(gs, KINSPECT_ERROR_OTHER, "interrupted by a signal");
	if (gs->running)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "the VM is running: stop it first");
	return NULL;
}

/* Send one command and wait for its answer: *RET (NUL-terminated, LEN in
 * *RET_LEN) lives in the decoder until the next exchange.  Console output
 * packets that come first go to ON_OUTPUT when it is given. */
static struct kinspect_error *command_out(struct kinspect_gdbstub *gs, const char *payload, size_t len,
					  void (*on_output)(const char *packet, size_t len, void *arg), void *arg,
					  const char **ret, size_t *ret_len)
{
	struct kinspect_error *err = check_stopped(gs);
	if (err)
		return err;
	snprintf(gs->waiting_for, sizeof(gs->waiting_for), "%.*s", (int)(len < 60 ? len : 60), payload);
	uint64_t start = now_ns();
	uint64_t deadline = deadline_after(gs->timeout_ms);
	gs->stats.round_trips++;
	err = send_packet(gs, payload, len, deadline);
	if (err)
		return err;
	bool acked = false;
	unsigned int retransmits = 0, bad = 0;
	for (;;) {
		struct kinspect_rsp_event ev;
		err = next_event(gs, deadline, &ev);
		if (err)
			return err;
		switch (ev.type) {
		case KINSPECT_RSP_EVENT_ACK:
			acked = true;
			break;
		case KINSPECT_RSP_EVENT_NACK:
			if (acked)
				break;
			if (++retransmits > MAX_RETRANSMITS)
				return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL,
							     "the stub rejected '%s' %u times", gs->waiting_for,
							     retransmits));
			gs->stats.retransmissions++;
			err = send_packet(gs, payload, len, deadline);
			if (err)
				return err;
			break;
		case KINSPECT_RSP_EVENT_BAD_PACKET:
			err = nack_event(gs, &ev, &bad, deadline);
			if (err)
				return err;
			break;
		case KINSPECT_RSP_EVENT_PACKET:
			gs->stats.packets_received++;
			gs->acks_owed++;
			bad = 0;
			/* QEMU acknowledges a command before answering it, so a
			 * stop reply before the '+' is news: connecting
			 * stopped a running VM. */
			if (!acked && is_stop_reply(ev.data, ev.len)) {
				gs->running = false;
				gs->g_thread = SIZE_MAX;
				if (gs->in_handshake)
					gs->stopped_on_connect = true;
				break;
			}
			if (on_output && ev.len > 1 && ev.data[0] == 'O' && !(ev.len == 2 && ev.data[1] == 'K')) {
				on_output(ev.data, ev.len, arg);
				break;
			}
			gs->stats.wait_ns += now_ns() - start;
			*ret = ev.data;
			*ret_len = ev.len;
			return NULL;
		case KINSPECT_RSP_EVENT_INTERRUPT:
		case KINSPECT_RSP_EVENT_NONE:
			break;
		}
	}
}

static struct kinspect_error *command_n(struct kinspect_gdbstub *gs, const char *payload, size_t len,
					const char **ret, size_t *ret_len)
{
	return command_out(gs, payload, len, NULL, NULL, ret, ret_len);
}

static struct kinspect_error *command(struct kinspect_gdbstub *gs, const char *payload, const char **ret,
				      size_t *ret_len)
{
	return command_n(gs, payload, strlen(payload), ret, ret_len);
}

static bool is_error_reply(const char *s, size_t len)
{
	return len == 3 && s[0] == 'E' && kinspect_rsp_hex_value((unsigned char)s[1]) >= 0 &&
	       kinspect_rsp_hex_value((unsigned char)s[2]) >= 0;
}

/* REPLY (LEN bytes) to PAYLOAD (PAYLOAD_LEN), a command whose only good
 * answer is "OK": NULL for that, else why not. */
static struct kinspect_error *judge_ok(struct kinspect_gdbstub *gs, const char *payload, size_t payload_len,
				       const char *reply, size_t len)
{
	int n = payload_len < 60 ? (int)payload_len : 60;
	if (len == 2 && memcmp(reply, "OK", 2) == 0)
		return NULL;
	if (len == 0)
		return gs_error(gs, KINSPECT_ERROR_UNSUPPORTED, "'%.*s' not supported by the stub", n, payload);
	return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "'%.*s' answered '%.40s'", n, payload, reply);
}

/* A command whose only good answer is "OK". */
static struct kinspect_error *command_ok(struct kinspect_gdbstub *gs, const char *payload)
{
	const char *reply;
	size_t len;
	struct kinspect_error *err = command(gs, payload, &reply, &len);
	if (err)
		return err;
	return judge_ok(gs, payload, strlen(payload), reply, len);
}

/* ---- connecting ---------------------------------------------------------- */

/* "PacketSize=1000;qXfer:features:read+;..." into name/value pairs: the
 * value of "name+" is "+", of a bare "name" "". */
static struct kinspect_error *parse_features(struct kinspect_gdbstub *gs, const char *reply, size_t len)
{
	const char *p = reply, *end = reply + len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		if (semi > p) {
			const char *eq = memchr(p, '=', (size_t)(semi - p));
			const char *name_end, *value;
			if (eq) {
				name_end = eq;
				value = eq + 1;
			} else if (strchr("+-?", semi[-1])) {
				name_end = value = semi - 1;
			} else {
				name_end = value = semi;
			}
			struct feature *f = realloc(gs->features, (gs->nr_features + 1) * sizeof(*f));
			if (!f)
				return &kinspect_error_nomem;
			gs->features = f;
			f = &gs->features[gs->nr_features];
			f->name = strndup(p, (size_t)(name_end - p));
			f->value = strndup(value, (size_t)(semi - value));
			if (!f->name || !f->value) {
				free(f->name);
				free(f->value);
				return &kinspect_error_nomem;
			}
			gs->nr_features++;
		}
		p = semi + 1;
	}
	return NULL;
}

const char *kinspect_gdbstub_feature(const struct kinspect_gdbstub *gs, const char *feature)
{
	for (size_t i = 0; i < gs->nr_features; i++) {
		if (strcmp(gs->features[i].name, feature) == 0)
			return gs->features[i].value;
	}
	return NULL;
}

static struct kinspect_error *query_features(struct kinspect_gdbstub *gs)
{
	const char *reply;
	size_t len;
	/* Multiprocess: QEMU keeps that mode once any client asked for it,
	 * so ask always and get one thread id format. */
	struct kinspect_error *err = command(gs, "qSupported:multiprocess+;xmlRegisters=i386", &reply, &len);
	if (err)
		return err;
	err = parse_features(gs, reply, len);
	if (err)
		return err;
	gs->packet_size = 0x400;
	const char *ps = kinspect_gdbstub_feature(gs, "PacketSize");
	uint64_t v;
	if (ps && kinspect_rsp_parse_hex(ps, strlen(ps), &v) && v >= 16)
		gs->packet_size = v > MAX_ANSWER ? MAX_ANSWER : (size_t)v;
	const char *mp = kinspect_gdbstub_feature(gs, "multiprocess");
	gs->multiprocess = mp && strcmp(mp, "+") == 0;
	/* QEMU takes PacketSize / 2 bytes per "m" (its answer is twice
	 * that, plus framing: it counts only the payload it reads). */
	gs->max_read = gs->packet_size / 2;
	if (gs->max_read > (MAX_ANSWER - 16) / 2)
		gs->max_read = (MAX_ANSWER - 16) / 2;
	gs->chunk = malloc(gs->max_read);
	return gs->chunk ? NULL : &kinspect_error_nomem;
}

static struct kinspect_error *query_phymem(struct kinspect_gdbstub *gs)
{
	const char *reply;
	size_t len;
	struct kinspect_error *err = command(gs, "qqemu.PhyMemMode", &reply, &len);
	if (err)
		return err;
	gs->phymem = -1;
	if (len == 1 && (reply[0] == '0' || reply[0] == '1'))
		gs->phymem = reply[0] - '0';
	gs->phymem_initial = gs->phymem;
	return NULL;
}

/* ---- the target description ------------------------------------------- */

/* Fetch the qXfer:features:read object ANNEX whole: *RET is malloc()ed. */
static struct kinspect_error *xfer_features(struct kinspect_gdbstub *gs, const char *annex, char **ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	/* QEMU caps each piece at (PacketSize - 5) / 2 anyway. */
	size_t want = gs->packet_size > 5 ? gs->packet_size - 5 : 1;
	for (;;) {
		char cmd[256];
		if ((size_t)snprintf(cmd, sizeof(cmd), "qXfer:features:read:%s:%zx,%zx", annex, size, want) >=
		    sizeof(cmd))
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "target description name too long: %.40s",
					annex);
		const char *reply;
		size_t len;
		struct kinspect_error *err = command(gs, cmd, &reply, &len);
		if (err)
			return err;
		if (len == 0)
			return gs_error(gs, KINSPECT_ERROR_UNSUPPORTED, "no target description (qXfer:features:read)");
		if (reply[0] != 'm' && reply[0] != 'l')
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "reading target description %s: answer '%.40s'",
					annex, reply);
		if (len - 1 > MAX_XML_BYTES - size)
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "target description %s larger than %d bytes",
					annex, MAX_XML_BYTES);
		char *t = realloc(text, size + len);
		if (!t)
			return &kinspect_error_nomem;
		text = t;
		memcpy(text + size, reply + 1, len - 1);
		size += len - 1;
		text[size] = '\0';
		if (reply[0] == 'l')
			break;
		if (len == 1)
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "target description %s: empty 'm' answer", annex);
	}
	if (!text) {
		text = strdup("");
		if (!text)
			return &kinspect_error_nomem;
	}
	*ret = no_cleanup_ptr(text);
	return NULL;
}

/* The value of attribute NAME in the tag text [P, END), malloc()ed in
 * *RET, or NULL in *RET if absent. */
static struct kinspect_error *tag_attribute(const char *p, const char *end, const char *name, char **ret)
{
	size_t nlen = strlen(name);
	*ret = NULL;
	while (p < end) {
		while (p < end && strchr(" \t\r\n", *p))
			p++;
		const char *a = p;
		while (p < end && !strchr(" \t\r\n=/>", *p))
			p++;
		const char *a_end = p;
		while (p < end && strchr(" \t\r\n", *p))
			p++;
		if (p >= end || *p != '=') {
			if (p == a)
				p++;
			continue;
		}
		p++;
		while (p < end && strchr(" \t\r\n", *p))
			p++;
		if (p >= end || (*p != '"' && *p != '\''))
			continue;
		char quote = *p++;
		const char *v = p;
		while (p < end && *p != quote)
			p++;
		if ((size_t)(a_end - a) == nlen && memcmp(a, name, nlen) == 0) {
			*ret = strndup(v, (size_t)(p - v));
			return *ret ? NULL : &kinspect_error_nomem;
		}
		p++;
	}
	return NULL;
}

static bool parse_decimal(const char *s, uint32_t max, uint32_t *ret)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

static struct kinspect_error *add_register(struct kinspect_gdbstub *gs, const char *annex, const char *tag,
					   const char *end, uint32_t *next_regnum)
{
	_cleanup_free_ char *name = NULL, *bitsize = NULL, *regnum = NULL;
	struct kinspect_error *err;
	if ((err = tag_attribute(tag, end, "name", &name)) || (err = tag_attribute(tag, end, "bitsize", &bitsize)) ||
	    (err = tag_attribute(tag, end, "regnum", &regnum)))
		return err;
	uint32_t bits, num = *next_regnum;
	if (!name || !bitsize || !parse_decimal(bitsize, 1 << 16, &bits) || bits == 0 ||
	    (regnum && !parse_decimal(regnum, 1 << 20, &num)))
		return gs_error(gs, KINSPECT_ERROR_FORMAT, "target description %s: bad <reg> %.60s", annex, tag);
	if (gs->nr_regs >= MAX_REGISTERS)
		return gs_error(gs, KINSPECT_ERROR_FORMAT, "target description: more than %d registers",
				MAX_REGISTERS);
	struct kinspect_gdbstub_register *regs = realloc(gs->regs, (gs->nr_regs + 1) * sizeof(*regs));
	if (!regs)
		return &kinspect_error_nomem;
	gs->regs = regs;
	regs[gs->nr_regs++] = (struct kinspect_gdbstub_register){
		.name = no_cleanup_ptr(name),
		.regnum = num,
		.bitsize = bits,
	};
	*next_regnum = num + 1;
	return NULL;
}

/* Read the registers of the target description ANNEX, in document order,
 * descending into xi:include as gdb does. */
static struct kinspect_error *parse_description(struct kinspect_gdbstub *gs, const char *annex, int depth,
						uint32_t *next_regnum)
{
	if (depth > MAX_XML_DEPTH)
		return gs_error(gs, KINSPECT_ERROR_FORMAT, "target description: includes nested deeper than %d",
				MAX_XML_DEPTH);
	_cleanup_free_ char *text = NULL;
	struct kinspect_error *err = xfer_features(gs, annex, &text);
	if (err)
		return err;
	const char *p = text;
	while ((p = strchr(p, '<'))) {
		if (strncmp(p, "<!--", 4) == 0) {
			p = strstr(p + 4, "-->");
			if (!p)
				break;
			p += 3;
			continue;
		}
		/* The tag's end, skipping '>' inside quoted values. */
		const char *end = p + 1;
		char quote = 0;
		for (; *end && (quote || *end != '>'); end++) {
			if (quote && *end == quote)
				quote = 0;
			else if (!quote && (*end == '"' || *end == '\''))
				quote = *end;
		}
		if (!*end)
			break;
		const char *name = p + 1;
		size_t nlen = strcspn(name, " \t\r\n/>");
		const char *attrs = name + nlen;
		if (nlen == 3 && memcmp(name, "reg", 3) == 0) {
			err = add_register(gs, annex, attrs, end, next_regnum);
		} else if (nlen == 10 && memcmp(name, "xi:include", 10) == 0) {
			_cleanup_free_ char *href = NULL;
			err = tag_attribute(attrs, end, "href", &href);
			if (!err && !href)
				err = gs_error(gs, KINSPECT_ERROR_FORMAT, "target description %s: include without href",
					       annex);
			if (!err)
				err = parse_description(gs, href, depth + 1, next_regnum);
		}
		if (err)
			return err;
		p = end + 1;
	}
	return NULL;
}

static int compare_regnum(const void *a, const void *b)
{
	const struct kinspect_gdbstub_register *ra = a, *rb = b;
	return ra->regnum < rb->regnum ? -1 : ra->regnum > rb->regnum;
}

static struct kinspect_error *load_registers(struct kinspect_gdbstub *gs)
{
	const char *xfer = kinspect_gdbstub_feature(gs, "qXfer:features:read");
	if (!xfer || strcmp(xfer, "+") != 0)
		return NULL; /* no names: register reads say so */
	uint32_t next_regnum = 0;
	struct kinspect_error *err = parse_description(gs, "target.xml", 0, &next_regnum);
	if (err)
		return kinspect_error_wrap(err, "reading the target description");
	/* The "g" packet holds the registers in regnum order.  A description
	 * without registers leaves gs->regs NULL, which qsort() must not get
	 * even for 0 elements (found by fuzz-proxy). */
	if (gs->nr_regs)
		qsort(gs->regs, gs->nr_regs, sizeof(*gs->regs), compare_regnum);
	size_t off = 0;
	for (size_t i = 0; i < gs->nr_regs; i++) {
		gs->regs[i].g_offset = off;
		off += (gs->regs[i].bitsize + 7) / 8;
	}
	gs->g_size = off;
	return NULL;
}

/* ---- threads --------------------------------------------------------------- */

static struct kinspect_error *add_thread(struct kinspect_gdbstub *gs, const char *id, size_t len)
{
	if (gs->nr_threads >= MAX_THREADS)
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "more than %d threads", MAX_THREADS);
	char **t = realloc(gs->threads, (gs->nr_threads + 1) * sizeof(*t));
	if (!t)
		return &kinspect_error_nomem;
	gs->threads = t;
	t[gs->nr_threads] = strndup(id, len);
	if (!t[gs->nr_threads])
		return &kinspect_error_nomem;
	gs->nr_threads++;
	return NULL;
}

static struct kinspect_error *list_threads(struct kinspect_gdbstub *gs)
{
	const char *cmd = "qfThreadInfo";
	for (;;) {
		const char *reply;
		size_t len;
		struct kinspect_error *err = command(gs, cmd, &reply, &len);
		if (err)
			return err;
		if (len == 0 && gs->nr_threads == 0)
			break; /* not supported: one anonymous thread below */
		if (len >= 1 && reply[0] == 'l')
			break;
		if (len < 2 || reply[0] != 'm')
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "thread list: answer '%.40s'", reply);
		/* "m" ID [, ID]... */
		_cleanup_free_ char *copy = strndup(reply + 1, len - 1);
		if (!copy)
			return &kinspect_error_nomem;
		for (char *p = copy, *comma; p; p = comma ? comma + 1 : NULL) {
			comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			if (n && (err = add_thread(gs, p, n)))
				return err;
		}
		cmd = "qsThreadInfo";
	}
	if (gs->nr_threads == 0)
		return add_thread(gs, "0", 1); /* "any thread" */
	return NULL;
}

static struct kinspect_error *select_thread(struct kinspect_gdbstub *gs, size_t index)
{
	if (index >= gs->nr_threads)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "no thread %zu (there are %zu)", index,
				gs->nr_threads);
	if (gs->g_thread == index)
		return NULL;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "Hg%.80s", gs->threads[index]);
	struct kinspect_error *err = command_ok(gs, cmd);
	if (err)
		return err;
	gs->g_thread = index;
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_connect(const char *spec, int timeout_ms, struct kinspect_gdbstub **ret)
{
	if (!spec || !*spec || timeout_ms <= 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "gdbstub: bad target '%s' or timeout %d",
					     spec ? spec : "(null)", timeout_ms);
	struct kinspect_gdbstub *gs = calloc(1, sizeof(*gs));
	if (!gs)
		return &kinspect_error_nomem;
	gs->fd = -1;
	gs->timeout_ms = timeout_ms;
	gs->g_thread = SIZE_MAX;
	gs->phymem = gs->phymem_initial = -1;
	gs->spec = strdup(spec);
	struct kinspect_error *err = gs->spec ? kinspect_rsp_decoder_init(&gs->dec, MAX_ANSWER) : &kinspect_error_nomem;
	if (!err)
		err = kinspect_connect("gdbstub", spec, false, timeout_ms, &gs->fd);
	if (!err) {
		gs->in_handshake = true;
		err = query_features(gs);
		gs->in_handshake = false;
	}
	if (!err)
		err = query_phymem(gs);
	if (!err)
		err = load_registers(gs);
	if (!err)
		err = list_threads(gs);
	if (err) {
		/* A connection that still works is detached as usual (QEMU
		 * stopped the VM when we connected); a broken one is closed. */
		kinspect_gdbstub_destroy(gs);
		return err;
	}
	*ret = gs;
	return NULL;
}

/* ---- memory -------------------------------------------------------------- */

/* Switch Qqemu.PhyMemMode to MODE (0 or 1) unless it is there already. */
static struct kinspect_error *set_phymem(struct kinspect_gdbstub *gs, int mode)
{
	if (gs->phymem == mode)
		return NULL;
	if (gs->phymem < 0)
		return gs_error(gs, KINSPECT_ERROR_UNSUPPORTED, "the stub cannot read physical memory (no qemu.PhyMemMode)");
	struct kinspect_error *err = command_ok(gs, mode ? "Qqemu.PhyMemMode:1" : "Qqemu.PhyMemMode:0");
	if (err)
		return err;
	gs->phymem = mode;
	return NULL;
}

/* One "m": up to N bytes at ADDR into OUT; *GOT is how many came (the stub
 * may send fewer).  *FAULT is set instead on an "E.." answer. */
static struct kinspect_error *read_chunk(struct kinspect_gdbstub *gs, uint64_t addr, size_t n, uint8_t *out,
					 size_t *got, char fault[4])
{
	char cmd[64];
	const char *reply;
	size_t len;
	snprintf(cmd, sizeof(cmd), "m%" PRIx64 ",%zx", addr, n);
	gs->stats.memory_packets++;
	struct kinspect_error *err = command(gs, cmd, &reply, &len);
	if (err)
		return err;
	fault[0] = '\0';
	*got = 0;
	if (is_error_reply(reply, len)) {
		memcpy(fault, reply, 4);
		return NULL;
	}
	if (len == 0 || len % 2 || len / 2 > n || !kinspect_rsp_hex_decode(reply, len, out))
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "bad answer to '%s': '%.40s'", cmd, reply);
	*got = len / 2;
	gs->stats.memory_bytes += *got;
	return NULL;
}

/* Read N (at most max_read) bytes at ADDR into OUT.  On a fault, *GOT is
 * how many bytes before it were read and the error carries the address of
 * the first unreadable granule. */
static struct kinspect_error *read_span(struct kinspect_gdbstub *gs, uint64_t addr, size_t n, uint8_t *out,
					bool physical, size_t *got)
{
	size_t done = 0;
	/* After an "E14" for a range over several pages (QEMU fails the whole
	 * range for one unmapped page), go granule by granule. */
	bool granular = false;
	char fault[4];
	while (done < n) {
		uint64_t a = addr + done;
		size_t want = n - done;
		if (granular && want > FAULT_GRANULE - a % FAULT_GRANULE)
			want = FAULT_GRANULE - a % FAULT_GRANULE;
		size_t piece;
		struct kinspect_error *err = read_chunk(gs, a, want, out + done, &piece, fault);
		if (err) {
			*got = done;
			return err;
		}
		if (fault[0]) {
			if (!granular && a / FAULT_GRANULE != (a + want - 1) / FAULT_GRANULE) {
				granular = true;
				continue;
			}
			*got = done;
			return kinspect_error_fault(a, "gdbstub %s: %s memory not readable (%s)", gs->spec,
						    physical ? "physical" : "virtual", fault);
		}
		done += piece;
	}
	*got = done;
	return NULL;
}

/* Put QEMU's memory mode back to MODE_BEFORE (-1: unknown) after a read
 * that changed it, unless lazy_phymem says to keep it; ERR, the read's own
 * result, comes first. */
static struct kinspect_error *restore_phymem(struct kinspect_gdbstub *gs, int mode_before, struct kinspect_error *err)
{
	if (gs->lazy_phymem || mode_before < 0 || gs->phymem == mode_before || gs->broken)
		return err;
	struct kinspect_error *err2 = set_phymem(gs, mode_before);
	if (!err)
		return err2;
	kinspect_error_destroy(err2);
	return err;
}

struct kinspect_error *kinspect_gdbstub_read_memory_v(struct kinspect_gdbstub *gs,
						      const struct kinspect_gdbstub_read *reads, size_t nr,
						      bool physical)
{
	struct kinspect_error *err = check_stopped(gs);
	if (err)
		return err;
	for (size_t i = 0; i < nr; i++) {
		if (reads[i].len && reads[i].addr + (reads[i].len - 1) < reads[i].addr)
			return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT,
					"read of %zu bytes at 0x%" PRIx64 " wraps around", reads[i].len, reads[i].addr);
	}
	/* QEMU translates virtual addresses with the "Hg" thread's page
	 * tables, which register reads of other vCPUs change. */
	if (!physical)
		err = select_thread(gs, gs->mem_thread);
	if (err)
		return err;
	int mode_before = gs->phymem;
	/* A virtual read when the mode is unknown or off needs no switch. */
	if (physical || gs->phymem == 1)
		err = set_phymem(gs, physical);
	size_t i = 0;
	while (!err && i < nr) {
		/* A run: entries whose ranges follow each other. */
		size_t j = i + 1;
		while (j < nr && reads[j].addr == reads[j - 1].addr + reads[j - 1].len &&
		       reads[j].addr >= reads[j - 1].addr)
			j++;
		uint64_t addr = reads[i].addr;
		size_t e = i, e_off = 0; /* where the next byte goes */
		for (;;) {
			while (e < j && e_off == reads[e].len) {
				e++;
				e_off = 0;
			}
			if (e == j)
				break;
			size_t total = 0;
			for (size_t k = e; k < j && total < gs->max_read; k++)
				total += reads[k].len - (k == e ? e_off : 0);
			size_t n = total < gs->max_read ? total : gs->max_read;
			size_t got;
			err = read_span(gs, addr, n, gs->chunk, physical, &got);
			/* Scatter what came, also before a fault. */
			for (size_t off = 0; off < got;) {
				size_t c = reads[e].len - e_off;
				if (c > got - off)
					c = got - off;
				memcpy((uint8_t *)reads[e].buf + e_off, gs->chunk + off, c);
				off += c;
				e_off += c;
				if (e_off == reads[e].len) {
					e++;
					e_off = 0;
				}
			}
			if (err)
				break;
			addr += n;
		}
		i = j;
	}
	/* Leave the mode as it was before the call, unless told to keep it. */
	return restore_phymem(gs, mode_before, err);
}

struct kinspect_error *kinspect_gdbstub_read_memory(struct kinspect_gdbstub *gs, uint64_t addr, void *buf,
						    size_t len, bool physical)
{
	struct kinspect_gdbstub_read r = { .addr = addr, .buf = buf, .len = len };
	return kinspect_gdbstub_read_memory_v(gs, &r, 1, physical);
}


/* ---- pipelining ------------------------------------------------------------
 * QEMU's gdbstub (gdb_read_byte() in gdbstub/gdbstub.c, system mode) takes
 * the commands in its input one after the other: it acknowledges each one,
 * answers it at once without waiting for the client's '+' (a new '$' counts
 * as that '+'), and goes on with the next.  So commands that do not need
 * each other's answers can go out back to back and their answers come back
 * in order: one wait for the link instead of one per command.  At most
 * BATCH_WINDOW commands are in flight (short ones never fill a socket
 * buffer, so sending cannot block while the stub is busy writing answers).
 * A packet that sets the VM running may close the write: QEMU reads it
 * after answering every command before it, and the VM runs from there on,
 * stopped again by any byte that follows (so none does, not even the
 * acknowledgements of those answers: each one's next '$' was one). */
#define BATCH_WINDOW KINSPECT_GDBSTUB_MAX_BATCH

/* What a pipelined exchange does with the answer to its command K. */
typedef struct kinspect_error *pipeline_answer_fn(struct kinspect_gdbstub *gs, size_t k, const char *reply,
						  size_t len, void *arg);

struct pipeline {
	/* N (at most BATCH_WINDOW) commands, CMD[K] of LEN[K] bytes. */
	const char *const *cmd;
	const size_t *len;
	size_t n;
	/* The packet that resumes the VM after them, or NULL. */
	const char *resume;
	size_t resume_len;
	pipeline_answer_fn *answer;
	void *arg;
	/* Set: the commands the stub rejected ('-'), which it did not run. */
	bool *rejected;
};

/* The resume of PL was rejected: send it again, alone (nothing follows
 * it).  Owes no acknowledgement: the answers before it had theirs. */
static struct kinspect_error *resend_resume(struct kinspect_gdbstub *gs, const struct pipeline *pl,
					    unsigned int *retransmits, uint64_t deadline)
{
	if (++*retransmits > MAX_RETRANSMITS)
		return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "the stub rejected '%s' %u times",
					     gs->waiting_for, *retransmits));
	gs->stats.retransmissions++;
	return send_packet(gs, pl->resume, pl->resume_len, deadline);
}

/* Send PL's commands (and its resume) in one write and take their
 * acknowledgements and answers in order: one round trip. */
static struct kinspect_error *pipeline(struct kinspect_gdbstub *gs, const struct pipeline *pl)
{
	size_t n = pl->n, total = n + (pl->resume ? 1 : 0), bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += kinspect_rsp_encode_bound(pl->len[i]);
	if (pl->resume)
		bytes += kinspect_rsp_encode_bound(pl->resume_len);
	size_t acks = gs->acks_owed > 16 ? 16 : gs->acks_owed;
	struct kinspect_error *err = reserve_out(gs, acks + bytes);
	if (err)
		return err;
	memset(gs->out, '+', acks);
	size_t out = acks;
	for (size_t i = 0; i < n; i++) {
		out += kinspect_rsp_encode(pl->cmd[i], pl->len[i], gs->out + out);
		pl->rejected[i] = false;
	}
	if (pl->resume)
		out += kinspect_rsp_encode(pl->resume, pl->resume_len, gs->out + out);
	gs->acks_owed = 0;
	if (pl->resume)
		snprintf(gs->waiting_for, sizeof(gs->waiting_for), "%.32s after %u commands", pl->resume, (unsigned int)n);
	else
		snprintf(gs->waiting_for, sizeof(gs->waiting_for), "%zu pipelined commands from %.24s", n, pl->cmd[0]);
	uint64_t start = now_ns();
	uint64_t deadline = deadline_after(gs->timeout_ms);
	gs->stats.round_trips++;
	gs->stats.packets_sent += total;
	if ((err = send_raw(gs, gs->out, out, deadline)))
		return err;
	/* The stub acknowledges (or rejects) command K before answering it,
	 * and answers it before it reads command K + 1: ACKED counts '+'/'-'
	 * seen, NEXT is the command the next answer belongs to.  Reading ends
	 * with the resume's '+': what comes after it is the running VM's. */
	size_t acked = 0, next = 0;
	unsigned int retransmits = 0;
	for (;;) {
		while (next < acked && next < n && pl->rejected[next])
			next++;
		if (acked == total && next == n)
			break;
		struct kinspect_rsp_event ev;
		if ((err = next_event(gs, deadline, &ev)))
			return err;
		switch (ev.type) {
		case KINSPECT_RSP_EVENT_ACK:
		case KINSPECT_RSP_EVENT_NACK:
			if (acked == total)
				break; /* an ack after the last command: an old one */
			if (acked < n) {
				pl->rejected[acked++] = ev.type == KINSPECT_RSP_EVENT_NACK;
				break;
			}
			/* The resume's. */
			if (ev.type == KINSPECT_RSP_EVENT_NACK) {
				if ((err = resend_resume(gs, pl, &retransmits, deadline)))
					return err;
				break;
			}
			while (next < n && pl->rejected[next])
				next++;
			if (next < n)
				return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL,
							     "the stub took '%.40s' before answering '%.40s'", pl->resume,
							     pl->cmd[next]));
			acked++;
			gs->running = true;
			gs->generation++;
			break;
		case KINSPECT_RSP_EVENT_PACKET:
			gs->stats.packets_received++;
			if (!pl->resume)
				gs->acks_owed++;
			if (next >= acked || next >= n)
				return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL,
							     "an answer before its command was acknowledged: '%.40s'",
							     ev.data));
			if ((err = pl->answer(gs, next, ev.data, ev.len, pl->arg)))
				return err;
			next++;
			break;
		case KINSPECT_RSP_EVENT_BAD_PACKET:
			/* A '-' would make the stub send its latest answer
			 * again, not this one: the stream is out of step. */
			return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "a broken answer to a pipelined command"));
		case KINSPECT_RSP_EVENT_INTERRUPT:
		case KINSPECT_RSP_EVENT_NONE:
			break;
		}
	}
	gs->stats.wait_ns += now_ns() - start;
	return NULL;
}

/* ---- pipelined reads ------------------------------------------------------ */

/* The answer to read K of a batch (ARG: the reads): its bytes, or a fault. */
static struct kinspect_error *batch_answer(struct kinspect_gdbstub *gs, size_t k, const char *reply, size_t len,
					   void *arg)
{
	struct kinspect_gdbstub_batch_read *r = (struct kinspect_gdbstub_batch_read *)arg + k;
	r->ok = false;
	if (is_error_reply(reply, len))
		return NULL;
	if (len == 0 || len % 2 || len > 2 * r->len || !kinspect_rsp_hex_decode(reply, len, r->buf))
		return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL,
					     "bad answer to a batched read of %zu bytes at 0x%" PRIx64 ": '%.40s'",
					     r->len, r->addr, reply));
	/* Fewer bytes than asked (allowed; QEMU never does it): the reader
	 * reads again the usual way. */
	r->ok = len == 2 * r->len;
	gs->stats.memory_bytes += len / 2;
	return NULL;
}

/* Send the N (at most BATCH_WINDOW) reads of READS back to back and take
 * their answers.  A command the stub rejected ('-', a transmission error)
 * is read again on its own afterwards. */
static struct kinspect_error *batch_window(struct kinspect_gdbstub *gs, struct kinspect_gdbstub_batch_read *reads,
					   size_t n)
{
	char cmd[BATCH_WINDOW][48];
	const char *cmds[BATCH_WINDOW];
	size_t cmd_len[BATCH_WINDOW];
	bool rejected[BATCH_WINDOW];
	for (size_t i = 0; i < n; i++) {
		cmd_len[i] = (size_t)snprintf(cmd[i], sizeof(cmd[i]), "m%" PRIx64 ",%zx", reads[i].addr, reads[i].len);
		cmds[i] = cmd[i];
		reads[i].ok = false;
	}
	gs->stats.memory_packets += n;
	struct pipeline pl = {
		.cmd = cmds, .len = cmd_len, .n = n, .answer = batch_answer, .arg = reads, .rejected = rejected,
	};
	struct kinspect_error *err = pipeline(gs, &pl);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (!rejected[i])
			continue;
		size_t got;
		char fault[4];
		if ((err = read_chunk(gs, reads[i].addr, reads[i].len, reads[i].buf, &got, fault)))
			return err;
		reads[i].ok = !fault[0] && got == reads[i].len;
	}
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_read_memory_batch(struct kinspect_gdbstub *gs,
							  struct kinspect_gdbstub_batch_read *reads, size_t nr)
{
	struct kinspect_error *err = check_stopped(gs);
	if (err)
		return err;
	for (size_t i = 0; i < nr; i++) {
		reads[i].ok = false;
		if (reads[i].len == 0 || reads[i].len > gs->max_read || reads[i].addr + (reads[i].len - 1) < reads[i].addr)
			return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT,
					"batched read of %zu bytes at 0x%" PRIx64 ": 1 to %zu bytes, no wrap", reads[i].len,
					reads[i].addr, gs->max_read);
	}
	if (nr == 0)
		return NULL;
	if ((err = select_thread(gs, gs->mem_thread)))
		return err;
	int mode_before = gs->phymem;
	if (gs->phymem == 1 && (err = set_phymem(gs, 0)))
		return err;
	for (size_t i = 0; !err && i < nr; i += BATCH_WINDOW)
		err = batch_window(gs, reads + i, nr - i < BATCH_WINDOW ? nr - i : BATCH_WINDOW);
	return restore_phymem(gs, mode_before, err);
}

/* ---- pipelined commands --------------------------------------------------- */

static void follow_relayed(struct kinspect_gdbstub *gs, const char *payload, size_t len, const char *reply,
			   size_t reply_len);

/* Where each command's answer starts in gs->replies, as it comes (the
 * buffer may move until the last one is in). */
struct kept_answers {
	size_t off[BATCH_WINDOW], len[BATCH_WINDOW];
};

static struct kinspect_error *keep_answer(struct kinspect_gdbstub *gs, size_t k, const char *reply, size_t len,
					  void *arg)
{
	struct kept_answers *kept = arg;
	if (len + 1 > gs->replies_cap - gs->replies_len) {
		size_t cap = gs->replies_cap ? gs->replies_cap : 256;
		while (len + 1 > cap - gs->replies_len)
			cap *= 2;
		char *r = realloc(gs->replies, cap);
		if (!r)
			return &kinspect_error_nomem;
		gs->replies = r;
		gs->replies_cap = cap;
	}
	kept->off[k] = gs->replies_len;
	kept->len[k] = len;
	memcpy(gs->replies + gs->replies_len, reply, len);
	gs->replies[gs->replies_len + len] = '\0';
	gs->replies_len += len + 1;
	return NULL;
}

/* Whether PAYLOAD (LEN bytes) resumes, detaches or kills: no command of a
 * batch (the client would lose track of the VM). */
static bool ends_stop(const char *payload, size_t len)
{
	return (len >= 1 && strchr("cCsSkD", payload[0])) || (len >= 6 && memcmp(payload, "vCont;", 6) == 0) ||
	       (len >= 5 && memcmp(payload, "vKill", 5) == 0);
}

struct kinspect_error *kinspect_gdbstub_command_batch(struct kinspect_gdbstub *gs,
						      struct kinspect_gdbstub_command *cmds, size_t nr,
						      const char *resume, size_t resume_len)
{
	struct kinspect_error *err = check_stopped(gs);
	if (err)
		return err;
	if (nr > BATCH_WINDOW)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "a batch of %zu commands: at most %d", nr,
				BATCH_WINDOW);
	const char *payloads[BATCH_WINDOW];
	size_t lens[BATCH_WINDOW];
	for (size_t i = 0; i < nr; i++) {
		cmds[i].reply = NULL;
		cmds[i].reply_len = 0;
		if (!cmds[i].payload || ends_stop(cmds[i].payload, cmds[i].len))
			return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT,
					"command %zu of a batch resumes, detaches or is missing: '%.*s'", i,
					cmds[i].payload ? (int)(cmds[i].len < 40 ? cmds[i].len : 40) : 0,
					cmds[i].payload ? cmds[i].payload : "");
		payloads[i] = cmds[i].payload;
		lens[i] = cmds[i].len;
	}
	if (nr == 0 && !resume)
		return NULL;
	struct kept_answers kept;
	bool rejected[BATCH_WINDOW];
	gs->replies_len = 0;
	struct pipeline pl = {
		.cmd = payloads, .len = lens, .n = nr, .resume = resume, .resume_len = resume_len,
		.answer = keep_answer, .arg = &kept, .rejected = rejected,
	};
	if ((err = pipeline(gs, &pl)))
		return err;
	for (size_t i = 0; i < nr; i++) {
		if (rejected[i])
			continue;
		cmds[i].reply = gs->replies + kept.off[i];
		cmds[i].reply_len = kept.len[i];
		follow_relayed(gs, cmds[i].payload, cmds[i].len, cmds[i].reply, cmds[i].reply_len);
	}
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_command_ok(struct kinspect_gdbstub *gs,
						   const struct kinspect_gdbstub_command *cmd)
{
	if (!cmd->reply)
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "the stub rejected '%.*s' (a transmission error)",
				(int)(cmd->len < 60 ? cmd->len : 60), cmd->payload);
	return judge_ok(gs, cmd->payload, cmd->len, cmd->reply, cmd->reply_len);
}

/* ---- registers ------------------------------------------------------------ */

size_t kinspect_gdbstub_nr_registers(const struct kinspect_gdbstub *gs)
{
	return gs->nr_regs;
}

const struct kinspect_gdbstub_register *kinspect_gdbstub_register_at(const struct kinspect_gdbstub *gs,
								      size_t index)
{
	return index < gs->nr_regs ? &gs->regs[index] : NULL;
}

const struct kinspect_gdbstub_register *kinspect_gdbstub_find_register(const struct kinspect_gdbstub *gs,
									const char *name)
{
	for (size_t i = 0; i < gs->nr_regs; i++) {
		if (strcmp(gs->regs[i].name, name) == 0)
			return &gs->regs[i];
	}
	return NULL;
}

/* The hex digits of register NAME of thread INDEX: in the decoder's buffer
 * until the next exchange. */
static struct kinspect_error *register_hex(struct kinspect_gdbstub *gs, size_t index, const char *name,
					   const char **ret, size_t *ret_len)
{
	const struct kinspect_gdbstub_register *reg = kinspect_gdbstub_find_register(gs, name);
	if (!reg)
		return gs_error(gs, KINSPECT_ERROR_NOT_FOUND, "no register '%s' in the target description%s", name,
				gs->nr_regs ? "" : " (the stub sent none)");
	struct kinspect_error *err = check_stopped(gs);
	if (!err)
		err = select_thread(gs, index);
	if (err)
		return err;
	char cmd[32];
	const char *reply;
	size_t len;
	snprintf(cmd, sizeof(cmd), "p%" PRIx32, reg->regnum);
	err = command(gs, cmd, &reply, &len);
	if (err)
		return err;
	if (len == 0) {
		/* No "p": take it out of "g", if the "g" layout is as the
		 * description says. */
		size_t size = (reg->bitsize + 7) / 8;
		err = command(gs, "g", &reply, &len);
		if (err)
			return err;
		if (len % 2 || len / 2 < reg->g_offset + size)
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "'g' answer of %zu bytes has no register %s",
					len / 2, name);
		reply += 2 * reg->g_offset;
		len = 2 * size;
	} else if (is_error_reply(reply, len)) {
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "register %s of thread %s: answer %s", name,
				gs->threads[index], reply);
	}
	if (memchr(reply, 'x', len))
		return gs_error(gs, KINSPECT_ERROR_NOT_FOUND, "register %s of thread %s is unavailable", name,
				gs->threads[index]);
	if (len % 2)
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "register %s: odd answer '%.40s'", name, reply);
	*ret = reply;
	*ret_len = len;
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_read_register(struct kinspect_gdbstub *gs, size_t thread_index,
						      const char *name, uint64_t *ret)
{
	const char *hex;
	size_t len;
	struct kinspect_error *err = register_hex(gs, thread_index, name, &hex, &len);
	if (err)
		return err;
	if (len > 16)
		return gs_error(gs, KINSPECT_ERROR_UNSUPPORTED, "register %s is %zu bits wide: read it raw", name,
				len * 4);
	if (!kinspect_rsp_parse_le(hex, len, ret))
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "register %s: bad answer '%.40s'", name, hex);
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_read_register_raw(struct kinspect_gdbstub *gs, size_t thread_index,
							  const char *name, void *buf, size_t size,
							  size_t *ret_len)
{
	const char *hex;
	size_t len;
	struct kinspect_error *err = register_hex(gs, thread_index, name, &hex, &len);
	if (err)
		return err;
	if (len / 2 > size)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "register %s has %zu bytes, buffer %zu", name,
				len / 2, size);
	if (!kinspect_rsp_hex_decode(hex, len, buf))
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "register %s: bad answer '%.40s'", name, hex);
	*ret_len = len / 2;
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_read_registers(struct kinspect_gdbstub *gs, size_t thread_index,
						       uint8_t **ret, size_t *ret_len)
{
	struct kinspect_error *err = check_stopped(gs);
	if (!err)
		err = select_thread(gs, thread_index);
	if (err)
		return err;
	const char *reply;
	size_t len;
	err = command(gs, "g", &reply, &len);
	if (err)
		return err;
	if (is_error_reply(reply, len) || len % 2)
		return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "'g' answered '%.40s'", reply);
	_cleanup_free_ uint8_t *buf = malloc(len / 2 + 1);
	if (!buf)
		return &kinspect_error_nomem;
	for (size_t i = 0; i < len; i += 2) {
		/* 'x' digits (unavailable registers) read as zero. */
		int hi = reply[i] == 'x' ? 0 : kinspect_rsp_hex_value((unsigned char)reply[i]);
		int lo = reply[i + 1] == 'x' ? 0 : kinspect_rsp_hex_value((unsigned char)reply[i + 1]);
		if (hi < 0 || lo < 0)
			return gs_error(gs, KINSPECT_ERROR_PROTOCOL, "'g' answer is not hex");
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*ret_len = len / 2;
	*ret = no_cleanup_ptr(buf);
	return NULL;
}

/* ---- execution ------------------------------------------------------------ */

bool kinspect_gdbstub_is_running(const struct kinspect_gdbstub *gs)
{
	return gs->running;
}

struct kinspect_error *kinspect_gdbstub_stop(struct kinspect_gdbstub *gs)
{
	struct kinspect_error *err = check_usable(gs);
	if (err || !gs->running)
		return err;
	snprintf(gs->waiting_for, sizeof(gs->waiting_for), "interrupt (0x03)");
	uint64_t start = now_ns();
	uint64_t deadline = deadline_after(gs->timeout_ms);
	gs->stats.round_trips++;
	/* QEMU stops the VM on any byte it receives while the VM runs. */
	err = send_packet(gs, NULL, 0, deadline);
	if (!err)
		err = send_raw(gs, "\x03", 1, deadline);
	unsigned int bad = 0;
	while (!err) {
		struct kinspect_rsp_event ev;
		err = next_event(gs, deadline, &ev);
		if (err)
			break;
		if (ev.type == KINSPECT_RSP_EVENT_BAD_PACKET) {
			err = nack(gs, &bad, deadline);
			continue;
		}
		if (ev.type != KINSPECT_RSP_EVENT_PACKET)
			continue;
		gs->stats.packets_received++;
		gs->acks_owed++;
		if (!is_stop_reply(ev.data, ev.len))
			continue; /* console output ("O...") and the like */
		if (ev.data[0] == 'W' || ev.data[0] == 'X')
			return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "the target exited (%s)", ev.data));
		gs->running = false;
		/* QEMU selects the stopping vCPU for "Hg" (gdb_set_stop_cpu). */
		gs->g_thread = SIZE_MAX;
		gs->stats.wait_ns += now_ns() - start;
		/* Acknowledge now: the stub waits for it. */
		return send_packet(gs, NULL, 0, deadline);
	}
	return err;
}

/* Send PAYLOAD ("c", "vCont;s:...") that sets the VM running: its only
 * answer is the acknowledgement, the stop reply comes when it stops. */
static struct kinspect_error *start_running(struct kinspect_gdbstub *gs, const char *payload)
{
	struct kinspect_error *err = check_usable(gs);
	if (err || gs->running)
		return err;
	size_t len = strlen(payload);
	snprintf(gs->waiting_for, sizeof(gs->waiting_for), "%.60s", payload);
	uint64_t start = now_ns();
	uint64_t deadline = deadline_after(gs->timeout_ms);
	gs->stats.round_trips++;
	err = send_packet(gs, payload, len, deadline);
	unsigned int retransmits = 0, bad = 0;
	while (!err) {
		struct kinspect_rsp_event ev;
		err = next_event(gs, deadline, &ev);
		if (err)
			break;
		switch (ev.type) {
		case KINSPECT_RSP_EVENT_ACK:
			gs->running = true;
			gs->generation++;
			gs->stats.wait_ns += now_ns() - start;
			return NULL;
		case KINSPECT_RSP_EVENT_NACK:
			if (++retransmits > MAX_RETRANSMITS)
				return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "the stub rejected '%s' %u times",
							     gs->waiting_for, retransmits));
			gs->stats.retransmissions++;
			err = send_packet(gs, payload, len, deadline);
			break;
		case KINSPECT_RSP_EVENT_BAD_PACKET:
			err = nack_event(gs, &ev, &bad, deadline);
			break;
		case KINSPECT_RSP_EVENT_PACKET:
			gs->stats.packets_received++;
			gs->acks_owed++;
			break;
		default:
			break;
		}
	}
	return err;
}

/* ---- relaying another client ------------------------------------------------ */

int kinspect_gdbstub_fd(const struct kinspect_gdbstub *gs)
{
	return gs->fd;
}

bool kinspect_gdbstub_has_input(const struct kinspect_gdbstub *gs)
{
	return gs->in_pos < gs->in_len;
}

/* Keep the client's caches true after another client's PAYLOAD was
 * answered with REPLY. */
static void follow_relayed(struct kinspect_gdbstub *gs, const char *payload, size_t len, const char *reply,
			   size_t reply_len)
{
	bool ok = reply_len == 2 && memcmp(reply, "OK", 2) == 0;
	if (len >= 2 && payload[0] == 'H' && payload[1] == 'g') {
		gs->g_thread = SIZE_MAX; /* selected again before our next use */
	} else if (ok && len == 18 && memcmp(payload, "Qqemu.PhyMemMode:", 17) == 0 &&
		   (payload[17] == '0' || payload[17] == '1')) {
		/* The other client's choice is the mode to leave behind. */
		gs->phymem = gs->phymem_initial = payload[17] - '0';
	} else if (ok && len >= 1 && payload[0] == 'D') {
		/* QEMU resumed the VM: nothing left to detach. */
		gs->running = true;
		gs->generation++;
	} else if (len >= 1 && strchr("MXGP", payload[0])) {
		gs->generation++; /* memory or registers written */
	}
}

struct kinspect_error *kinspect_gdbstub_exchange(struct kinspect_gdbstub *gs, const char *payload, size_t len,
						 void (*on_output)(const char *packet, size_t len, void *arg),
						 void *arg, const char **ret, size_t *ret_len)
{
	struct kinspect_error *err = command_out(gs, payload, len, on_output, arg, ret, ret_len);
	if (!err)
		follow_relayed(gs, payload, len, *ret, *ret_len);
	return err;
}

struct kinspect_error *kinspect_gdbstub_send_resume(struct kinspect_gdbstub *gs, const char *payload, size_t len)
{
	struct kinspect_error *err = check_stopped(gs);
	if (err)
		return err;
	_cleanup_free_ char *copy = strndup(payload, len);
	if (!copy)
		return &kinspect_error_nomem;
	return start_running(gs, copy);
}

struct kinspect_error *kinspect_gdbstub_send_interrupt(struct kinspect_gdbstub *gs)
{
	struct kinspect_error *err = check_usable(gs);
	if (err || !gs->running)
		return err;
	return send_raw(gs, "\x03", 1, deadline_after(gs->timeout_ms));
}

struct kinspect_error *kinspect_gdbstub_wait_packet(struct kinspect_gdbstub *gs, int timeout_ms, const char **ret,
						  size_t *ret_len)
{
	*ret = NULL;
	*ret_len = 0;
	struct kinspect_error *err = check_usable(gs);
	if (err)
		return err;
	if (!gs->running)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "waiting for a stop while the VM is stopped");
	uint64_t deadline = now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	unsigned int bad = 0;
	for (;;) {
		struct kinspect_rsp_event ev = { .type = KINSPECT_RSP_EVENT_NONE };
		while (gs->in_pos < gs->in_len && ev.type == KINSPECT_RSP_EVENT_NONE)
			gs->in_pos += kinspect_rsp_decoder_feed(&gs->dec, gs->in + gs->in_pos,
								gs->in_len - gs->in_pos, &ev);
		if (ev.type == KINSPECT_RSP_EVENT_NONE) {
			/* No news in time is no error: the VM just runs on. */
			uint64_t now = now_ns();
			uint64_t left_ms = deadline > now ? (deadline - now + 999999) / 1000000 : 0;
			struct pollfd pfd = { .fd = gs->fd, .events = POLLIN };
			int r = poll(&pfd, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
			if (r < 0 && errno != EINTR)
				return kinspect_error_os(errno, NULL, "gdbstub %s: poll", gs->spec);
			if (r <= 0)
				return NULL;
			err = read_input(gs);
			if (err)
				return err;
			continue;
		}
		if (ev.type == KINSPECT_RSP_EVENT_BAD_PACKET) {
			/* No '-' while it runs: any byte stops QEMU's VM.  The
			 * stub will not resend; the packet is lost. */
			gs->stats.bad_packets++;
			if (++bad > MAX_BAD_PACKETS)
				return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "%u broken packets in a row", bad));
			continue;
		}
		if (ev.type != KINSPECT_RSP_EVENT_PACKET)
			continue;
		gs->stats.packets_received++;
		gs->acks_owed++;
		if (is_stop_reply(ev.data, ev.len)) {
			gs->running = false;
			gs->g_thread = SIZE_MAX;
			/* Acknowledge now (ev.data stays: this feeds no decoder). */
			err = send_packet(gs, NULL, 0, deadline_after(gs->timeout_ms));
			if (err)
				return err;
		}
		*ret = ev.data;
		*ret_len = ev.len;
		return NULL;
	}
}

struct kinspect_error *kinspect_gdbstub_resume(struct kinspect_gdbstub *gs)
{
	return start_running(gs, "c");
}

/* ---- the rest ------------------------------------------------------------- */

struct kinspect_error *kinspect_gdbstub_set_memory_thread(struct kinspect_gdbstub *gs, size_t thread_index)
{
	if (thread_index >= gs->nr_threads)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "no thread %zu (there are %zu)", thread_index,
				gs->nr_threads);
	if (gs->mem_thread != thread_index)
		gs->generation++; /* other page tables: other user memory */
	gs->mem_thread = thread_index;
	return NULL;
}

void kinspect_gdbstub_set_keep_stopped(struct kinspect_gdbstub *gs, bool keep_stopped)
{
	gs->keep_stopped = keep_stopped;
}

void kinspect_gdbstub_set_lazy_phymem(struct kinspect_gdbstub *gs, bool lazy)
{
	gs->lazy_phymem = lazy;
}

void kinspect_gdbstub_set_timeout(struct kinspect_gdbstub *gs, int timeout_ms)
{
	if (timeout_ms > 0)
		gs->timeout_ms = timeout_ms;
}

const char *kinspect_gdbstub_spec(const struct kinspect_gdbstub *gs)
{
	return gs->spec;
}

size_t kinspect_gdbstub_packet_size(const struct kinspect_gdbstub *gs)
{
	return gs->packet_size;
}

size_t kinspect_gdbstub_max_read(const struct kinspect_gdbstub *gs)
{
	return gs->max_read;
}

bool kinspect_gdbstub_stopped_on_connect(const struct kinspect_gdbstub *gs)
{
	return gs->stopped_on_connect;
}

/* ---- the run state found at connect ----------------------------------------- */

/* The most monitor output kept: "info status" and "info version" are one
 * short line each; the rest of a long answer is dropped, not an error. */
#define MAX_MONITOR_TEXT 512

struct monitor_text {
	char text[MAX_MONITOR_TEXT + 1];
	size_t len;
};

/* Collect an "O<hex>" packet of monitor output. */
static void collect_monitor_text(const char *packet, size_t len, void *arg)
{
	struct monitor_text *out = arg;
	for (size_t i = 1; i + 1 < len && out->len < MAX_MONITOR_TEXT; i += 2) {
		int hi = kinspect_rsp_hex_value((unsigned char)packet[i]);
		int lo = kinspect_rsp_hex_value((unsigned char)packet[i + 1]);
		if (hi < 0 || lo < 0)
			break;
		out->text[out->len++] = (char)(hi << 4 | lo);
	}
	out->text[out->len] = '\0';
}

/* Run the HMP command CMD through qRcmd; its output in *OUT.  *RET_OK is
 * false when the stub has no monitor or refused the command (an empty or
 * "E.." answer): not an error. */
static struct kinspect_error *monitor_command(struct kinspect_gdbstub *gs, const char *cmd, struct monitor_text *out,
					      bool *ret_ok)
{
	char payload[6 + 2 * 32 + 1] = "qRcmd,";
	size_t n = strlen(cmd);
	if (n > 32)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "monitor command too long");
	size_t len = 6 + kinspect_rsp_hex_encode(cmd, n, payload + 6);
	*out = (struct monitor_text){ .len = 0 };
	const char *reply;
	size_t reply_len;
	struct kinspect_error *err = command_out(gs, payload, len, collect_monitor_text, out, &reply, &reply_len);
	if (err)
		return err;
	*ret_ok = reply_len == 2 && memcmp(reply, "OK", 2) == 0;
	return NULL;
}

/* Copy TEXT (LEN bytes) into DST for a message: printable ASCII only, so
 * that a stub cannot put control characters on the user's terminal. */
static void printable_copy(char *dst, size_t size, const char *text, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		dst[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[o] = '\0';
}

/* QEMU's major and minor version from "info version" ("11.1.3Debian ...",
 * "7.2.22 (Debian ...)"); false when the text does not start with one. */
static bool parse_qemu_version(const char *text, unsigned long *major, unsigned long *minor)
{
	char *end;
	if (!(*text >= '0' && *text <= '9'))
		return false;
	*major = strtoul(text, &end, 10);
	if (*end != '.' || !(end[1] >= '0' && end[1] <= '9'))
		return false;
	*minor = strtoul(end + 1, NULL, 10);
	return *major < 1000 && *minor < 1000;
}

static void set_run_state(struct kinspect_gdbstub *gs, enum kinspect_gdbstub_was_running was_running,
			  enum kinspect_gdbstub_run_state_source source, const char *status, const char *fmt, ...)
	KINSPECT_PRINTF(5, 6);

static void set_run_state(struct kinspect_gdbstub *gs, enum kinspect_gdbstub_was_running was_running,
			  enum kinspect_gdbstub_run_state_source source, const char *status, const char *fmt, ...)
{
	struct kinspect_gdbstub_run_state *rs = &gs->run_state;
	rs->was_running = was_running;
	rs->source = source;
	snprintf(rs->status, sizeof(rs->status), "%s", status);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rs->how, sizeof(rs->how), fmt, ap);
	va_end(ap);
	gs->have_run_state = true;
}

/* The monitor said plain "paused" (LINE): connecting leaves that behind
 * for a VM that ran, and a user's "stop" does too.  Only QEMU up to 8.0
 * tells them apart, by the stop reply it would have sent. */
static struct kinspect_error *judge_plain_paused(struct kinspect_gdbstub *gs, const char *line)
{
	struct monitor_text version;
	bool ok = false;
	struct kinspect_error *err = monitor_command(gs, "info version", &version, &ok);
	if (err)
		return err;
	unsigned long major = 0, minor = 0;
	if (ok && parse_qemu_version(version.text, &major, &minor) && (major < 8 || (major == 8 && minor == 0))) {
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_NO, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, "paused",
			      "monitor: '%s' and no stop reply at connect, which QEMU %lu.%lu sends when it stops a "
			      "running VM",
			      line, major, minor);
		return NULL;
	}
	char qemu[48];
	if (ok && parse_qemu_version(version.text, &major, &minor))
		snprintf(qemu, sizeof(qemu), "QEMU %lu.%lu", major, minor);
	else
		snprintf(qemu, sizeof(qemu), "this QEMU");
	set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, "paused",
		      "monitor: '%s', which %s also shows for a running VM it stopped on connect", line, qemu);
	return NULL;
}

struct kinspect_error *kinspect_gdbstub_find_run_state(struct kinspect_gdbstub *gs,
						       const struct kinspect_gdbstub_run_state **ret)
{
	if (gs->have_run_state) {
		*ret = &gs->run_state;
		return NULL;
	}
	if (gs->stopped_on_connect) {
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_YES, KINSPECT_GDBSTUB_RUN_STATE_STOP_REPLY, "running",
			      "QEMU's stop reply at connect: connecting stopped a running VM");
		*ret = &gs->run_state;
		return NULL;
	}
	struct monitor_text status;
	bool ok = false;
	struct kinspect_error *err = monitor_command(gs, "info status", &status, &ok);
	if (err)
		return err;
	/* hmp_info_status(): "VM status: running" or "VM status: paused",
	 * then " (STATE)" when the state is not plain paused; QEMU before
	 * 8.1 may add " (single step mode)" to running. */
	static const char prefix[] = "VM status: ";
	const char *found = ok ? strstr(status.text, prefix) : NULL;
	if (!ok) {
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED, KINSPECT_GDBSTUB_RUN_STATE_NONE, "",
			      "no stop reply at connect, and no monitor (qRcmd) to ask");
		*ret = &gs->run_state;
		return NULL;
	}
	if (!found) {
		char text[64];
		printable_copy(text, sizeof(text), status.text, strcspn(status.text, "\r\n"));
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, "",
			      "no stop reply at connect, and the monitor's 'info status' said '%s'", text);
		*ret = &gs->run_state;
		return NULL;
	}
	const char *value = found + strlen(prefix);
	char line[96];
	printable_copy(line, sizeof(line), found, strcspn(found, "\r\n"));
	size_t vlen = strcspn(value, "\r\n");
	if (vlen >= 7 && memcmp(value, "running", 7) == 0) {
		/* Not after a connect that stopped it; a stub that lets the VM
		 * run is taken at its word. */
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_YES, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, "running",
			      "monitor: '%s'", line);
	} else if (vlen == 6 && memcmp(value, "paused", 6) == 0) {
		err = judge_plain_paused(gs, line);
		if (err)
			return err;
	} else if (vlen > 9 && memcmp(value, "paused (", 8) == 0 && value[vlen - 1] == ')') {
		char state[32];
		size_t n = vlen - 9;
		printable_copy(state, sizeof(state), value + 8, n < sizeof(state) - 1 ? n : sizeof(state) - 1);
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_NO, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, state,
			      "monitor: '%s': stopped before kinspect came (connecting leaves such a state as it is)",
			      line);
	} else {
		set_run_state(gs, KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED, KINSPECT_GDBSTUB_RUN_STATE_MONITOR, "",
			      "monitor: '%s' is no state known here", line);
	}
	*ret = &gs->run_state;
	return NULL;
}

void kinspect_gdbstub_set_run_state(struct kinspect_gdbstub *gs, const struct kinspect_gdbstub_run_state *state)
{
	gs->run_state = *state;
	/* Whatever the caller left unterminated. */
	gs->run_state.status[sizeof(gs->run_state.status) - 1] = '\0';
	gs->run_state.how[sizeof(gs->run_state.how) - 1] = '\0';
	gs->have_run_state = true;
}

const struct kinspect_gdbstub_run_state *kinspect_gdbstub_run_state(const struct kinspect_gdbstub *gs)
{
	return gs->have_run_state ? &gs->run_state : NULL;
}

const char *kinspect_gdbstub_was_running_name(enum kinspect_gdbstub_was_running was_running)
{
	switch (was_running) {
	case KINSPECT_GDBSTUB_WAS_RUNNING_NO: return "no";
	case KINSPECT_GDBSTUB_WAS_RUNNING_YES: return "yes";
	case KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED: return "assumed";
	}
	return "?";
}

const char *kinspect_gdbstub_run_state_source_name(enum kinspect_gdbstub_run_state_source source)
{
	switch (source) {
	case KINSPECT_GDBSTUB_RUN_STATE_STOP_REPLY: return "stop-reply";
	case KINSPECT_GDBSTUB_RUN_STATE_QMP: return "qmp";
	case KINSPECT_GDBSTUB_RUN_STATE_MONITOR: return "monitor";
	case KINSPECT_GDBSTUB_RUN_STATE_NONE: return "none";
	}
	return "?";
}

size_t kinspect_gdbstub_nr_threads(const struct kinspect_gdbstub *gs)
{
	return gs->nr_threads;
}

const char *kinspect_gdbstub_thread_id(const struct kinspect_gdbstub *gs, size_t index)
{
	return index < gs->nr_threads ? gs->threads[index] : NULL;
}

void kinspect_gdbstub_stats(const struct kinspect_gdbstub *gs, struct kinspect_gdbstub_stats *ret)
{
	*ret = gs->stats;
}

/* "D", or "D;PID" in multiprocess mode (QEMU answers E22 to a bare "D"
 * then).  The pid is the one of the first thread, "pPID.TID". */
static void detach_command(const struct kinspect_gdbstub *gs, char cmd[48])
{
	/* Threads not listed yet (a connection that failed half-way): QEMU
	 * numbers its first process 1. */
	strcpy(cmd, gs->multiprocess ? "D;1" : "D");
	const char *t = gs->nr_threads ? gs->threads[0] : "";
	if (gs->multiprocess && t[0] == 'p') {
		size_t n = strcspn(t + 1, ".");
		uint64_t pid;
		if (kinspect_rsp_parse_hex(t + 1, n, &pid))
			snprintf(cmd, 48, "D;%" PRIx64, pid);
	}
}

static struct kinspect_error *detach(struct kinspect_gdbstub *gs)
{
	char cmd[48];
	detach_command(gs, cmd);
	return command_ok(gs, cmd);
}

void kinspect_gdbstub_set_cancel(struct kinspect_gdbstub *gs, const volatile sig_atomic_t *flag)
{
	gs->cancel = flag;
}

void kinspect_gdbstub_destroy(struct kinspect_gdbstub *gs)
{
	if (!gs)
		return;
	/* Leaving the guest as it was found is what a signal asked for. */
	gs->cancel = NULL;
	if (gs->fd >= 0 && gs->broken && gs->broken_code == KINSPECT_ERROR_TIMEOUT && !gs->keep_stopped &&
	    !gs->running) {
		/* The stub stopped answering but may still listen (a stalled
		 * link): a detach sent blind lets QEMU resume the VM instead of
		 * leaving it stopped for good.  Nothing is waited for. */
		char cmd[48];
		detach_command(gs, cmd);
		kinspect_error_destroy(send_packet(gs, cmd, strlen(cmd), deadline_after(100)));
	}
	if (gs->fd >= 0 && !gs->broken) {
		/* Best effort: errors here change nothing for the caller. */
		struct kinspect_error *err = NULL;
		if (gs->running && gs->keep_stopped)
			err = kinspect_gdbstub_stop(gs);
		if (!err && !gs->running && gs->phymem >= 0 && gs->phymem != gs->phymem_initial)
			err = set_phymem(gs, gs->phymem_initial);
		if (!err && !gs->running && !gs->keep_stopped)
			err = detach(gs);
		else if (!err)
			err = send_packet(gs, NULL, 0, deadline_after(gs->timeout_ms));
		kinspect_error_destroy(err);
	}
	if (gs->fd >= 0)
		close(gs->fd);
	kinspect_rsp_decoder_deinit(&gs->dec);
	for (size_t i = 0; i < gs->nr_features; i++) {
		free(gs->features[i].name);
		free(gs->features[i].value);
	}
	free(gs->features);
	for (size_t i = 0; i < gs->nr_regs; i++)
		free((char *)gs->regs[i].name);
	free(gs->regs);
	for (size_t i = 0; i < gs->nr_threads; i++)
		free(gs->threads[i]);
	free(gs->threads);
	free(gs->chunk);
	free(gs->replies);
	free(gs->out);
	free(gs->broken);
	free(gs->spec);
	free(gs);
}

/* ---- breakpoints, waiting for a stop, single steps ------------------------ */

struct kinspect_error *kinspect_gdbstub_breakpoint(struct kinspect_gdbstub *gs, uint64_t addr, bool insert)
{
	/* The kind: the length of the architecture's breakpoint
	 * instruction; QEMU keeps its own list and writes nothing into guest
	 * memory. */
	char cmd[KINSPECT_GDBSTUB_BREAKPOINT_PACKET];
	kinspect_gdbstub_breakpoint_packet(addr, insert, cmd);
	return command_ok(gs, cmd);
}

size_t kinspect_gdbstub_breakpoint_packet(uint64_t addr, bool insert, char buf[KINSPECT_GDBSTUB_BREAKPOINT_PACKET])
{
	int n = snprintf(buf, KINSPECT_GDBSTUB_BREAKPOINT_PACKET, "%c0,%" PRIx64 ",%u", insert ? 'Z' : 'z', addr,
			 kinspect_arch()->breakpoint_kind);
	return n > 0 ? (size_t)n : 0;
}

/* The thread a "T05thread:ID;..." stop reply names, or SIZE_MAX. */
static size_t stop_reply_thread(const struct kinspect_gdbstub *gs, const char *data, size_t len)
{
	const char *p = data + 3, *end = data + len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		if ((size_t)(semi - p) > 7 && memcmp(p, "thread:", 7) == 0) {
			size_t n = (size_t)(semi - p) - 7;
			for (size_t i = 0; i < gs->nr_threads; i++) {
				if (strlen(gs->threads[i]) == n && memcmp(gs->threads[i], p + 7, n) == 0)
					return i;
			}
		}
		p = semi + 1;
	}
	return SIZE_MAX;
}

struct kinspect_error *kinspect_gdbstub_wait_stop(struct kinspect_gdbstub *gs, int timeout_ms,
						  const volatile sig_atomic_t *cancel, size_t *thread_index)
{
	struct kinspect_error *err = check_usable(gs);
	if (err)
		return err;
	if (!gs->running)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "waiting for a stop of a VM that is not running");
	uint64_t deadline = timeout_ms > 0 ? deadline_after(timeout_ms) : UINT64_MAX;
	unsigned int bad = 0;
	for (;;) {
		if (gs->in_pos >= gs->in_len) {
			/* Nothing buffered: wait in slices, so that a signal
			 * or the deadline ends the wait without breaking the
			 * connection (the caller can still interrupt the VM). */
			struct pollfd pfd = { .fd = gs->fd, .events = POLLIN };
			int r = poll(&pfd, 1, 200);
			if (r < 0 && errno != EINTR)
				return gs_break(gs, kinspect_error_os(errno, NULL, "gdbstub %s: poll", gs->spec));
			if (cancel && *cancel)
				return gs_error(gs, KINSPECT_ERROR_OTHER, "interrupted while the VM was running");
			if (r <= 0) {
				if (now_ns() >= deadline)
					return gs_error(gs, KINSPECT_ERROR_TIMEOUT, "the VM did not stop within %d ms",
							timeout_ms);
				continue;
			}
		}
		/* Data came: the rest of a packet follows within the timeout. */
		snprintf(gs->waiting_for, sizeof(gs->waiting_for), "a stop reply");
		struct kinspect_rsp_event ev;
		uint64_t packet_deadline = deadline_after(gs->timeout_ms);
		err = next_event(gs, packet_deadline, &ev);
		if (err)
			return err;
		if (ev.type == KINSPECT_RSP_EVENT_BAD_PACKET) {
			if ((err = nack(gs, &bad, packet_deadline)))
				return err;
			continue;
		}
		if (ev.type != KINSPECT_RSP_EVENT_PACKET)
			continue;
		gs->stats.packets_received++;
		gs->acks_owed++;
		bad = 0;
		if (!is_stop_reply(ev.data, ev.len))
			continue; /* "O" console output */
		if (ev.data[0] == 'W' || ev.data[0] == 'X')
			return gs_break(gs, gs_error(gs, KINSPECT_ERROR_PROTOCOL, "the target exited (%s)", ev.data));
		size_t index = stop_reply_thread(gs, ev.data, ev.len);
		gs->running = false;
		/* The stub resets its "Hg" thread to the one that stopped. */
		gs->g_thread = SIZE_MAX;
		if (thread_index)
			*thread_index = index == SIZE_MAX ? 0 : index;
		return send_packet(gs, NULL, 0, packet_deadline);
	}
}

struct kinspect_error *kinspect_gdbstub_step(struct kinspect_gdbstub *gs, size_t thread_index)
{
	if (thread_index >= gs->nr_threads)
		return gs_error(gs, KINSPECT_ERROR_INVALID_ARGUMENT, "no thread %zu (there are %zu)", thread_index,
				gs->nr_threads);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "vCont;s:%.100s", gs->threads[thread_index]);
	struct kinspect_error *err = start_running(gs, cmd);
	if (!err)
		err = kinspect_gdbstub_wait_stop(gs, gs->timeout_ms, NULL, NULL);
	return err;
}

/* ---- writes ----------------------------------------------------------------- */

struct kinspect_error *kinspect_gdbstub_write_memory(struct kinspect_gdbstub *gs, uint64_t addr, const void *buf,
						     size_t len)
{
	struct kinspect_error *err = check_stopped(gs);
	if (!err)
		err = select_thread(gs, gs->mem_thread);
	if (!err && gs->phymem == 1)
		err = set_phymem(gs, 0);
	if (err)
		return err;
	/* "M" ADDR "," LEN ":" HEX: a header of at most 40 bytes. */
	size_t max = gs->packet_size > 64 ? (gs->packet_size - 40) / 2 : 8;
	const uint8_t *p = buf;
	gs->generation++;
	_cleanup_free_ char *cmd = malloc(40 + 2 * max + 1);
	if (!cmd)
		return &kinspect_error_nomem;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < max ? len - done : max;
		int h = snprintf(cmd, 40, "M%" PRIx64 ",%zx:", addr + done, n);
		for (size_t i = 0; i < n; i++)
			snprintf(cmd + h + 2 * i, 3, "%02x", p[done + i]);
		if ((err = command_ok(gs, cmd)))
			return kinspect_error_wrap(err, "cannot write %zu bytes at 0x%" PRIx64, n, addr + done);
		done += n;
	}
	return NULL;
}

uint64_t kinspect_gdbstub_generation(const struct kinspect_gdbstub *gs)
{
	return gs->generation;
}
