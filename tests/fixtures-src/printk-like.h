/* The printk log structures as the kernel lays them out: the lockless ring
 * of Linux 5.10+ (kernel/printk/printk_ringbuffer.h, 6.12's printk_info)
 * and the log_buf records before it (struct printk_log of 5.1-5.9, with
 * CONFIG_PRINTK_CALLER).  printk-like.c gives them DWARF; test-printk.c
 * builds rings of them in its own memory.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PRINTK_LIKE_H
#define PRINTK_LIKE_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

typedef struct {
	long counter;
} atomic_long_t;

struct dev_printk_info {
	char subsystem[16];
	char device[48];
};

struct printk_info {
	u64 seq;
	u64 ts_nsec;
	u16 text_len;
	u8 facility;
	u8 flags : 5;
	u8 level : 3;
	u32 caller_id;
	struct dev_printk_info dev_info;
};

struct prb_data_blk_lpos {
	unsigned long begin;
	unsigned long next;
};

struct prb_desc {
	atomic_long_t state_var;
	struct prb_data_blk_lpos text_blk_lpos;
};

struct prb_data_block {
	unsigned long id;
	char data[];
};

struct prb_desc_ring {
	unsigned int count_bits;
	struct prb_desc *descs;
	struct printk_info *infos;
	atomic_long_t head_id;
	atomic_long_t tail_id;
	atomic_long_t last_finalized_seq;
};

struct prb_data_ring {
	unsigned int size_bits;
	char *data;
	atomic_long_t head_lpos;
	atomic_long_t tail_lpos;
};

struct printk_ringbuffer {
	struct prb_desc_ring desc_ring;
	struct prb_data_ring text_data_ring;
	atomic_long_t fail;
};

enum desc_state {
	desc_miss = -1,
	desc_reserved = 0x0,
	desc_committed = 0x1,
	desc_finalized = 0x2,
	desc_reusable = 0x3,
};

enum printk_info_flags {
	LOG_NEWLINE = 2,
	LOG_CONT = 8,
};

struct printk_log {
	u64 ts_nsec;
	u16 len;
	u16 text_len;
	u16 dict_len;
	u8 facility;
	u8 flags : 5;
	u8 level : 3;
	u32 caller_id;
};

#endif /* PRINTK_LIKE_H */
