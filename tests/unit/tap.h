/* A minimal TAP producer for unit tests, read by automake's tap-driver.sh:
 * each check is one test point, so a failure names exactly what broke.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_TAP_H
#define KINSPECT_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline bool tap_ok(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, name)                                                                  \
	do {                                                                                     \
		long long _g = (got), _w = (want);                                               \
		if (!ok(_g == _w, "%s", name))                                                   \
			printf("#   got %lld, want %lld\n", _g, _w);                                  \
	} while (0)

#define is_str(got, want, name)                                                                  \
	do {                                                                                     \
		const char *_g = (got), *_w = (want);                                            \
		if (!ok(_g && _w && strcmp(_g, _w) == 0, "%s", name))                            \
			printf("#   got  \"%s\"\n#   want \"%s\"\n", _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

/* Print the plan and return the exit status. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif /* KINSPECT_TAP_H */
