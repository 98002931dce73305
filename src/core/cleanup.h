/* Scope guards: a variable declared with one of these is released when it
 * goes out of scope, so error paths need no "goto out".  Hand ownership on
 * with no_cleanup_ptr() / return_ptr().
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CLEANUP_H
#define KINSPECT_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kinspect/error.h>

static inline void kinspect_freep(void *p)
{
	free(*(void **)p);
}

static inline void kinspect_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void kinspect_fclosep(FILE **file)
{
	if (*file)
		fclose(*file);
}

static inline void kinspect_error_destroyp(struct kinspect_error **err)
{
	kinspect_error_destroy(*err);
}

#define _cleanup_free_ __attribute__((__cleanup__(kinspect_freep)))
#define _cleanup_close_ __attribute__((__cleanup__(kinspect_closep)))
#define _cleanup_fclose_ __attribute__((__cleanup__(kinspect_fclosep)))
#define _cleanup_error_ __attribute__((__cleanup__(kinspect_error_destroyp)))

/* Take the value out of a guarded variable so the guard does nothing. */
#define no_cleanup_ptr(p) ({ __typeof__(p) __p = (p); (p) = NULL; __p; })
#define no_cleanup_fd(fd) ({ int __fd = (fd); (fd) = -1; __fd; })
#define return_ptr(p) return no_cleanup_ptr(p)

#endif /* KINSPECT_CLEANUP_H */
