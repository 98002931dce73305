/* libFuzzer harness for the RSP decoder: any input, fed in pieces the
 * input itself chooses, must decode without crashing, keep the buffer
 * within its bound, and give the same events however it is split; and any
 * input used as a payload must survive encode + decode.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Not part of the default build: built and run by
 * tests/fuzz/fuzz-bounded.test; by hand, in a build tree:
 *   make fuzz-library && . tests/fuzz/fuzz-flags.sh
 *   $fuzz_cc $fuzz_cflags SRCDIR/tests/fuzz/fuzz-rsp.c $fuzz_libs -o fuzz-rsp
 *   ./fuzz-rsp -max_total_time=60 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target/rsp.h"

#define MAX 64

/* A digest of the event stream, to compare two ways of feeding. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static uint64_t feed_all(struct kinspect_rsp_decoder *dec, const uint8_t *data, size_t size, const uint8_t *splits,
			 size_t nsplits)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t pos = 0, s = 0;
	while (pos < size) {
		size_t piece = nsplits ? 1 + splits[s++ % nsplits] % 16 : size;
		if (piece > size - pos)
			piece = size - pos;
		size_t used = 0;
		while (used < piece) {
			struct kinspect_rsp_event ev;
			size_t n = kinspect_rsp_decoder_feed(dec, data + pos + used, piece - used, &ev);
			if (n == 0 || n > piece - used)
				abort();
			used += n;
			if (dec->len > dec->max)
				abort();
			if (ev.type == KINSPECT_RSP_EVENT_NONE)
				continue;
			h = mix(h, ev.type);
			h = mix(h, ev.bad);
			if (ev.type == KINSPECT_RSP_EVENT_PACKET) {
				if (ev.len > MAX || ev.data[ev.len] != '\0')
					abort();
				for (size_t i = 0; i < ev.len; i++)
					h = mix(h, (uint8_t)ev.data[i]);
			}
		}
		pos += piece;
	}
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kinspect_rsp_decoder a, b;
	if (kinspect_rsp_decoder_init(&a, MAX) || kinspect_rsp_decoder_init(&b, MAX))
		abort();
	uint64_t whole = feed_all(&a, data, size, NULL, 0);
	uint64_t split = feed_all(&b, data, size, data, size < 8 ? size : 8);
	if (whole != split)
		abort();

	/* Round trip of the input as a payload (up to MAX bytes). */
	size_t plen = size < MAX ? size : MAX;
	char *enc = malloc(kinspect_rsp_encode_bound(plen));
	size_t n = kinspect_rsp_encode(data, plen, enc);
	kinspect_rsp_decoder_reset(&a);
	struct kinspect_rsp_event ev;
	size_t used = kinspect_rsp_decoder_feed(&a, enc, n, &ev);
	if (used != n || ev.type != KINSPECT_RSP_EVENT_PACKET || ev.len != plen || memcmp(ev.data, data, plen) != 0)
		abort();
	free(enc);
	kinspect_rsp_decoder_deinit(&a);
	kinspect_rsp_decoder_deinit(&b);
	return 0;
}
