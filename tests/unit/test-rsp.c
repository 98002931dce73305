/* Unit tests: the RSP codec (framing, escaping, run-length decoding, bounds,
 * resynchronisation) and its hex helpers, plus a seeded fuzz loop.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/rsp.h"
#include "tap.h"

/* The events of feeding a whole input, as a string: "+", "-", "^",
 * "P<payload>|", "B<reason>|".  Payload bytes outside printable ASCII as
 * \xx.  SPLIT > 0 feeds the input in pieces of that size. */
static char *events_of(struct kinspect_rsp_decoder *dec, const void *input, size_t len, size_t split)
{
	static char out[1 << 16];
	size_t o = 0;
	const uint8_t *p = input;
	size_t pos = 0;
	out[0] = '\0';
	while (pos < len) {
		size_t piece = split && split < len - pos ? split : len - pos;
		size_t used = 0;
		while (used < piece) {
			struct kinspect_rsp_event ev;
			size_t n = kinspect_rsp_decoder_feed(dec, p + pos + used, piece - used, &ev);
			if (n == 0 || n > piece - used)
				return strcpy(out, "NO-PROGRESS");
			used += n;
			if (o > sizeof(out) - 64)
				continue;
			switch (ev.type) {
			case KINSPECT_RSP_EVENT_NONE:
				break;
			case KINSPECT_RSP_EVENT_ACK:
				out[o++] = '+';
				break;
			case KINSPECT_RSP_EVENT_NACK:
				out[o++] = '-';
				break;
			case KINSPECT_RSP_EVENT_INTERRUPT:
				out[o++] = '^';
				break;
			case KINSPECT_RSP_EVENT_PACKET:
				out[o++] = 'P';
				for (size_t i = 0; i < ev.len && o < sizeof(out) - 64; i++) {
					uint8_t c = (uint8_t)ev.data[i];
					if (c >= ' ' && c <= '~' && c != '\\' && c != '|')
						out[o++] = (char)c;
					else
						o += (size_t)snprintf(out + o, 5, "\\%02x", c);
				}
				out[o++] = '|';
				break;
			case KINSPECT_RSP_EVENT_BAD_PACKET:
				o += (size_t)snprintf(out + o, 8, "B%d|", (int)ev.bad);
				break;
			}
			out[o] = '\0';
		}
		pos += piece;
	}
	return out;
}

/* "$RAW#cs" with the checksum of RAW taken as is (no escaping), for
 * hand-written run-length and escape sequences. */
static char *frame(const char *raw)
{
	static char buf[1024];
	uint8_t sum = 0;
	for (const char *p = raw; *p; p++)
		sum += (uint8_t)*p;
	snprintf(buf, sizeof(buf), "$%s#%02x", raw, sum);
	return buf;
}

static void test_encode(void)
{
	char out[64];
	size_t n = kinspect_rsp_encode("qSupported", 10, out);
	out[n] = '\0';
	is_str(out, "$qSupported#37", "checksum as QEMU sends it");
	n = kinspect_rsp_encode("D;1", 3, out);
	out[n] = '\0';
	is_str(out, "$D;1#b0", "D;1");
	n = kinspect_rsp_encode("", 0, out);
	out[n] = '\0';
	is_str(out, "$#00", "empty packet");
	n = kinspect_rsp_encode("a$b#c}d*e", 9, out);
	out[n] = '\0';
	ok(strncmp(out, "$a}\x04" "b}\x03" "c}]d}\x0a" "e#", 14) == 0, "escapes $ # } * as } + byte^0x20");
	ok(n <= kinspect_rsp_encode_bound(9), "encoding within its bound");
	n = kinspect_rsp_encode("$$$$", 4, out);
	ok(n == kinspect_rsp_encode_bound(4), "all-escaped payload fills the bound exactly");
}

static void test_decode_basic(void)
{
	struct kinspect_rsp_decoder dec;
	ok(kinspect_rsp_decoder_init(&dec, 64) == NULL, "decoder init");
	is_str(events_of(&dec, "+$OK#9a-\x03", 9, 0), "+POK|-^", "ack, packet, nack, interrupt");
	is_str(events_of(&dec, "+$OK#9a-\x03", 9, 1), "+POK|-^", "the same fed byte by byte");
	is_str(events_of(&dec, "$T02thread:p01.01;#03+$OK#9a", 28, 3), "PT02thread:p01.01;|+POK|",
	       "QEMU's unsolicited stop reply, then an answer, in 3-byte pieces");
	is_str(events_of(&dec, "$OK#9A", 6, 0), "POK|", "upper-case checksum digits");
	is_str(events_of(&dec, "$#00", 4, 0), "P|", "empty packet");

	/* Round trip of every byte value through the encoder. */
	uint8_t payload[256];
	for (int i = 0; i < 256; i++)
		payload[i] = (uint8_t)i;
	char enc[600];
	size_t n = kinspect_rsp_encode(payload, sizeof(payload), enc);
	struct kinspect_rsp_decoder big;
	kinspect_rsp_decoder_init(&big, 1024);
	struct kinspect_rsp_event ev;
	size_t used = kinspect_rsp_decoder_feed(&big, enc, n, &ev);
	ok(used == n && ev.type == KINSPECT_RSP_EVENT_PACKET && ev.len == 256 && memcmp(ev.data, payload, 256) == 0,
	   "all 256 byte values survive encode + decode");
	ok(ev.data[ev.len] == '\0', "payload is NUL-terminated");
	kinspect_rsp_decoder_deinit(&big);

	/* Feeding stops right after an event; the rest is fed again. */
	used = kinspect_rsp_decoder_feed(&dec, "+$OK#9a", 7, &ev);
	ok(used == 1 && ev.type == KINSPECT_RSP_EVENT_ACK, "feed stops after the first event");
	used = kinspect_rsp_decoder_feed(&dec, "$OK", 3, &ev);
	ok(used == 3 && ev.type == KINSPECT_RSP_EVENT_NONE, "partial packet: no event, all consumed");
	used = kinspect_rsp_decoder_feed(&dec, "#9a+", 4, &ev);
	ok(used == 3 && ev.type == KINSPECT_RSP_EVENT_PACKET && ev.len == 2, "completed by the next piece");
	kinspect_rsp_decoder_deinit(&dec);
	kinspect_rsp_decoder_deinit(&dec); /* twice is harmless */
}

static void test_run_length(void)
{
	struct kinspect_rsp_decoder dec;
	kinspect_rsp_decoder_init(&dec, 256);
	const char *f = frame("0* ");
	is_str(events_of(&dec, f, strlen(f), 0), "P0000|", "gdb manual: '0* ' is \"0000\"");
	f = frame("X*\"");
	is_str(events_of(&dec, f, strlen(f), 0), "PXXXXXX|", "'\"' = 5 more: runs of 6 avoid '#'");
	f = frame("ab*!c");
	is_str(events_of(&dec, f, strlen(f), 1), "Pabbbbbc|", "run in the middle, byte by byte");
	f = frame("}]*!");
	is_str(events_of(&dec, f, strlen(f), 0), "P}}}}}|", "an escaped byte repeated");
	f = frame("0*~");
	char want[128] = "P";
	memset(want + 1, '0', 98);
	strcpy(want + 99, "|");
	is_str(events_of(&dec, f, strlen(f), 0), want, "'~' = 97 more, the largest run");
	/* QEMU's "g" answer style: zeros compressed, as gdbserver sends. */
	f = frame("00*&1*!");
	is_str(events_of(&dec, f, strlen(f), 0), "P0000000000011111|", "mixed runs");
	f = frame("*!");
	is_str(events_of(&dec, f, strlen(f), 0), "B3|", "run with nothing to repeat is malformed");
	f = frame("a*\x01");
	is_str(events_of(&dec, f, strlen(f), 0), "B3|", "control byte as run count is malformed");
	is_str(events_of(&dec, "$a*#00", 6, 0), "B3|", "'#' as run count ends a malformed packet");
	f = frame("ok");
	is_str(events_of(&dec, f, strlen(f), 0), "Pok|", "decoder recovers after malformed packets");
	kinspect_rsp_decoder_deinit(&dec);
}

static void test_bad_and_garbage(void)
{
	struct kinspect_rsp_decoder dec;
	kinspect_rsp_decoder_init(&dec, 8);
	is_str(events_of(&dec, "$OK#00$OK#9a", 12, 0), "B1|POK|", "bad checksum reported, next packet fine");
	is_str(events_of(&dec, "$OK#zz", 6, 0), "B3|", "non-hex checksum is malformed");
	uint64_t g0 = dec.garbage;
	is_str(events_of(&dec, "xyz\r\n$OK#9a", 11, 0), "POK|", "noise before a packet skipped");
	is_int((long long)(dec.garbage - g0), 5, "five garbage bytes counted");
	is_str(events_of(&dec, "$AB$OK#9a", 9, 0), "POK|", "'$' inside a packet starts a new one");
	is_str(events_of(&dec, "$OK#9$OK#9a", 11, 0), "POK|", "'$' in the checksum starts a new one");

	const char *f = frame("12345678");
	is_str(events_of(&dec, f, strlen(f), 0), "P12345678|", "payload of exactly the maximum");
	f = frame("123456789");
	is_str(events_of(&dec, f, strlen(f), 0), "B2|", "one byte over the maximum: too long");
	f = frame("0*~");
	is_str(events_of(&dec, f, strlen(f), 0), "B2|", "a run past the maximum: too long");
	f = frame("1234567}]");
	is_str(events_of(&dec, f, strlen(f), 0), "P1234567}|", "escaped byte at the limit");

	/* A long stream with no '#': memory stays at the maximum. */
	static char flood[100000];
	memset(flood, 'A', sizeof(flood));
	flood[0] = '$';
	is_str(events_of(&dec, flood, sizeof(flood), 4096), "", "unterminated flood: no event");
	ok(dec.max == 8, "buffer did not grow");
	is_str(events_of(&dec, "#00$OK#9a", 9, 0), "B2|POK|", "flood ends as a too-long packet");
	kinspect_rsp_decoder_reset(&dec);
	is_str(events_of(&dec, "OK#9a$OK#9a", 11, 0), "POK|", "reset drops the partial packet");
	kinspect_rsp_decoder_deinit(&dec);

	struct kinspect_error *err = kinspect_rsp_decoder_init(&dec, 0);
	ok(err != NULL, "maximum 0 is refused");
	kinspect_error_destroy(err);
	kinspect_rsp_decoder_deinit(&dec);
}

static void test_hex(void)
{
	char out[32];
	size_t n = kinspect_rsp_hex_encode("\x00\x7f\xff\x10", 4, out);
	out[n] = '\0';
	is_str(out, "007fff10", "hex encode");
	uint8_t b[4];
	ok(kinspect_rsp_hex_decode("007FfF10", 8, b) && memcmp(b, "\x00\x7f\xff\x10", 4) == 0, "hex decode");
	ok(!kinspect_rsp_hex_decode("007", 3, b), "odd length refused");
	ok(!kinspect_rsp_hex_decode("0g", 2, b), "non-hex refused");
	uint64_t v = 0;
	ok(kinspect_rsp_parse_hex("1000", 4, &v) && v == 0x1000, "PacketSize=1000 is 4096");
	ok(kinspect_rsp_parse_hex("ffffffffffffffff", 16, &v) && v == UINT64_MAX, "16 digits");
	ok(!kinspect_rsp_parse_hex("10000000000000000", 17, &v), "17 digits refused");
	ok(!kinspect_rsp_parse_hex("", 0, &v), "empty refused");
	ok(kinspect_rsp_parse_le("00800d0100000000", 16, &v) && v == 0x10d8000, "little-endian cr3");
	ok(kinspect_rsp_parse_le("78563412", 8, &v) && v == 0x12345678, "32-bit little-endian");
	ok(!kinspect_rsp_parse_le("xxxxxxxx", 8, &v), "unavailable register ('x') refused");
	ok(!kinspect_rsp_parse_le("123", 3, &v), "odd digits refused");
	kinspect_rsp_format_le(0xffffffff81000000ULL, 8, out);
	out[16] = '\0';
	is_str(out, "00000081ffffffff", "format little-endian");
	ok(kinspect_rsp_hex_value('g') == -1 && kinspect_rsp_hex_value('F') == 15, "hex digit values");
}

/* xorshift64*: the same sequence on every machine. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void test_fuzz(void)
{
	static const char alphabet[] = "$#}*+-\x03" "0123456789abcdefOK Tm,:;xE";
	struct kinspect_rsp_decoder a, b;
	kinspect_rsp_decoder_init(&a, 32);
	kinspect_rsp_decoder_init(&b, 32);
	unsigned int mismatches = 0, bad_events = 0, roundtrip_failures = 0;
	for (int iter = 0; iter < 100000; iter++) {
		uint8_t buf[96];
		size_t len = rng() % sizeof(buf);
		for (size_t i = 0; i < len; i++) {
			uint64_t r = rng();
			buf[i] = (r & 3) ? (uint8_t)alphabet[(r >> 8) % (sizeof(alphabet) - 1)] : (uint8_t)(r >> 16);
		}
		/* Whole versus random pieces: the same events. */
		kinspect_rsp_decoder_reset(&a);
		kinspect_rsp_decoder_reset(&b);
		char *whole = strdup(events_of(&a, buf, len, 0));
		const char *pieces = events_of(&b, buf, len, 1 + rng() % 7);
		if (strcmp(whole, pieces) != 0 || strstr(whole, "NO-PROGRESS"))
			mismatches++;
		free(whole);
		if (a.len > a.max || b.len > b.max)
			bad_events++;

		/* A random payload survives encoding, noise before it and
		 * random splitting. */
		uint8_t payload[32];
		size_t plen = rng() % (sizeof(payload) + 1);
		for (size_t i = 0; i < plen; i++)
			payload[i] = (uint8_t)rng();
		char enc[2 * sizeof(payload) + 4 + 8];
		size_t noise = rng() % 8, n = 0;
		for (; n < noise; n++)
			enc[n] = "xyz\r\n ok"[rng() % 8];
		n += kinspect_rsp_encode(payload, plen, enc + n);
		kinspect_rsp_decoder_reset(&a);
		size_t pos = 0;
		int packets = 0;
		while (pos < n) {
			size_t piece = 1 + rng() % 9;
			if (piece > n - pos)
				piece = n - pos;
			size_t used = 0;
			while (used < piece) {
				struct kinspect_rsp_event ev;
				used += kinspect_rsp_decoder_feed(&a, enc + pos + used, piece - used, &ev);
				if (ev.type == KINSPECT_RSP_EVENT_PACKET) {
					packets++;
					if (ev.len != plen || memcmp(ev.data, payload, plen) != 0)
						roundtrip_failures++;
				} else if (ev.type != KINSPECT_RSP_EVENT_NONE) {
					roundtrip_failures++;
				}
			}
			pos += piece;
		}
		if (packets != 1)
			roundtrip_failures++;
	}
	is_int(mismatches, 0, "fuzz: 100000 random inputs give the same events whole and in pieces");
	is_int(bad_events, 0, "fuzz: buffer never past its maximum");
	is_int(roundtrip_failures, 0, "fuzz: 100000 random payloads round-trip through noise and splits");
	kinspect_rsp_decoder_deinit(&a);
	kinspect_rsp_decoder_deinit(&b);
}

int main(void)
{
	test_encode();
	test_decode_basic();
	test_run_length();
	test_bad_and_garbage();
	test_hex();
	test_fuzz();
	return tap_done();
}
