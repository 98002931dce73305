/* Unit tests: the printk log walkers on rings built here, in this
 * process's memory, by writers that follow the kernel's own algorithms
 * (prb_reserve()/data_alloc() of kernel/printk/printk_ringbuffer.c, and
 * log_store() of the log_buf kernels), with the DWARF of
 * tests/fixtures-src/printk-like.c compiled at run time: records in order
 * with their fields, a ring that wrapped many times (oldest records gone,
 * descriptors made reusable, data blocks that wrap to the ring's start,
 * one that ends exactly at its end, written by both the old and the new
 * wrapping rule), empty and multi-line records, an open (committed, not
 * finalized) record, --since, and damaged rings: errors or skipped
 * records, never a crash.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/dmesg.h>

#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"
#include "fixture.h"
#include "linux/printk.h"
#include "tap.h"
#include "error-is.h"
#include "../fixtures-src/printk-like.h"

static char tmpdir[] = "/tmp/kinspect-printk.XXXXXX";
static struct kinspect_dwarf_types *types;

/* ---- memory: this process's, within the regions listed ------------------ */

struct region {
	const void *base;
	size_t len;
};
static struct region regions[4];
static size_t nr_regions;

static struct kinspect_error *host_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < nr_regions; i++) {
		uint64_t base = (uintptr_t)regions[i].base;
		if (addr >= base && len <= regions[i].len && addr - base <= regions[i].len - len) {
			memcpy(buf, (const void *)(uintptr_t)addr, len);
			return NULL;
		}
	}
	return kinspect_error_fault(addr, "read of %zu bytes at 0x%" PRIx64 ": not mapped", len, addr);
}

static const struct kinspect_memory mem = { .read = host_read };

/* ---- the lockless ring's writer -------------------------------------- */

#define CBITS 3
#define COUNT (1u << CBITS)
#define SBITS 8
#define SIZE (1ul << SBITS)
#define SV_SHIFT (8 * sizeof(unsigned long) - 2)
#define ID_MASK (~0ul >> 2)
#define SV(id, state) (((unsigned long)(state) << SV_SHIFT) | (id))
#define NO_LPOS 3ul
#define FAILED_LPOS 1ul
#define TEXTS_MAX 512

struct ring_writer {
	struct printk_ringbuffer rb;
	struct prb_desc descs[COUNT];
	struct printk_info infos[COUNT];
	_Alignas(8) char data[SIZE];
	/* since "printk: ringbuffer: don't needlessly wrap data blocks
	 * around": a block may end exactly at the end of the ring */
	bool new_rule;
	/* the data blocks not yet dropped, oldest first */
	struct block {
		unsigned long id, begin, next;
	} blocks[COUNT * 4];
	unsigned int first_block, nr_blocks;
	char texts[TEXTS_MAX][80]; /* by sequence number */
};

static unsigned long wraps(unsigned long lpos)
{
	return lpos >> SBITS;
}

static void ring_init(struct ring_writer *w, bool new_rule)
{
	memset(w, 0, sizeof(*w));
	w->new_rule = new_rule;
	/* _DEFINE_PRINTKRB(): the bootstrap descriptor at the last index,
	 * reusable, data-less; infos[0] set up so that the first record gets
	 * sequence number 0; the data ring starts one ring below 0. */
	unsigned long id0 = (unsigned long)-(long)(COUNT + 1) & ID_MASK;
	w->rb.desc_ring.count_bits = CBITS;
	w->rb.desc_ring.descs = w->descs;
	w->rb.desc_ring.infos = w->infos;
	w->rb.desc_ring.head_id.counter = (long)id0;
	w->rb.desc_ring.tail_id.counter = (long)id0;
	w->descs[COUNT - 1].state_var.counter = (long)SV(id0, desc_reusable);
	w->descs[COUNT - 1].text_blk_lpos = (struct prb_data_blk_lpos){ FAILED_LPOS, FAILED_LPOS };
	w->infos[0].seq = -(u64)COUNT;
	w->rb.text_data_ring.size_bits = SBITS;
	w->rb.text_data_ring.data = w->data;
	w->rb.text_data_ring.head_lpos.counter = (long)-SIZE;
	w->rb.text_data_ring.tail_lpos.counter = (long)-SIZE;
	nr_regions = 1;
	regions[0] = (struct region){ w, sizeof(*w) };
}

/* data_push_tail(): drop the oldest blocks (their descriptors become
 * reusable) until the data tail is at LPOS or past it. */
static void push_data_tail(struct ring_writer *w, unsigned long lpos)
{
	while ((long)(lpos - (unsigned long)w->rb.text_data_ring.tail_lpos.counter) > 0 && w->nr_blocks) {
		struct block *b = &w->blocks[w->first_block];
		struct prb_desc *d = &w->descs[b->id % COUNT];
		if (((unsigned long)d->state_var.counter & ID_MASK) == b->id)
			d->state_var.counter = (long)SV(b->id, desc_reusable);
		w->rb.text_data_ring.tail_lpos.counter = (long)b->next;
		w->first_block = (w->first_block + 1) % (COUNT * 4);
		w->nr_blocks--;
	}
	if ((long)(lpos - (unsigned long)w->rb.text_data_ring.tail_lpos.counter) > 0)
		w->rb.text_data_ring.tail_lpos.counter = (long)lpos;
}

/* prb_reserve() + prb_final_commit() (prb_commit() when OPEN) of TEXT. */
static void ring_write(struct ring_writer *w, const char *text, unsigned int level, unsigned int facility,
		       uint32_t caller, bool open)
{
	unsigned long id = ((unsigned long)w->rb.desc_ring.head_id.counter + 1) & ID_MASK;
	unsigned long tail = (unsigned long)w->rb.desc_ring.tail_id.counter;
	if (((id - tail) & ID_MASK) >= COUNT) {
		/* desc_push_tail(): the tail's data goes, then the tail. */
		struct prb_desc *d = &w->descs[tail % COUNT];
		if (!(d->text_blk_lpos.begin & 1))
			push_data_tail(w, d->text_blk_lpos.next);
		w->rb.desc_ring.tail_id.counter = (long)((tail + 1) & ID_MASK);
	}
	w->rb.desc_ring.head_id.counter = (long)id;
	unsigned int index = id % COUNT;
	struct prb_desc *d = &w->descs[index];
	struct printk_info *info = &w->infos[index];
	u64 seq = info->seq;
	seq = seq == 0 && index != 0 ? index : seq + COUNT;
	size_t len = strlen(text);
	*info = (struct printk_info){ .seq = seq, .ts_nsec = 1000000000ull * seq + 123456789, .text_len = (u16)len,
				      .facility = (u8)facility, .flags = LOG_NEWLINE, .level = (u8)level,
				      .caller_id = caller };
	if (seq < TEXTS_MAX)
		snprintf(w->texts[seq], sizeof(w->texts[seq]), "%s", text);
	snprintf(info->dev_info.subsystem, sizeof(info->dev_info.subsystem), "%s", seq % 5 == 0 ? "pci" : "");
	snprintf(info->dev_info.device, sizeof(info->dev_info.device), "%s", seq % 5 == 0 ? "+pci:0000:00:01.0" : "");
	if (len == 0) {
		d->text_blk_lpos = (struct prb_data_blk_lpos){ NO_LPOS, NO_LPOS };
	} else {
		/* data_alloc() with get_next_lpos() */
		unsigned long size = ((len + 7) & ~7ul) + sizeof(unsigned long);
		unsigned long begin = (unsigned long)w->rb.text_data_ring.head_lpos.counter, next = begin + size;
		bool wrapped = w->new_rule ? wraps(begin) != wraps(next - 1) : wraps(begin) != wraps(next);
		if (wrapped)
			next = (next & ~(SIZE - 1)) + size;
		push_data_tail(w, next - SIZE);
		memcpy(w->data + (begin & (SIZE - 1)), &id, sizeof(id));
		char *at = w->data + (begin & (SIZE - 1)) + sizeof(id);
		if (wrapped) {
			memcpy(w->data, &id, sizeof(id));
			at = w->data + sizeof(id);
		}
		memcpy(at, text, len);
		w->rb.text_data_ring.head_lpos.counter = (long)next;
		d->text_blk_lpos = (struct prb_data_blk_lpos){ begin, next };
		unsigned int slot = (w->first_block + w->nr_blocks++) % (COUNT * 4);
		w->blocks[slot] = (struct block){ id, begin, next };
	}
	d->state_var.counter = (long)SV(id, open ? desc_committed : desc_finalized);
}

/* ---- collecting what a walk hands out ----------------------------------- */

struct got {
	size_t n;
	struct {
		uint64_t seq, ts;
		unsigned int level, facility, flags;
		int64_t pid, cpu;
		char text[128], subsystem[20], device[52];
	} r[64];
};

static struct kinspect_error *collect(const struct kinspect_dmesg_record *rec, void *arg)
{
	struct got *g = arg;
	if (g->n == 64)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "more than 64 records");
	typeof(g->r[0]) *r = &g->r[g->n++];
	r->seq = rec->seq;
	r->ts = rec->ts_nsec;
	r->level = rec->level;
	r->facility = rec->facility;
	r->flags = rec->flags;
	r->pid = rec->pid;
	r->cpu = rec->cpu;
	if (strlen(rec->text) != rec->text_len)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "text of %zu bytes, %zu before its NUL", rec->text_len,
					     strlen(rec->text));
	snprintf(r->text, sizeof(r->text), "%s", rec->text);
	snprintf(r->subsystem, sizeof(r->subsystem), "%s", rec->subsystem);
	snprintf(r->device, sizeof(r->device), "%s", rec->device);
	return NULL;
}

static struct kinspect_error *walk_ring(struct ring_writer *w, uint64_t first_seq, struct got *g,
					struct kinspect_printk_stats *stats)
{
	memset(g, 0, sizeof(*g));
	return kinspect_printk_ring_for_each(types, &mem, (uintptr_t)&w->rb, first_seq, collect, g, stats);
}

static bool no_error(struct kinspect_error *err, const char *what)
{
	char *s = err ? kinspect_error_string(err) : NULL;
	bool pass = ok(!err, "%s", what);
	if (!pass)
		printf("#   %s\n", s ? s : "?");
	free(s);
	kinspect_error_destroy(err);
	return pass;
}

/* Every record handed out holds what the writer wrote for its sequence
 * number, and the sequence numbers follow one another. */
static bool texts_agree(const struct ring_writer *w, const struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		if ((i && g->r[i].seq != g->r[i - 1].seq + 1) || g->r[i].seq >= TEXTS_MAX ||
		    strcmp(g->r[i].text, w->texts[g->r[i].seq]) != 0 ||
		    g->r[i].ts != 1000000000ull * g->r[i].seq + 123456789) {
			printf("#   record %zu: seq %" PRIu64 " \"%s\"\n", i, g->r[i].seq, g->r[i].text);
			return false;
		}
	}
	return true;
}

static void test_ring(void)
{
	static struct ring_writer w;
	struct got g;
	struct kinspect_printk_stats stats;

	ring_init(&w, true);
	no_error(walk_ring(&w, 0, &g, &stats), "an empty ring walks");
	ok(g.n == 0 && stats.skipped == 1 && strcmp(stats.layout, "printk_ringbuffer") == 0,
	   "no record, the bootstrap descriptor skipped (%zu, %" PRIu64 ")", g.n, stats.skipped);

	ring_write(&w, "Linux version 6.12", 5, 0, 0, false);
	ring_write(&w, "", 6, 0, 1, false);
	ring_write(&w, "one\ntwo", 3, 1, 183, false);
	ring_write(&w, "from an interrupt", 4, 0, 0x80000001u, false);
	no_error(walk_ring(&w, 0, &g, &stats), "four records walk");
	is_int(g.n, 4, "four records");
	ok(g.r[0].seq == 0 && g.r[0].level == 5 && g.r[0].facility == 0 && strcmp(g.r[0].text, "Linux version 6.12") == 0 &&
	   g.r[0].flags == KINSPECT_DMESG_NEWLINE && g.r[0].ts == 123456789 && g.r[0].pid == 0 && g.r[0].cpu == -1,
	   "record 0: seq, level, facility, text, flags, timestamp, caller");
	ok(strcmp(g.r[0].subsystem, "pci") == 0 && strcmp(g.r[0].device, "+pci:0000:00:01.0") == 0 &&
	   g.r[1].subsystem[0] == '\0',
	   "dev_printk's subsystem and device");
	ok(g.r[1].seq == 1 && g.r[1].text[0] == '\0', "an empty record (no data block, NO_LPOS)");
	ok(g.r[2].seq == 2 && strcmp(g.r[2].text, "one\ntwo") == 0 && g.r[2].facility == 1 && g.r[2].pid == 183,
	   "a multi-line record of pid 183, facility user");
	ok(g.r[3].pid == -1 && g.r[3].cpu == 1, "a record logged on CPU 1 outside task context");

	no_error(walk_ring(&w, 2, &g, &stats), "from sequence number 2");
	ok(g.n == 2 && g.r[0].seq == 2, "records 2 and 3 only");

	ring_write(&w, "continued", 6, 0, 1, true);
	no_error(walk_ring(&w, 4, &g, &stats), "an open record walks");
	ok(g.n == 1 && (g.r[0].flags & KINSPECT_DMESG_OPEN), "committed, not finalized: open");

	/* Many more records than the ring holds, of many lengths: blocks
	 * wrap to the start, the oldest data is dropped, descriptors become
	 * reusable and are taken again. */
	for (bool new_rule = false;; new_rule = true) {
		ring_init(&w, new_rule);
		bool exact_end = false, wrapped_block = false;
		for (unsigned int i = 0; i < 300; i++) {
			char text[80];
			snprintf(text, sizeof(text), "record %u %.*s", i, (int)(i * 7 % 41), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP");
			unsigned long before = (unsigned long)w.rb.text_data_ring.head_lpos.counter;
			ring_write(&w, text, i % 8, 0, i, false);
			unsigned long next = (unsigned long)w.rb.text_data_ring.head_lpos.counter;
			exact_end |= (next & (SIZE - 1)) == 0 && wraps(before) != wraps(next) && next - before < SIZE / 2 &&
				     (before & (SIZE - 1)) != 0 && new_rule;
			wrapped_block |= (next & (SIZE - 1)) < (before & (SIZE - 1)) && (next & (SIZE - 1)) != 0;
			struct kinspect_error *err = walk_ring(&w, 0, &g, &stats);
			if (err || !texts_agree(&w, &g) || (g.n && g.r[g.n - 1].seq != i)) {
				no_error(err, "a wrapped ring walks");
				ok(false, "%s rule, after record %u: %zu records, the newest %" PRIu64, new_rule ? "new" : "old",
				   i, g.n, g.n ? g.r[g.n - 1].seq : 0);
				break;
			}
			if (i == 299) {
				ok(true, "%s wrapping rule: after each of 300 records every record held agrees, the newest last",
				   new_rule ? "new" : "old");
				ok(g.n >= 3 && g.r[0].seq > 250, "the oldest records are gone: %zu held, from %" PRIu64, g.n,
				   g.r[0].seq);
				ok(wrapped_block, "some data block wrapped to the start of the ring");
				if (new_rule)
					ok(exact_end, "some data block ended exactly at the end of the ring");
			}
		}
		if (new_rule)
			break;
	}

	/* Damage. */
	uint64_t seq0 = g.r[0].seq;
	struct ring_writer saved = w;
	unsigned int victim = (unsigned int)(g.r[1].seq % COUNT);
	w.descs[victim].state_var.counter = (long)SV(((unsigned long)w.descs[victim].state_var.counter + COUNT) & ID_MASK,
						    desc_finalized);
	no_error(walk_ring(&w, 0, &g, &stats), "a descriptor of another id (reused since) is skipped");
	ok(g.n >= 2 && g.r[0].seq == seq0 && g.r[1].seq == seq0 + 2, "the others are still there");
	w = saved;
	struct prb_data_blk_lpos lpos = w.descs[victim].text_blk_lpos;
	char *block = w.data + (lpos.begin & (SIZE - 1));
	if (wraps(lpos.begin) != wraps(lpos.next - 1))
		block = w.data; /* a wrapping block: its id at the start counts */
	block[0] ^= 0x40;
	no_error(walk_ring(&w, 0, &g, &stats), "a data block with another id (overwritten) is skipped");
	ok(g.r[1].seq == seq0 + 2, "its record is not shown with another's text");
	w = saved;
	w.infos[victim].text_len = 200;
	no_error(walk_ring(&w, 0, &g, &stats), "a text longer than its block is skipped");
	ok(g.r[1].seq == seq0 + 2, "its record is not shown");
	w = saved;
	w.infos[victim].seq += 1;
	no_error(walk_ring(&w, 0, &g, &stats), "a sequence number not congruent to its index is skipped");
	ok(g.r[1].seq == seq0 + 2, "its record is not shown");
	w = saved;
	w.rb.desc_ring.count_bits = 40;
	error_is(walk_ring(&w, 0, &g, &stats), KINSPECT_ERROR_FORMAT, "implausible geometry", "count_bits 40");
	w = saved;
	w.rb.text_data_ring.size_bits = 30;
	error_is(walk_ring(&w, 0, &g, &stats), KINSPECT_ERROR_FORMAT, "more than the 256 MiB",
		 "a ring too large to read");
	w = saved;
	w.rb.desc_ring.head_id.counter += COUNT;
	error_is(walk_ring(&w, 0, &g, &stats), KINSPECT_ERROR_FORMAT, "more than its 8 descriptors",
		 "head and tail more than a ring apart");
	w = saved;
	w.rb.desc_ring.infos = (struct printk_info *)(uintptr_t)0xdead000000000000ull;
	error_is(walk_ring(&w, 0, &g, &stats), KINSPECT_ERROR_FAULT, "infos at 0xdead000000000000",
		 "a wild infos pointer is a fault naming it");
	w = saved;
	w.rb.text_data_ring.data = (char *)(uintptr_t)0x10;
	error_is(walk_ring(&w, 0, &g, &stats), KINSPECT_ERROR_FAULT, "text at 0x10", "a wild data pointer");
}

/* ---- the log_buf writer (log_store() before Linux 5.10) ---------------- */

#define LBUF 256

struct log_writer {
	_Alignas(8) char buf[LBUF];
	char *log_buf;
	u32 log_buf_len, log_first_idx, log_next_idx;
	u64 log_first_seq, log_next_seq;
	char texts[TEXTS_MAX][80];
};

static u32 log_next(struct log_writer *w, u32 idx)
{
	struct printk_log *m = (struct printk_log *)(w->buf + idx);
	if (!m->len)
		return ((struct printk_log *)w->buf)->len;
	return idx + m->len;
}

static bool has_space(struct log_writer *w, u32 size, bool empty)
{
	u32 free;
	if (w->log_next_idx > w->log_first_idx || empty)
		free = w->log_buf_len - w->log_next_idx > w->log_first_idx ? w->log_buf_len - w->log_next_idx
									    : w->log_first_idx;
	else
		free = w->log_first_idx - w->log_next_idx;
	return free >= size + sizeof(struct printk_log);
}

/* log_store() of TEXT with the dictionary DICT of DLEN bytes. */
static void log_write(struct log_writer *w, const char *text, const char *dict, u32 dlen, unsigned int level,
		      uint32_t caller)
{
	u32 tlen = (u32)strlen(text);
	u32 size = (u32)sizeof(struct printk_log) + tlen + dlen;
	size += (-size) & 7;
	while (w->log_first_seq < w->log_next_seq && !has_space(w, size, false)) {
		w->log_first_idx = log_next(w, w->log_first_idx);
		w->log_first_seq++;
	}
	if (w->log_next_idx + size + sizeof(struct printk_log) > w->log_buf_len) {
		memset(w->buf + w->log_next_idx, 0, sizeof(struct printk_log));
		w->log_next_idx = 0;
	}
	struct printk_log *m = (struct printk_log *)(w->buf + w->log_next_idx);
	*m = (struct printk_log){ .ts_nsec = 1000 * w->log_next_seq, .len = (u16)size, .text_len = (u16)tlen,
				  .dict_len = (u16)dlen, .facility = 0, .flags = LOG_NEWLINE, .level = (u8)level,
				  .caller_id = caller };
	memcpy(m + 1, text, tlen);
	memcpy((char *)(m + 1) + tlen, dict, dlen);
	snprintf(w->texts[w->log_next_seq % TEXTS_MAX], sizeof(w->texts[0]), "%s", text);
	w->log_next_idx += size;
	w->log_next_seq++;
}

static void test_log_buf(void)
{
	static struct log_writer w;
	memset(&w, 0, sizeof(w));
	w.log_buf = w.buf;
	w.log_buf_len = LBUF;
	nr_regions = 1;
	regions[0] = (struct region){ &w, sizeof(w) };
	struct kinspect_printk_log_buf vars = {
		.log_buf = (uintptr_t)&w.log_buf, .log_buf_len = (uintptr_t)&w.log_buf_len,
		.log_first_idx = (uintptr_t)&w.log_first_idx, .log_next_idx = (uintptr_t)&w.log_next_idx,
		.log_first_seq = (uintptr_t)&w.log_first_seq, .log_next_seq = (uintptr_t)&w.log_next_seq,
		.log_buf_len_size = 4, .idx_size = 4, .seq_size = 8,
	};
	struct got g;
	struct kinspect_printk_stats stats;
	bool all = true;
	for (unsigned int i = 0; i < 40 && all; i++) {
		char text[80];
		snprintf(text, sizeof(text), "log %u %.*s", i, (int)(i * 5 % 23), "abcdefghijklmnopqrstuvw");
		static const char dict[] = "SUBSYSTEM=usb\0DEVICE=c189:1";
		log_write(&w, text, dict, i % 3 == 0 ? sizeof(dict) - 1 : 0, i % 8, 100 + i);
		memset(&g, 0, sizeof(g));
		struct kinspect_error *err = kinspect_printk_log_buf_for_each(types, &mem, &vars, 0, collect, &g, &stats);
		all = !err && g.n == w.log_next_seq - w.log_first_seq && g.r[0].seq == w.log_first_seq;
		for (size_t j = 0; all && j < g.n; j++)
			all = g.r[j].seq == w.log_first_seq + j && strcmp(g.r[j].text, w.texts[g.r[j].seq % TEXTS_MAX]) == 0 &&
			      g.r[j].level == g.r[j].seq % 8 && g.r[j].pid == (int64_t)(100 + g.r[j].seq) &&
			      g.r[j].ts == 1000 * g.r[j].seq &&
			      strcmp(g.r[j].subsystem, g.r[j].seq % 3 == 0 ? "usb" : "") == 0 &&
			      strcmp(g.r[j].device, g.r[j].seq % 3 == 0 ? "c189:1" : "") == 0;
		if (!all) {
			printf("#   after record %u: %zu records from %" PRIu64 ", want %" PRIu64 " from %" PRIu64 "\n", i, g.n,
			       g.n ? g.r[0].seq : 0, (uint64_t)(w.log_next_seq - w.log_first_seq), (uint64_t)w.log_first_seq);
			for (size_t j = 0; j < g.n; j++)
				printf("#   %" PRIu64 " <%u> pid %" PRId64 " \"%s\" [%s] [%s]\n", g.r[j].seq, g.r[j].level, g.r[j].pid,
				       g.r[j].text, g.r[j].subsystem, g.r[j].device);
			no_error(err, "log_buf walk");
		}
	}
	ok(all, "log_buf: after each of 40 records (the buffer wrapped), the records from log_first_seq agree");
	ok(w.log_first_seq > 20 && strcmp(stats.layout, "log_buf") == 0, "the oldest are gone (first %llu)",
	   (unsigned long long)w.log_first_seq);
	memset(&g, 0, sizeof(g));
	no_error(kinspect_printk_log_buf_for_each(types, &mem, &vars, w.log_next_seq - 1, collect, &g, &stats),
		 "log_buf from the newest sequence number");
	ok(g.n == 1 && g.r[0].seq == w.log_next_seq - 1, "the newest record alone");
	struct printk_log *m = (struct printk_log *)(w.buf + w.log_first_idx);
	m->len = 8;
	error_is(kinspect_printk_log_buf_for_each(types, &mem, &vars, 0, collect, &g, &stats), KINSPECT_ERROR_FORMAT,
		 "does not hold its header", "a record too short for its header and text");
	w.log_next_seq = w.log_first_seq + 1000;
	error_is(kinspect_printk_log_buf_for_each(types, &mem, &vars, 0, collect, &g, &stats), KINSPECT_ERROR_FORMAT,
		 "not a log", "more records than the buffer can hold");
}

int main(void)
{
	char object[4096];
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(object, sizeof(object), "%s/printk-like.o", tmpdir);
	if (run("%s -std=gnu11 -g -O0 -c '%s/tests/fixtures-src/printk-like.c' -o '%s'", fixture_cc(), fixture_srcdir(),
		object) != 0) {
		printf("Bail out! cannot compile the fixture\n");
		return 1;
	}
	struct kinspect_error *err = kinspect_dwarf_types_create(object, &types);
	if (err) {
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
		printf("Bail out! cannot read the fixture's DWARF\n");
		return 1;
	}
	test_ring();
	test_log_buf();
	kinspect_dwarf_types_destroy(types);
	run("rm -rf '%s'", tmpdir);
	return tap_done();
}
