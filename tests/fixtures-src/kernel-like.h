/* Structures shaped like the kernel's (anonymous unions, bit-fields,
 * flexible and nested arrays, enums, typedefs) for the DWARF layout tests.
 * kernel-like.c gives them DWARF; kernel-like-truth.c prints what the
 * compiler itself says about them.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KERNEL_LIKE_H
#define KERNEL_LIKE_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned long long u64;
/* As the kernel's types.h; C23 (gcc 15's default) has bool built in. */
#if !defined(__STDC_VERSION__) || __STDC_VERSION__ < 202311L
typedef _Bool bool;
#endif

struct list_head {
	struct list_head *next, *prev;
};

struct iovec {
	void *iov_base;
	unsigned long iov_len;
};

enum iter_type {
	ITER_UBUF,
	ITER_IOVEC,
	ITER_KVEC,
	ITER_BVEC,
	ITER_XARRAY,
	ITER_FOLIOQ,
	ITER_DISCARD,
};

enum pageflags {
	PG_locked,
	PG_writeback,
	PG_referenced,
	__NR_PAGEFLAGS = 40,
};

/* Anonymous, negative, and unsigned beyond INT_MAX. */
enum { KL_NEGATIVE = -7 };
enum kl_big { KL_BIG = 0xfffffff0u };

enum module_state { MODULE_STATE_LIVE, MODULE_STATE_COMING, MODULE_STATE_GOING };

enum mod_mem_type {
	MOD_TEXT = 0,
	MOD_DATA,
	MOD_RODATA,
	MOD_RO_AFTER_INIT,
	MOD_INIT_TEXT,
	MOD_INIT_DATA,
	MOD_INIT_RODATA,
	MOD_MEM_NUM_TYPES,
};

struct folio;
struct page;
struct module_sect_attrs;
/* Declared, never defined. */
typedef struct kl_opaque kl_opaque_t;

#define FOLIO_BATCH_SIZE 31
struct folio_batch {
	unsigned char nr;
	unsigned char i;
	bool percpu_pvec_drained;
	struct folio *folios[FOLIO_BATCH_SIZE];
};

struct folio_queue {
	struct folio_batch vec;
	u8 orders[FOLIO_BATCH_SIZE];
	struct folio_queue *next;
	struct folio_queue *prev;
	unsigned long marks;
	unsigned long marks2;
};

struct iov_iter {
	u8 iter_type;
	bool nofault;
	bool data_source;
	unsigned long iov_offset;
	union {
		struct iovec __ubuf_iovec;
		struct {
			union {
				const struct iovec *__iov;
				const struct folio_queue *folioq;
				void *ubuf;
			};
			unsigned long count;
		};
	};
	union {
		unsigned long nr_segs;
		u8 folioq_slot;
		long long xarray_start;
	};
};

struct module_memory {
	void *base;
	unsigned int size;
	unsigned int flags : 3;
	unsigned int is_rox : 1;
	signed int delta : 9;
	u16 tail : 7;
};

struct module {
	enum module_state state;
	struct list_head list;
	char name[56];
	struct module_memory mem[MOD_MEM_NUM_TYPES];
	u64 taints : 40, more_taints : 24;
	int grid[3][4];
	struct {
		short lo : 5;
		short hi : 11;
	} packed;
	unsigned int num_syms;
	struct module_sect_attrs *sect_attrs;
	void (*exit)(void);
	struct page *pages[];
};

typedef struct module module_t;

/* A union at the top, as struct folio is. */
struct page {
	unsigned long flags;
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
		};
		struct {
			unsigned long pp_magic;
			u64 dma_addr;
		};
		struct {
			unsigned long compound_head;
		};
	};
	union {
		unsigned int page_type;
		int _mapcount;
	};
	int _refcount;
};

struct folio {
	union {
		struct {
			unsigned long flags;
			struct list_head lru;
			void *mapping;
			unsigned long index;
			int _mapcount;
			int _refcount;
		};
		struct page page;
	};
	union {
		struct {
			unsigned long _flags_1;
			unsigned long _head_1;
		};
		struct page __page_1;
	};
};

union kl_word {
	u64 value;
	u8 bytes[8];
};

#endif /* KERNEL_LIKE_H */
