/* The printk log of kernels before the lockless ring (v3.11, where struct
 * log became struct printk_log, to v5.9; see printk.h): one buffer,
 * log_buf, of records that each start with a struct printk_log and are
 * followed by their text and a dictionary ("SUBSYSTEM=...\0DEVICE=..."),
 * log_first_idx/log_first_seq the oldest, log_next_idx/log_next_seq one
 * past the newest, a header with len 0 the marker that the next record
 * starts over at the beginning of the buffer.  None of the test kernels
 * has this layout: the unit test (tests/unit/test-printk.c) builds such a
 * buffer.  A continuation line still held in the kernel's cont buffer,
 * not yet flushed to log_buf, is not shown.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/dmesg.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/printk.h"

#define DICT_VALUE_MAX 64

static struct kinspect_error *read_var(const struct kinspect_memory *mem, uint64_t addr, uint64_t size,
				       const char *name, uint64_t *ret)
{
	uint8_t word[8];
	struct kinspect_error *err = kinspect_memory_read(mem, addr, word, size);
	if (err)
		return kinspect_error_wrap(err, "%s at 0x%" PRIx64, name, addr);
	*ret = kinspect_load_le(word, size);
	return NULL;
}

/* The value of KEY= in the dictionary DICT (LEN bytes of NUL-separated
 * KEY=VALUE pairs) into BUF, "" when absent. */
static const char *dict_value(const uint8_t *dict, size_t len, const char *key, char *buf)
{
	size_t klen = strlen(key);
	buf[0] = '\0';
	for (size_t i = 0; i < len;) {
		const uint8_t *end = memchr(dict + i, '\0', len - i);
		size_t n = end ? (size_t)(end - (dict + i)) : len - i;
		if (n > klen && memcmp(dict + i, key, klen) == 0 && dict[i + klen] == '=') {
			size_t v = n - klen - 1 < DICT_VALUE_MAX ? n - klen - 1 : DICT_VALUE_MAX;
			memcpy(buf, dict + i + klen + 1, v);
			buf[v] = '\0';
			break;
		}
		i += n + 1;
	}
	return buf;
}

struct kinspect_error *kinspect_printk_log_buf_for_each(struct kinspect_dwarf_types *types,
							const struct kinspect_memory *mem,
							const struct kinspect_printk_log_buf *v, uint64_t first_seq,
							kinspect_printk_fn fn, void *arg,
							struct kinspect_printk_stats *ret_stats)
{
	const char *t = "struct printk_log";
	uint64_t hsize;
	struct kinspect_printk_field ts, len_f, text_len, dict_len, facility, flags, level, caller;
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, t, &hsize);
	if (!err && (hsize < 8 || hsize > 256))
		err = kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct printk_log of %" PRIu64 " bytes", hsize);
	if (err || (err = kinspect_printk_field(types, t, hsize, "ts_nsec", false, &ts)) ||
	    (err = kinspect_printk_field(types, t, hsize, "len", false, &len_f)) ||
	    (err = kinspect_printk_field(types, t, hsize, "text_len", false, &text_len)) ||
	    (err = kinspect_printk_field(types, t, hsize, "dict_len", false, &dict_len)) ||
	    (err = kinspect_printk_field(types, t, hsize, "facility", false, &facility)) ||
	    (err = kinspect_printk_field(types, t, hsize, "flags", false, &flags)) ||
	    (err = kinspect_printk_field(types, t, hsize, "level", false, &level)) ||
	    /* CONFIG_PRINTK_CALLER, since v5.1 */
	    (err = kinspect_printk_field(types, t, hsize, "caller_id", true, &caller)))
		return kinspect_error_wrap(err, "layout of struct printk_log");
	uint64_t buf, buf_len, idx, next_idx, seq, next_seq;
	if ((err = read_var(mem, v->log_buf, 8, "log_buf", &buf)) ||
	    (err = read_var(mem, v->log_buf_len, v->log_buf_len_size, "log_buf_len", &buf_len)) ||
	    (err = read_var(mem, v->log_first_idx, v->idx_size, "log_first_idx", &idx)) ||
	    (err = read_var(mem, v->log_next_idx, v->idx_size, "log_next_idx", &next_idx)) ||
	    (err = read_var(mem, v->log_first_seq, v->seq_size, "log_first_seq", &seq)) ||
	    (err = read_var(mem, v->log_next_seq, v->seq_size, "log_next_seq", &next_seq)))
		return err;
	if (buf_len < hsize || buf_len > KINSPECT_PRINTK_BYTES_MAX || idx >= buf_len || next_idx >= buf_len ||
	    next_seq < seq || next_seq - seq > buf_len / hsize)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "log_buf of %" PRIu64 " bytes, first record %" PRIu64 " at %" PRIu64
					     ", next %" PRIu64 " at %" PRIu64 ": not a log",
					     buf_len, seq, idx, next_seq, next_idx);
	_cleanup_free_ uint8_t *log = malloc(buf_len);
	_cleanup_free_ char *text = malloc(UINT16_MAX + 1);
	if (!log || !text)
		return &kinspect_error_nomem;
	if ((err = kinspect_memory_read(mem, buf, log, buf_len)))
		return kinspect_error_wrap(err, "log_buf at 0x%" PRIx64, buf);
	struct kinspect_printk_stats stats = { .layout = "log_buf" };
	uint64_t newline = kinspect_printk_enum_or(types, "LOG_NEWLINE", 2);
	uint64_t cont = kinspect_printk_enum_or(types, "LOG_CONT", 8);
	for (; seq < next_seq; seq++) {
		uint64_t rlen = idx + hsize <= buf_len ? kinspect_printk_field_uint(&len_f, log + idx) : 0;
		/* A zero length (or no room for a header) wraps to the start. */
		if (rlen == 0) {
			idx = 0;
			rlen = kinspect_printk_field_uint(&len_f, log);
		}
		const uint8_t *h = log + idx;
		uint64_t tlen = kinspect_printk_field_uint(&text_len, h), dlen = kinspect_printk_field_uint(&dict_len, h);
		if (rlen < hsize + tlen + dlen || rlen > buf_len - idx)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT,
						     "log_buf record %" PRIu64 " at %" PRIu64 ": length %" PRIu64
						     " does not hold its header, %" PRIu64 " bytes of text and %" PRIu64
						     " of dictionary",
						     seq, idx, rlen, tlen, dlen);
		if (seq >= first_seq) {
			memcpy(text, h + hsize, tlen);
			text[tlen] = '\0';
			uint64_t f = kinspect_printk_field_uint(&flags, h);
			uint32_t id = (uint32_t)kinspect_printk_field_uint(&caller, h);
			char subsystem[DICT_VALUE_MAX + 1], device[DICT_VALUE_MAX + 1];
			struct kinspect_dmesg_record rec = {
				.seq = seq,
				.ts_nsec = kinspect_printk_field_uint(&ts, h),
				.level = (unsigned int)kinspect_printk_field_uint(&level, h),
				.facility = (unsigned int)kinspect_printk_field_uint(&facility, h),
				.flags = ((f & newline) ? KINSPECT_DMESG_NEWLINE : 0) | ((f & cont) ? KINSPECT_DMESG_CONT : 0),
				.caller_id = id,
				.pid = !caller.present || (id & 0x80000000u) ? -1 : (int64_t)id,
				.cpu = caller.present && (id & 0x80000000u) ? (int64_t)(id & ~0x80000000u) : -1,
				.text = text,
				.text_len = tlen,
				.subsystem = dict_value(h + hsize + tlen, dlen, "SUBSYSTEM", subsystem),
				.device = dict_value(h + hsize + tlen, dlen, "DEVICE", device),
			};
			stats.records++;
			if ((err = fn(&rec, arg)))
				return err;
		}
		idx += rlen;
	}
	if (ret_stats)
		*ret_stats = stats;
	return NULL;
}
