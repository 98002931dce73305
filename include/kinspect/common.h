/* Definitions shared by every public kinspect header.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_COMMON_H
#define KINSPECT_COMMON_H

/* Only symbols marked KINSPECT_EXPORT leave libkinspect.so: the library is
 * built with -fvisibility=hidden and a linker version script. */
#if defined(__GNUC__)
#define KINSPECT_EXPORT __attribute__((visibility("default")))
#else
#define KINSPECT_EXPORT
#endif

/* A function whose argument FMT is a printf() format, checked against the
 * arguments from ARGS on. */
#if defined(__GNUC__)
#define KINSPECT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KINSPECT_PRINTF(fmt, args)
#endif

#endif /* KINSPECT_COMMON_H */
