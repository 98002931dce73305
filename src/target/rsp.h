/* The GDB remote serial protocol codec: packet framing, checksums, escaping,
 * run-length decoding and hex helpers.  No I/O: the gdbstub client and the
 * gdb proxy feed it bytes and write what it encodes.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_RSP_H
#define KINSPECT_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

/* ---- encoding ---------------------------------------------------------- */

/* The largest encoding of a LEN-byte payload: every byte escaped, plus
 * '$', '#' and two checksum digits. */
static inline size_t kinspect_rsp_encode_bound(size_t len)
{
	return 2 * len + 4;
}

/* Write "$PAYLOAD#cs" to OUT (at least kinspect_rsp_encode_bound(LEN)
 * bytes), escaping '$', '#', '}' and '*' as '}' followed by the byte XOR
 * 0x20.  No run-length encoding (stubs need not accept it).  Returns the
 * number of bytes written; OUT is not NUL-terminated. */
size_t kinspect_rsp_encode(const void *payload, size_t len, char *out);

/* ---- decoding ---------------------------------------------------------- */

enum kinspect_rsp_event_type {
	/* All input was consumed without completing an event. */
	KINSPECT_RSP_EVENT_NONE,
	/* '+' and '-' between packets. */
	KINSPECT_RSP_EVENT_ACK,
	KINSPECT_RSP_EVENT_NACK,
	/* A 0x03 byte between packets (gdb asking to stop the target). */
	KINSPECT_RSP_EVENT_INTERRUPT,
	/* A packet with a correct checksum: DATA/LEN is its unescaped,
	 * run-length-expanded payload. */
	KINSPECT_RSP_EVENT_PACKET,
	/* A framed packet that must be answered with '-': see BAD. */
	KINSPECT_RSP_EVENT_BAD_PACKET,
};

enum kinspect_rsp_bad_reason {
	KINSPECT_RSP_BAD_NONE,
	/* The checksum does not match the bytes. */
	KINSPECT_RSP_BAD_CHECKSUM,
	/* The payload would exceed the decoder's maximum; it was dropped. */
	KINSPECT_RSP_BAD_TOO_LONG,
	/* A '*' with no byte to repeat, a count byte out of range, or checksum
	 * digits that are not hex. */
	KINSPECT_RSP_BAD_MALFORMED,
};

struct kinspect_rsp_event {
	enum kinspect_rsp_event_type type;
	enum kinspect_rsp_bad_reason bad;
	/* For PACKET: the payload, NUL-terminated for convenience (it may hold
	 * NUL bytes of its own).  Owned by the decoder, valid until the next
	 * call of kinspect_rsp_decoder_feed() or _deinit(). */
	const char *data;
	size_t len;
};

/* An incremental decoder: feed it any chunks of a byte stream, in order. */
struct kinspect_rsp_decoder {
	char *buf;  /* MAX + 1 bytes */
	size_t max; /* the largest payload accepted, after expansion */
	size_t len;
	int state;
	uint8_t sum;
	uint8_t csum_hi;
	enum kinspect_rsp_bad_reason bad;
	size_t raw_len; /* raw bytes of the packet being read */
	/* Bytes skipped outside packets and of abandoned packets (a '$' in
	 * the middle of a packet starts a new one, as gdb does). */
	uint64_t garbage;
};

/* Prepare DEC for payloads of at most MAX bytes (after unescaping and
 * run-length expansion): memory use stays bounded whatever the input. */
struct kinspect_error *kinspect_rsp_decoder_init(struct kinspect_rsp_decoder *dec, size_t max);

/* Free DEC's buffer.  Accepts a zeroed or already deinitialized decoder. */
void kinspect_rsp_decoder_deinit(struct kinspect_rsp_decoder *dec);

/* Forget any partial packet (e.g. after the connection was reset). */
void kinspect_rsp_decoder_reset(struct kinspect_rsp_decoder *dec);

/* Consume bytes of BUF (LEN bytes) up to and including the first one that
 * completes an event, store the event in *RET (type NONE when all LEN bytes
 * were consumed without one), and return how many bytes were consumed.
 * Call again with the rest of the input after handling the event. */
size_t kinspect_rsp_decoder_feed(struct kinspect_rsp_decoder *dec, const void *buf, size_t len,
				 struct kinspect_rsp_event *ret);

/* ---- hex helpers ------------------------------------------------------- */

/* The value of hex digit C (either case), or -1. */
static inline int kinspect_rsp_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Write LEN bytes of BUF as 2 * LEN lowercase hex digits to OUT (not
 * NUL-terminated).  Returns 2 * LEN. */
size_t kinspect_rsp_hex_encode(const void *buf, size_t len, char *out);

/* Decode HEX_LEN hex digits (an even number) into HEX_LEN / 2 bytes at OUT.
 * Returns false, with OUT partly written, if HEX_LEN is odd or a character
 * is not a hex digit. */
bool kinspect_rsp_hex_decode(const char *hex, size_t hex_len, void *out);

/* Parse LEN (1 to 16) hex digits, most significant first, as sent in
 * "PacketSize=1000" or thread ids.  Returns false if there are none, too
 * many, or a non-hex character. */
bool kinspect_rsp_parse_hex(const char *s, size_t len, uint64_t *ret);

/* A register value as the 'p' and 'g' packets carry it: HEX_LEN hex digits
 * (an even number, at most 16) of target bytes in little-endian order.
 * Returns false on odd or excess length, non-hex digits or 'x' digits
 * (which stubs send for unavailable registers). */
bool kinspect_rsp_parse_le(const char *hex, size_t hex_len, uint64_t *ret);

/* The inverse: NBYTES (at most 8) bytes of VALUE, little-endian, as
 * 2 * NBYTES hex digits at OUT (not NUL-terminated). */
void kinspect_rsp_format_le(uint64_t value, size_t nbytes, char *out);

#endif /* KINSPECT_RSP_H */
