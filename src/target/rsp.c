/* The GDB remote serial protocol codec (see rsp.h): a byte-at-a-time state
 * machine, so a packet may arrive in any number of pieces, and a bounded
 * buffer, so hostile input cannot make it grow.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"
#include "target/rsp.h"

static const char hex_digits[] = "0123456789abcdef";

static bool needs_escape(uint8_t c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

size_t kinspect_rsp_encode(const void *payload, size_t len, char *out)
{
	const uint8_t *p = payload;
	uint8_t sum = 0;
	size_t n = 0;

	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (needs_escape(c)) {
			out[n++] = '}';
			sum += '}';
			c ^= 0x20;
		}
		out[n++] = (char)c;
		sum += c;
	}
	out[n++] = '#';
	out[n++] = hex_digits[sum >> 4];
	out[n++] = hex_digits[sum & 0xf];
	return n;
}

enum {
	STATE_IDLE,
	STATE_DATA,
	STATE_ESCAPE,
	STATE_RUN_COUNT,
	STATE_CSUM1,
	STATE_CSUM2,
};

struct kinspect_error *kinspect_rsp_decoder_init(struct kinspect_rsp_decoder *dec, size_t max)
{
	memset(dec, 0, sizeof(*dec));
	if (max == 0 || max > SIZE_MAX / 2)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "RSP decoder: bad maximum packet size %zu", max);
	/* The whole maximum up front: feeding then never fails. */
	dec->buf = malloc(max + 1);
	if (!dec->buf)
		return &kinspect_error_nomem;
	dec->max = max;
	dec->buf[0] = '\0';
	return NULL;
}

void kinspect_rsp_decoder_deinit(struct kinspect_rsp_decoder *dec)
{
	free(dec->buf);
	dec->buf = NULL;
	dec->max = 0;
}

void kinspect_rsp_decoder_reset(struct kinspect_rsp_decoder *dec)
{
	dec->state = STATE_IDLE;
	dec->len = 0;
	dec->raw_len = 0;
	dec->bad = KINSPECT_RSP_BAD_NONE;
}

static void start_packet(struct kinspect_rsp_decoder *dec)
{
	dec->state = STATE_DATA;
	dec->len = 0;
	dec->sum = 0;
	dec->raw_len = 1;
	dec->bad = KINSPECT_RSP_BAD_NONE;
}

/* A '$' inside a packet: the stub gave up on the old one (gdb does the
 * same); its bytes count as skipped. */
static void restart_packet(struct kinspect_rsp_decoder *dec)
{
	dec->garbage += dec->raw_len;
	start_packet(dec);
}

static void mark_bad(struct kinspect_rsp_decoder *dec, enum kinspect_rsp_bad_reason reason)
{
	/* The first reason wins: a too-long packet stays too long. */
	if (dec->bad == KINSPECT_RSP_BAD_NONE)
		dec->bad = reason;
}

static void append(struct kinspect_rsp_decoder *dec, uint8_t c, size_t count)
{
	if (dec->bad == KINSPECT_RSP_BAD_TOO_LONG)
		return;
	if (count > dec->max - dec->len) {
		/* Keep scanning for the end of the packet, storing nothing. */
		dec->bad = KINSPECT_RSP_BAD_TOO_LONG;
		return;
	}
	memset(dec->buf + dec->len, c, count);
	dec->len += count;
}

/* The packet is complete: turn it into an event and go back to idle. */
static void finish_packet(struct kinspect_rsp_decoder *dec, struct kinspect_rsp_event *ret)
{
	dec->state = STATE_IDLE;
	ret->bad = dec->bad;
	if (dec->bad != KINSPECT_RSP_BAD_NONE) {
		ret->type = KINSPECT_RSP_EVENT_BAD_PACKET;
		ret->data = NULL;
		ret->len = 0;
		dec->len = 0;
	} else {
		ret->type = KINSPECT_RSP_EVENT_PACKET;
		ret->data = dec->buf;
		ret->len = dec->len;
	}
	dec->buf[dec->len] = '\0';
}

size_t kinspect_rsp_decoder_feed(struct kinspect_rsp_decoder *dec, const void *buf, size_t len,
				 struct kinspect_rsp_event *ret)
{
	const uint8_t *p = buf;
	int v;

	*ret = (struct kinspect_rsp_event){ .type = KINSPECT_RSP_EVENT_NONE };
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (dec->state != STATE_IDLE)
			dec->raw_len++;
		switch (dec->state) {
		case STATE_IDLE:
			switch (c) {
			case '$':
				start_packet(dec);
				break;
			case '+':
				ret->type = KINSPECT_RSP_EVENT_ACK;
				return i + 1;
			case '-':
				ret->type = KINSPECT_RSP_EVENT_NACK;
				return i + 1;
			case 0x03:
				ret->type = KINSPECT_RSP_EVENT_INTERRUPT;
				return i + 1;
			default:
				dec->garbage++;
				break;
			}
			break;
		case STATE_DATA:
			if (c == '#') {
				dec->state = STATE_CSUM1;
				break;
			}
			if (c == '$') {
				restart_packet(dec);
				break;
			}
			dec->sum += c;
			if (c == '}') {
				dec->state = STATE_ESCAPE;
			} else if (c == '*') {
				if (dec->len == 0)
					mark_bad(dec, KINSPECT_RSP_BAD_MALFORMED);
				dec->state = STATE_RUN_COUNT;
			} else {
				append(dec, c, 1);
			}
			break;
		case STATE_ESCAPE:
			/* Whatever follows '}' is data, as in gdb's read_frame(). */
			dec->sum += c;
			append(dec, c ^ 0x20, 1);
			dec->state = STATE_DATA;
			break;
		case STATE_RUN_COUNT:
			/* "X*n": X repeated n - 29 more times; n is printable
			 * and never '$' or '#' (which end the packet here). */
			if (c == '$') {
				restart_packet(dec);
				break;
			}
			if (c == '#') {
				mark_bad(dec, KINSPECT_RSP_BAD_MALFORMED);
				dec->state = STATE_CSUM1;
				break;
			}
			dec->sum += c;
			if (c < ' ' || c > '~')
				mark_bad(dec, KINSPECT_RSP_BAD_MALFORMED);
			else if (dec->len > 0)
				append(dec, (uint8_t)dec->buf[dec->len - 1], (size_t)(c - 29));
			dec->state = STATE_DATA;
			break;
		case STATE_CSUM1:
		case STATE_CSUM2:
			/* A '$' inside the checksum means the stub started over. */
			if (c == '$') {
				restart_packet(dec);
				break;
			}
			v = kinspect_rsp_hex_value(c);
			if (v < 0)
				mark_bad(dec, KINSPECT_RSP_BAD_MALFORMED);
			if (dec->state == STATE_CSUM1) {
				dec->csum_hi = (uint8_t)(v < 0 ? 0 : v);
				dec->state = STATE_CSUM2;
				break;
			}
			if (v >= 0 && (uint8_t)(dec->csum_hi << 4 | v) != dec->sum)
				mark_bad(dec, KINSPECT_RSP_BAD_CHECKSUM);
			finish_packet(dec, ret);
			return i + 1;
		}
	}
	return len;
}

size_t kinspect_rsp_hex_encode(const void *buf, size_t len, char *out)
{
	const uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[p[i] >> 4];
		out[2 * i + 1] = hex_digits[p[i] & 0xf];
	}
	return 2 * len;
}

bool kinspect_rsp_hex_decode(const char *hex, size_t hex_len, void *out)
{
	uint8_t *p = out;
	if (hex_len % 2)
		return false;
	for (size_t i = 0; i < hex_len; i += 2) {
		int hi = kinspect_rsp_hex_value((unsigned char)hex[i]);
		int lo = kinspect_rsp_hex_value((unsigned char)hex[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		p[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool kinspect_rsp_parse_hex(const char *s, size_t len, uint64_t *ret)
{
	uint64_t value = 0;
	if (len == 0 || len > 16)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v = kinspect_rsp_hex_value((unsigned char)s[i]);
		if (v < 0)
			return false;
		value = value << 4 | (uint64_t)v;
	}
	*ret = value;
	return true;
}

bool kinspect_rsp_parse_le(const char *hex, size_t hex_len, uint64_t *ret)
{
	uint8_t bytes[8];
	uint64_t value = 0;
	if (hex_len == 0 || hex_len > 16 || !kinspect_rsp_hex_decode(hex, hex_len, bytes))
		return false;
	for (size_t i = hex_len / 2; i-- > 0;)
		value = value << 8 | bytes[i];
	*ret = value;
	return true;
}

void kinspect_rsp_format_le(uint64_t value, size_t nbytes, char *out)
{
	for (size_t i = 0; i < nbytes && i < 8; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));
		out[2 * i] = hex_digits[b >> 4];
		out[2 * i + 1] = hex_digits[b & 0xf];
	}
}
