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
	if (w->j || !fmt)
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

/* Objects and arrays: JSON structure, OP (begin or end) after KEY. */
static void structure(struct record_writer *w, const char *key, void (*op)(struct kinspect_json *))
{
	if (w->j) {
		json_key(w, key);
		op(w->j);
	}
}

void record_begin_object(struct record_writer *w, const char *key)
{
	structure(w, key, kinspect_json_begin_object);
}

void record_end_object(struct record_writer *w)
{
	structure(w, NULL, kinspect_json_end_object);
}

void record_begin_array(struct record_writer *w, const char *key)
{
	structure(w, key, kinspect_json_begin_array);
}

void record_end_array(struct record_writer *w)
{
	structure(w, NULL, kinspect_json_end_array);
}

void record_json_(struct record_writer *w, const char *key, enum record_type type, union record_value value)
{
	if (!w->j)
		return;
	json_key(w, key);
	switch (type) {
	case RECORD_ADDRESS: kinspect_json_address(w->j, value.u); break;
	case RECORD_UINT: kinspect_json_uint(w->j, value.u); break;
	case RECORD_INT: kinspect_json_int(w->j, value.i); break;
	case RECORD_STRING: kinspect_json_string(w->j, value.s); break;
	case RECORD_RAW: kinspect_json_raw(w->j, value.s); break;
	case RECORD_NULL: kinspect_json_null(w->j); break;
	}
}

void record_field_(struct record_writer *w, const char *key, enum record_type type, const char *fmt, ...)
{
	va_list ap, value_ap;
	va_start(ap, fmt);
	/* The value, read from a copy: the text's vfprintf() reads it again. */
	va_copy(value_ap, ap);
	union record_value value = { 0 };
	if (type == RECORD_ADDRESS || type == RECORD_UINT)
		value.u = va_arg(value_ap, uint64_t);
	else if (type == RECORD_INT)
		value.i = va_arg(value_ap, int64_t);
	else if (type == RECORD_STRING || type == RECORD_RAW)
		value.s = va_arg(value_ap, const char *);
	va_end(value_ap);
	record_json_(w, key, type, value);
	/* A NULL string has no text. */
	if (!w->j && fmt && (type != RECORD_STRING || value.s))
		vfprintf(text_file(w), fmt, ap);
	va_end(ap);
}

void record_bool(struct record_writer *w, const char *key, bool value, const char *if_true, const char *if_false)
{
	const char *text = value ? if_true : if_false;
	if (w->j) {
		json_key(w, key);
		kinspect_json_bool(w->j, value);
	} else if (text) {
		fputs(text, text_file(w));
	}
}

void record_bit_letters(struct record_writer *w, const char *key, uint64_t value, const char *letters)
{
	record_json_uint(w, key, value);
	for (size_t i = 0; !w->j && letters[i] && i < 64; i++)
		fputc(value & (UINT64_C(1) << i) ? letters[i] : '-', text_file(w));
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
