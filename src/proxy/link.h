/* The stub side of one RSP connection the proxy serves (gdb, or a kinspect
 * CLI on the private socket): reading packets, acknowledging them, sending
 * answers and re-sending the last one when the client asks with '-'.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_LINK_H
#define KINSPECT_PROXY_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

#include "target/rsp.h"

struct proxy_link {
	const char *name; /* "gdb", "kinspect client": for messages */
	int in_fd, out_fd;
	struct kinspect_rsp_decoder dec;
	uint8_t in[16384];
	size_t in_pos, in_len;
	bool eof;
	/* The last packet sent, framed, for a retransmission after '-'. */
	char *last;
	size_t last_len, last_cap;
	int timeout_ms;
	uint64_t packets_in, packets_out, bad_in;
};

struct kinspect_error *proxy_link_init(struct proxy_link *link, const char *name, int in_fd, int out_fd,
				       int timeout_ms);
void proxy_link_deinit(struct proxy_link *link);

/* Whether decoded input is waiting (poll() on in_fd does not see it). */
bool proxy_link_has_input(const struct proxy_link *link);

/* The next event of the client, reading at most once from in_fd (call when
 * poll() said it is readable or proxy_link_has_input()).  Packets are
 * acknowledged with '+', broken ones answered with '-'; '-' from the client
 * re-sends the last packet.  *RET is a PACKET, an INTERRUPT or NONE (nothing
 * complete yet; check link->eof). */
struct kinspect_error *proxy_link_next(struct proxy_link *link, struct kinspect_rsp_event *ret);

/* Send one packet (bounded by the link's timeout). */
struct kinspect_error *proxy_link_send(struct proxy_link *link, const char *payload, size_t len);
struct kinspect_error *proxy_link_send_str(struct proxy_link *link, const char *payload);

/* Send TEXT as gdb console output: "O" packets of hex. */
struct kinspect_error *proxy_link_console(struct proxy_link *link, const char *text, size_t len);

#endif /* KINSPECT_PROXY_LINK_H */
