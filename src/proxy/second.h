/* The private socket: a second RSP client (the kinspect CLI, also the one
 * "monitor" runs) reaches QEMU through the proxy while gdb holds QEMU's
 * only connection.  Only an allowlist of packets passes through (memory and
 * register reads, thread list, target description, memory mode); nothing
 * that would resume the VM, kill QEMU or change gdb's breakpoints does.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_SECOND_H
#define KINSPECT_PROXY_SECOND_H

#include <stdbool.h>
#include <stddef.h>

#include <kinspect/error.h>

#include "proxy/link.h"
#include "target/gdbstub.h"

/* Listen on the unix socket PATH (NULL: a new directory under
 * $XDG_RUNTIME_DIR or /tmp): *RET_FD listens, *RET_PATH (malloc()ed) is
 * the socket and *RET_DIR the directory to remove at the end (or NULL). */
struct kinspect_error *proxy_second_listen(const char *path, int *ret_fd, char **ret_path, char **ret_dir);

/* Answer one packet of the second client: relayed to QEMU when the VM is
 * stopped and the packet is on the allowlist, refused (E01) otherwise.  *DIRTY is set
 * when QEMU's state as gdb knows it (selected thread, memory mode) may have
 * changed.  Errors of QEMU's connection go to *RET_QEMU_ERR, those of the
 * client's are returned. */
struct kinspect_error *proxy_second_packet(struct kinspect_gdbstub *gs, struct proxy_link *link, const char *data,
					   size_t len, bool *dirty, struct kinspect_error **ret_qemu_err);

#endif /* KINSPECT_PROXY_SECOND_H */
