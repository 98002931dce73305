/* Creating errors: what only the library makes (the public header has
 * kinspect_error_create(), kinspect_error_os() and kinspect_error_wrap()).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ERROR_PRIV_H
#define KINSPECT_ERROR_PRIV_H

#include <stdarg.h>

#include <kinspect/error.h>

/* The out-of-memory error: static so that failing never allocates. */
extern struct kinspect_error kinspect_error_nomem;

/* The not-found error of lookups that probe (symbol, type, member): static
 * so that asking whether something is there never allocates.  Wrapping it
 * makes a new error whose cause it is. */
extern struct kinspect_error kinspect_error_not_found;

/* A new error about the peer WHAT called NAME: "WHAT NAME: message"
 * ("gdbstub 127.0.0.1:1234: ...", "QMP unix:qmp.sock: ..."). */
struct kinspect_error *kinspect_error_vabout(enum kinspect_error_code code, const char *what, const char *name,
					     const char *fmt, va_list ap) KINSPECT_PRINTF(4, 0);

/* A format error about the file PATH. */
struct kinspect_error *kinspect_error_file(const char *path, const char *fmt, ...)
	KINSPECT_PRINTF(2, 3);

/* A memory fault at ADDRESS. */
struct kinspect_error *kinspect_error_fault(uint64_t address, const char *fmt, ...)
	KINSPECT_PRINTF(2, 3);

#endif /* KINSPECT_ERROR_PRIV_H */
