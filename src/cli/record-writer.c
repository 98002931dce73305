/* The record writer: each field of a command's record to JSON or to text
 * (see record-writer.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/record-writer.h"

struct record_writer record_writer_cli(struct cli *cli)
{
	return (struct record_writer){ .j = cli->json ? &cli->json_writer : NULL };
}

/* Where text goes now: stdout, or the buffer of the current slot (stdout
 * if there is no memory for one: the text then comes out of its order). */
static FILE *text_file(struct record_writer *w)
{
	if (!w->slot)
		return stdout;
	if (!w->slots[w->slot].file)
		w->slots[w->slot].file = open_memstream(&w->slots[w->slot].text, &w->slots[w->slot].len);
	return w->slots[w->slot].file ? w->slots[w->slot].file : stdout;
}

void record_slot(struct record_writer *w, unsigned int slot)
{
	w->slot = slot < RECORD_SLOTS ? slot : RECORD_SLOTS - 1;
}

void record_flush(struct record_writer *w)
{
	for (unsigned int i = 1; i < RECORD_SLOTS; i++) {
		if (!w->slots[i].file)
			continue;
		fclose(w->slots[i].file);
		fwrite(w->slots[i].text, 1, w->slots[i].len, stdout);
		free(w->slots[i].text);
		w->slots[i].file = NULL;
		w->slots[i].text = NULL;
	}
	w->slot = 0;
}

void record_text(struct record_writer *w, const char *fmt, ...)
{
	if (w->j)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(text_file(w), fmt, ap);
	va_end(ap);
}

/* KEY before the next JSON value, unless it is an array element. */
static void json_key(struct record_writer *w, const char *key)
{
	if (key)
		kinspect_json_key(w->j, key);
}

void record_begin_object(struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_begin_object(w->j);
	}
}

void record_end_object(struct record_writer *w)
{
	if (w->j)
		kinspect_json_end_object(w->j);
}

void record_begin_array(struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_begin_array(w->j);
	}
}

void record_end_array(struct record_writer *w)
{
	if (w->j)
		kinspect_json_end_array(w->j);
}

void record_json_address(struct record_writer *w, const char *key, uint64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_address(w->j, value);
	}
}

void record_json_uint(struct record_writer *w, const char *key, uint64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, value);
	}
}

void record_json_int(struct record_writer *w, const char *key, int64_t value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_int(w->j, value);
	}
}

void record_json_string(struct record_writer *w, const char *key, const char *value)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_string(w->j, value);
	}
}

void record_null(struct record_writer *w, const char *key)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_null(w->j);
	}
}

void record_bool(struct record_writer *w, const char *key, bool value, const char *if_true,
		 const char *if_false)
{
	const char *text = value ? if_true : if_false;
	if (w->j) {
		json_key(w, key);
		kinspect_json_bool(w->j, value);
	} else if (text) {
		fputs(text, text_file(w));
	}
}

/* The text of a field: FMT with the value the caller's AP holds. */
static void text_field(struct record_writer *w, const char *fmt, va_list ap)
{
	if (!w->j && fmt)
		vfprintf(text_file(w), fmt, ap);
}

void record_address_(struct record_writer *w, const char *key, const char *fmt, ...)
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

void record_uint_(struct record_writer *w, const char *key, const char *fmt, ...)
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

void record_int_(struct record_writer *w, const char *key, const char *fmt, ...)
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

void record_string_(struct record_writer *w, const char *key, const char *fmt, ...)
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

void record_string_shown_(struct record_writer *w, const char *key, const char *value, const char *fmt, ...)
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

void record_uint_shown_(struct record_writer *w, const char *key, uint64_t value, const char *fmt, ...)
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

void record_raw_(struct record_writer *w, const char *key, const char *fmt, ...)
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

void record_hexdump(struct record_writer *w, const char *key, uint64_t addr, const uint8_t *buf, size_t len)
{
	if (w->j) {
		json_key(w, key);
		cli_json_hex(w->j, buf, len);
	} else {
		record_flush(w);
		cli_hexdump(addr, buf, len);
	}
}

void record_bit_letters(struct record_writer *w, const char *key, uint64_t value, const char *letters)
{
	if (w->j) {
		json_key(w, key);
		kinspect_json_uint(w->j, value);
		return;
	}
	for (size_t i = 0; letters[i] && i < 64; i++)
		fputc(value & (UINT64_C(1) << i) ? letters[i] : '-', text_file(w));
}
