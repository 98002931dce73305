/* Opening input files the same way everywhere, with the same messages.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_FILE_H
#define KINSPECT_FILE_H

#include <stdint.h>

#include <kinspect/error.h>

/* Open PATH read-only; it must be a regular, non-empty file.  On success
 * *RET_FD is the descriptor (the caller closes it) and *RET_SIZE its size.
 * WHAT names the file in the error ("cannot open vmlinux"). */
struct kinspect_error *kinspect_open_input(const char *path, const char *what, int *ret_fd, uint64_t *ret_size);

/* Read SIZE bytes from the start of FD (opened from PATH) into BUF: a
 * file that ends early is an error, not a short read. */
struct kinspect_error *kinspect_read_all(int fd, const char *path, void *buf, uint64_t size);

#endif /* KINSPECT_FILE_H */
