/* A kernel session: one running or dumped kernel, its vmlinux, its target
 * (a QEMU gdbstub, a QEMU ELF dump or a kdump-compressed dump), the KASLR
 * slide and the loaded modules with their .ko files.  Everything else in
 * libkinspect hangs off a struct kinspect_kernel.
 *
 * Contracts, as in every libkinspect header: a fallible call returns a
 * struct kinspect_error (NULL on success) and writes its out-parameters
 * only on success; a const result belongs to the session and lives as long
 * as it; a char ** result is the caller's to free().  The library reads no
 * environment variable, and writes no file unless the options name a cache
 * directory.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KINSPECT_KERNEL_H
#define KINSPECT_KERNEL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/common.h>
#include <kinspect/error.h>
#include <kinspect/vmlinux.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Leave a live guest stopped when the session ends, even one that ran. */
#define KINSPECT_KEEP_STOPPED 0x1u
/* No memory cache in front of a live target (to measure what it saves). */
#define KINSPECT_NO_MEMORY_CACHE 0x2u
/* In the cache directory only the module copies gdb needs: no layouts or
 * symbol indexes are read or written (each run asks the DWARF anew). */
#define KINSPECT_NO_DERIVED_CACHES 0x4u

/* How a session is opened.  Fill with kinspect_options_init(), then set
 * what differs: SIZE lets later versions add fields compatibly.  Strings
 * and arrays are copied when the session is created. */
struct kinspect_options {
	size_t size;
	/* The vmlinux with DWARF of the kernel that runs (required for
	 * everything but kinspect_kernel_target_format()). */
	const char *vmlinux;
	/* Where the .ko files with DWARF are, searched recursively and matched
	 * by build-id; none: SYSROOT/usr/lib/debug/lib/modules/RELEASE, then
	 * SYSROOT/lib/modules/RELEASE, those that exist. */
	const char *const *module_dirs;
	size_t nr_module_dirs;
	/* Prefix of those default directories (a guest's root unpacked); NULL
	 * for "". */
	const char *sysroot;
	/* Where layouts, symbol indexes and module copies for gdb are kept
	 * between runs, per build-id; NULL: nothing is kept or written. */
	const char *cache_dir;
	/* Bound of every wait on a live target, in milliseconds (default
	 * 10000): connecting, and each answer. */
	int timeout_ms;
	/* KINSPECT_KEEP_STOPPED, KINSPECT_NO_MEMORY_CACHE,
	 * KINSPECT_NO_DERIVED_CACHES. */
	unsigned int flags;
	/* QEMU's QMP socket (unix:PATH, PATH or HOST:PORT), asked whether the
	 * guest runs before the gdbstub is touched: the only way to tell on
	 * QEMU 8.1 and later a running guest from one a user paused.  NULL:
	 * what the gdbstub can tell. */
	const char *qmp;
	/* When *CANCEL becomes non-zero (a signal handler sets it), a live
	 * exchange in progress ends with an error and no new one starts, so
	 * that the caller can end the session cleanly.  NULL: none. */
	const volatile sig_atomic_t *cancel;
	/* Diagnostics (warnings, progress at LEVEL 2, debug at 3; errors at 0
	 * are also returned) go here instead of standard error; NULL keeps
	 * standard error.  Process-wide: the last session created with a log
	 * function sets it. */
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
	/* The most detailed LEVEL of diagnostics given to LOG (or standard
	 * error): 0 errors, 1 warnings, 2 progress, 3 debug.  -1 (the
	 * default): as it is (1 unless an earlier session set it).
	 * Process-wide, like LOG. */
	int log_level;
	/* Bound, in bytes, of what one compressed file or section may inflate
	 * to (a .ko.xz or .ko.zst, a compressed debug section): past it the
	 * file is refused as a decompression bomb.  0: as it is (512 MiB
	 * unless an earlier session set it).  Process-wide, like LOG. */
	uint64_t max_module_size;
};

/* OPTIONS with SIZE set and every default. */
KINSPECT_EXPORT void kinspect_options_init(struct kinspect_options *options);

/* What a target string names. */
enum kinspect_target_kind {
	KINSPECT_TARGET_NONE,    /* no target: the vmlinux alone */
	KINSPECT_TARGET_DUMP,    /* a file: QEMU ELF or kdump-compressed dump */
	KINSPECT_TARGET_GDBSTUB, /* HOST:PORT, [IPV6]:PORT or unix:PATH */
	KINSPECT_TARGET_CALLBACKS, /* the caller's (kinspect_kernel_open_ops()) */
};

/* Classify TARGET without opening anything: an existing file (not a
 * directory) is a dump, HOST:PORT or unix:PATH a gdbstub.  NULL is
 * KINSPECT_TARGET_NONE.  KINSPECT_ERROR_INVALID_ARGUMENT for anything
 * else, saying why. */
KINSPECT_EXPORT struct kinspect_error *kinspect_target_classify(const char *target,
								enum kinspect_target_kind *ret);

struct kinspect_kernel;

/* A session on TARGET (see kinspect_target_classify(); NULL for the
 * vmlinux alone) with OPTIONS (NULL: defaults), opened lazily: the vmlinux,
 * the target, the slide and the module list are read on first use, so
 * creating never touches a guest. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_create(const char *target,
							      const struct kinspect_options *options,
							      struct kinspect_kernel **ret);

/* kinspect_kernel_create(), then open the vmlinux and the target and find
 * the KASLR slide, so that every later error is about what is asked. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_open(const char *target,
							    const struct kinspect_options *options,
							    struct kinspect_kernel **ret);

/* A target the caller reads for the session (a debugger that has the
 * guest already: the gdb plugin reads through gdb).  Fill with zeros, set
 * SIZE to sizeof(struct kinspect_target_ops) and READ; the other members
 * may stay NULL.  ARG (given to kinspect_kernel_open_ops()) is passed to
 * each.  Callbacks return 0 on success; a read returns an errno value
 * (EFAULT when the memory is not mapped: the session's error is then a
 * KINSPECT_ERROR_FAULT at ADDR). */
struct kinspect_target_ops {
	size_t size;
	/* Read LEN bytes of kernel virtual memory at ADDR into BUF
	 * (required).  The session keeps no cache of it: a caller whose
	 * guest ran is read anew. */
	int (*read)(void *arg, uint64_t addr, void *buf, size_t len);
	/* The same at physical address ADDR. */
	int (*read_phys)(void *arg, uint64_t addr, void *buf, size_t len);
	/* The number of CPUs (kinspect_kernel_nr_cpus()). */
	unsigned int (*nr_cpus)(void *arg);
	/* Register REGNUM of CPU, by the architecture's DWARF number (see
	 * kinspect_kernel_register_number() in kinspect/stack.h), in *RET;
	 * non-zero when it is not known.  With it the slide is found from
	 * CPU 0's pc and kinspect_kernel_stack_trace_cpu() works. */
	int (*read_register)(void *arg, unsigned int cpu, unsigned int regnum, uint64_t *ret);
	/* The KASLR slide when the caller knows it (a setting of its user):
	 * true with *RET set; NULL or false: found from memory. */
	bool (*kaslr_slide)(void *arg, uint64_t *ret);
};

/* An open session whose target is OPS with ARG (see struct
 * kinspect_target_ops; copied, ARG must outlive the session) and OPTIONS
 * (the vmlinux is required; qmp and timeout_ms play no part).  The
 * vmlinux is opened now; the slide is found on first use: the one
 * kaslr_slide gives, taken as it is, else searched (CPU 0's pc narrows the
 * search, else every possible slide is probed) and verified against
 * linux_banner.
 * KINSPECT_ERROR_INVALID_ARGUMENT for ops without READ or of a SIZE this
 * version does not know. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_open_ops(const struct kinspect_target_ops *ops, void *arg,
								const struct kinspect_options *options,
								struct kinspect_kernel **ret);

/* End the session: a live guest is left in the run state it was found in
 * (see kinspect_kernel_run_state()), layouts learnt are saved to the cache
 * directory.  Accepts NULL. */
KINSPECT_EXPORT void kinspect_kernel_destroy(struct kinspect_kernel *kernel);

/* The vmlinux, opened on first use.  Owned by KERNEL. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_vmlinux(struct kinspect_kernel *kernel,
							       struct kinspect_vmlinux **ret);

/* Open the target now (a no-op once open).  A dump is probed by its
 * contents; connecting to a gdbstub stops the guest until the session
 * ends or kinspect_kernel_destroy() resumes it. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_open_target(struct kinspect_kernel *kernel);

/* What the session's target is (KINSPECT_TARGET_NONE without one). */
KINSPECT_EXPORT enum kinspect_target_kind kinspect_kernel_target_kind(const struct kinspect_kernel *kernel);

/* The target as given, or NULL.  Owned by KERNEL. */
KINSPECT_EXPORT const char *kinspect_kernel_target(const struct kinspect_kernel *kernel);

/* The open target's format: "gdbstub", "elf", "elf, paging",
 * "kdump-zlib, flattened", ..., "callbacks" (kinspect_kernel_open_ops()).
 * NULL before it is open.  Owned by KERNEL. */
KINSPECT_EXPORT const char *kinspect_kernel_target_format(const struct kinspect_kernel *kernel);

/* The KASLR slide (runtime minus link-time address of the kernel image)
 * in *RET_SLIDE, and how it was found in *RET_METHOD (a static name, as
 * kinspect(1)'s info shows it: from VMCOREINFO, from a CPU's instruction
 * pointer, or by probing), found on first use. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_kaslr(struct kinspect_kernel *kernel, uint64_t *ret_slide,
							     const char **ret_method);

/* Read LEN bytes of kernel virtual memory at ADDR into BUF, from the
 * target itself (no cache: a live guest's memory as it is now).  A fault is a
 * KINSPECT_ERROR_FAULT error whose kinspect_error_address() is the first
 * address that could not be read. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_read(struct kinspect_kernel *kernel, uint64_t addr,
							    void *buf, size_t len);

/* The same at physical address ADDR. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_read_phys(struct kinspect_kernel *kernel, uint64_t addr,
								 void *buf, size_t len);

/* One of the reads of kinspect_kernel_read_batch(): LEN bytes of kernel
 * virtual memory at ADDRESS into BUF; OK says whether they came. */
struct kinspect_read {
	uint64_t address;
	void *buf;
	size_t len;
	bool ok;
};

/* NR reads that do not depend on each other, from the target itself as
 * kinspect_kernel_read() reads: on a live guest pipelined, 64 in one round
 * trip, instead of one round trip each.  A read that faults only clears its
 * OK (its BUF is then undefined); an error is a failure of the target
 * itself (the connection, a timeout), and then no OK is written. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_read_batch(struct kinspect_kernel *kernel,
								  struct kinspect_read *reads, size_t nr);

/* The runtime address of symbol NAME: of the vmlinux (moved by the slide
 * when there is a target), else of a loaded module (NAME or MODULE:NAME,
 * from its .ko).  KINSPECT_ERROR_NOT_FOUND when neither has it. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_symbol(struct kinspect_kernel *kernel, const char *name,
							      uint64_t *ret);

/* The CPUs the target has: the dump's CPU notes, the gdbstub's vCPU
 * threads, the callbacks' nr_cpus (1 when they give registers only;
 * KINSPECT_ERROR_UNSUPPORTED when neither).  Opens the target. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_nr_cpus(struct kinspect_kernel *kernel, unsigned int *ret);

/* A live guest: whether it ran before the session came (1), was stopped
 * (0) or could not be told (-1), and what the session leaves behind, in
 * words ("running before kinspect came: resumed when done").  Owned by
 * KERNEL.  KINSPECT_ERROR_INVALID_ARGUMENT for a dump. */
KINSPECT_EXPORT struct kinspect_error *kinspect_kernel_run_state(struct kinspect_kernel *kernel, int *ret_was_running,
								 bool *ret_resume, const char **ret_decision);

#ifdef __cplusplus
}
#endif

#endif /* KINSPECT_KERNEL_H */
