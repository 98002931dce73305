/* libFuzzer harness for the layout cache reader: the input is loaded as a
 * cache file twice, as it is and with its checksum made right (so that the
 * fuzzer reaches the entry parser instead of stopping at the checksum);
 * whatever the bytes, loading ends in answers that read back or an error,
 * never a crash, a leak or a hang.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debuginfo/layout-cache.h"

static const uint8_t build_id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void try_load(const uint8_t *data, size_t size)
{
	struct kinspect_layout_cache *cache;
	if (kinspect_layout_cache_create(NULL, build_id, sizeof(build_id), &cache))
		return;
	struct kinspect_error *err = kinspect_layout_cache_load_buffer(cache, data, size);
	if (err && kinspect_layout_cache_count(cache) != 0)
		abort(); /* a refused file must leave nothing behind */
	kinspect_error_destroy(err);
	static const char *const keys[] = { "struct module", "struct folio", "ITER_FOLIOQ", "x" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (int q = KINSPECT_LAYOUT_SIZEOF; q <= KINSPECT_LAYOUT_ENUM; q++) {
			const struct kinspect_layout_answer *a =
				kinspect_layout_cache_find(cache, (enum kinspect_layout_query)q, keys[i], "");
			if (a && a->error_code && strlen(a->error_message) > 4095)
				abort();
		}
	}
	kinspect_layout_cache_destroy(cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	try_load(data, size);
	if (size < 8)
		return 0;
	uint8_t *copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < size - 8; i++)
		h = (h ^ copy[i]) * UINT64_C(1099511628211);
	for (int i = 0; i < 8; i++)
		copy[size - 8 + i] = (uint8_t)(h >> (8 * i));
	try_load(copy, size);
	free(copy);
	return 0;
}
