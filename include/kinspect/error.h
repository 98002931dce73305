/* Errors: every fallible libkinspect function returns a struct
 * kinspect_error pointer, NULL on success.  An error names what failed and
 * carries the error that caused it, so messages read from the outer
 * operation to the root cause ("open vmlinux: /x: No such file or directory").
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_ERROR_H
#define KINSPECT_ERROR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kinspect/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum kinspect_error_code {
	KINSPECT_ERROR_OTHER = 0,
	/* Out of memory: the error object is static, destroying it is a no-op. */
	KINSPECT_ERROR_NO_MEMORY,
	KINSPECT_ERROR_INVALID_ARGUMENT,
	/* A system call failed: see kinspect_error_errnum() and _path(). */
	KINSPECT_ERROR_OS,
	/* A file or a kernel structure is malformed (ELF, DWARF, dump). */
	KINSPECT_ERROR_FORMAT,
	/* A symbol, type, member or module is not there.  Lookups that probe
	 * (kinspect_kernel_symbol_lookup(), kinspect_kernel_type_find(),
	 * kinspect_type_member(), ...) return a static error with this code
	 * and the message "not found", so that asking never allocates; it
	 * may be destroyed (a no-op) like any other. */
	KINSPECT_ERROR_NOT_FOUND,
	/* Memory could not be read: see kinspect_error_address(). */
	KINSPECT_ERROR_FAULT,
	KINSPECT_ERROR_TIMEOUT,
	KINSPECT_ERROR_PROTOCOL,
	KINSPECT_ERROR_UNSUPPORTED,
};

struct kinspect_error;

/* The code of ERR itself (not of its causes). */
KINSPECT_EXPORT enum kinspect_error_code kinspect_error_code(const struct kinspect_error *err);

/* The message of ERR alone, without path, errno text or causes.  Owned by ERR. */
KINSPECT_EXPORT const char *kinspect_error_message(const struct kinspect_error *err);

/* The error that caused ERR, or NULL.  Owned by ERR. */
KINSPECT_EXPORT const struct kinspect_error *kinspect_error_cause(const struct kinspect_error *err);

/* The errno value of an OS error, 0 otherwise. */
KINSPECT_EXPORT int kinspect_error_errnum(const struct kinspect_error *err);

/* The file an OS or format error is about, or NULL.  Owned by ERR. */
KINSPECT_EXPORT const char *kinspect_error_path(const struct kinspect_error *err);

/* If ERR is about a memory address (a read fault), store it in *RET and
 * return true. */
KINSPECT_EXPORT bool kinspect_error_address(const struct kinspect_error *err, uint64_t *ret);

/* The whole chain as one line, outer first: a malloc()ed string the caller
 * frees, or NULL if memory is exhausted. */
KINSPECT_EXPORT char *kinspect_error_string(const struct kinspect_error *err);

/* Write the whole chain and a newline to FILE; never allocates. */
KINSPECT_EXPORT void kinspect_error_fputs(const struct kinspect_error *err, FILE *file);

/* Creating errors, for callers that report their own failures the way
 * libkinspect does (a front end, a callback returning an error).  Each
 * returns a new error the caller owns (kinspect_error_destroy()), or the
 * static out-of-memory error when it cannot be made. */

/* An error with CODE and a printf-style message.  CODE
 * KINSPECT_ERROR_NO_MEMORY gives the static out-of-memory error ("out of
 * memory", whatever FMT says), so that reporting it never allocates. */
KINSPECT_EXPORT struct kinspect_error *kinspect_error_create(enum kinspect_error_code code, const char *fmt, ...)
	KINSPECT_PRINTF(2, 3);

/* A KINSPECT_ERROR_OS error: a system call failed with ERRNUM (an errno
 * value) on PATH (may be NULL); the message says what was tried
 * ("open %s"), the string form adds PATH and strerror(ERRNUM). */
KINSPECT_EXPORT struct kinspect_error *kinspect_error_os(int errnum, const char *path, const char *fmt, ...)
	KINSPECT_PRINTF(3, 4);

/* A new error that says what was being done when CAUSE happened: it takes
 * ownership of CAUSE, which becomes its kinspect_error_cause(), and keeps
 * its code.  Returns CAUSE itself if it is NULL (success passes through)
 * or the out-of-memory error; if the new error cannot be made CAUSE is
 * destroyed and the out-of-memory error returned. */
KINSPECT_EXPORT struct kinspect_error *kinspect_error_wrap(struct kinspect_error *cause, const char *fmt, ...)
	KINSPECT_PRINTF(2, 3);

/* Free ERR and its causes.  Accepts NULL and the static errors (out of
 * memory, not found), which it leaves alone. */
KINSPECT_EXPORT void kinspect_error_destroy(struct kinspect_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_ERROR_H */
