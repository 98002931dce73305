/* libkinspect: inspect Linux kernels running in QEMU, live or from dumps.
 * Include this header for the whole public interface.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KINSPECT_H
#define KINSPECT_KINSPECT_H

#include <kinspect/breakpoint.h>
#include <kinspect/common.h>
#include <kinspect/crash.h>
#include <kinspect/dmesg.h>
#include <kinspect/error.h>
#include <kinspect/gdb-proxy.h>
#include <kinspect/iov-iter.h>
#include <kinspect/kernel.h>
#include <kinspect/module.h>
#include <kinspect/object.h>
#include <kinspect/page.h>
#include <kinspect/per-cpu.h>
#include <kinspect/stack.h>
#include <kinspect/symbol.h>
#include <kinspect/system.h>
#include <kinspect/target.h>
#include <kinspect/task.h>
#include <kinspect/type.h>
#include <kinspect/version.h>
#include <kinspect/vmlinux.h>
#include <kinspect/xarray.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library's package version, e.g. "0.2.0" (KINSPECT_VERSION_STRING
 * is the headers'). */
KINSPECT_EXPORT const char *kinspect_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_KINSPECT_H */
