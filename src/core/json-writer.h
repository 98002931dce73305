/* A streaming JSON writer: the --json output of every command goes through
 * it, so commas, nesting and string escaping are right in one place.
 * Addresses are written as "0x..." strings because 64-bit kernel addresses do
 * not survive the double-precision numbers of most JSON readers.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_JSON_WRITER_H
#define KINSPECT_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define KINSPECT_JSON_MAX_DEPTH 64

struct kinspect_json {
	FILE *out;
	bool pretty;
	/* Nesting is deeper than KINSPECT_JSON_MAX_DEPTH or calls came in a
	 * wrong order: output is no longer valid and kinspect_json_end() says so. */
	bool broken;
	/* Something has been written: the document needs kinspect_json_end(). */
	bool started;
	int depth;
	bool after_key;
	/* Per level: has a value been written yet (so a comma is due)? */
	bool nonempty[KINSPECT_JSON_MAX_DEPTH];
	/* Per level: is it an object (keys expected) rather than an array? */
	bool is_object[KINSPECT_JSON_MAX_DEPTH];
};

/* Start one JSON document on OUT; PRETTY indents it for people. */
void kinspect_json_init(struct kinspect_json *json, FILE *out, bool pretty);

void kinspect_json_begin_object(struct kinspect_json *json);
void kinspect_json_end_object(struct kinspect_json *json);
void kinspect_json_begin_array(struct kinspect_json *json);
void kinspect_json_end_array(struct kinspect_json *json);

/* The key of the next member of the current object. */
void kinspect_json_key(struct kinspect_json *json, const char *key);

void kinspect_json_string(struct kinspect_json *json, const char *value);
/* LEN bytes of VALUE, which may hold NULs or invalid UTF-8 (escaped as \u00XX). */
void kinspect_json_string_len(struct kinspect_json *json, const char *value, size_t len);
void kinspect_json_int(struct kinspect_json *json, int64_t value);
void kinspect_json_uint(struct kinspect_json *json, uint64_t value);
void kinspect_json_bool(struct kinspect_json *json, bool value);
void kinspect_json_null(struct kinspect_json *json);
/* VALUE as a "0x..." string. */
void kinspect_json_address(struct kinspect_json *json, uint64_t value);

/* TEXT, a complete JSON value written by another kinspect_json at depth 0
 * (indented two spaces a level if this one is PRETTY), placed as the next
 * value: its lines indented to this writer's depth. */
void kinspect_json_raw(struct kinspect_json *json, const char *text);

/* Finish the document with a newline.  Returns false if it is not complete
 * and valid (unbalanced or too deep) or writing failed. */
bool kinspect_json_end(struct kinspect_json *json);

#endif /* KINSPECT_JSON_WRITER_H */
