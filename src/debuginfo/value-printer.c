/* The typed value printer: walks a DWARF type over a byte buffer.  Every
 * read is checked against the buffer; arrays are bounded by
 * max_elements, nesting by KINSPECT_DWARF_MAX_DEPTH, and the whole output
 * by a value budget, so hostile DWARF or bytes cannot make it run away.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dwarf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "core/error-priv.h"
#include "debuginfo/value-printer.h"

#define DEFAULT_MAX_ELEMENTS 200
#define DEFAULT_REPEATS 10
/* Values printed in one call before the rest is cut short with "...". */
#define VALUE_BUDGET 1000000
#define INDENT 2

struct state {
	const struct kinspect_value_printer *p;
	struct kinspect_dwarf_types *t;
	FILE *out;
	struct kinspect_json *json;
	const uint8_t *bytes;
	size_t size;
	unsigned int max_elements, repeats;
	uint64_t budget;
};

static struct kinspect_error *print_value(struct state *st, struct kinspect_dwarf_type_pos *pos,
					  uint64_t bit_offset, uint32_t bit_size, int depth, int indent);

static void indent_to(struct state *st, int indent)
{
	fprintf(st->out, "%*s", indent, "");
}

/* Whether the bytes of [BIT_OFFSET, BIT_OFFSET + BITS) are in the buffer. */
static bool available(const struct state *st, uint64_t bit_offset, uint64_t bits)
{
	uint64_t end_bit = bit_offset + bits;
	return end_bit >= bit_offset && (end_bit + 7) / 8 <= st->size;
}

/* BITS (1..64) bits at BIT_OFFSET, little-endian, as an unsigned value. */
static uint64_t read_bits(const struct state *st, uint64_t bit_offset, uint32_t bits)
{
	uint64_t value = 0;
	for (uint32_t i = 0; i < bits; i++) {
		uint64_t b = bit_offset + i;
		if ((st->bytes[b / 8] >> (b % 8)) & 1)
			value |= UINT64_C(1) << i;
	}
	return value;
}

static uint64_t sign_extend(uint64_t value, uint32_t bits)
{
	if (bits == 0 || bits >= 64)
		return value;
	uint64_t sign = UINT64_C(1) << (bits - 1);
	return (value ^ sign) - sign;
}

static void print_unavailable(struct state *st)
{
	if (st->json)
		kinspect_json_null(st->json);
	else
		fputs("<unavailable>", st->out);
}

/* An integer: hex in text (as gdb's /x, in the width of its type), a JSON
 * number while doubles hold it exactly. */
static void print_integer(struct state *st, uint64_t raw, uint32_t bits, bool is_signed)
{
	uint64_t masked = bits >= 64 ? raw : raw & ((UINT64_C(1) << bits) - 1);
	if (!st->json) {
		fprintf(st->out, "0x%" PRIx64, masked);
		return;
	}
	int64_t value = (int64_t)sign_extend(masked, bits);
	if (is_signed && value < 0 && value >= -(INT64_C(1) << 53))
		kinspect_json_int(st->json, value);
	else if (is_signed && value < 0)
		kinspect_json_address(st->json, masked);
	else if (masked <= (UINT64_C(1) << 53))
		kinspect_json_uint(st->json, masked);
	else
		kinspect_json_address(st->json, masked);
}

static bool attr_udata(Dwarf_Die *die, unsigned int name, Dwarf_Word *ret)
{
	Dwarf_Attribute attr;
	return dwarf_attr(die, name, &attr) && dwarf_formudata(&attr, ret) == 0;
}

static bool is_char_type(Dwarf_Die *die)
{
	Dwarf_Word encoding, size;
	const char *name = dwarf_diename(die);
	return dwarf_tag(die) == DW_TAG_base_type && name && strcmp(name, "char") == 0 &&
	       attr_udata(die, DW_AT_encoding, &encoding) && attr_udata(die, DW_AT_byte_size, &size) && size == 1;
}

static struct kinspect_error *print_base(struct state *st, Dwarf_Die *die, uint64_t bit_offset, uint32_t bit_size)
{
	Dwarf_Word encoding = DW_ATE_unsigned, size = 0;
	attr_udata(die, DW_AT_encoding, &encoding);
	if (!attr_udata(die, DW_AT_byte_size, &size) || size == 0 || size > 64)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "base type %s of %" PRIu64 " bytes",
					     dwarf_diename(die) ? dwarf_diename(die) : "?", (uint64_t)size);
	uint32_t bits = bit_size ? bit_size : (uint32_t)size * 8;
	if (!available(st, bit_offset, bits)) {
		print_unavailable(st);
		return NULL;
	}
	if (bits > 64) {
		/* __int128 and the like: the bytes, most significant first. */
		if (st->json || bit_offset % 8) {
			print_unavailable(st);
			return NULL;
		}
		fputs("0x", st->out);
		for (uint64_t i = size; i-- > 0;)
			fprintf(st->out, "%02x", st->bytes[bit_offset / 8 + i]);
		return NULL;
	}
	uint64_t raw = read_bits(st, bit_offset, bits);
	switch (encoding) {
	case DW_ATE_boolean:
		if (st->json)
			kinspect_json_bool(st->json, raw != 0);
		else if (raw <= 1)
			fputs(raw ? "true" : "false", st->out);
		else
			fprintf(st->out, "0x%" PRIx64, raw);
		return NULL;
	case DW_ATE_float:
		if (!bit_size && (size == 4 || size == 8)) {
			double d;
			if (size == 4) {
				float f;
				uint32_t u = (uint32_t)raw;
				memcpy(&f, &u, sizeof(f));
				d = f;
			} else {
				memcpy(&d, &raw, sizeof(d));
			}
			/* The JSON writer has no doubles; the kernel has no
			 * floating point state in its structures anyway. */
			if (st->json)
				kinspect_json_address(st->json, raw);
			else
				fprintf(st->out, "%g", d);
			return NULL;
		}
		break;
	case DW_ATE_signed:
	case DW_ATE_signed_char:
		/* A signed bit-field prints in the width of its declared type,
		 * as gdb does: -3 in "int x : 9" is 0xfffffffd. */
		print_integer(st, sign_extend(raw, bits), (uint32_t)size * 8, true);
		return NULL;
	default:
		break;
	}
	print_integer(st, raw, (uint32_t)size * 8, false);
	return NULL;
}

static struct kinspect_error *print_pointer(struct state *st, struct kinspect_dwarf_type_pos *pos,
					    uint64_t bit_offset)
{
	uint64_t size;
	struct kinspect_error *err = kinspect_dwarf_types_pos_size(st->t, pos, &size);
	if (err)
		return err;
	if (size == 0 || size > 8 || bit_offset % 8 || !available(st, bit_offset, size * 8)) {
		print_unavailable(st);
		return NULL;
	}
	uint64_t value = read_bits(st, bit_offset, (uint32_t)size * 8);
	if (st->json) {
		kinspect_json_address(st->json, value);
		return NULL;
	}
	fprintf(st->out, "0x%" PRIx64, value);
	char name[512];
	if (value && st->p->symbolize && st->p->symbolize(st->p->symbolize_ctx, value, name, sizeof(name)))
		fprintf(st->out, " <%s>", name);
	return NULL;
}

/* --- enumerations ----------------------------------------------------------- */

/* Call FN for each enumerator of DIE with its name and value (masked to
 * the enumeration's size). */
static struct kinspect_error *each_enumerator(struct state *st, Dwarf_Die *die, uint64_t mask,
					      bool (*fn)(const char *name, uint64_t value, void *arg), void *arg)
{
	Dwarf_Die child;
	int r = dwarf_child(die, &child);
	while (r == 0) {
		const char *name = dwarf_diename(&child);
		if (dwarf_tag(&child) == DW_TAG_enumerator && name) {
			int64_t value;
			struct kinspect_error *err = kinspect_dwarf_types_enumerator_value(st->t, die, &child, &value);
			if (err)
				return err;
			if (fn(name, (uint64_t)value & mask, arg))
				return NULL;
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? kinspect_error_create(KINSPECT_ERROR_FORMAT, "bad enumeration: %s", dwarf_errmsg(-1)) : NULL;
}

struct enum_match {
	uint64_t value;
	const char *name;
	bool flags;      /* every non-zero enumerator is a single bit */
	uint64_t bits;   /* the bits that enumerators name */
};

static bool find_exact(const char *name, uint64_t value, void *arg)
{
	struct enum_match *m = arg;
	if (value != 0 && (value & (value - 1)) != 0)
		m->flags = false;
	m->bits |= value;
	if (!m->name && value == m->value)
		m->name = name;
	return false;
}

struct flag_writer {
	struct state *st;
	uint64_t value;
	char *buf;
	size_t len, size;
};

static bool append_flag(const char *name, uint64_t value, void *arg)
{
	struct flag_writer *w = arg;
	if (value == 0 || !(w->value & value))
		return false;
	int n = snprintf(w->buf + w->len, w->size - w->len, "%s%s", w->len ? " | " : "", name);
	if (n > 0 && (size_t)n < w->size - w->len)
		w->len += (size_t)n;
	return false;
}

static struct kinspect_error *print_enum(struct state *st, Dwarf_Die *die, uint64_t bit_offset, uint32_t bit_size)
{
	Dwarf_Word size = 0;
	if (!attr_udata(die, DW_AT_byte_size, &size) || size == 0 || size > 8)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "enumeration of %" PRIu64 " bytes", (uint64_t)size);
	uint32_t bits = bit_size ? bit_size : (uint32_t)size * 8;
	if (!available(st, bit_offset, bits)) {
		print_unavailable(st);
		return NULL;
	}
	uint64_t mask = size == 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
	uint64_t raw = read_bits(st, bit_offset, bits);
	/* A signed bit-field of enum type sign-extends into the enum's width. */
	struct enum_match m = { .value = raw & mask, .flags = true };
	struct kinspect_error *err = each_enumerator(st, die, mask, find_exact, &m);
	if (err)
		return err;
	if (m.name) {
		if (st->json)
			kinspect_json_string(st->json, m.name);
		else
			fputs(m.name, st->out);
		return NULL;
	}
	if (m.flags && m.value) {
		char buf[4096];
		struct flag_writer w = { st, m.value, buf, 0, sizeof(buf) };
		buf[0] = '\0';
		err = each_enumerator(st, die, mask, append_flag, &w);
		if (err)
			return err;
		uint64_t unknown = m.value & ~m.bits;
		if (unknown)
			snprintf(buf + w.len, sizeof(buf) - w.len, "%sunknown: 0x%" PRIx64, w.len ? " | " : "",
				 unknown);
		if (st->json)
			kinspect_json_string(st->json, buf);
		else
			fprintf(st->out, "(%s)", buf);
		return NULL;
	}
	print_integer(st, m.value, (uint32_t)size * 8, false);
	return NULL;
}

/* --- arrays ------------------------------------------------------------------ */

static void print_string(struct state *st, const uint8_t *s, size_t len)
{
	/* Trailing NULs are padding; NULs inside show what follows them. */
	while (len > 0 && s[len - 1] == '\0')
		len--;
	if (st->json) {
		kinspect_json_string_len(st->json, (const char *)s, len);
		return;
	}
	fputc('"', st->out);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\')
			fprintf(st->out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", st->out);
		else if (c == '\t')
			fputs("\\t", st->out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(st->out, "\\%03o", c);
		else
			fputc(c, st->out);
	}
	fputc('"', st->out);
}

/* Whether values of the type at POS print on one line (no struct or union
 * inside). */
static struct kinspect_error *is_inline(struct state *st, struct kinspect_dwarf_type_pos *pos, bool *ret)
{
	Dwarf_Die die = pos->die;
	for (int depth = 0; depth < KINSPECT_DWARF_MAX_DEPTH; depth++) {
		int tag = dwarf_tag(&die);
		if (tag != DW_TAG_array_type) {
			*ret = tag != DW_TAG_structure_type && tag != DW_TAG_union_type && tag != DW_TAG_class_type;
			return NULL;
		}
		bool is_void;
		struct kinspect_error *err = kinspect_dwarf_types_die_type(st->t, &die, &die, &is_void);
		if (err)
			return err;
		if (is_void) {
			*ret = true;
			return NULL;
		}
	}
	return kinspect_error_create(KINSPECT_ERROR_FORMAT, "array type nested too deep");
}

static struct kinspect_error *print_array(struct state *st, struct kinspect_dwarf_type_pos *pos,
					  uint64_t bit_offset, int depth, int indent)
{
	uint64_t dims[KINSPECT_DWARF_MAX_DIMS];
	int ndims;
	struct kinspect_error *err = kinspect_dwarf_types_array_dims(st->t, &pos->die, dims, &ndims);
	if (err)
		return err;
	if (pos->dims_used >= ndims)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "array indexed too often");
	uint64_t count = dims[pos->dims_used];
	struct kinspect_dwarf_type_pos elem = { pos->die, pos->dims_used + 1 };
	if (elem.dims_used == ndims) {
		bool is_void;
		err = kinspect_dwarf_types_die_type(st->t, &pos->die, &elem.die, &is_void);
		if (err)
			return err;
		if (is_void)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "array of void");
		elem.dims_used = 0;
	}
	uint64_t elem_size;
	err = kinspect_dwarf_types_pos_size(st->t, &elem, &elem_size);
	if (err)
		return err;
	uint64_t byte = bit_offset / 8;
	if (count && elem_size && (count > UINT64_MAX / 8 / elem_size || !available(st, bit_offset, count * elem_size * 8))) {
		print_unavailable(st);
		return NULL;
	}
	if (is_char_type(&elem.die)) {
		print_string(st, st->bytes + byte, count);
		return NULL;
	}
	bool one_line;
	err = is_inline(st, &elem, &one_line);
	if (err)
		return err;
	if (st->json)
		kinspect_json_begin_array(st->json);
	else
		fputs(count ? (one_line ? "{" : "{\n") : "{}", st->out);
	uint64_t shown = count < st->max_elements ? count : st->max_elements;
	uint64_t i = 0;
	while (i < shown && !err) {
		/* Equal elements in a row (text only: JSON keeps positions). */
		uint64_t run = 1;
		if (!st->json && elem_size) {
			const uint8_t *first = st->bytes + byte + i * elem_size;
			while (i + run < count && memcmp(first, first + run * elem_size, elem_size) == 0)
				run++;
			if (run < st->repeats)
				run = 1;
		}
		if (!st->json) {
			if (i)
				fputs(one_line ? ", " : ",\n", st->out);
			if (!one_line) {
				indent_to(st, indent + INDENT);
				if (run > 1)
					fprintf(st->out, "[%" PRIu64 "..%" PRIu64 "] = ", i, i + run - 1);
				else
					fprintf(st->out, "[%" PRIu64 "] = ", i);
			}
		}
		if (st->budget == 0) {
			if (!st->json)
				fputs("...", st->out);
			break;
		}
		err = print_value(st, &elem, (byte + i * elem_size) * 8, 0, depth + 1, indent + INDENT);
		if (run > 1)
			fprintf(st->out, " <repeats %" PRIu64 " times>", run);
		i += run;
	}
	/* (A run of repeats may have reached past SHOWN, to the end.) */
	if (!err && i < count && !st->json) {
		/* Cut at max_elements, as gdb's "print elements". */
		if (one_line) {
			fputs(", ...", st->out);
		} else {
			fputs(",\n", st->out);
			indent_to(st, indent + INDENT);
			fputs("...", st->out);
		}
	}
	if (st->json)
		kinspect_json_end_array(st->json);
	else if (count && one_line)
		fputc('}', st->out);
	else if (count) {
		fputc('\n', st->out);
		indent_to(st, indent);
		fputc('}', st->out);
	}
	return err;
}

/* --- structs and unions ------------------------------------------------------- */

/* Print the members of the struct or union DIE at BIT_OFFSET.  In JSON,
 * an anonymous member's own members go into the current object; in text
 * it prints as an unnamed "{...}" (as gdb does).  *FIRST says whether no
 * member has been printed yet at this text level. */
static struct kinspect_error *print_members(struct state *st, Dwarf_Die *die, uint64_t bit_offset, int depth,
					    int indent, bool *first)
{
	if (depth > KINSPECT_DWARF_MAX_DEPTH)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "types nested too deep");
	Dwarf_Die child;
	int r = dwarf_child(die, &child);
	while (r == 0) {
		if (dwarf_tag(&child) == DW_TAG_member) {
			uint64_t member_bits;
			uint32_t bit_size;
			struct kinspect_dwarf_type_pos pos = { .dims_used = 0 };
			struct kinspect_error *err =
				kinspect_dwarf_types_member_die(st->t, &child, &member_bits, &bit_size, &pos.die);
			if (err)
				return err;
			const char *name = dwarf_diename(&child);
			int tag = dwarf_tag(&pos.die);
			bool anonymous_aggregate =
				!name && (tag == DW_TAG_structure_type || tag == DW_TAG_union_type);
			if (st->json && anonymous_aggregate) {
				err = print_members(st, &pos.die, bit_offset + member_bits, depth + 1, indent, first);
			} else {
				if (st->json) {
					kinspect_json_key(st->json, name ? name : "");
				} else {
					fputs(*first ? "\n" : ",\n", st->out);
					indent_to(st, indent + INDENT);
					if (name)
						fprintf(st->out, "%s = ", name);
				}
				*first = false;
				err = print_value(st, &pos, bit_offset + member_bits, bit_size, depth + 1,
						  indent + INDENT);
			}
			if (err)
				return kinspect_error_wrap(err, "member %s", name ? name : "(anonymous)");
		}
		r = dwarf_siblingof(&child, &child);
	}
	return r < 0 ? kinspect_error_create(KINSPECT_ERROR_FORMAT, "bad struct or union: %s", dwarf_errmsg(-1)) : NULL;
}

static struct kinspect_error *print_aggregate(struct state *st, Dwarf_Die *die, uint64_t bit_offset, int depth,
					      int indent)
{
	if (st->json)
		kinspect_json_begin_object(st->json);
	else
		fputc('{', st->out);
	bool first = true;
	struct kinspect_error *err = print_members(st, die, bit_offset, depth, indent, &first);
	if (st->json) {
		kinspect_json_end_object(st->json);
	} else if (!first) {
		fputc('\n', st->out);
		indent_to(st, indent);
		fputc('}', st->out);
	} else {
		fputc('}', st->out);
	}
	return err;
}

static struct kinspect_error *print_value(struct state *st, struct kinspect_dwarf_type_pos *pos,
					  uint64_t bit_offset, uint32_t bit_size, int depth, int indent)
{
	if (depth > KINSPECT_DWARF_MAX_DEPTH)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "types nested too deep");
	if (st->budget == 0) {
		if (st->json)
			kinspect_json_null(st->json);
		else
			fputs("...", st->out);
		return NULL;
	}
	st->budget--;
	int tag = dwarf_tag(&pos->die);
	if (tag != DW_TAG_array_type && pos->dims_used)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "not an array");
	/* Scalars not all in the buffer print as <unavailable>; a struct
	 * shows what it has of its members (arrays check themselves). */
	if (!bit_size && tag != DW_TAG_array_type && tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
	    tag != DW_TAG_class_type) {
		uint64_t size;
		struct kinspect_error *err = kinspect_dwarf_types_pos_size(st->t, pos, &size);
		if (err)
			return err;
		if (size > UINT64_MAX / 8 || !available(st, bit_offset, size * 8)) {
			print_unavailable(st);
			return NULL;
		}
	}
	switch (tag) {
	case DW_TAG_array_type:
		if (bit_size || bit_offset % 8)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "array at a bit offset");
		return print_array(st, pos, bit_offset, depth, indent);
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		if (bit_offset % 8)
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "struct at a bit offset");
		return print_aggregate(st, &pos->die, bit_offset, depth, indent);
	case DW_TAG_enumeration_type:
		return print_enum(st, &pos->die, bit_offset, bit_size);
	case DW_TAG_base_type:
		return print_base(st, &pos->die, bit_offset, bit_size);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return print_pointer(st, pos, bit_offset);
	default:
		if (st->json)
			kinspect_json_null(st->json);
		else
			fprintf(st->out, "<type with DWARF tag 0x%x>", (unsigned int)tag);
		return NULL;
	}
}

struct kinspect_error *kinspect_value_print(const struct kinspect_value_printer *p,
					    struct kinspect_dwarf_type_pos *pos, uint64_t bit_offset,
					    uint32_t bit_size, const void *bytes, size_t size)
{
	struct state st = {
		.p = p,
		.t = p->types,
		.out = p->out ? p->out : stdout,
		.json = p->json,
		.bytes = bytes,
		.size = size,
		.max_elements = p->max_elements ? p->max_elements : DEFAULT_MAX_ELEMENTS,
		.repeats = p->repeat_threshold ? p->repeat_threshold : DEFAULT_REPEATS,
		.budget = VALUE_BUDGET,
	};
	if (st.repeats < 2)
		st.repeats = 2;
	return print_value(&st, pos, bit_offset, bit_size, 0, 0);
}
