/* Unit tests: error creation, chaining and formatting.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "core/error-priv.h"
#include "tap.h"

static void test_chain(void)
{
	struct kinspect_error *err = kinspect_error_fault(0xffff888000001000ULL, "read 8 bytes");
	err = kinspect_error_wrap(err, "folio_queue 0x%x slot %d", 0x1234, 2);
	err = kinspect_error_wrap(err, "iov_iter");
	char *s = kinspect_error_string(err);
	is_str(s, "iov_iter: folio_queue 0x1234 slot 2: read 8 bytes at 0xffff888000001000",
	       "chained message reads outer to inner");
	free(s);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_FAULT, "wrapping keeps the code of the cause");
	uint64_t addr = 0;
	ok(kinspect_error_address(err, &addr) && addr == 0xffff888000001000ULL, "address found through the chain");
	ok(kinspect_error_cause(err) != NULL, "cause is kept");
	kinspect_error_destroy(err);
}

static void test_os(void)
{
	struct kinspect_error *err = kinspect_error_os(ENOENT, "/no/such", "cannot open vmlinux");
	char *s = kinspect_error_string(err);
	is_str(s, "cannot open vmlinux: /no/such: No such file or directory", "OS error names path and errno");
	free(s);
	is_int(kinspect_error_errnum(err), ENOENT, "errnum kept");
	is_str(kinspect_error_path(err), "/no/such", "path kept");
	is_str(kinspect_error_message(err), "cannot open vmlinux", "message alone");
	uint64_t addr;
	ok(!kinspect_error_address(err, &addr), "no address on an OS error");
	kinspect_error_destroy(err);
}

static void test_edge_cases(void)
{
	ok(kinspect_error_wrap(NULL, "nothing") == NULL, "wrapping success stays success");
	ok(kinspect_error_wrap(&kinspect_error_nomem, "x") == &kinspect_error_nomem,
	   "wrapping out-of-memory returns the static error");
	kinspect_error_destroy(&kinspect_error_nomem); /* must be a no-op */
	kinspect_error_destroy(NULL);
	is_str(kinspect_error_message(&kinspect_error_nomem), "out of memory", "static OOM error survives destroy");
}

/* Lookups that probe return the static not-found error: destroying it does
 * nothing, wrapping it gives a new error whose cause it stays. */
static void test_not_found(void)
{
	struct kinspect_error *nf = &kinspect_error_not_found;
	is_int(kinspect_error_code(nf), KINSPECT_ERROR_NOT_FOUND, "static not-found has its code");
	kinspect_error_destroy(nf); /* must be a no-op */
	is_str(kinspect_error_message(nf), "not found", "static not-found survives destroy");
	struct kinspect_error *err = kinspect_error_wrap(nf, "no type %s", "struct x");
	ok(err != nf && kinspect_error_cause(err) == nf, "wrapping not-found makes a new error");
	is_int(kinspect_error_code(err), KINSPECT_ERROR_NOT_FOUND, "the wrapper keeps the code");
	char *s = kinspect_error_string(err);
	is_str(s, "no type struct x: not found", "wrapped not-found reads outer to inner");
	free(s);
	kinspect_error_destroy(err); /* frees the wrapper only */
	is_str(kinspect_error_message(nf), "not found", "static not-found survives its wrapper");
	ok(kinspect_error_cause(nf) == NULL, "static not-found has no cause");
}

/* The constructors of the public header (kinspect/error.h), as a front
 * end uses them. */
static void test_public(void)
{
	struct kinspect_error *err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad %s %d", "cpu", 7);
	is_int(kinspect_error_code(err), KINSPECT_ERROR_INVALID_ARGUMENT, "created error has its code");
	is_str(kinspect_error_message(err), "bad cpu 7", "created error has its message");
	kinspect_error_destroy(err);
	struct kinspect_error *nomem = kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "ignored %d", 1);
	ok(nomem == &kinspect_error_nomem, "NO_MEMORY gives the static out-of-memory error");
	is_str(kinspect_error_message(nomem), "out of memory", "whatever the format says");
	kinspect_error_destroy(nomem);
	is_str(kinspect_error_message(&kinspect_error_nomem), "out of memory", "and destroying it is a no-op");
}

int main(void)
{
	test_public();
	test_not_found();
	test_chain();
	test_os();
	test_edge_cases();
	return tap_done();
}
