/* The registered architectures (see arch.h): a new one is its files and
 * one line here.  One architecture per build so far: the first.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "arch/arch.h"

extern const struct kinspect_arch kinspect_arch_x86_64;

static const struct kinspect_arch *const registered[] = {
	&kinspect_arch_x86_64,
};

const struct kinspect_arch *kinspect_arch(void)
{
	return registered[0];
}
