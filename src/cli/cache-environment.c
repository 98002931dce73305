/* The cache directory and KINSPECT_NO_CACHE from the environment, for the
 * front ends (see cache-environment.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cache-environment.h"

char *cli_cache_dir_from_environment(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;
	int n = -1;
	if (xdg && xdg[0] == '/')
		n = asprintf(&dir, "%s/kinspect", xdg);
	else if (home && home[0] == '/')
		n = asprintf(&dir, "%s/.cache/kinspect", home);
	return n < 0 ? NULL : dir;
}

bool cli_cache_reuse_from_environment(void)
{
	const char *env = getenv("KINSPECT_NO_CACHE");
	return !(env && env[0] && strcmp(env, "0") != 0);
}
