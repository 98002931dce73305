/* One renderer for text and --json: a command writes each record with one
 * function, and each field of it with one call here, which puts the value
 * in the JSON document (under its key) or in the text (through a printf
 * format), so that the two outputs cannot disagree.
 *
 * A field's FMT has exactly one conversion, for the value as the macro
 * passes it (uint64_t for addresses and unsigned numbers: PRIx64, PRIu64;
 * int64_t for signed ones; const char * for strings), and the compiler
 * checks it against that type.  FMT NULL (chosen at run time, e.g.
 * "tail ? NULL : ...") writes the field to JSON only; the record_json_*()
 * calls are for fields the text never shows.  KEY NULL: an element of the
 * array being written.  Objects and arrays are JSON structure only; text
 * around values (labels, table headings) goes through record_text().
 *
 * Fields are written in the order of the JSON document.  Where the text
 * shows them in another order, record_slot() sends the text to numbered
 * slots, which record_flush() prints in the order of their numbers.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_RECORD_WRITER_H
#define KINSPECT_CLI_RECORD_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "core/json-writer.h"

/* Slots of text a record may lay out: 1 to RECORD_SLOTS - 1. */
#define RECORD_SLOTS 24

struct record_writer {
	struct kinspect_json *j; /* NULL: text, on stdout */
	/* The slot text goes to now (0: straight to stdout), and what each
	 * slot holds until record_flush(). */
	unsigned int slot;
	struct {
		FILE *file;
		char *text;
		size_t len;
	} slots[RECORD_SLOTS];
};

/* The writer of CLI's current command: its JSON writer with --json. */
struct record_writer record_writer_cli(struct cli *cli);

static inline bool record_is_json(const struct record_writer *w)
{
	return w->j != NULL;
}

/* The text that follows goes to slot SLOT (0: straight out). */
void record_slot(struct record_writer *w, unsigned int slot);
/* Print the slots, the lowest number first, empty them, and go back to
 * slot 0.  Call it where the record's text ends. */
void record_flush(struct record_writer *w);

/* Text only: words around the values (FMT NULL: none). */
void record_text(struct record_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void record_begin_object(struct record_writer *w, const char *key);
void record_end_object(struct record_writer *w);
void record_begin_array(struct record_writer *w, const char *key);
void record_end_array(struct record_writer *w);

/* What a field is in JSON. */
enum record_type {
	RECORD_ADDRESS, /* a uint64_t, as a "0x..." string */
	RECORD_UINT,    /* a uint64_t */
	RECORD_INT,     /* an int64_t */
	RECORD_STRING,  /* a const char *; NULL: null */
	RECORD_RAW,     /* a const char *: JSON text */
	RECORD_NULL,
};

union record_value {
	uint64_t u;
	int64_t i;
	const char *s;
};

/* An address: a "0x..." string in JSON. */
#define record_address(w, key, fmt, value) record_field_((w), (key), RECORD_ADDRESS, (fmt), (uint64_t)(value))
/* A number in JSON. */
#define record_uint(w, key, fmt, value) record_field_((w), (key), RECORD_UINT, (fmt), (uint64_t)(value))
#define record_int(w, key, fmt, value) record_field_((w), (key), RECORD_INT, (fmt), (int64_t)(value))
/* HAS false: JSON null, and no text. */
#define record_int_opt(w, key, fmt, has, value) \
	((has) ? record_int((w), (key), (fmt), (value)) : record_null((w), (key)))
/* A string; VALUE NULL: JSON null, and no text. */
#define record_string(w, key, fmt, value) record_field_((w), (key), RECORD_STRING, (fmt), (const char *)(value))
/* A JSON value already rendered as JSON text (with --json) or as text. */
#define record_raw(w, key, fmt, value) record_field_((w), (key), RECORD_RAW, (fmt), (const char *)(value))

/* Values the text shows in a form of its own, FMT with one argument for it. */
/* A string the text shows as PLACEHOLDER when it is NULL or empty ("-",
 * "(none)"); JSON has VALUE as it is (null or ""). */
#define record_string_or(w, key, fmt, value, placeholder) \
	__extension__({ \
		const char *record_v_ = (value); \
		record_json_string((w), (key), record_v_); \
		record_text((w), (fmt), record_v_ && *record_v_ ? record_v_ : (placeholder)); \
	})
/* A string (a kind, a state) the text says in words of its own, SHOWN. */
#define record_string_as(w, key, value, fmt, shown) \
	(record_json_string((w), (key), (value)), record_text((w), (fmt), (const char *)(shown)))
/* A size in bytes: a number in JSON, mebibytes in the text (FMT takes a
 * double: "%.1f MiB"). */
#define record_mib(w, key, fmt, bytes) \
	__extension__({ \
		uint64_t record_b_ = (bytes); \
		record_json_uint((w), (key), record_b_); \
		record_text((w), (fmt), (double)record_b_ / (1024 * 1024)); \
	})

/* A boolean; the text says IF_TRUE or IF_FALSE (NULL: nothing). */
void record_bool(struct record_writer *w, const char *key, bool value, const char *if_true, const char *if_false);
/* Bits as letters: a number in JSON; in the text LETTERS[i] when bit i
 * of VALUE is set, '-' when not ("12-"). */
void record_bit_letters(struct record_writer *w, const char *key, uint64_t value, const char *letters);
/* JSON null: a field the record does not have this time. */
#define record_null(w, key) record_json_((w), (key), RECORD_NULL, (union record_value){ 0 })

/* Fields the text does not show. */
#define record_json_address(w, key, value) \
	record_json_((w), (key), RECORD_ADDRESS, (union record_value){ .u = (uint64_t)(value) })
#define record_json_uint(w, key, value) \
	record_json_((w), (key), RECORD_UINT, (union record_value){ .u = (uint64_t)(value) })
#define record_json_int(w, key, value) record_json_((w), (key), RECORD_INT, (union record_value){ .i = (int64_t)(value) })
#define record_json_string(w, key, value) \
	record_json_((w), (key), RECORD_STRING, (union record_value){ .s = (const char *)(value) })

/* LEN bytes of BUF, read at ADDR: a string of hex digits in JSON, a
 * hexdump (cli_hexdump()) in the text, after the slots held so far. */
void record_hexdump(struct record_writer *w, const char *key, uint64_t addr, const uint8_t *buf, size_t len);

/* What the macros above call: a field of TYPE whose value is the argument
 * after FMT, and a JSON value alone. */
void record_field_(struct record_writer *w, const char *key, enum record_type type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void record_json_(struct record_writer *w, const char *key, enum record_type type, union record_value value);

#endif /* KINSPECT_CLI_RECORD_WRITER_H */
