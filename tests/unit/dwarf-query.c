/* Answers layout questions from a file's DWARF, one line per question, for
 * the script tests (compared against gdb) and for timing:
 *   dwarf-query FILE size:TYPE member:TYPE:PATH has:TYPE:PATH
 *                    len:TYPE:PATH enum:NAME members:TYPE
 * ("members:" prints "type TYPE", then "name offset[:bit] size" lines.)
 * A failed question prints "error CODE message" and makes the exit status 1.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "debuginfo/dwarf-types.h"

static const char *code_name(enum kinspect_error_code code)
{
	switch (code) {
	case KINSPECT_ERROR_NO_MEMORY: return "NO_MEMORY";
	case KINSPECT_ERROR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
	case KINSPECT_ERROR_OS: return "OS";
	case KINSPECT_ERROR_FORMAT: return "FORMAT";
	case KINSPECT_ERROR_NOT_FOUND: return "NOT_FOUND";
	case KINSPECT_ERROR_UNSUPPORTED: return "UNSUPPORTED";
	default: return "OTHER";
	}
}

static void print_layout(const char *name, const struct kinspect_dwarf_member *m)
{
	/* The columns of gdb's ptype/o: "offset[:bit] size". */
	if (m->bit_size)
		printf("%s %" PRIu64 ":%" PRIu64 " %" PRIu64 "\n", name, m->offset, m->bit_offset % 8, m->size);
	else
		printf("%s %" PRIu64 " %" PRIu64 "\n", name, m->offset, m->size);
}

static struct kinspect_error *print_member(const char *name, const struct kinspect_dwarf_member *m, void *arg)
{
	print_layout(name, m);
	return NULL;
}

/* Split "TYPE:PATH" in place. */
static char *split(char *s)
{
	char *colon = strchr(s, ':');
	if (!colon)
		return NULL;
	*colon = '\0';
	return colon + 1;
}

static struct kinspect_error *query(struct kinspect_dwarf_types *types, char *q)
{
	char *arg = split(q);
	if (!arg)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "bad question \"%s\"", q);
	struct kinspect_error *err;
	if (strcmp(q, "size") == 0) {
		uint64_t size;
		if ((err = kinspect_dwarf_types_sizeof(types, arg, &size)))
			return err;
		printf("size %s %" PRIu64 "\n", arg, size);
	} else if (strcmp(q, "enum") == 0) {
		int64_t value;
		if ((err = kinspect_dwarf_types_enum_value(types, arg, &value)))
			return err;
		printf("enum %s %" PRId64 "\n", arg, value);
	} else if (strcmp(q, "members") == 0) {
		printf("type %s\n", arg);
		return kinspect_dwarf_types_for_each_member(types, arg, print_member, NULL);
	} else {
		char *path = split(arg);
		if (!path)
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "no member path in \"%s\"", arg);
		if (strcmp(q, "member") == 0) {
			struct kinspect_dwarf_member m;
			if ((err = kinspect_dwarf_types_member(types, arg, path, &m)))
				return err;
			printf("member %s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu32 " %s%" PRIu64 "\n", arg,
			       path, m.offset, m.size, m.bit_offset, m.bit_size, m.is_array ? "" : "-",
			       m.array_length);
		} else if (strcmp(q, "has") == 0) {
			bool has;
			if ((err = kinspect_dwarf_types_has_member(types, arg, path, &has)))
				return err;
			printf("has %s %s %s\n", arg, path, has ? "yes" : "no");
		} else if (strcmp(q, "len") == 0) {
			uint64_t len;
			if ((err = kinspect_dwarf_types_array_length(types, arg, path, &len)))
				return err;
			printf("len %s %s %" PRIu64 "\n", arg, path, len);
		} else {
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "unknown question \"%s\"", q);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: dwarf-query FILE QUESTION...\n");
		return 2;
	}
	struct kinspect_dwarf_types *types;
	struct kinspect_error *err = kinspect_dwarf_types_create(argv[1], &types);
	if (err) {
		printf("error %s ", code_name(kinspect_error_code(err)));
		kinspect_error_fputs(err, stdout);
		kinspect_error_destroy(err);
		return 1;
	}
	int status = 0;
	for (int i = 2; i < argc; i++) {
		_cleanup_free_ char *q = strdup(argv[i]);
		if (!q)
			err = &kinspect_error_nomem;
		else
			err = query(types, q);
		if (err) {
			printf("error %s ", code_name(kinspect_error_code(err)));
			kinspect_error_fputs(err, stdout);
			kinspect_error_destroy(err);
			status = 1;
		}
	}
	kinspect_dwarf_types_destroy(types);
	return status;
}
