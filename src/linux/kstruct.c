/* Kernel structs read whole from guest memory (see kstruct.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error-priv.h"
#include "linux/kstruct.h"

struct kinspect_error *kinspect_kstruct_read(struct kinspect_dwarf_types *types, const struct kinspect_memory *mem,
					     const char *type, uint64_t address, struct kinspect_kstruct *ret)
{
	*ret = (struct kinspect_kstruct){ .types = types, .type = type, .address = address };
	struct kinspect_error *err = kinspect_dwarf_types_sizeof(types, type, &ret->size);
	if (err)
		return err;
	if (ret->size == 0 || ret->size > KINSPECT_KSTRUCT_MAX)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s: implausible size %llu in DWARF", type,
					     (unsigned long long)ret->size);
	ret->bytes = malloc(ret->size);
	if (!ret->bytes)
		return &kinspect_error_nomem;
	err = kinspect_memory_read(mem, address, ret->bytes, ret->size);
	if (err) {
		kinspect_kstruct_release(ret);
		return kinspect_error_wrap(err, "cannot read %s at 0x%llx", type, (unsigned long long)address);
	}
	return NULL;
}

void kinspect_kstruct_release(struct kinspect_kstruct *s)
{
	free(s->bytes);
	s->bytes = NULL;
}

struct kinspect_error *kinspect_kstruct_uint(const struct kinspect_kstruct *s, const char *path, uint64_t *ret)
{
	struct kinspect_dwarf_member m;
	struct kinspect_error *err = kinspect_dwarf_types_member(s->types, s->type, path, &m);
	if (err)
		return err;
	if (m.bit_size) {
		uint64_t first = m.bit_offset / 8, last = (m.bit_offset + m.bit_size - 1) / 8;
		if (m.bit_size > 64 || last >= s->size || last - first >= 8)
			goto bad;
		/* Little-endian: the field's bits, shifted down, masked. */
		unsigned __int128 v = 0;
		for (uint64_t i = last + 1; i-- > first;)
			v = (v << 8) | s->bytes[i];
		v >>= m.bit_offset % 8;
		*ret = (uint64_t)v & (m.bit_size == 64 ? UINT64_MAX : ((UINT64_C(1) << m.bit_size) - 1));
		return NULL;
	}
	if (m.size == 0 || m.size > 8 || m.offset > s->size || m.size > s->size - m.offset)
		goto bad;
	*ret = kinspect_load_le(s->bytes + m.offset, m.size);
	return NULL;
bad:
	return kinspect_error_create(KINSPECT_ERROR_FORMAT, "%s.%s: %llu bytes at offset %llu is not a number inside the struct",
				     s->type, path, (unsigned long long)m.size, (unsigned long long)m.offset);
}

bool kinspect_kstruct_has(const struct kinspect_kstruct *s, const char *path)
{
	bool has = false;
	struct kinspect_error *err = kinspect_dwarf_types_has_member(s->types, s->type, path, &has);
	kinspect_error_destroy(err);
	return !err && has;
}

const char *kinspect_kstruct_pick(const struct kinspect_kstruct *s, const char *const *paths)
{
	for (; *paths; paths++) {
		if (kinspect_kstruct_has(s, *paths))
			return *paths;
	}
	return NULL;
}
