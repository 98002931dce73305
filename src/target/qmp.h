/* A minimal QMP client: the one question kinspect asks QEMU's QMP monitor
 * before it touches the gdbstub, whether the VM runs (query-status).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Why QMP: connecting to QEMU's gdbstub stops a running VM, and QEMU 8.1
 * and later no longer say so on the gdbstub, so afterwards a VM that ran
 * and one a user paused both show "paused".  Asked before connecting, QMP
 * tells them apart. */
#ifndef KINSPECT_QMP_H
#define KINSPECT_QMP_H

#include <stdbool.h>

#include <kinspect/error.h>

#include "target/gdbstub.h"

struct kinspect_qmp_status {
	/* query-status's "running": true only in the running state. */
	bool running;
	/* Its "status" (RunState): "running", "paused", "debug",
	 * "prelaunch", ...  Letters, digits and '-' only. */
	char status[32];
	/* QEMU's version from the greeting; -1 each if it gave none. */
	int major, minor, micro;
};

/* Connect to the QMP socket at SPEC ("unix:PATH", "HOST:PORT", or a PATH
 * with a '/' or without a ':'), read the greeting, leave capabilities
 * negotiation (qmp_capabilities), ask query-status, and close.  TIMEOUT_MS
 * (> 0) bounds the whole exchange.  Events QEMU sends meanwhile are
 * skipped; lines and the total read are bounded.  An error says which step
 * failed and, for a QMP error reply, QEMU's description. */
struct kinspect_error *kinspect_qmp_query_status(const char *spec, int timeout_ms, struct kinspect_qmp_status *ret);

/* STATUS as the gdbstub client's answer to "did the VM run before
 * connecting?" (see kinspect_gdbstub_set_run_state()). */
void kinspect_qmp_run_state(const struct kinspect_qmp_status *status, struct kinspect_gdbstub_run_state *ret);

#endif /* KINSPECT_QMP_H */
