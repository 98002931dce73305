/* The stub side of an RSP connection (see link.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error-priv.h"
#include "proxy/link.h"

/* gdb sends at most its PacketSize (QEMU's 4 KiB) plus binary writes
 * ("X"); far above that is garbage. */
#define MAX_CLIENT_PACKET (64 * 1024)
/* Console output per "O" packet: small enough for any client's buffer. */
#define CONSOLE_CHUNK 512

struct kinspect_error *proxy_link_init(struct proxy_link *link, const char *name, int in_fd, int out_fd,
				       int timeout_ms)
{
	*link = (struct proxy_link){ .name = name, .in_fd = in_fd, .out_fd = out_fd, .timeout_ms = timeout_ms };
	return kinspect_rsp_decoder_init(&link->dec, MAX_CLIENT_PACKET);
}

void proxy_link_deinit(struct proxy_link *link)
{
	kinspect_rsp_decoder_deinit(&link->dec);
	free(link->last);
	link->last = NULL;
	link->last_cap = link->last_len = 0;
}

bool proxy_link_has_input(const struct proxy_link *link)
{
	return link->in_pos < link->in_len;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Write all of DATA, waiting (bounded) while the client's buffer is full. */
static struct kinspect_error *write_all(struct proxy_link *link, const char *data, size_t len)
{
	uint64_t deadline = now_ms() + (uint64_t)link->timeout_ms;
	while (len > 0) {
		ssize_t n = write(link->out_fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			uint64_t now = now_ms();
			if (now >= deadline)
				return kinspect_error_create(KINSPECT_ERROR_TIMEOUT, "%s does not read its input",
							     link->name);
			struct pollfd pfd = { .fd = link->out_fd, .events = POLLOUT };
			poll(&pfd, 1, (int)(deadline - now));
			continue;
		}
		if (n < 0)
			return kinspect_error_os(errno, NULL, "writing to %s", link->name);
		data += n;
		len -= (size_t)n;
	}
	return NULL;
}

struct kinspect_error *proxy_link_next(struct proxy_link *link, struct kinspect_rsp_event *ret)
{
	ret->type = KINSPECT_RSP_EVENT_NONE;
	if (link->in_pos == link->in_len && !link->eof) {
		ssize_t n = read(link->in_fd, link->in, sizeof(link->in));
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			return NULL;
		if (n < 0 && errno != ECONNRESET)
			return kinspect_error_os(errno, NULL, "reading from %s", link->name);
		if (n <= 0) {
			link->eof = true;
			return NULL;
		}
		link->in_pos = 0;
		link->in_len = (size_t)n;
	}
	while (link->in_pos < link->in_len) {
		link->in_pos += kinspect_rsp_decoder_feed(&link->dec, link->in + link->in_pos,
							  link->in_len - link->in_pos, ret);
		switch (ret->type) {
		case KINSPECT_RSP_EVENT_NONE:
		case KINSPECT_RSP_EVENT_ACK:
			ret->type = KINSPECT_RSP_EVENT_NONE;
			break;
		case KINSPECT_RSP_EVENT_NACK:
			ret->type = KINSPECT_RSP_EVENT_NONE;
			if (link->last_len) {
				struct kinspect_error *err = write_all(link, link->last, link->last_len);
				if (err)
					return err;
			}
			break;
		case KINSPECT_RSP_EVENT_BAD_PACKET:
			link->bad_in++;
			ret->type = KINSPECT_RSP_EVENT_NONE;
			{
				struct kinspect_error *err = write_all(link, "-", 1);
				if (err)
					return err;
			}
			break;
		case KINSPECT_RSP_EVENT_PACKET:
			link->packets_in++;
			return write_all(link, "+", 1);
		case KINSPECT_RSP_EVENT_INTERRUPT:
			return NULL;
		}
	}
	return NULL;
}

struct kinspect_error *proxy_link_send(struct proxy_link *link, const char *payload, size_t len)
{
	size_t need = kinspect_rsp_encode_bound(len);
	if (need > link->last_cap) {
		char *p = realloc(link->last, need);
		if (!p)
			return &kinspect_error_nomem;
		link->last = p;
		link->last_cap = need;
	}
	link->last_len = kinspect_rsp_encode(payload, len, link->last);
	link->packets_out++;
	return write_all(link, link->last, link->last_len);
}

struct kinspect_error *proxy_link_send_str(struct proxy_link *link, const char *payload)
{
	return proxy_link_send(link, payload, strlen(payload));
}

/* Take the client's acknowledgements of the packets sent so far off its
 * input, without waiting.  gdb acknowledges each "O" packet it reads and
 * blocks when its side of the connection is full (on a socket each one-byte
 * '+' takes a buffer of its own: about 200 fill it); a long run of console
 * packets that nobody takes acknowledgements from in between (a monitor
 * command's output of 100 KiB and more) ends with gdb blocked writing them
 * and the proxy blocked writing to gdb.  Anything but '+' stays for
 * proxy_link_next(); an end of input or an error is left for it too. */
static void take_acks(struct proxy_link *link)
{
	for (;;) {
		while (link->in_pos < link->in_len && link->in[link->in_pos] == '+')
			link->in_pos++;
		if (link->in_pos < link->in_len || link->eof)
			return;
		struct pollfd pfd = { .fd = link->in_fd, .events = POLLIN };
		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
			return;
		ssize_t n = read(link->in_fd, link->in, sizeof(link->in));
		if (n <= 0)
			return;
		link->in_pos = 0;
		link->in_len = (size_t)n;
	}
}

struct kinspect_error *proxy_link_console(struct proxy_link *link, const char *text, size_t len)
{
	char buf[1 + 2 * CONSOLE_CHUNK];
	while (len > 0) {
		size_t n = len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK;
		take_acks(link);
		buf[0] = 'O';
		kinspect_rsp_hex_encode(text, n, buf + 1);
		struct kinspect_error *err = proxy_link_send(link, buf, 1 + 2 * n);
		if (err)
			return err;
		text += n;
		len -= n;
	}
	return NULL;
}
