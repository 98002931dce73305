/* Growing arrays: room for one more element, the capacity doubled as
 * needed.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_CORE_ARRAY_H
#define KINSPECT_CORE_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Make room in the array ARRAY (a pointer variable) of CAPACITY elements
 * (a size_t variable), NR of them used, for one more: the capacity
 * doubles, from FIRST.  False when memory is short or the size would
 * overflow; the array is then left as it was. */
#define kinspect_array_reserve(array, capacity, nr, first) \
	__extension__({ \
		bool kinspect_ok_ = true; \
		if ((nr) >= (capacity)) { \
			size_t kinspect_n_ = (capacity) ? 2 * (capacity) : (first); \
			__typeof__(array) kinspect_p_ = \
				kinspect_n_ > (nr) && kinspect_n_ <= SIZE_MAX / sizeof(*(array)) ? \
					realloc((array), kinspect_n_ * sizeof(*(array))) : \
					NULL; \
			if (kinspect_p_) { \
				(array) = kinspect_p_; \
				(capacity) = kinspect_n_; \
			} else { \
				kinspect_ok_ = false; \
			} \
		} \
		kinspect_ok_; \
	})

#endif /* KINSPECT_CORE_ARRAY_H */
