/* qOffsets for a KASLR kernel: where the vmlinux's first loadable segment
 * sits in the running kernel.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_OFFSETS_H
#define KINSPECT_PROXY_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

/* Write the qOffsets answer for the vmlinux at PATH and SLIDE into BUF:
 * "TextSeg=ADDR", ADDR the first PT_LOAD's p_vaddr plus SLIDE.  gdb then
 * moves every section of vmlinux by the slide ("Text=;Data=" would move
 * only .text, .data and .bss). */
struct kinspect_error *proxy_offsets_answer(const char *path, uint64_t slide, char *buf, size_t size);

#endif /* KINSPECT_PROXY_OFFSETS_H */
