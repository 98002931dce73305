/* fault-relay: a TCP relay between one gdbstub client (kinspect) and QEMU's
 * gdbstub that injects faults, for the fault-injection tests:
 *   drop N          close both connections after N bytes from QEMU
 *   stall N         stop passing QEMU's bytes on after N (sockets stay open)
 *   delay MS        pass everything, each batch of the client's bytes MS
 *                   milliseconds late: a slow link, for benchmarks
 *   error LO HI     "m" reads touching [LO, HI) get E14 (what QEMU says for
 *                   unmapped memory) instead of QEMU's answer, others pass;
 *                   every command still goes to QEMU and answers keep their
 *                   order, also for commands sent back to back (pipelined)
 *   unplant LO HI   breakpoint insertions ("Z0,ADDR,...") at ADDR in
 *                   [LO, HI) reach QEMU as removals ("z0"), which it
 *                   refuses with E22 (no such breakpoint): a Z0 that fails
 *                   with nothing planted, in its place in any pipeline
 * usage: fault-relay PORT_FILE HOST:PORT MODE ARGS...
 * It listens on 127.0.0.1, writes its port to PORT_FILE, serves one client
 * and exits when either side closes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { DROP, STALL, ERROR, DELAY, UNPLANT };

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* "error" mode: every command goes on to QEMU and is remembered in order;
 * QEMU acknowledges each one and then answers it, so each answer that comes
 * after a '+' belongs to the oldest command acknowledged and not yet
 * answered.  Answers to reads in [LO, HI) are replaced by E14.  A packet
 * from QEMU with no command waiting (a stop reply) passes as it is. */
#define MAX_PENDING 256

struct filter {
	char pkt[4096];
	size_t len;
	bool in_packet;
	/* Commands sent to QEMU: whether each one's answer is replaced. */
	bool faulty[MAX_PENDING];
	size_t head, count; /* a ring */
	size_t acked;       /* of the COUNT oldest, how many QEMU acknowledged */
	/* QEMU's side: the packet being read. */
	char up[16384];
	size_t up_len;
	bool up_in_packet;
	uint64_t lo, hi;
	bool unplant; /* rewrite Z0 in [LO, HI) instead of failing reads */
};

/* Add C to the packet in PKT; true when "$...#xx" is complete. */
static bool collect(char *pkt, size_t cap, size_t *len, bool *in_packet, char c)
{
	if (!*in_packet) {
		*in_packet = true;
		*len = 0;
	}
	if (*len < cap)
		pkt[(*len)++] = c;
	if (*len >= 4 && pkt[*len - 3] == '#') {
		*in_packet = false;
		return true;
	}
	return false;
}

static int filter_client(struct filter *f, const char *buf, size_t n, int upstream)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (!f->in_packet && c != '$') {
			if (send_all(upstream, &c, 1) < 0)
				return -1;
			continue;
		}
		if (!collect(f->pkt, sizeof(f->pkt), &f->len, &f->in_packet, c))
			continue;
		unsigned long long addr, len;
		bool faulty = !f->unplant && f->pkt[1] == 'm' && sscanf(f->pkt + 2, "%llx,%llx", &addr, &len) == 2 &&
			      addr < f->hi && addr + len > f->lo;
		if (f->unplant && f->len > 7 && memcmp(f->pkt + 1, "Z0,", 3) == 0 &&
		    sscanf(f->pkt + 4, "%llx", &addr) == 1 && addr >= f->lo && addr < f->hi) {
			/* The same packet as a removal: its checksum grows by
			 * 'z' - 'Z'. */
			unsigned int sum;
			f->pkt[1] = 'z';
			if (sscanf(f->pkt + f->len - 2, "%2x", &sum) == 1)
				snprintf(f->pkt + f->len - 2, 3, "%02x", (sum + 'z' - 'Z') & 0xff);
		}
		if (f->count == MAX_PENDING)
			return -1;
		f->faulty[(f->head + f->count++) % MAX_PENDING] = faulty;
		if (send_all(upstream, f->pkt, f->len) < 0)
			return -1;
	}
	return 0;
}

static int filter_qemu(struct filter *f, const char *buf, size_t n, int client)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (!f->up_in_packet && c != '$') {
			if (c == '+' && f->acked < f->count) {
				f->acked++;
			} else if (c == '-' && f->acked < f->count) {
				/* Rejected: the client sends it again, as a new command. */
				for (size_t k = f->acked; k + 1 < f->count; k++)
					f->faulty[(f->head + k) % MAX_PENDING] = f->faulty[(f->head + k + 1) % MAX_PENDING];
				f->count--;
			}
			if (send_all(client, &c, 1) < 0)
				return -1;
			continue;
		}
		if (!collect(f->up, sizeof(f->up), &f->up_len, &f->up_in_packet, c))
			continue;
		bool replace = false;
		if (f->acked > 0) {
			replace = f->faulty[f->head];
			f->head = (f->head + 1) % MAX_PENDING;
			f->count--;
			f->acked--;
		}
		/* E14, checksum 0xaa. */
		if (replace ? send_all(client, "$E14#aa", 7) < 0 : send_all(client, f->up, f->up_len) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: fault-relay PORT_FILE HOST:PORT drop N|stall N|error LO HI|unplant LO HI|delay MS\n");
		return 2;
	}
	enum mode mode = strcmp(argv[3], "drop") == 0    ? DROP
			 : strcmp(argv[3], "stall") == 0 ? STALL
			 : strcmp(argv[3], "delay") == 0 ? DELAY
			 : strcmp(argv[3], "unplant") == 0 ? UNPLANT
							   : ERROR;
	unsigned long long limit = strtoull(argv[4], NULL, 0);
	struct filter f = { 0 };
	if (mode == UNPLANT) {
		mode = ERROR; /* the same bookkeeping, no read fails */
		f.unplant = true;
	}
	if (mode == ERROR) {
		if (argc < 6)
			return 2;
		f.lo = strtoull(argv[4], NULL, 0);
		f.hi = strtoull(argv[5], NULL, 0);
	}
	char host[256];
	const char *colon = strrchr(argv[2], ':');
	if (!colon || (size_t)(colon - argv[2]) >= sizeof(host))
		return 2;
	memcpy(host, argv[2], (size_t)(colon - argv[2]));
	host[colon - argv[2]] = '\0';

	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen)) {
		perror("fault-relay: listen");
		return 1;
	}
	FILE *pf = fopen(argv[1], "w");
	if (!pf || fprintf(pf, "%u\n", ntohs(a.sin_port)) < 0 || fclose(pf) != 0)
		return 1;
	/* One client, within a minute. */
	struct pollfd lp = { .fd = ls, .events = POLLIN };
	if (poll(&lp, 1, 60000) != 1)
		return 1;
	int client = accept(ls, NULL, NULL);
	int up = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in u = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
	if (client < 0 || up < 0 || inet_pton(AF_INET, host, &u.sin_addr) != 1 ||
	    connect(up, (struct sockaddr *)&u, sizeof(u)) != 0) {
		perror("fault-relay: connect");
		return 1;
	}
	/* Small packets go at once (Nagle would hold them for the peer's ACK). */
	int one = 1;
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	unsigned long long from_up = 0;
	char buf[16384];
	for (;;) {
		struct pollfd p[2] = { { .fd = client, .events = POLLIN }, { .fd = up, .events = POLLIN } };
		/* Bounded: a test that forgets the relay does not leave it forever. */
		if (poll(p, 2, 120000) <= 0)
			break;
		if (p[0].revents) {
			ssize_t n = read(client, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (mode == DELAY) {
				struct timespec ts = { (time_t)(limit / 1000), (long)(limit % 1000) * 1000000L };
				nanosleep(&ts, NULL);
			}
			if (mode == ERROR ? filter_client(&f, buf, (size_t)n, up) < 0
					  : send_all(up, buf, (size_t)n) < 0)
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(up, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (mode == ERROR) {
				if (filter_qemu(&f, buf, (size_t)n, client) < 0)
					break;
				continue;
			}
			size_t pass = (size_t)n;
			if ((mode == DROP || mode == STALL) && from_up + pass > limit)
				pass = from_up >= limit ? 0 : (size_t)(limit - from_up);
			if (pass && send_all(client, buf, pass) < 0)
				break;
			from_up += (size_t)n;
			if (mode == DROP && from_up >= limit)
				break;
		}
	}
	close(client);
	close(up);
	return 0;
}
