/* Error objects: creation, chaining and formatting.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"

struct kinspect_error {
	enum kinspect_error_code code;
	int errnum;
	bool has_address;
	uint64_t address;
	char *path;
	char *message;
	struct kinspect_error *cause;
};

struct kinspect_error kinspect_error_nomem = {
	.code = KINSPECT_ERROR_NO_MEMORY,
	.message = (char *)"out of memory",
};

struct kinspect_error kinspect_error_not_found = {
	.code = KINSPECT_ERROR_NOT_FOUND,
	.message = (char *)"not found",
};

/* The static errors are never freed (nor wrapped in place). */
static bool is_static(const struct kinspect_error *err)
{
	return err == &kinspect_error_nomem || err == &kinspect_error_not_found;
}

static struct kinspect_error *error_vcreate(enum kinspect_error_code code, const char *fmt, va_list ap)
	KINSPECT_PRINTF(2, 0);

static struct kinspect_error *error_vcreate(enum kinspect_error_code code, const char *fmt, va_list ap)
{
	struct kinspect_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &kinspect_error_nomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &kinspect_error_nomem;
	}
	err->code = code;
	return err;
}

static struct kinspect_error *set_path(struct kinspect_error *err, const char *path)
{
	if (is_static(err) || !path)
		return err;
	err->path = strdup(path);
	if (!err->path) {
		kinspect_error_destroy(err);
		return &kinspect_error_nomem;
	}
	return err;
}

struct kinspect_error *kinspect_error_create(enum kinspect_error_code code, const char *fmt, ...)
{
	if (code == KINSPECT_ERROR_NO_MEMORY)
		return &kinspect_error_nomem;
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct kinspect_error *kinspect_error_vabout(enum kinspect_error_code code, const char *what, const char *name,
					     const char *fmt, va_list ap)
{
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return &kinspect_error_nomem;
	struct kinspect_error *err = kinspect_error_create(code, "%s %s: %s", what, name, msg);
	free(msg);
	return err;
}

struct kinspect_error *kinspect_error_os(int errnum, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = error_vcreate(KINSPECT_ERROR_OS, fmt, ap);
	va_end(ap);
	if (err != &kinspect_error_nomem)
		err->errnum = errnum;
	return set_path(err, path);
}

struct kinspect_error *kinspect_error_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = error_vcreate(KINSPECT_ERROR_FORMAT, fmt, ap);
	va_end(ap);
	return set_path(err, path);
}

struct kinspect_error *kinspect_error_fault(uint64_t address, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = error_vcreate(KINSPECT_ERROR_FAULT, fmt, ap);
	va_end(ap);
	if (err != &kinspect_error_nomem) {
		err->has_address = true;
		err->address = address;
	}
	return err;
}

struct kinspect_error *kinspect_error_wrap(struct kinspect_error *cause, const char *fmt, ...)
{
	if (!cause || cause == &kinspect_error_nomem)
		return cause;
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = error_vcreate(cause->code, fmt, ap);
	va_end(ap);
	if (err == &kinspect_error_nomem) {
		kinspect_error_destroy(cause);
		return err;
	}
	err->cause = cause;
	return err;
}

void kinspect_error_destroy(struct kinspect_error *err)
{
	while (err && !is_static(err)) {
		struct kinspect_error *cause = err->cause;
		free(err->path);
		free(err->message);
		free(err);
		err = cause;
	}
}

enum kinspect_error_code kinspect_error_code(const struct kinspect_error *err)
{
	return err->code;
}

const char *kinspect_error_message(const struct kinspect_error *err)
{
	return err->message;
}

const struct kinspect_error *kinspect_error_cause(const struct kinspect_error *err)
{
	return err->cause;
}

int kinspect_error_errnum(const struct kinspect_error *err)
{
	return err->errnum;
}

const char *kinspect_error_path(const struct kinspect_error *err)
{
	return err->path;
}

bool kinspect_error_address(const struct kinspect_error *err, uint64_t *ret)
{
	for (; err; err = err->cause) {
		if (err->has_address) {
			*ret = err->address;
			return true;
		}
	}
	return false;
}

/* One link of the chain: "message: path: strerror" for OS errors (what was
 * tried, on what, why it failed), "path: message" for errors about a file's
 * contents, and "message at 0xaddr" for faults. */
static void fput_link(const struct kinspect_error *err, FILE *file)
{
	if (err->path && !err->errnum)
		fprintf(file, "%s: ", err->path);
	fputs(err->message, file);
	if (err->path && err->errnum)
		fprintf(file, ": %s", err->path);
	if (err->has_address)
		fprintf(file, " at 0x%" PRIx64, err->address);
	if (err->errnum)
		fprintf(file, ": %s", strerror(err->errnum));
}

void kinspect_error_fputs(const struct kinspect_error *err, FILE *file)
{
	for (const struct kinspect_error *e = err; e; e = e->cause) {
		if (e != err)
			fputs(": ", file);
		fput_link(e, file);
	}
	fputc('\n', file);
}

char *kinspect_error_string(const struct kinspect_error *err)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *file = open_memstream(&buf, &size);
	if (!file)
		return NULL;
	kinspect_error_fputs(err, file);
	if (fclose(file) != 0) {
		free(buf);
		return NULL;
	}
	if (size > 0 && buf[size - 1] == '\n')
		buf[size - 1] = '\0';
	return buf;
}
