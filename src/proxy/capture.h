/* What a monitor command writes to standard output and error, captured
 * while it runs in the proxy's process (gdb's link is on other
 * descriptors), for gdb's console.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_CAPTURE_H
#define KINSPECT_PROXY_CAPTURE_H

#include <stddef.h>

#include <kinspect/error.h>

/* Output kept of one command; the rest is cut with a line saying so. */
#define PROXY_CAPTURE_MAX (16u << 20)

struct proxy_capture {
	int fd;                 /* an anonymous file */
	int saved_out, saved_err; /* descriptors 1 and 2 as they were */
};

/* From now on descriptors 1 and 2 (and stdout, stderr) write to C. */
struct kinspect_error *proxy_capture_begin(struct proxy_capture *c);

/* Put descriptors 1 and 2 back and return what was written, malloc()ed in
 * *RET (NUL-terminated) with its length in *RET_LEN. */
struct kinspect_error *proxy_capture_end(struct proxy_capture *c, char **ret, size_t *ret_len);

#endif /* KINSPECT_PROXY_CAPTURE_H */
