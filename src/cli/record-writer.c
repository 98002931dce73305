/* The record writer: each field of a command's record to JSON or to text
 * (see record-writer.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "cli/record-writer.h"

struct record_writer record_writer_cli(struct cli *cli)
{
	return (struct record_writer){ .j = cli->json ? &cli->json_writer : NULL };
}

void record_text(const struct record_writer *w, const char *fmt, ...)
{
	if (w->j)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* KEY before the next JSON value, unless it is an array element. */
static void json_key(const struct record_writer *w, const char *key)
{
	if (key)
		kinspect_json_key(w->j, key);
}

void record_begin_object(const struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_begin_object(w->j);
	}
}

void record_end_object(const struct record_writer *w)
{
	if (w->j)
		kinspect_json_end_object(w->j);
}

void record_begin_array(const struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_begin_array(w->j);
	}
}

void record_end_array(const struct record_writer *w)
{
	if (w->j)
		kinspect_json_end_array(w->j);
}

void record_json_address(const struct record_writer *w, const char *key, uint64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_address(w->j, value);
	}
}

void record_json_uint(const struct record_writer *w, const char *key, uint64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, value);
	}
}

void record_json_int(const struct record_writer *w, const char *key, int64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_int(w->j, value);
	}
}

void record_json_string(const struct record_writer *w, const char *key, const char *value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_string(w->j, value);
	}
}

void record_null(const struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_null(w->j);
	}
}

void record_bool(const struct record_writer *w, const char *key, bool value, const char *if_true,
		 const char *if_false)
{
	const char *text = value ? if_true : if_false;
	if (w->j) {
		json_key(w, key);
		kinspect_json_bool(w->j, value);
	} else if (text) {
		fputs(text, stdout);
	}
}

/* The text of a field: FMT with the value the caller's AP holds. */
static void text_field(const struct record_writer *w, const char *fmt, va_list ap)
{
	if (!w->j && fmt)
		vprintf(fmt, ap);
}

void record_address_(const struct record_writer *w, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_address(w->j, va_arg(ap, uint64_t));
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_uint_(const struct record_writer *w, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, va_arg(ap, uint64_t));
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_int_(const struct record_writer *w, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_int(w->j, va_arg(ap, int64_t));
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_string_(const struct record_writer *w, const char *key, const char *fmt, ...)
{
	va_list ap, peek;
	va_start(ap, fmt);
	va_copy(peek, ap);
	const char *value = va_arg(peek, const char *);
	va_end(peek);
	if (w->j) {
		json_key(w, key);
		kinspect_json_string(w->j, value);
	}
	if (value)
		text_field(w, fmt, ap);
	va_end(ap);
}

void record_string_shown_(const struct record_writer *w, const char *key, const char *value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_string(w->j, value);
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_uint_shown_(const struct record_writer *w, const char *key, uint64_t value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, value);
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_raw_(const struct record_writer *w, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (w->j) {
		json_key(w, key);
		kinspect_json_raw(w->j, va_arg(ap, const char *));
	}
	text_field(w, fmt, ap);
	va_end(ap);
}

void record_hexdump(const struct record_writer *w, const char *key, uint64_t addr, const uint8_t *buf, size_t len)
{
	if (w->j) {
		json_key(w, key);
		cli_json_hex(w->j, buf, len);
	} else {
		cli_hexdump(addr, buf, len);
	}
}

void record_bit_letters(const struct record_writer *w, const char *key, uint64_t value, const char *letters)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, value);
		return;
	}
	for (size_t i = 0; letters[i] && i < 64; i++)
		putchar(value & (UINT64_C(1) << i) ? letters[i] : '-');
}
