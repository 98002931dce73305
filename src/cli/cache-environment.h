/* Where the front ends (kinspect and the gdb plugin) keep kinspect's
 * caches, from the environment: the library reads none, so each front end
 * fills kinspect_options from these.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_CACHE_ENVIRONMENT_H
#define KINSPECT_CLI_CACHE_ENVIRONMENT_H

#include <stdbool.h>

/* ${XDG_CACHE_HOME}/kinspect for an absolute XDG_CACHE_HOME (the XDG spec
 * ignores a relative one), else $HOME/.cache/kinspect, malloc()ed; NULL
 * without either. */
char *cli_cache_dir_from_environment(void);

/* False when KINSPECT_NO_CACHE is set to anything but "" or "0": no
 * layouts or symbol indexes kept (--no-cache). */
bool cli_cache_reuse_from_environment(void);

#endif /* KINSPECT_CLI_CACHE_ENVIRONMENT_H */
