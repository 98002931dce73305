/* Printing a typed value from its bytes, as gdb's "p/x" does with "set
 * print pretty": members, nested and anonymous structs and unions, arrays
 * (bounded, equal runs as "<repeats N times>"), bit-fields, enumerators by
 * name (flag enums as A | B), char arrays as strings, pointers in hex with
 * the symbol they point at.  Text or JSON.  Nothing is dereferenced: the
 * printer sees only the bytes it is given.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_VALUE_PRINTER_H
#define KINSPECT_VALUE_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kinspect/error.h>

#include "core/json-writer.h"
#include "debuginfo/dwarf-types-priv.h"

struct kinspect_value_printer {
	struct kinspect_dwarf_types *types;
	/* JSON goes to JSON if not NULL, text to OUT otherwise. */
	FILE *out;
	struct kinspect_json *json;
	/* Name the address ADDR (a pointer's value) as "symbol" or
	 * "symbol+offset" in BUF; false if nothing is there.  May be NULL. */
	bool (*symbolize)(void *ctx, uint64_t addr, char *buf, size_t size);
	void *symbolize_ctx;
	/* Elements printed of one array before "..." (gdb: print elements);
	 * 0 means 200. */
	unsigned int max_elements;
	/* Runs of at least this many equal elements print once with
	 * "<repeats N times>" (gdb: print repeats); 0 means 10, UINT_MAX never. */
	unsigned int repeat_threshold;
};

/* Print the value of type POS (bit-field of BIT_SIZE bits at BIT_OFFSET
 * when BIT_SIZE is not 0, else the whole type at BIT_OFFSET / 8) held in
 * the SIZE bytes at BYTES.  Parts beyond SIZE print as <unavailable> (JSON
 * null).  Text ends without a newline.
 *
 * JSON: structs and unions are objects (members of anonymous ones merged
 * into their parent, as C names them), arrays are arrays (char arrays are
 * strings), integers numbers unless beyond 2^53 (then "0x..." strings, as
 * addresses), pointers "0x..." strings, enumerators their names ("A|B" for
 * flags; numbers when no name fits), bools true/false. */
struct kinspect_error *kinspect_value_print(const struct kinspect_value_printer *printer,
					    struct kinspect_dwarf_type_pos *pos, uint64_t bit_offset,
					    uint32_t bit_size, const void *bytes, size_t size);

#endif /* KINSPECT_VALUE_PRINTER_H */
