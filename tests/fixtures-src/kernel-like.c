/* Gives the structures of kernel-like.h DWARF: compiled with -g -c at test
 * time and read back by the DWARF layout tests.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel-like.h"

struct iov_iter kl_iter;
struct folio_queue kl_folioq;
module_t kl_module;
struct page kl_page;
struct folio kl_folio;
union kl_word kl_word;
kl_opaque_t *kl_opaque;
enum iter_type kl_iter_type;
enum pageflags kl_pageflags;
enum mod_mem_type kl_mod_mem_type;
enum kl_big kl_big;
int kl_negative = KL_NEGATIVE;
u16 kl_u16;
