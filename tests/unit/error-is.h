/* A TAP check that an error is of a code and names what it should, shared
 * by the unit tests (include after tap.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_TEST_ERROR_IS_H
#define KINSPECT_TEST_ERROR_IS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/error.h>

/* ERR (destroyed here) is of CODE and its text holds WANT (NULL: any). */
static void error_is(struct kinspect_error *err, enum kinspect_error_code code, const char *want, const char *what)
{
	char *s = err ? kinspect_error_string(err) : NULL;
	if (!ok(err && kinspect_error_code(err) == code && (!want || (s && strstr(s, want))), "%s", what))
		printf("#   got %s (code %d), want code %d with \"%s\"\n", s ? s : "success",
		       err ? (int)kinspect_error_code(err) : -1, (int)code, want ? want : "");
	free(s);
	kinspect_error_destroy(err);
}

#endif /* KINSPECT_TEST_ERROR_IS_H */
