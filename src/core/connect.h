/* Connecting to QEMU's sockets (gdbstub, QMP) by the spec a user types:
 * "unix:PATH", "HOST:PORT" or "[IPV6]:PORT" (and, where allowed, a bare
 * PATH), non-blocking and bounded by a deadline.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CORE_CONNECT_H
#define KINSPECT_CORE_CONNECT_H

#include <stdbool.h>

#include <kinspect/error.h>

/* Connect to SPEC within TIMEOUT_MS (> 0) and set *RET to a
 * non-blocking, close-on-exec socket (TCP_NODELAY for TCP).  WHAT names the
 * peer in messages ("gdbstub", "QMP"): "WHAT SPEC: cannot connect: ...".
 * BARE_PATH: a SPEC with a '/' or without a ':' is a socket path. */
struct kinspect_error *kinspect_connect(const char *what, const char *spec, bool bare_path, int timeout_ms, int *ret);

#endif /* KINSPECT_CORE_CONNECT_H */
