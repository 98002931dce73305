/* ops-session VMLINUX DUMP CPU: a session on caller callbacks
 * (kinspect_kernel_open_ops()) against the same dump opened as such, with
 * the public API alone: the slide found by probing memory and from a pc,
 * CPU CPU's trace from the callbacks' registers, the same frames step by
 * step with kinspect_kernel_unwind_step(), and switched-out tasks' traces.  Exit 0
 * when all agree, 1 (saying what differs) otherwise.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/kinspect.h>

static struct kinspect_kernel *dump;
static unsigned int dump_cpu;
static int failures;

#define CHECK(cond, ...)                                                                                               \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("FAIL: " __VA_ARGS__);                                                                  \
			printf("\n");                                                                                  \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static void die(struct kinspect_error *err, const char *what)
{
	char *msg = kinspect_error_string(err);
	printf("FAIL: %s: %s\n", what, msg ? msg : "out of memory");
	exit(1);
}

static int read_memory(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	struct kinspect_error *err = kinspect_kernel_read(dump, addr, buf, len);
	int e = err ? (kinspect_error_code(err) == KINSPECT_ERROR_FAULT ? EFAULT : EIO) : 0;
	kinspect_error_destroy(err);
	return e;
}

/* CPU 0 of the callbacks is the dump's CPU DUMP_CPU, its registers as
 * the dump's session starts unwinding from them. */
static int read_register(void *arg, unsigned int cpu, unsigned int regnum, uint64_t *ret)
{
	(void)arg;
	struct kinspect_unwind_frame frame;
	bool user_mode;
	struct kinspect_error *err = kinspect_kernel_cpu_unwind_frame(dump, dump_cpu, &frame, &user_mode);
	if (err || cpu != 0 || regnum >= KINSPECT_REGS_MAX || !(frame.regs.valid & (1ull << regnum))) {
		kinspect_error_destroy(err);
		return -1;
	}
	*ret = frame.regs.value[regnum];
	return 0;
}

static struct kinspect_kernel *open_ops(const char *vmlinux, bool with_registers)
{
	struct kinspect_target_ops ops = { .size = sizeof(ops), .read = read_memory };
	if (with_registers)
		ops.read_register = read_register;
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = vmlinux;
	struct kinspect_kernel *k;
	struct kinspect_error *err = kinspect_kernel_open_ops(&ops, NULL, &options, &k);
	if (err)
		die(err, "kinspect_kernel_open_ops");
	return k;
}

static void check_slide(struct kinspect_kernel *k, uint64_t want, const char *what)
{
	uint64_t slide;
	const char *method;
	struct kinspect_error *err = kinspect_kernel_kaslr(k, &slide, &method);
	if (err)
		die(err, what);
	CHECK(slide == want, "%s: slide 0x%" PRIx64 ", the dump's 0x%" PRIx64, what, slide, want);
	printf("%s: slide 0x%" PRIx64 " (%s)\n", what, slide, method);
}

struct task_check {
	struct kinspect_kernel *ops;
	unsigned int compared;
};

static bool same_trace(const struct kinspect_stack_trace *a, const struct kinspect_stack_trace *b)
{
	size_t n = kinspect_stack_trace_nr_frames(a);
	if (n != kinspect_stack_trace_nr_frames(b))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (kinspect_stack_frame_ip(a, i) != kinspect_stack_frame_ip(b, i) ||
		    kinspect_stack_frame_sp(a, i) != kinspect_stack_frame_sp(b, i) ||
		    strcmp(kinspect_stack_frame_symbol(a, i), kinspect_stack_frame_symbol(b, i)))
			return false;
	}
	return true;
}

static struct kinspect_error *check_task(const struct kinspect_task *task, void *arg)
{
	struct task_check *c = arg;
	struct kinspect_stack_trace *want, *got;
	struct kinspect_error *err = kinspect_kernel_stack_trace_task(dump, kinspect_task_address(task), &want);
	if (err) {
		kinspect_error_destroy(err);
		return NULL;
	}
	if (kinspect_stack_trace_cpu(want) >= 0 || c->compared >= 40) {
		kinspect_stack_trace_destroy(want); /* running: traced from its CPU */
		return NULL;
	}
	if ((err = kinspect_kernel_stack_trace_task(c->ops, kinspect_task_address(task), &got)))
		die(err, "a task's trace through the callbacks");
	CHECK(same_trace(want, got), "pid %d: the trace through the callbacks differs", kinspect_task_pid(task));
	c->compared++;
	kinspect_stack_trace_destroy(want);
	kinspect_stack_trace_destroy(got);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s VMLINUX DUMP CPU\n", argv[0]);
		return 2;
	}
	dump_cpu = (unsigned int)strtoul(argv[3], NULL, 10);
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = argv[1];
	struct kinspect_error *err;

	/* Ops this version cannot take. */
	struct kinspect_target_ops bad = { .size = 0, .read = read_memory };
	struct kinspect_kernel *k;
	err = kinspect_kernel_open_ops(&bad, NULL, &options, &k);
	CHECK(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT, "ops of size 0 accepted");
	kinspect_error_destroy(err);
	bad = (struct kinspect_target_ops){ .size = sizeof(bad) };
	err = kinspect_kernel_open_ops(&bad, NULL, &options, &k);
	CHECK(err && kinspect_error_code(err) == KINSPECT_ERROR_INVALID_ARGUMENT, "ops without read accepted");
	kinspect_error_destroy(err);

	if ((err = kinspect_kernel_open(argv[2], &options, &dump)))
		die(err, "opening the dump");
	uint64_t slide;
	const char *method;
	if ((err = kinspect_kernel_kaslr(dump, &slide, &method)))
		die(err, "the dump's slide");

	unsigned int regs[2];
	if ((err = kinspect_kernel_register_number(dump, "pc", &regs[0])) ||
	    (err = kinspect_kernel_register_number(dump, "sp", &regs[1])))
		die(err, "register numbers");
	unsigned int fp, nr = kinspect_kernel_nr_registers(dump);
	if ((err = kinspect_kernel_register_number(dump, "fp", &fp)))
		die(err, "register numbers");
	CHECK(regs[0] != regs[1] && regs[0] < nr && regs[1] < nr && fp < nr && nr <= KINSPECT_REGS_MAX,
	      "register numbers pc %u sp %u fp %u of %u", regs[0], regs[1], fp, nr);
	unsigned int unused;
	err = kinspect_kernel_register_number(dump, "no-such-register", &unused);
	CHECK(err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND, "a register that does not exist");
	kinspect_error_destroy(err);

	/* Memory alone: the slide by probing, switched-out tasks' traces. */
	struct kinspect_kernel *mem_only = open_ops(argv[1], false);
	CHECK(kinspect_kernel_target_kind(mem_only) == KINSPECT_TARGET_CALLBACKS, "target kind");
	check_slide(mem_only, slide, "memory only");
	struct task_check tc = { mem_only, 0 };
	if ((err = kinspect_kernel_for_each_task(mem_only, check_task, &tc)))
		die(err, "the task list through the callbacks");
	CHECK(tc.compared >= 5, "only %u switched-out tasks compared", tc.compared);
	printf("memory only: %u switched-out tasks traced as on the dump\n", tc.compared);

	/* With CPU 0's pc and sp. */
	struct kinspect_kernel *with_regs = open_ops(argv[1], true);
	check_slide(with_regs, slide, "with registers");
	struct kinspect_stack_trace *want, *trace;
	if ((err = kinspect_kernel_stack_trace_cpu(dump, dump_cpu, &want)) ||
	    (err = kinspect_kernel_stack_trace_cpu(with_regs, 0, &trace)))
		die(err, "CPU traces");
	CHECK(same_trace(want, trace), "CPU %u: the trace from the callbacks' registers differs from the dump's",
	      dump_cpu);

	/* The same frames one step at a time. */
	struct kinspect_unwind_frame frame;
	bool user_mode;
	if ((err = kinspect_kernel_cpu_unwind_frame(with_regs, 0, &frame, &user_mode)))
		die(err, "kinspect_kernel_cpu_unwind_frame");
	uint64_t note_pc, note_sp;
	if ((err = kinspect_kernel_dump_cpu_note(dump, dump_cpu, &note_pc, &note_sp)))
		die(err, "the CPU note");
	CHECK(!user_mode && frame.exact_pc && frame.regs.value[regs[0]] == note_pc &&
	      frame.regs.value[regs[1]] == note_sp && (frame.regs.valid & (1ull << fp)),
	      "the first frame is not the CPU note's registers");
	struct kinspect_stack_trace *from_regs;
	if ((err = kinspect_kernel_stack_trace_regs(with_regs, &frame, &from_regs)))
		die(err, "kinspect_kernel_stack_trace_regs");
	CHECK(same_trace(want, from_regs), "the trace from registers differs from the dump's");
	size_t n = kinspect_stack_trace_nr_frames(want), i = 0;
	bool user_end = false, crossed = false;
	for (; i < 256; i++) {
		uint64_t ip = frame.regs.value[regs[0]], sp = frame.regs.value[regs[1]];
		CHECK(i < n && ip == kinspect_stack_frame_ip(want, i) && sp == kinspect_stack_frame_sp(want, i),
		      "step %zu: 0x%" PRIx64 " sp 0x%" PRIx64 " is not the trace's frame", i, ip, sp);
		printf("#%zu 0x%016" PRIx64 " sp 0x%016" PRIx64 " %s\n", i, ip, sp,
		       i < n ? kinspect_stack_frame_symbol(want, i) : "?");
		if (user_end)
			break;
		struct kinspect_unwind_info info;
		if ((err = kinspect_kernel_unwind_step(with_regs, &frame, &frame, &info))) {
			char *msg = kinspect_error_string(err);
			printf("   step stopped: %s\n", msg ? msg : "out of memory");
			free(msg);
			kinspect_error_destroy(err);
			break;
		}
		if (info.end)
			break;
		uint64_t next_sp = frame.regs.value[regs[1]];
		if (info.kind == KINSPECT_UNWIND_PT_REGS || info.kind == KINSPECT_UNWIND_IRET) {
			crossed = true;
			CHECK(info.pt_regs && info.cfa > info.pt_regs, "entry frame: pt_regs 0x%" PRIx64 " cfa 0x%" PRIx64,
			      info.pt_regs, info.cfa);
			printf("   --- pt_regs 0x%016" PRIx64 "%s, cfa 0x%016" PRIx64 " ---\n", info.pt_regs,
			       info.user_mode ? " (user mode)" : "", info.cfa);
		} else {
			CHECK(info.cfa == next_sp, "call frame: cfa 0x%" PRIx64 " is not the caller's sp", info.cfa);
		}
		user_end = info.user_mode;
	}
	CHECK(i + 1 == n, "%zu steps for a trace of %zu frames", i + 1, n);
	CHECK(crossed && user_end, "the steps did not reach a user-mode entry frame");
	kinspect_stack_trace_destroy(want);
	kinspect_stack_trace_destroy(trace);
	kinspect_stack_trace_destroy(from_regs);
	kinspect_kernel_destroy(with_regs);
	kinspect_kernel_destroy(mem_only);
	kinspect_kernel_destroy(dump);
	if (failures)
		return 1;
	printf("ok: callbacks session and unwind steps agree with the dump (%zu frames)\n", n);
	return 0;
}
