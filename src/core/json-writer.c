/* Streaming JSON writer.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "core/json-writer.h"

void kinspect_json_init(struct kinspect_json *json, FILE *out, bool pretty)
{
	*json = (struct kinspect_json){ .out = out, .pretty = pretty };
}

static void newline_indent(struct kinspect_json *json)
{
	if (!json->pretty)
		return;
	fputc('\n', json->out);
	for (int i = 0; i < json->depth; i++)
		fputs("  ", json->out);
}

/* Separator and indentation due before any value or key. */
static void before_value(struct kinspect_json *json)
{
	json->started = true;
	if (json->after_key) {
		json->after_key = false;
		return;
	}
	if (json->depth > 0) {
		/* Inside an object every value needs a key first. */
		if (json->is_object[json->depth - 1])
			json->broken = true;
		if (json->nonempty[json->depth - 1])
			fputc(',', json->out);
		json->nonempty[json->depth - 1] = true;
		newline_indent(json);
	}
}

static void begin(struct kinspect_json *json, char open, bool is_object)
{
	before_value(json);
	fputc(open, json->out);
	if (json->depth >= KINSPECT_JSON_MAX_DEPTH) {
		json->broken = true;
		return;
	}
	json->nonempty[json->depth] = false;
	json->is_object[json->depth] = is_object;
	json->depth++;
}

static void end(struct kinspect_json *json, char close, bool is_object)
{
	if (json->depth == 0 || json->is_object[json->depth - 1] != is_object || json->after_key) {
		json->broken = true;
		return;
	}
	json->depth--;
	if (json->nonempty[json->depth])
		newline_indent(json);
	fputc(close, json->out);
}

void kinspect_json_begin_object(struct kinspect_json *json)
{
	begin(json, '{', true);
}

void kinspect_json_end_object(struct kinspect_json *json)
{
	end(json, '}', true);
}

void kinspect_json_begin_array(struct kinspect_json *json)
{
	begin(json, '[', false);
}

void kinspect_json_end_array(struct kinspect_json *json)
{
	end(json, ']', false);
}

static void put_string(struct kinspect_json *json, const char *s, size_t len)
{
	fputc('"', json->out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", json->out); break;
		case '\\': fputs("\\\\", json->out); break;
		case '\n': fputs("\\n", json->out); break;
		case '\r': fputs("\\r", json->out); break;
		case '\t': fputs("\\t", json->out); break;
		default:
			/* Control bytes and bytes >= 0x80 (kernel strings are not
			 * guaranteed UTF-8) are escaped, so the output is always
			 * valid JSON. */
			if (c < 0x20 || c >= 0x7f)
				fprintf(json->out, "\\u%04x", c);
			else
				fputc(c, json->out);
		}
	}
	fputc('"', json->out);
}

void kinspect_json_key(struct kinspect_json *json, const char *key)
{
	if (json->depth == 0 || !json->is_object[json->depth - 1] || json->after_key) {
		json->broken = true;
		return;
	}
	if (json->nonempty[json->depth - 1])
		fputc(',', json->out);
	json->nonempty[json->depth - 1] = true;
	newline_indent(json);
	put_string(json, key, strlen(key));
	fputs(json->pretty ? ": " : ":", json->out);
	json->after_key = true;
}

void kinspect_json_string_len(struct kinspect_json *json, const char *value, size_t len)
{
	before_value(json);
	put_string(json, value, len);
}

void kinspect_json_string(struct kinspect_json *json, const char *value)
{
	if (!value) {
		kinspect_json_null(json);
		return;
	}
	kinspect_json_string_len(json, value, strlen(value));
}

void kinspect_json_int(struct kinspect_json *json, int64_t value)
{
	before_value(json);
	fprintf(json->out, "%" PRId64, value);
}

void kinspect_json_uint(struct kinspect_json *json, uint64_t value)
{
	before_value(json);
	fprintf(json->out, "%" PRIu64, value);
}

void kinspect_json_bool(struct kinspect_json *json, bool value)
{
	before_value(json);
	fputs(value ? "true" : "false", json->out);
}

void kinspect_json_null(struct kinspect_json *json)
{
	before_value(json);
	fputs("null", json->out);
}

void kinspect_json_address(struct kinspect_json *json, uint64_t value)
{
	before_value(json);
	fprintf(json->out, "\"0x%" PRIx64 "\"", value);
}

bool kinspect_json_end(struct kinspect_json *json)
{
	fputc('\n', json->out);
	return !json->broken && json->depth == 0 && !json->after_key && !ferror(json->out);
}

void kinspect_json_raw(struct kinspect_json *json, const char *text)
{
	before_value(json);
	for (const char *p = text; *p; p++) {
		fputc(*p, json->out);
		if (*p == '\n')
			for (int i = 0; i < json->depth; i++)
				fputs("  ", json->out);
	}
}
