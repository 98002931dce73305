/* The lockless printk ring buffer (see printk.h), as
 * kernel/printk/printk_ringbuffer.{c,h} lay it out since Linux 5.10
 * (commit 896fbe20b4e2 "printk: use the lockless ringbuffer", with the
 * info array of cfe2790b163a and the two-bit states of 10dcb06d4048):
 * a descriptor ring (descs[] and infos[], 2^count_bits of each, ids from
 * tail_id to head_id, the state in the top two bits of state_var) and a
 * text data ring (2^size_bits bytes, logical positions that grow forever,
 * each data block an unsigned long id then the text; a block that does not
 * fit before the end keeps its text at the start of the ring).  The
 * arrays are read once per walk, in large reads, and decoded here.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/dmesg.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/printk.h"

/* The caller id's bit for "logged outside task context, by this CPU"
 * (printk_caller_id() in kernel/printk/printk.c). */
#define CALLER_CPU 0x80000000u

/* Texts are at most a u16 long (printk_info.text_len); comm, subsystem
 * and device strings at most this (their arrays are 16 and 48 bytes). */
#define STRING_MAX 64

struct kinspect_error *kinspect_printk_field(struct kinspect_dwarf_types *types, const char *type, uint64_t size,
					     const char *path, bool optional, struct kinspect_printk_field *ret)
{
	*ret = (struct kinspect_printk_field){ 0 };
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(types, type, path, &m);
	if (err && optional && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND) {
		kinspect_error_destroy(err);
		return NULL;
	}
	if (err)
		return err;
	if (m.bit_size ? m.bit_size > 64 || (m.bit_offset + m.bit_size + 7) / 8 > size
		       : m.offset > size || m.size > size - m.offset)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s.%s lies outside the struct's %" PRIu64 " bytes",
					     type, path, size);
	*ret = (struct kinspect_printk_field){ .present = true, .offset = m.offset, .size = m.size,
					       .bit_offset = m.bit_offset, .bit_size = m.bit_size,
					       .array_length = m.is_array ? m.array_length : 0 };
	return NULL;
}

uint64_t kinspect_printk_field_uint(const struct kinspect_printk_field *f, const uint8_t *bytes)
{
	if (!f->present)
		return 0;
	if (!f->bit_size)
		return kinspect_load_le(bytes + f->offset, f->size);
	/* Little-endian bit-field: its bytes, shifted down, masked. */
	uint64_t first = f->bit_offset / 8, last = (f->bit_offset + f->bit_size - 1) / 8;
	unsigned __int128 v = 0;
	for (uint64_t i = last + 1; i-- > first;)
		v = (v << 8) | bytes[i];
	v >>= f->bit_offset % 8;
	return (uint64_t)v & (f->bit_size == 64 ? UINT64_MAX : ((UINT64_C(1) << f->bit_size) - 1));
}

/* The layouts of one kernel's ring, from DWARF. */
struct layout {
	uint64_t rb_size, desc_size, info_size;
	struct kinspect_printk_field count_bits, descs, infos, head_id, tail_id, size_bits, data, head_lpos, tail_lpos;
	struct kinspect_printk_field state_var, begin, next;
	struct kinspect_printk_field seq, ts_nsec, text_len, facility, flags, level, caller_id, caller_id2, comm,
		subsystem, device;
	uint64_t block_header; /* bytes before a data block's text (its id) */
	unsigned int sv_bits;  /* bits of state_var: the state is its top two */
	uint64_t committed, finalized;
	uint64_t log_newline, log_cont, log_force_con;
};

uint64_t kinspect_printk_enum_or(struct kinspect_dwarf_types *types, const char *name, uint64_t fallback)
{
	int64_t v;
	struct kinspect_error *err = kinspect_dwarf_types_enum_value(types, name, &v);
	kinspect_error_destroy(err);
	return err ? fallback : (uint64_t)v;
}

static struct kinspect_error *load_layout(struct kinspect_dwarf_types *types, struct layout *l)
{
	struct kinspect_error *err;
	if ((err = kinspect_dwarf_types_sizeof(types, "struct printk_ringbuffer", &l->rb_size)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct prb_desc", &l->desc_size)) ||
	    (err = kinspect_dwarf_types_sizeof(types, "struct printk_info", &l->info_size)))
		return err;
	if (!l->rb_size || l->rb_size > 4096 || !l->desc_size || l->desc_size > 4096 || !l->info_size ||
	    l->info_size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "implausible printk ring layout in DWARF");
	const char *rb = "struct printk_ringbuffer", *d = "struct prb_desc", *i = "struct printk_info";
	if ((err = kinspect_printk_field(types, rb, l->rb_size, "desc_ring.count_bits", false, &l->count_bits)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "desc_ring.descs", false, &l->descs)) ||
	    /* The rings of v5.10-rc1 kept the info in the descriptor: not read. */
	    (err = kinspect_printk_field(types, rb, l->rb_size, "desc_ring.infos", false, &l->infos)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "desc_ring.head_id.counter", false, &l->head_id)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "desc_ring.tail_id.counter", false, &l->tail_id)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "text_data_ring.size_bits", false, &l->size_bits)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "text_data_ring.data", false, &l->data)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "text_data_ring.head_lpos.counter", false,
					 &l->head_lpos)) ||
	    (err = kinspect_printk_field(types, rb, l->rb_size, "text_data_ring.tail_lpos.counter", false,
					 &l->tail_lpos)) ||
	    (err = kinspect_printk_field(types, d, l->desc_size, "state_var.counter", false, &l->state_var)) ||
	    (err = kinspect_printk_field(types, d, l->desc_size, "text_blk_lpos.begin", false, &l->begin)) ||
	    (err = kinspect_printk_field(types, d, l->desc_size, "text_blk_lpos.next", false, &l->next)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "seq", false, &l->seq)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "ts_nsec", false, &l->ts_nsec)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "text_len", false, &l->text_len)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "facility", false, &l->facility)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "flags", false, &l->flags)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "level", false, &l->level)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "caller_id", false, &l->caller_id)) ||
	    /* The execution context (CONFIG_PRINTK_EXECUTION_CTX, Linux 7.x):
	     * the other one of pid and CPU, and the task's name. */
	    (err = kinspect_printk_field(types, i, l->info_size, "caller_id2", true, &l->caller_id2)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "comm", true, &l->comm)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "dev_info.subsystem", true, &l->subsystem)) ||
	    (err = kinspect_printk_field(types, i, l->info_size, "dev_info.device", true, &l->device)))
		return err;
	/* DESC_SV_BITS is the width of an unsigned long (state_var);
	 * DESC_FLAGS_SHIFT two bits below it. */
	l->sv_bits = (unsigned int)(8 * l->state_var.size);
	if (l->sv_bits != 32 && l->sv_bits != 64)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "prb_desc.state_var of %" PRIu64 " bytes",
					     l->state_var.size);
	/* struct prb_data_block { unsigned long id; char data[]; } */
	struct kinspect_printk_field blk_data;
	if ((err = kinspect_printk_field(types, "struct prb_data_block", 4096, "data", true, &blk_data)))
		return err;
	l->block_header = blk_data.present ? blk_data.offset : l->state_var.size;
	l->committed = kinspect_printk_enum_or(types, "desc_committed", 1);
	l->finalized = kinspect_printk_enum_or(types, "desc_finalized", 2);
	l->log_newline = kinspect_printk_enum_or(types, "LOG_NEWLINE", 2);
	l->log_cont = kinspect_printk_enum_or(types, "LOG_CONT", 8);
	l->log_force_con = kinspect_printk_enum_or(types, "LOG_FORCE_CON", 0); /* since v6.10 */
	return NULL;
}

/* A walk: the ring's geometry and the parts of its arrays read. */
struct ring {
	const struct layout *l;
	uint64_t address;
	uint64_t count, id_mask;
	uint64_t head_id, tail_id;
	uint64_t size, head_lpos, tail_lpos;
	uint8_t *descs, *infos, *data;
	char text[UINT16_MAX + 1];
};

/* One array of a walk: NR elements of ELEM bytes from index FIRST of the
 * array at ADDR of COUNT elements, a ring (wrapping to index 0), read into
 * BUF at the same place: one or two contiguous ranges. */
struct part {
	uint64_t addr, elem, count, first, nr;
	uint8_t *buf;
};

static void part_ranges(const struct part *p, struct kinspect_memory_range *ret)
{
	uint64_t n1 = p->nr < p->count - p->first ? p->nr : p->count - p->first;
	ret[0] = (struct kinspect_memory_range){ p->addr + p->first * p->elem, n1 * p->elem };
	ret[1] = (struct kinspect_memory_range){ p->addr, (p->nr - n1) * p->elem };
}

static struct kinspect_error *read_part(const struct kinspect_memory *mem, const struct part *p)
{
	struct kinspect_memory_range r[2];
	part_ranges(p, r);
	struct kinspect_error *err = NULL;
	if (r[0].len)
		err = kinspect_memory_read(mem, r[0].addr, p->buf + p->first * p->elem, r[0].len);
	if (!err && r[1].len)
		err = kinspect_memory_read(mem, r[1].addr, p->buf, r[1].len);
	return err;
}

static struct kinspect_error *read_ring(struct ring *r, const struct kinspect_memory *mem)
{
	const struct layout *l = r->l;
	uint8_t rb[4096];
	struct kinspect_error *err = kinspect_memory_read(mem, r->address, rb, l->rb_size);
	if (err)
		return kinspect_error_wrap(err, "struct printk_ringbuffer at 0x%" PRIx64, r->address);
	uint64_t count_bits = kinspect_printk_field_uint(&l->count_bits, rb);
	uint64_t size_bits = kinspect_printk_field_uint(&l->size_bits, rb);
	uint64_t descs = kinspect_printk_field_uint(&l->descs, rb), infos = kinspect_printk_field_uint(&l->infos, rb);
	uint64_t data = kinspect_printk_field_uint(&l->data, rb);
	/* DESC_ID_MASK: the state_var's bits below the two state bits. */
	r->id_mask = (l->sv_bits == 64 ? UINT64_MAX : UINT32_MAX) >> 2;
	r->head_id = kinspect_printk_field_uint(&l->head_id, rb) & r->id_mask;
	r->tail_id = kinspect_printk_field_uint(&l->tail_id, rb) & r->id_mask;
	r->head_lpos = kinspect_printk_field_uint(&l->head_lpos, rb);
	r->tail_lpos = kinspect_printk_field_uint(&l->tail_lpos, rb);
	if (count_bits == 0 || count_bits > 31 || size_bits == 0 || size_bits > 31 || size_bits >= l->sv_bits)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "printk ring at 0x%" PRIx64 ": implausible geometry (count_bits %" PRIu64
					     ", size_bits %" PRIu64 ")",
					     r->address, count_bits, size_bits);
	r->count = UINT64_C(1) << count_bits;
	r->size = UINT64_C(1) << size_bits;
	uint64_t bytes = r->count * (l->desc_size + l->info_size) + r->size;
	if (bytes > KINSPECT_PRINTK_BYTES_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "printk ring at 0x%" PRIx64 ": %" PRIu64 " descriptors and %" PRIu64
					     " bytes of text, more than the %u MiB read at most",
					     r->address, r->count, r->size, KINSPECT_PRINTK_BYTES_MAX >> 20);
	/* The kernel keeps head and tail less than a ring apart. */
	uint64_t nr = ((r->head_id - r->tail_id) & r->id_mask) + 1;
	if (nr > r->count)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT,
					     "printk ring at 0x%" PRIx64 ": head id %" PRIu64 " is %" PRIu64
					     " past tail id %" PRIu64 ", more than its %" PRIu64 " descriptors",
					     r->address, r->head_id, nr - 1, r->tail_id, r->count);
	if (!(r->descs = calloc(r->count, l->desc_size)) || !(r->infos = calloc(r->count, l->info_size)) ||
	    !(r->data = calloc(1, r->size)))
		return &kinspect_error_nomem;
	/* The descriptors and infos from the tail to the head, and the text
	 * between the data ring's tail and head (all of it once it is full),
	 * asked for at once: live, the memory cache fetches them in batches
	 * of pipelined reads, a few round trips for hundreds of KiB. */
	uint64_t first = r->tail_id & (r->count - 1), used = r->head_lpos - r->tail_lpos;
	if (used > r->size)
		used = r->size;
	const struct part parts[3] = {
		{ descs, l->desc_size, r->count, first, nr, r->descs },
		{ infos, l->info_size, r->count, first, nr, r->infos },
		{ data, 1, r->size, r->tail_lpos & (r->size - 1), used, r->data },
	};
	static const char *const names[3] = { "descriptors", "infos", "text" };
	struct kinspect_memory_range ranges[6];
	for (int i = 0; i < 3; i++)
		part_ranges(&parts[i], &ranges[2 * i]);
	kinspect_memory_prefetch(mem, ranges, 6);
	for (int i = 0; i < 3; i++) {
		if ((err = read_part(mem, &parts[i])))
			return kinspect_error_wrap(err, "printk ring at 0x%" PRIx64 ": %s at 0x%" PRIx64, r->address,
						   names[i], parts[i].addr);
	}
	return NULL;
}

/* DATA_WRAPS() of the kernel: which pass over the ring LPOS is in. */
static uint64_t wraps(const struct ring *r, uint64_t lpos)
{
	return lpos / r->size;
}

/* Whether LPOS lies between the data ring's tail and head (what was read). */
static bool in_data(const struct ring *r, uint64_t lpos)
{
	return lpos - r->tail_lpos <= r->head_lpos - r->tail_lpos;
}

/* The text of the record with descriptor ID, as get_data() and
 * copy_data() find it, in *RET (LEN bytes); false when it is lost or its
 * block does not fit.  A block ends at NEXT, which is not part of it:
 * since "printk: ringbuffer: don't needlessly wrap data blocks around" a
 * block may end exactly at the end of the ring without wrapping, which
 * older kernels never wrote, so the newer reading fits both. */
static bool record_text(const struct ring *r, uint64_t id, uint64_t begin, uint64_t next, uint64_t len,
			const uint8_t **ret)
{
	/* Both positions odd: a record without a data block.  NO_LPOS (3)
	 * twice is an empty line; anything else (FAILED_LPOS) lost text. */
	if ((begin & 1) && (next & 1)) {
		*ret = (const uint8_t *)"";
		return begin == 3 && next == 3 && len == 0;
	}
	uint64_t start, size;
	if (wraps(r, begin) == wraps(r, next - 1) && begin < next) {
		start = begin & (r->size - 1);
		size = next - begin;
	} else if (wraps(r, begin + r->size) == wraps(r, next - 1)) {
		start = 0;
		size = next & (r->size - 1);
	} else {
		return false;
	}
	uint64_t header = r->l->block_header, align = r->l->state_var.size;
	if (!in_data(r, begin) || !in_data(r, next) || begin % align || next % align || size < header ||
	    size - header < len || start + size > r->size)
		return false;
	/* The block starts with its descriptor's id: anything else is text
	 * overwritten since. */
	if ((kinspect_load_le(r->data + start, header) & r->id_mask) != id)
		return false;
	*ret = r->data + start + header;
	return true;
}

/* A char array member as a string in BUF (of STRING_MAX + 1). */
static const char *string_field(const struct kinspect_printk_field *f, const uint8_t *info, char *buf)
{
	size_t n = 0;
	if (f->present) {
		uint64_t max = f->size < STRING_MAX ? f->size : STRING_MAX;
		const char *s = (const char *)info + f->offset;
		while (n < max && s[n])
			n++;
		memcpy(buf, s, n);
	}
	buf[n] = '\0';
	return buf;
}

static struct kinspect_error *walk(struct ring *r, uint64_t first_seq, kinspect_printk_fn fn, void *arg,
				   struct kinspect_printk_stats *stats)
{
	const struct layout *l = r->l;
	uint64_t nr = ((r->head_id - r->tail_id) & r->id_mask) + 1;
	uint64_t last_seq = 0;
	bool have_last = false;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t id = (r->tail_id + i) & r->id_mask, index = id & (r->count - 1);
		const uint8_t *desc = r->descs + index * l->desc_size, *info = r->infos + index * l->info_size;
		uint64_t sv = kinspect_printk_field_uint(&l->state_var, desc);
		uint64_t state = (sv >> (l->sv_bits - 2)) & 3;
		uint64_t seq = kinspect_printk_field_uint(&l->seq, info);
		/* Another id in the descriptor: reused since (desc_miss).  Not
		 * committed: being written (reserved) or given up (reusable).
		 * A sequence number is always congruent to its descriptor's
		 * index (prb_reserve()) and grows with the id. */
		if ((sv & r->id_mask) != id || (state != l->committed && state != l->finalized) ||
		    (seq & (r->count - 1)) != index || (have_last && seq <= last_seq)) {
			stats->skipped++;
			continue;
		}
		have_last = true;
		last_seq = seq;
		if (seq < first_seq)
			continue;
		uint64_t len = kinspect_printk_field_uint(&l->text_len, info);
		const uint8_t *text;
		if (!record_text(r, id, kinspect_printk_field_uint(&l->begin, desc),
				 kinspect_printk_field_uint(&l->next, desc), len, &text)) {
			stats->skipped++;
			continue;
		}
		memcpy(r->text, text, len);
		r->text[len] = '\0';
		uint64_t flags = kinspect_printk_field_uint(&l->flags, info);
		uint32_t caller = (uint32_t)kinspect_printk_field_uint(&l->caller_id, info);
		uint32_t caller2 = (uint32_t)kinspect_printk_field_uint(&l->caller_id2, info);
		char comm[STRING_MAX + 1], subsystem[STRING_MAX + 1], device[STRING_MAX + 1];
		struct kinspect_dmesg_record rec = {
			.seq = seq,
			.ts_nsec = kinspect_printk_field_uint(&l->ts_nsec, info),
			.level = (unsigned int)kinspect_printk_field_uint(&l->level, info),
			.facility = (unsigned int)kinspect_printk_field_uint(&l->facility, info),
			.flags = ((flags & l->log_newline) ? KINSPECT_DMESG_NEWLINE : 0) |
				 ((flags & l->log_cont) ? KINSPECT_DMESG_CONT : 0) |
				 ((flags & l->log_force_con) ? KINSPECT_DMESG_FORCE_CONSOLE : 0) |
				 (state == l->committed ? KINSPECT_DMESG_OPEN : 0),
			.caller_id = caller,
			.pid = (caller & CALLER_CPU) ? -1 : (int64_t)caller,
			.cpu = (caller & CALLER_CPU) ? (int64_t)(caller & ~CALLER_CPU) : -1,
			.comm = l->comm.present ? string_field(&l->comm, info, comm) : NULL,
			.text = r->text,
			.text_len = len,
			.subsystem = string_field(&l->subsystem, info, subsystem),
			.device = string_field(&l->device, info, device),
		};
		/* caller_id2 holds the other of the two (printk_caller_id2()). */
		if (l->caller_id2.present && rec.pid < 0 && !(caller2 & CALLER_CPU))
			rec.pid = caller2;
		if (l->caller_id2.present && rec.cpu < 0 && (caller2 & CALLER_CPU))
			rec.cpu = caller2 & ~CALLER_CPU;
		stats->records++;
		struct kinspect_error *err = fn(&rec, arg);
		if (err)
			return err;
	}
	return NULL;
}

struct kinspect_error *kinspect_printk_ring_for_each(struct kinspect_dwarf_types *types,
						     const struct kinspect_memory *mem, uint64_t ring,
						     uint64_t first_seq, kinspect_printk_fn fn, void *arg,
						     struct kinspect_printk_stats *ret_stats)
{
	struct layout l = { 0 };
	struct kinspect_error *err = load_layout(types, &l);
	if (err)
		return kinspect_error_wrap(err, "layout of the printk ring buffer");
	_cleanup_free_ struct ring *r = calloc(1, sizeof(*r));
	if (!r)
		return &kinspect_error_nomem;
	r->l = &l;
	r->address = ring;
	struct kinspect_printk_stats stats = { .layout = "printk_ringbuffer" };
	err = read_ring(r, mem);
	if (!err)
		err = walk(r, first_seq, fn, arg, &stats);
	free(r->descs);
	free(r->infos);
	free(r->data);
	if (!err && ret_stats)
		*ret_stats = stats;
	return err;
}

/* The runtime address of NAME and its size, in *RET and *RET_SIZE. */
static struct kinspect_error *symbol(const struct kinspect_vmlinux *vmlinux, uint64_t slide, const char *name,
				     uint64_t *ret, uint64_t *ret_size)
{
	uint64_t addr, size;
	struct kinspect_error *err = kinspect_vmlinux_symbol(vmlinux, name, &addr, &size);
	if (err)
		return err;
	*ret = kinspect_kaslr_runtime(slide, addr);
	if (ret_size)
		*ret_size = size;
	return NULL;
}

static bool has_type(struct kinspect_dwarf_types *types, const char *type)
{
	uint64_t size;
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, type, &size);
	kinspect_error_destroy(err);
	return !err;
}

/* The log_buf variables, with the sizes the symbol table gives them. */
static struct kinspect_error *log_buf_vars(const struct kinspect_vmlinux *vmlinux, uint64_t slide,
					   struct kinspect_printk_log_buf *v)
{
	uint64_t buf_size, first_seq_size, next_idx_size, next_seq_size;
	struct kinspect_error *err;
	if ((err = symbol(vmlinux, slide, "log_buf", &v->log_buf, &buf_size)) ||
	    (err = symbol(vmlinux, slide, "log_buf_len", &v->log_buf_len, &v->log_buf_len_size)) ||
	    (err = symbol(vmlinux, slide, "log_first_idx", &v->log_first_idx, &v->idx_size)) ||
	    (err = symbol(vmlinux, slide, "log_next_idx", &v->log_next_idx, &next_idx_size)) ||
	    (err = symbol(vmlinux, slide, "log_first_seq", &v->log_first_seq, &first_seq_size)) ||
	    (err = symbol(vmlinux, slide, "log_next_seq", &v->log_next_seq, &next_seq_size)))
		return err;
	v->seq_size = first_seq_size;
	if (buf_size != 8 || !v->log_buf_len_size || v->log_buf_len_size > 8 || !v->idx_size || v->idx_size > 8 ||
	    v->idx_size != next_idx_size || first_seq_size != 8 || next_seq_size != 8)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "log_buf variables of unexpected sizes");
	return NULL;
}

struct kinspect_error *kinspect_printk_for_each(struct kinspect_dwarf_types *types,
						const struct kinspect_vmlinux *vmlinux, uint64_t slide,
						const struct kinspect_memory *mem, uint64_t first_seq,
						kinspect_printk_fn fn, void *arg, struct kinspect_printk_stats *stats)
{
	struct kinspect_error *err;
	uint64_t prb;
	if (has_type(types, "struct printk_ringbuffer")) {
		/* prb points to printk_rb_static, or after setup_log_buf() (a
		 * log_buf_len= larger than the static buffer) to
		 * printk_rb_dynamic. */
		uint8_t word[8];
		if ((err = symbol(vmlinux, slide, "prb", &prb, NULL)))
			return kinspect_error_wrap(err, "the printk ring pointer");
		if ((err = kinspect_memory_read(mem, prb, word, sizeof(word))))
			return kinspect_error_wrap(err, "prb at 0x%" PRIx64, prb);
		return kinspect_printk_ring_for_each(types, mem, kinspect_load_le(word, 8), first_seq, fn, arg, stats);
	}
	if (has_type(types, "struct printk_log")) {
		struct kinspect_printk_log_buf vars;
		if ((err = log_buf_vars(vmlinux, slide, &vars)))
			return kinspect_error_wrap(err, "the log_buf of struct printk_log");
		return kinspect_printk_log_buf_for_each(types, mem, &vars, first_seq, fn, arg, stats);
	}
	return kinspect_error_create(KINSPECT_ERROR_UNSUPPORTED,
				     "the vmlinux's DWARF has neither struct printk_ringbuffer nor struct printk_log "
				     "(a kernel without CONFIG_PRINTK?)");
}
