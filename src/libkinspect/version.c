/* The library's version string.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <kinspect/kinspect.h>

const char *kinspect_version(void)
{
	return PACKAGE_VERSION;
}
