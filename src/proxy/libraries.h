/* The kernel's modules as gdb "libraries": one <library> per module whose
 * .ko was found (build-id checked), with one <section address> per
 * SHF_ALLOC section of the .ko in section-header order, which is what gdb's
 * qXfer:libraries:read support demands (solib-target.c).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_PROXY_LIBRARIES_H
#define KINSPECT_PROXY_LIBRARIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/kernel.h>

struct proxy_library_cache;

struct proxy_libraries {
	/* The <library-list> document gdb reads, as of the last scan. */
	char *xml;
	size_t xml_len;
	/* Warnings gdb has not seen yet (modules without a usable .ko). */
	char *console;
	size_t console_len;
	unsigned int nr_modules, nr_loaded;
	/* Modules listed while "coming": their init sections are real
	 * addresses until they go live, which no hook of the proxy sees. */
	unsigned int nr_coming;
	/* The .ko files found (owned by the session) and modules already
	 * warned about, by name and build-id. */
	struct proxy_library_cache *cache;
	size_t nr_cache;
	/* The next free address in the architecture's unused top of the
	 * address space, for live modules' freed init sections (see
	 * libraries.c); 0: not started. */
	uint64_t next_freed;
};

/* Walk KERNEL's module list (kinspect_kernel_for_each_module(): the
 * session's memory cache, module index and .ko files, what "kinspect lsmod
 * --sections" reads) and rebuild LIBS->xml.  A module at struct module
 * address EXCLUDE (one about to be freed; 0: none) and modules that are
 * not "live" or "coming" are left out.  *CHANGED says whether the document
 * differs from the previous one. */
struct kinspect_error *proxy_libraries_scan(struct proxy_libraries *libs, struct kinspect_kernel *kernel,
					    uint64_t exclude, bool *changed);

/* The answer to "qXfer:libraries:read::OFFSET,LENGTH" (ANNEX_ARGS is what
 * follows the second ':'): 'm' or 'l' and the piece, malloc()ed in *RET. */
struct kinspect_error *proxy_libraries_xfer(const struct proxy_libraries *libs, const char *args, char **ret,
					    size_t *ret_len);

void proxy_libraries_deinit(struct proxy_libraries *libs);

#endif /* KINSPECT_PROXY_LIBRARIES_H */
