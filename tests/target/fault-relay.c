/* fault-relay: a TCP relay between one gdbstub client (kinspect) and QEMU's
 * gdbstub that injects faults, for the fault-injection tests:
 *   drop N          close both connections after N bytes from QEMU
 *   stall N         stop passing QEMU's bytes on after N (sockets stay open)
 *   error LO HI     answer "m" reads touching [LO, HI) with E14 itself
 *                   (what QEMU says for unmapped memory), others pass
 * usage: fault-relay PORT_FILE HOST:PORT MODE ARGS...
 * It listens on 127.0.0.1, writes its port to PORT_FILE, serves one client
 * and exits when either side closes.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { DROP, STALL, ERROR };

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

/* The client->QEMU stream for "error" mode: whole packets are looked at;
 * an "m" read in range is answered here and not passed on, and the client's
 * acknowledgement of that answer is swallowed. */
struct filter {
	char pkt[4096];
	size_t len;
	bool in_packet;
	int swallow_acks;
	uint64_t lo, hi;
};

static int filter_client(struct filter *f, const char *buf, size_t n, int upstream, int client)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (!f->in_packet) {
			if (c == '+' && f->swallow_acks > 0) {
				f->swallow_acks--;
				continue;
			}
			if (c != '$') {
				if (send_all(upstream, &c, 1) < 0)
					return -1;
				continue;
			}
			f->in_packet = true;
			f->len = 0;
		}
		if (f->len < sizeof(f->pkt))
			f->pkt[f->len++] = c;
		/* "$...#xx": complete two characters after the '#'. */
		if (f->len >= 4 && f->pkt[f->len - 3] == '#') {
			f->in_packet = false;
			unsigned long long addr, len;
			if (f->pkt[1] == 'm' && sscanf(f->pkt + 2, "%llx,%llx", &addr, &len) == 2 && addr < f->hi &&
			    addr + len > f->lo) {
				/* Ack it, answer E14 (checksum 0xaa). */
				if (send_all(client, "+$E14#aa", 8) < 0)
					return -1;
				f->swallow_acks++;
				continue;
			}
			if (send_all(upstream, f->pkt, f->len) < 0)
				return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: fault-relay PORT_FILE HOST:PORT drop N|stall N|error LO HI\n");
		return 2;
	}
	enum mode mode = strcmp(argv[3], "drop") == 0 ? DROP : strcmp(argv[3], "stall") == 0 ? STALL : ERROR;
	unsigned long long limit = strtoull(argv[4], NULL, 0);
	struct filter f = { 0 };
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
			if (mode == ERROR ? filter_client(&f, buf, (size_t)n, up, client) < 0
					  : send_all(up, buf, (size_t)n) < 0)
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(up, buf, sizeof(buf));
			if (n <= 0)
				break;
			size_t pass = (size_t)n;
			if (mode != ERROR && from_up + pass > limit)
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
