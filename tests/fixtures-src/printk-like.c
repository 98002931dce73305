/* Gives the structures of printk-like.h DWARF: compiled with -g -c at test
 * time and read back by tests/unit/test-printk.c.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "printk-like.h"

struct printk_ringbuffer pl_ring;
struct prb_data_block *pl_block;
struct printk_log pl_log;
enum desc_state pl_state;
enum printk_info_flags pl_flags;
