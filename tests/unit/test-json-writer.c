/* Unit tests: the JSON writer's separators, nesting and escaping.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdlib.h>

#include "core/json-writer.h"
#include "tap.h"

/* Run WRITE on a compact writer and return what it printed. */
static char *render(void (*write)(struct kinspect_json *), bool *valid)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct kinspect_json j;
	kinspect_json_init(&j, f, false);
	write(&j);
	*valid = kinspect_json_end(&j);
	fclose(f);
	return buf;
}

static void write_nested(struct kinspect_json *j)
{
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "name");
	kinspect_json_string(j, "9pnet\t\"x\"\\");
	kinspect_json_key(j, "base");
	kinspect_json_address(j, 0xffffffffc0a00000ULL);
	kinspect_json_key(j, "sections");
	kinspect_json_begin_array(j);
	kinspect_json_int(j, -1);
	kinspect_json_uint(j, 18446744073709551615ULL);
	kinspect_json_bool(j, true);
	kinspect_json_null(j);
	kinspect_json_begin_object(j);
	kinspect_json_end_object(j);
	kinspect_json_end_array(j);
	kinspect_json_end_object(j);
}

static void write_binary(struct kinspect_json *j)
{
	kinspect_json_string_len(j, "a\0\x01\xff", 4);
}

static void write_unbalanced(struct kinspect_json *j)
{
	kinspect_json_begin_object(j);
	kinspect_json_key(j, "x");
}

static void write_value_without_key(struct kinspect_json *j)
{
	kinspect_json_begin_object(j);
	kinspect_json_int(j, 1);
	kinspect_json_end_object(j);
}

static void write_too_deep(struct kinspect_json *j)
{
	for (int i = 0; i < KINSPECT_JSON_MAX_DEPTH + 2; i++)
		kinspect_json_begin_array(j);
	for (int i = 0; i < KINSPECT_JSON_MAX_DEPTH + 2; i++)
		kinspect_json_end_array(j);
}

int main(void)
{
	bool valid;
	char *s = render(write_nested, &valid);
	is_str(s, "{\"name\":\"9pnet\\t\\\"x\\\"\\\\\",\"base\":\"0xffffffffc0a00000\","
		  "\"sections\":[-1,18446744073709551615,true,null,{}]}\n",
	       "nested document with escapes");
	ok(valid, "nested document is complete");
	free(s);

	s = render(write_binary, &valid);
	is_str(s, "\"a\\u0000\\u0001\\u00ff\"\n", "NUL, control and high bytes are escaped");
	free(s);

	free(render(write_unbalanced, &valid));
	ok(!valid, "an unclosed object is reported");
	free(render(write_value_without_key, &valid));
	ok(!valid, "a value without a key inside an object is reported");
	free(render(write_too_deep, &valid));
	ok(!valid, "nesting beyond the limit is reported, not overflowed");
	return tap_done();
}
