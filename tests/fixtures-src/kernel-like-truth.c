/* Prints the layout of kernel-like.h as the compiler sees it, one
 * "|"-separated fact a line; the DWARF unit test checks each of them.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kernel-like.h"

#define SIZE(T) printf("size|%s|%zu\n", #T, sizeof(T))
#define MEMBER(T, path) printf("member|%s|%s|%zu|%zu\n", #T, #path, offsetof(T, path), sizeof(((T *)0)->path))
#define LEN(T, path) printf("len|%s|%s|%zu\n", #T, #path, sizeof(((T *)0)->path) / sizeof(((T *)0)->path[0]))
#define ENUM(name) printf("enum|%s|%lld\n", #name, (long long)(name))
/* A bit-field's place: set all its bits in a zeroed object and look. */
#define BITS(T, path)                                                                      \
	do {                                                                               \
		T x;                                                                       \
		memset(&x, 0, sizeof(x));                                                  \
		x.path = -1;                                                               \
		print_bits(#T, #path, (const unsigned char *)&x, sizeof(x));               \
	} while (0)

static void print_bits(const char *type, const char *path, const unsigned char *p, size_t size)
{
	long first = -1, count = 0;
	for (size_t i = 0; i < size * 8; i++) {
		if (p[i / 8] & (1u << (i % 8))) {
			if (first < 0)
				first = (long)i;
			count++;
		}
	}
	printf("bits|%s|%s|%ld|%ld\n", type, path, first, count);
}

int main(void)
{
	SIZE(u64);
	SIZE(u16);
	SIZE(struct list_head);
	SIZE(struct iovec);
	SIZE(struct folio_batch);
	SIZE(struct folio_queue);
	SIZE(struct iov_iter);
	SIZE(struct module_memory);
	SIZE(struct module);
	SIZE(module_t);
	SIZE(struct page);
	SIZE(struct folio);
	SIZE(union kl_word);
	SIZE(enum iter_type);

	MEMBER(struct iov_iter, iter_type);
	MEMBER(struct iov_iter, nofault);
	MEMBER(struct iov_iter, data_source);
	MEMBER(struct iov_iter, iov_offset);
	MEMBER(struct iov_iter, __ubuf_iovec);
	MEMBER(struct iov_iter, __ubuf_iovec.iov_base);
	MEMBER(struct iov_iter, __ubuf_iovec.iov_len);
	MEMBER(struct iov_iter, __iov);
	MEMBER(struct iov_iter, folioq);
	MEMBER(struct iov_iter, ubuf);
	MEMBER(struct iov_iter, count);
	MEMBER(struct iov_iter, nr_segs);
	MEMBER(struct iov_iter, folioq_slot);
	MEMBER(struct iov_iter, xarray_start);

	MEMBER(struct folio_queue, vec);
	MEMBER(struct folio_queue, vec.nr);
	MEMBER(struct folio_queue, vec.folios);
	MEMBER(struct folio_queue, vec.folios[3]);
	MEMBER(struct folio_queue, orders);
	MEMBER(struct folio_queue, orders[30]);
	MEMBER(struct folio_queue, next);
	MEMBER(struct folio_queue, prev);
	MEMBER(struct folio_queue, marks);
	MEMBER(struct folio_queue, marks2);
	LEN(struct folio_queue, vec.folios);
	LEN(struct folio_queue, orders);

	MEMBER(struct module, state);
	MEMBER(struct module, list);
	MEMBER(struct module, list.prev);
	MEMBER(struct module, name);
	MEMBER(struct module, mem);
	MEMBER(struct module, mem[0].base);
	MEMBER(struct module, mem[5].size);
	MEMBER(struct module, mem[6]);
	MEMBER(struct module, grid);
	MEMBER(struct module, grid[1]);
	MEMBER(struct module, grid[2][3]);
	MEMBER(struct module, packed);
	MEMBER(struct module, num_syms);
	MEMBER(struct module, sect_attrs);
	MEMBER(struct module, exit);
	MEMBER(module_t, sect_attrs);
	LEN(struct module, name);
	LEN(struct module, mem);
	LEN(struct module, grid);
	LEN(struct module, grid[0]);
	BITS(struct module_memory, flags);
	BITS(struct module_memory, is_rox);
	BITS(struct module_memory, delta);
	BITS(struct module_memory, tail);
	BITS(struct module, mem[2].delta);
	BITS(struct module, taints);
	BITS(struct module, more_taints);
	BITS(struct module, packed.lo);
	BITS(struct module, packed.hi);

	MEMBER(struct page, flags);
	MEMBER(struct page, lru);
	MEMBER(struct page, lru.next);
	MEMBER(struct page, mapping);
	MEMBER(struct page, index);
	MEMBER(struct page, pp_magic);
	MEMBER(struct page, dma_addr);
	MEMBER(struct page, compound_head);
	MEMBER(struct page, page_type);
	MEMBER(struct page, _mapcount);
	MEMBER(struct page, _refcount);
	MEMBER(struct folio, flags);
	MEMBER(struct folio, lru);
	MEMBER(struct folio, index);
	MEMBER(struct folio, _refcount);
	MEMBER(struct folio, page);
	MEMBER(struct folio, page._refcount);
	MEMBER(struct folio, _head_1);
	MEMBER(struct folio, __page_1);
	MEMBER(struct folio, __page_1.dma_addr);
	MEMBER(union kl_word, value);
	MEMBER(union kl_word, bytes[5]);

	ENUM(ITER_UBUF);
	ENUM(ITER_FOLIOQ);
	ENUM(ITER_DISCARD);
	ENUM(PG_locked);
	ENUM(PG_referenced);
	ENUM(__NR_PAGEFLAGS);
	ENUM(MOD_TEXT);
	ENUM(MOD_INIT_RODATA);
	ENUM(MODULE_STATE_GOING);
	ENUM(KL_NEGATIVE);
	ENUM(KL_BIG);
	return 0;
}
