/* Task states (see task-state.h).
 *
 * The bits come from the order of task_state_array[]: entry i > 0 names
 * bit 1 << (i - 1), as get_task_state() reports them.  The bits past it are
 * #defines of include/linux/sched.h (no DWARF): since commit 8ef9925b02c2
 * ("sched/debug: Add explicit TASK_PARKED printing", v4.14) they follow
 * TASK_PARKED in a fixed order (TASK_DEAD, TASK_WAKEKILL, TASK_WAKING,
 * TASK_NOLOAD, TASK_NEW), which is how crash finds them too; before, they
 * followed EXIT_DEAD (TASK_DEAD, TASK_WAKEKILL, TASK_WAKING).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "linux/task-state.h"

/* Where each name's bit goes. */
static uint64_t *slot(struct kinspect_task_states *s, const char *name)
{
	static const char *const names[] = { "sleeping", "disk sleep", "stopped", "tracing stop",
					     "dead",     "zombie",     "parked" };
	uint64_t *slots[] = { &s->interruptible, &s->uninterruptible, &s->stopped, &s->traced,
			      &s->dead,          &s->zombie,          &s->parked };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0)
			return slots[i];
	}
	return NULL;
}

static void derive_bits(struct kinspect_task_states *s)
{
	unsigned int reported = s->last_is_idle ? s->nr - 1 : s->nr;
	for (unsigned int i = 1; i < reported && i <= 32; i++) {
		uint64_t *bit = slot(s, s->names[i]);
		if (bit)
			*bit |= UINT64_C(1) << (i - 1);
	}
	if (s->parked) {
		s->dead |= s->parked << 1; /* TASK_DEAD */
		s->waking = s->parked << 3;
		s->noload = s->parked << 4;
		s->new = s->parked << 5;
	} else if (s->dead && !(s->dead & (s->dead - 1))) {
		s->waking = s->dead << 3;
		s->dead |= s->dead << 1;
	}
}

struct kinspect_error *kinspect_task_states_load(const struct kinspect_memory *mem, uint64_t array, uint64_t nr_bytes,
						 struct kinspect_task_states *ret)
{
	memset(ret, 0, sizeof(*ret));
	uint64_t entries = nr_bytes / 8;
	unsigned int nr = (unsigned int)(entries < KINSPECT_TASK_STATES_MAX ? entries : KINSPECT_TASK_STATES_MAX);
	uint8_t words[KINSPECT_TASK_STATES_MAX * 8];
	char text[KINSPECT_TASK_STATES_MAX][32];
	struct kinspect_memory_range ranges[KINSPECT_TASK_STATES_MAX];
	struct kinspect_error *err = kinspect_memory_read(mem, array, words, nr * 8);
	if (err)
		return kinspect_error_wrap(err, "task_state_array");
	for (unsigned int i = 0; i < nr; i++)
		ranges[i] = (struct kinspect_memory_range){ kinspect_load_le(words + 8 * i, 8), sizeof(text[i]) - 1 };
	kinspect_memory_prefetch(mem, ranges, nr);
	for (unsigned int i = 0; i < nr; i++) {
		memset(text[i], 0, sizeof(text[i]));
		if ((err = kinspect_memory_read(mem, ranges[i].addr, text[i], ranges[i].len)))
			return kinspect_error_wrap(err, "task_state_array[%u]", i);
		/* "X (name)" */
		char *open = strchr(text[i], '('), *close = open ? strchr(open, ')') : NULL;
		if (!open || !close || open == text[i])
			return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task_state_array[%u] is \"%.31s\"", i,
						     text[i]);
		snprintf(ret->letters[i], sizeof(ret->letters[i]), "%.*s", (int)strcspn(text[i], " ("), text[i]);
		snprintf(ret->names[i], sizeof(ret->names[i]), "%.*s", (int)(close - open - 1), open + 1);
	}
	ret->nr = nr;
	if (nr < 3)
		return kinspect_error_create(KINSPECT_ERROR_FORMAT, "task_state_array has %u entries", nr);
	ret->last_is_idle = strcmp(ret->names[nr - 1], "idle") == 0;
	derive_bits(ret);
	return NULL;
}

/* fls() of the reported bits, as task_state_index() computes it; TASK_IDLE
 * (TASK_UNINTERRUPTIBLE | TASK_NOLOAD) is the array's last entry. */
static unsigned int proc_index(const struct kinspect_task_states *s, uint64_t state, uint64_t exit_state)
{
	uint64_t idle = s->uninterruptible | s->noload;
	if (s->last_is_idle && s->noload && (state & idle) == idle)
		return s->nr - 1;
	unsigned int report_bits = s->last_is_idle ? s->nr - 2 : s->nr - 1;
	uint64_t reported = (state | exit_state) & ((UINT64_C(1) << report_bits) - 1);
	unsigned int index = 0;
	while (reported) {
		index++;
		reported >>= 1;
	}
	return index;
}

void kinspect_task_states_proc(const struct kinspect_task_states *s, uint64_t state, uint64_t exit_state,
			       char letter[4], char name[24])
{
	unsigned int index = proc_index(s, state, exit_state);
	if (index < s->nr) {
		memcpy(letter, s->letters[index], 4);
		memcpy(name, s->names[index], 24);
	} else {
		strcpy(letter, "?");
		snprintf(name, 24, "0x%" PRIx64, state);
	}
}

void kinspect_task_states_raw(const struct kinspect_task_states *s, uint64_t bits, char ret[4])
{
	/* crash's order: a later match wins; DE only when none of the
	 * sleeping, zombie or stopped bits is set. */
	const char *name = bits == 0 ? "RU" : "??";
	if (bits & s->interruptible)
		name = "IN";
	if (bits & s->uninterruptible)
		name = s->noload && (bits & s->noload) ? "ID" : "UN";
	if (bits & s->zombie)
		name = "ZO";
	if (bits & s->stopped)
		name = "ST";
	if (bits & s->traced)
		name = "TR";
	uint64_t set = s->interruptible | s->uninterruptible | s->zombie | s->stopped | s->traced;
	if ((bits & s->dead) && !(bits & set))
		name = "DE";
	if (s->parked && bits == s->parked)
		name = "PA";
	if (s->waking && bits == s->waking)
		name = "WA";
	if (s->new && bits == s->new)
		name = "NE";
	snprintf(ret, 4, "%s", name);
}
