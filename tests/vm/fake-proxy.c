/* A stand-in for "kinspect gdb-proxy" in the plugin's test, until the proxy
 * lands: run as ".../kinspect gdb-proxy -k VMLINUX" it relays gdb's stdio to
 * the gdbstub on 127.0.0.1:$FAKE_PROXY_PORT, so gdb has a child process that
 * looks like the proxy, which the plugin takes its vmlinux from.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int relay(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));
	for (ssize_t done = 0, w; n > 0 && done < n; done += w) {
		if ((w = write(to, buf + done, (size_t)(n - done))) <= 0)
			return -1;
	}
	return n > 0 ? 0 : -1;
}

int main(void)
{
	const char *port = getenv("FAKE_PROXY_PORT");
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port ? port : "0")) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr) != 1 ||
	    connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		return 1;
	struct pollfd fds[2] = { { .fd = 0, .events = POLLIN }, { .fd = s, .events = POLLIN } };
	for (;;) {
		if (poll(fds, 2, 600 * 1000) <= 0)
			return 1;
		if (fds[0].revents && relay(0, s))
			return 0;
		if (fds[1].revents && relay(s, 1))
			return 0;
	}
}
