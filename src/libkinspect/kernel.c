/* The kernel session (see kinspect/kernel.h and kernel-priv.h): what the
 * CLI, the proxy and library users share instead of each wiring vmlinux,
 * DWARF, target, slide and modules together.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cache-path.h"
#include "core/cleanup.h"
#include "core/error-priv.h"
#include "core/log.h"
#include "debuginfo/decompress-bound.h"
#include "debuginfo/layout-cache.h"
#include "debuginfo/vmlinux-cfi.h"
#include "libkinspect/kernel-priv.h"
#include "linux/module-info.h"
#include "linux/stacktrace.h"
#include "linux/tasks.h"
#include "target/memory-cache.h"
#include "target/qmp.h"

#define DEFAULT_TIMEOUT_MS 10000
/* Granules the size of one "m" answer, 8 MiB in all: a module list, a
 * folio_queue chain or a stack stays cached while the VM is stopped. */
#define CACHE_BYTES (8u << 20)

struct kinspect_kernel {
	/* The options, with every string and array copied. */
	char *target, *vmlinux_path, *sysroot, *qmp;
	char **module_dirs;
	size_t nr_module_dirs;
	int timeout_ms;
	unsigned int flags;
	const volatile sig_atomic_t *cancel;
	enum kinspect_target_kind kind;

	struct kinspect_vmlinux *vmlinux;
	struct kinspect_dwarf_types *types;
	struct kinspect_gdbstub *gdbstub;
	bool borrowed; /* the gdbstub is the caller's (the gdb proxy's) */
	uint64_t invalidations; /* kinspect_kernel_invalidate() calls */
	struct kinspect_gdbstub_stats connect_stats;
	bool resume;          /* a live guest: resume it when done */
	const char *decision; /* why, for people */
	struct kinspect_elf_dump *dump;
	struct kinspect_memory direct; /* the target itself */
	struct kinspect_memory_cache *memory_cache;
	struct kinspect_memory memory; /* what the kernel model reads */
	bool have_memory;
	bool have_kaslr;
	struct kinspect_kaslr kaslr;
	bool module_dirs_resolved;
	char *default_module_dirs[2];
	size_t nr_default_module_dirs;
	struct kinspect_module_symbols *module_symbols;
	struct kinspect_module_info *module_info;
	struct kinspect_tasks *tasks;
	struct kinspect_kernel_unwinder *unwinder;
	struct kept_file {
		char name[64];
		bool verified; /* found by build-id */
		struct kinspect_module_file *file;
	} *module_files; /* found for callers, kept */
	size_t nr_module_files;
	struct kinspect_type_store *type_store;
	struct kinspect_breakpoint *breakpoints; /* planted; breakpoint.c keeps the list */
	/* A target of the caller's callbacks (kernel-ops.c). */
	bool have_ops;
	struct kinspect_target_ops ops;
	void *ops_arg;
	/* The vmlinux's DWARF CFI, for kinspect_kernel_unwind_step(). */
	bool cfi_opened;
	struct kinspect_vmlinux_cfi *cfi;
};

void kinspect_options_init(struct kinspect_options *options)
{
	*options = (struct kinspect_options){ .size = sizeof(*options), .timeout_ms = DEFAULT_TIMEOUT_MS,
					      .log_level = -1 };
}

struct kinspect_error *kinspect_target_classify(const char *target, enum kinspect_target_kind *ret)
{
	if (!target) {
		*ret = KINSPECT_TARGET_NONE;
		return NULL;
	}
	struct stat st;
	if (stat(target, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						     "target %s is a directory, not a dump file or HOST:PORT", target);
		*ret = KINSPECT_TARGET_DUMP;
		return NULL;
	}
	if (!strchr(target, ':'))
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "target %s: no such file, and not HOST:PORT or unix:PATH", target);
	*ret = KINSPECT_TARGET_GDBSTUB;
	return NULL;
}

/* *DST = a copy of SRC (NULL stays NULL); false when memory ran out. */
static bool copy_string(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

/* Where the options' log function goes (process-wide, see kernel.h). */
static void (*log_fn)(void *arg, int level, const char *msg);
static void *log_arg;

static void log_to_options(enum kinspect_log_level level, const char *msg)
{
	log_fn(log_arg, (int)level, msg);
}

struct kinspect_error *kinspect_options_copy(const struct kinspect_options *options, struct kinspect_options *ret)
{
	struct kinspect_options o;
	kinspect_options_init(&o);
	if (!options) {
		*ret = o;
		return NULL;
	}
	/* Fields past what the caller's version knew keep their defaults. */
	if (options->size < sizeof(size_t) || options->size > 4096)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "options of %zu bytes: fill them with kinspect_options_init()", options->size);
	memcpy(&o, options, options->size < sizeof(o) ? options->size : sizeof(o));
	*ret = o;
	return NULL;
}

void kinspect_options_apply_process_wide(const struct kinspect_options *o)
{
	if (o->max_module_size)
		kinspect_decompress_set_limit(o->max_module_size);
	if (o->log_level >= KINSPECT_LOG_ERROR && o->log_level <= KINSPECT_LOG_DEBUG)
		kinspect_log_set_level((enum kinspect_log_level)o->log_level);
	if (o->log) {
		log_fn = o->log;
		log_arg = o->log_arg;
		kinspect_log_set_sink(log_to_options);
	}
}

struct kinspect_error *kinspect_kernel_create(const char *target, const struct kinspect_options *options,
					      struct kinspect_kernel **ret)
{
	struct kinspect_options o;
	struct kinspect_error *err = kinspect_options_copy(options, &o);
	if (err)
		return err;
	if (o.timeout_ms <= 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "timeout of %d ms", o.timeout_ms);
	enum kinspect_target_kind kind;
	if ((err = kinspect_target_classify(target, &kind)))
		return err;

	struct kinspect_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return &kinspect_error_nomem;
	k->kind = kind;
	k->timeout_ms = o.timeout_ms;
	k->flags = o.flags;
	k->cancel = o.cancel;
	bool ok = copy_string(&k->target, target) && copy_string(&k->vmlinux_path, o.vmlinux) &&
		  copy_string(&k->sysroot, o.sysroot ? o.sysroot : "") && copy_string(&k->qmp, o.qmp);
	if (ok && o.nr_module_dirs) {
		k->module_dirs = calloc(o.nr_module_dirs, sizeof(*k->module_dirs));
		ok = k->module_dirs != NULL;
		for (size_t i = 0; ok && i < o.nr_module_dirs; i++, k->nr_module_dirs++)
			ok = copy_string(&k->module_dirs[i], o.module_dirs[i]);
	}
	if (ok && (err = kinspect_cache_set_dir(o.cache_dir)))
		ok = false;
	kinspect_cache_set_reuse(!(o.flags & KINSPECT_NO_DERIVED_CACHES));
	if (!ok) {
		kinspect_kernel_destroy(k);
		return &kinspect_error_nomem;
	}
	kinspect_options_apply_process_wide(&o);
	*ret = k;
	return NULL;
}

struct kinspect_error *kinspect_kernel_open(const char *target, const struct kinspect_options *options,
					    struct kinspect_kernel **ret)
{
	struct kinspect_kernel *k;
	struct kinspect_error *err = kinspect_kernel_create(target, options, &k);
	if (err)
		return err;
	struct kinspect_vmlinux *vmlinux;
	uint64_t slide;
	const char *method;
	if ((err = kinspect_kernel_vmlinux(k, &vmlinux)) ||
	    (target && (err = kinspect_kernel_kaslr(k, &slide, &method)))) {
		kinspect_kernel_destroy(k);
		return err;
	}
	*ret = k;
	return NULL;
}

struct kinspect_error *kinspect_kernel_create_on_gdbstub(struct kinspect_gdbstub *gs, const char *target,
						  const struct kinspect_options *options,
						  struct kinspect_kernel **ret)
{
	enum kinspect_target_kind kind;
	struct kinspect_error *err = kinspect_target_classify(target, &kind);
	if (!err && kind != KINSPECT_TARGET_GDBSTUB)
		err = kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s does not name a gdbstub", target);
	struct kinspect_kernel *k;
	if (err || (err = kinspect_kernel_create(target, options, &k)))
		return err;
	k->gdbstub = gs;
	k->borrowed = true;
	if (k->cancel)
		kinspect_gdbstub_set_cancel(gs, k->cancel);
	/* Whatever the session does, the owner decides what the guest is
	 * left in. */
	k->resume = false;
	k->decision = "held by its owner (kinspect gdb-proxy): left as gdb leaves it";
	kinspect_gdbstub_stats(gs, &k->connect_stats);
	*ret = k;
	return NULL;
}

/* Save what the layout cache learnt and close the DWARF. */
static void close_types(struct kinspect_kernel *k)
{
	if (!k->types)
		return;
	struct kinspect_error *err = kinspect_dwarf_types_save_cache(k->types);
	if (err) {
		/* The cache only saves time: a read-only home is no failure. */
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_info("layout cache not saved: %s", msg ? msg : "out of memory");
		kinspect_error_destroy(err);
	}
	kinspect_debug("DWARF %s", kinspect_dwarf_types_opened(k->types) ? "opened" : "not opened (layout cache)");
	kinspect_dwarf_types_destroy(k->types);
	k->types = NULL;
}

void kinspect_kernel_forget_modules(struct kinspect_kernel *k)
{
	kinspect_module_symbols_destroy(k->module_symbols);
	k->module_symbols = NULL;
	kinspect_module_info_destroy(k->module_info);
	k->module_info = NULL;
	/* The unwinder caches module unwind tables, the task walker nothing
	 * that changes, but both read through the target's memory. */
	kinspect_kernel_unwinder_destroy(k->unwinder);
	k->unwinder = NULL;
	kinspect_tasks_destroy(k->tasks);
	k->tasks = NULL;
}

struct kinspect_error *kinspect_kernel_find_module_file(struct kinspect_kernel *k, const char *name,
						       const uint8_t *build_id, size_t len,
						       const struct kinspect_module_file **ret)
{
	/* Found once per session: a script of many lsmods must not map the
	 * same files again and again. */
	for (size_t i = 0; i < k->nr_module_files; i++) {
		const struct kept_file *kf = &k->module_files[i];
		const uint8_t *id;
		size_t id_len = kinspect_module_file_build_id(kf->file, &id);
		if (kinspect_module_name_equal(kf->name, name) && kf->verified == (len != 0) &&
		    (!len || (id_len == len && memcmp(id, build_id, len) == 0))) {
			*ret = kf->file;
			return NULL;
		}
	}
	size_t nr_dirs;
	const char *const *dirs = kinspect_kernel_module_dirs(k, &nr_dirs);
	if (nr_dirs == 0)
		return kinspect_error_create(KINSPECT_ERROR_NOT_FOUND, "module %s: no module directories to search", name);
	struct kinspect_module_file *file;
	struct kinspect_error *err = kinspect_module_file_find(dirs, nr_dirs, name, build_id, len, &file);
	if (err)
		return err;
	struct kept_file *files = realloc(k->module_files, (k->nr_module_files + 1) * sizeof(*files));
	if (!files) {
		kinspect_module_file_destroy(file);
		return &kinspect_error_nomem;
	}
	k->module_files = files;
	struct kept_file *kf = &files[k->nr_module_files++];
	snprintf(kf->name, sizeof(kf->name), "%s", name);
	kf->verified = len != 0;
	kf->file = file;
	*ret = file;
	return NULL;
}

void kinspect_kernel_close_target(struct kinspect_kernel *k)
{
	/* Breakpoints first: taking them out needs the connection. */
	kinspect_kernel_release_breakpoints(k);
	kinspect_kernel_forget_modules(k);
	if (k->gdbstub) {
		/* -vv shows the traffic, for benchmarks and for slow links. */
		struct kinspect_gdbstub_stats stats;
		kinspect_gdbstub_stats(k->gdbstub, &stats);
		kinspect_debug("gdbstub %s: %llu round trips (%llu to connect), %llu memory reads (\"m\"), "
			       "%llu bytes sent, %llu received",
			       k->target, (unsigned long long)stats.round_trips,
			       (unsigned long long)k->connect_stats.round_trips, (unsigned long long)stats.memory_packets,
			       (unsigned long long)stats.bytes_sent, (unsigned long long)stats.bytes_received);
	}
	if (k->memory_cache) {
		struct kinspect_memory_cache_stats cs;
		kinspect_memory_cache_stats(k->memory_cache, &cs);
		kinspect_debug("memory cache: %llu hits, %llu misses, %llu uncached after faults, %llu flushes, "
			       "%llu granules fetched ahead in %llu batches",
			       (unsigned long long)cs.hits, (unsigned long long)cs.misses,
			       (unsigned long long)cs.bypasses, (unsigned long long)cs.flushes,
			       (unsigned long long)cs.batched, (unsigned long long)cs.batches);
		kinspect_memory_cache_destroy(k->memory_cache);
		k->memory_cache = NULL;
	}
	k->have_memory = false;
	/* A borrowed connection stays with its owner, as it is. */
	if (!k->borrowed)
		kinspect_gdbstub_destroy(k->gdbstub);
	k->gdbstub = NULL;
	kinspect_elf_dump_destroy(k->dump);
	k->dump = NULL;
}

void kinspect_kernel_destroy(struct kinspect_kernel *k)
{
	if (!k)
		return;
	kinspect_kernel_close_target(k);
	kinspect_type_store_destroy(k->type_store);
	kinspect_vmlinux_cfi_destroy(k->cfi);
	close_types(k);
	kinspect_vmlinux_destroy(k->vmlinux);
	for (size_t i = 0; i < k->nr_module_files; i++)
		kinspect_module_file_destroy(k->module_files[i].file);
	free(k->module_files);
	for (size_t i = 0; i < k->nr_default_module_dirs; i++)
		free(k->default_module_dirs[i]);
	for (size_t i = 0; i < k->nr_module_dirs; i++)
		free(k->module_dirs[i]);
	free(k->module_dirs);
	free(k->target);
	free(k->vmlinux_path);
	free(k->sysroot);
	free(k->qmp);
	free(k);
}

struct kinspect_error *kinspect_kernel_vmlinux(struct kinspect_kernel *k, struct kinspect_vmlinux **ret)
{
	if (!k->vmlinux) {
		if (!k->vmlinux_path)
			return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
						     "this command needs the kernel's vmlinux: give it with -k VMLINUX");
		struct kinspect_error *err = kinspect_vmlinux_open(k->vmlinux_path, &k->vmlinux);
		if (err)
			return err;
	}
	*ret = k->vmlinux;
	return NULL;
}

/* The run state found and what to leave behind (see open_gdbstub()). */
static void decide_run_state(struct kinspect_kernel *k)
{
	const struct kinspect_gdbstub_run_state *found = kinspect_gdbstub_run_state(k->gdbstub);
	k->resume = false;
	if (k->flags & KINSPECT_KEEP_STOPPED) {
		k->decision = "left stopped when done (--keep-stopped)";
	} else if (!found) {
		k->decision = "not learned: left stopped";
	} else if (found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_NO) {
		k->decision = "stopped before kinspect came: left stopped";
	} else if (found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES) {
		k->resume = true;
		k->decision = "running before kinspect came: resumed when done";
	} else {
		k->resume = true;
		k->decision = "running or paused before kinspect came: resumed; give --qmp to tell them apart";
	}
}

/* Connect to the gdbstub and decide what to leave behind: a guest that ran
 * is resumed when done, one that was stopped (a breakpoint, the monitor's
 * "stop", -S) stays stopped.  QMP, asked before connecting, is the only
 * sure witness: connecting stops a running VM, and QEMU 8.1 and later no
 * longer say so.  Without it, what the stub can tell
 * (kinspect_gdbstub_find_run_state()); what it cannot is taken as running,
 * since a guest wrongly resumed is seen at once and one wrongly left paused
 * may stay so unnoticed.  (A "stop" or "cont" between the QMP question and
 * the connect is not seen: the window is one connect long.) */
static struct kinspect_error *open_gdbstub(struct kinspect_kernel *k)
{
	struct kinspect_qmp_status qmp;
	if (k->qmp) {
		struct kinspect_error *err = kinspect_qmp_query_status(k->qmp, k->timeout_ms, &qmp);
		if (err)
			return kinspect_error_wrap(err, "--qmp %s: cannot learn whether the guest runs (nothing touched)",
						   k->qmp);
	}
	struct kinspect_error *err = kinspect_gdbstub_connect(k->target, k->timeout_ms, &k->gdbstub);
	if (err)
		return err;
	if (k->cancel)
		kinspect_gdbstub_set_cancel(k->gdbstub, k->cancel);
	const struct kinspect_gdbstub_run_state *found;
	if (k->qmp) {
		struct kinspect_gdbstub_run_state state;
		kinspect_qmp_run_state(&qmp, &state);
		kinspect_gdbstub_set_run_state(k->gdbstub, &state);
	}
	if ((err = kinspect_gdbstub_find_run_state(k->gdbstub, &found)))
		return err;
	decide_run_state(k);
	kinspect_gdbstub_set_keep_stopped(k->gdbstub, !k->resume);
	kinspect_info("guest %s (%s)", k->decision, found->how);
	kinspect_gdbstub_stats(k->gdbstub, &k->connect_stats);
	return NULL;
}

struct kinspect_error *kinspect_kernel_open_target(struct kinspect_kernel *k)
{
	if (k->gdbstub || k->dump || k->have_ops)
		return NULL;
	struct kinspect_error *err;
	switch (k->kind) {
	case KINSPECT_TARGET_CALLBACKS:
		return NULL; /* open from the start */
	case KINSPECT_TARGET_NONE:
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT,
					     "this command needs a target: give it with -t HOST:PORT or -t DUMP");
	case KINSPECT_TARGET_DUMP:
		return kinspect_elf_dump_open(k->target, &k->dump);
	case KINSPECT_TARGET_GDBSTUB:
		if ((err = open_gdbstub(k))) {
			/* Half-connected: whatever was learnt decides what the
			 * guest is left in. */
			kinspect_gdbstub_destroy(k->gdbstub);
			k->gdbstub = NULL;
		}
		return err;
	}
	return NULL;
}

enum kinspect_target_kind kinspect_kernel_target_kind(const struct kinspect_kernel *k)
{
	return k->kind;
}

const char *kinspect_kernel_target(const struct kinspect_kernel *k)
{
	return k->target;
}

const char *kinspect_kernel_target_format(const struct kinspect_kernel *k)
{
	if (k->dump)
		return kinspect_elf_dump_format(k->dump);
	if (k->have_ops)
		return "callbacks";
	return k->gdbstub ? "gdbstub" : NULL;
}

struct kinspect_gdbstub *kinspect_kernel_gdbstub(const struct kinspect_kernel *k)
{
	return k->gdbstub;
}

struct kinspect_elf_dump *kinspect_kernel_dump(const struct kinspect_kernel *k)
{
	return k->dump;
}

const struct kinspect_gdbstub_stats *kinspect_kernel_connect_stats(const struct kinspect_kernel *k)
{
	return &k->connect_stats;
}

struct kinspect_type_store **kinspect_kernel_type_store(struct kinspect_kernel *k)
{
	return &k->type_store;
}

int kinspect_kernel_timeout_ms(const struct kinspect_kernel *k)
{
	return k->timeout_ms;
}

const volatile sig_atomic_t *kinspect_kernel_cancel(const struct kinspect_kernel *k)
{
	return k->cancel;
}

struct kinspect_breakpoint **kinspect_kernel_breakpoints(struct kinspect_kernel *k)
{
	return &k->breakpoints;
}

struct kinspect_error *kinspect_kernel_run_state(struct kinspect_kernel *k, int *ret_was_running, bool *ret_resume,
						 const char **ret_decision)
{
	if (k->kind != KINSPECT_TARGET_GDBSTUB)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "%s has no run state",
					     k->have_ops ? "a target of callbacks" : "a dump");
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	const struct kinspect_gdbstub_run_state *found = kinspect_gdbstub_run_state(k->gdbstub);
	*ret_was_running = !found || found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED ? -1
			   : found->was_running == KINSPECT_GDBSTUB_WAS_RUNNING_YES		 ? 1
												 : 0;
	*ret_resume = k->resume;
	*ret_decision = k->decision;
	return NULL;
}

struct kinspect_error *kinspect_kernel_kaslr_record(struct kinspect_kernel *k, const struct kinspect_kaslr **ret)
{
	if (!k->have_kaslr) {
		struct kinspect_vmlinux *vmlinux;
		struct kinspect_error *err = kinspect_kernel_open_target(k);
		if (!err)
			err = kinspect_kernel_vmlinux(k, &vmlinux);
		const struct kinspect_memory *mem;
		if (!err && k->have_ops && !(err = kinspect_kernel_memory(k, &mem)))
			err = kinspect_kernel_ops_kaslr(&k->ops, k->ops_arg, mem, vmlinux, &k->kaslr);
		else if (!err)
			err = k->dump ? kinspect_kaslr_find_dump(k->dump, vmlinux, &k->kaslr)
				      : kinspect_kaslr_find_live(k->gdbstub, vmlinux, &k->kaslr);
		if (err)
			return err;
		k->have_kaslr = true;
	}
	*ret = &k->kaslr;
	return NULL;
}

struct kinspect_error *kinspect_kernel_kaslr(struct kinspect_kernel *k, uint64_t *ret_slide, const char **ret_method)
{
	const struct kinspect_kaslr *kaslr;
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, &kaslr);
	if (err)
		return err;
	*ret_slide = kaslr->slide;
	*ret_method = kaslr->method;
	return NULL;
}

/* The layout cache of VMLINUX's build-id, loaded; NULL when caching is
 * off or impossible (no build-id).  A cache file that is not valid is
 * ignored here and replaced when the session saves its answers. */
static struct kinspect_layout_cache *open_layout_cache(struct kinspect_vmlinux *vmlinux)
{
	const uint8_t *id;
	size_t len = kinspect_vmlinux_build_id(vmlinux, &id);
	_cleanup_free_ char *path = NULL;
	struct kinspect_layout_cache *cache = NULL;
	struct kinspect_error *err = NULL;
	if (len == 0 || (err = kinspect_layout_cache_path(id, len, &path)) || !path ||
	    (err = kinspect_layout_cache_create(path, id, len, &cache))) {
		kinspect_error_destroy(err);
		return NULL;
	}
	if ((err = kinspect_layout_cache_load(cache))) {
		_cleanup_free_ char *msg = kinspect_error_string(err);
		kinspect_info("ignoring the layout cache: %s", msg ? msg : "out of memory");
		kinspect_error_destroy(err);
	}
	return cache;
}

struct kinspect_error *kinspect_kernel_types(struct kinspect_kernel *k, struct kinspect_dwarf_types **ret)
{
	if (!k->types) {
		struct kinspect_vmlinux *vmlinux;
		struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
		if (!err)
			err = kinspect_dwarf_types_create_lazy(kinspect_vmlinux_path(vmlinux), open_layout_cache(vmlinux),
							       &k->types);
		if (err)
			return err;
	}
	*ret = k->types;
	return NULL;
}

static struct kinspect_error *read_virtual(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_kernel *k = ctx;
	if (k->have_ops)
		return kinspect_kernel_ops_read(&k->ops, k->ops_arg, addr, buf, len, false);
	if (k->gdbstub)
		return kinspect_gdbstub_read_memory(k->gdbstub, addr, buf, len, false);
	return kinspect_elf_dump_read_virt(k->dump, addr, buf, len);
}

static struct kinspect_error *read_physical(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_kernel *k = ctx;
	if (k->have_ops)
		return kinspect_kernel_ops_read(&k->ops, k->ops_arg, addr, buf, len, true);
	if (k->gdbstub)
		return kinspect_gdbstub_read_memory(k->gdbstub, addr, buf, len, true);
	return kinspect_elf_dump_read_phys(k->dump, addr, buf, len);
}

/* Independent reads pipelined on the gdbstub, 64 in one round trip. */
static struct kinspect_error *read_batch(void *ctx, struct kinspect_memory_batch *reads, size_t nr)
{
	struct kinspect_kernel *k = ctx;
	struct kinspect_gdbstub_batch_read v[64];
	for (size_t done = 0; done < nr;) {
		size_t n = nr - done < 64 ? nr - done : 64;
		for (size_t i = 0; i < n; i++)
			v[i] = (struct kinspect_gdbstub_batch_read){ reads[done + i].addr, reads[done + i].buf,
								      reads[done + i].len, false };
		struct kinspect_error *err = kinspect_gdbstub_read_memory_batch(k->gdbstub, v, n);
		if (err)
			return err;
		for (size_t i = 0; i < n; i++)
			reads[done + i].ok = v[i].ok;
		done += n;
	}
	return NULL;
}

/* The gdbstub's own count of changes (the VM ran, memory was written)
 * plus what the session was told of (kinspect_kernel_invalidate()). */
static uint64_t gdbstub_generation(void *ctx)
{
	const struct kinspect_kernel *k = ctx;
	return kinspect_gdbstub_generation(k->gdbstub) + k->invalidations;
}

void kinspect_kernel_invalidate(struct kinspect_kernel *k)
{
	k->invalidations++;
}

struct kinspect_error *kinspect_kernel_memory(struct kinspect_kernel *k, const struct kinspect_memory **ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	if (!k->have_memory) {
		k->direct = (struct kinspect_memory){ .read = read_virtual, .read_phys = read_physical, .ctx = k,
						      .read_batch = k->gdbstub ? read_batch : NULL };
		k->memory = k->direct;
		/* A dump is mapped memory already. */
		if (k->gdbstub && !(k->flags & KINSPECT_NO_MEMORY_CACHE)) {
			size_t granule = 64;
			while (granule * 2 <= kinspect_gdbstub_max_read(k->gdbstub) && granule < 4096)
				granule *= 2;
			err = kinspect_memory_cache_create(k->direct, granule, CACHE_BYTES / granule, gdbstub_generation,
							   k, &k->memory_cache);
			if (err)
				kinspect_error_destroy(err); /* slower, still right */
			else
				k->memory = kinspect_memory_cache_memory(k->memory_cache);
		}
		k->have_memory = true;
	}
	*ret = &k->memory;
	return NULL;
}

struct kinspect_error *kinspect_kernel_read(struct kinspect_kernel *k, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	return err ? err : read_virtual(k, addr, buf, len);
}

struct kinspect_error *kinspect_kernel_read_phys(struct kinspect_kernel *k, uint64_t addr, void *buf, size_t len)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	return err ? err : read_physical(k, addr, buf, len);
}

struct kinspect_error *kinspect_kernel_read_batch(struct kinspect_kernel *k, struct kinspect_read *reads, size_t nr)
{
	const struct kinspect_memory *mem;
	struct kinspect_error *err = kinspect_kernel_memory(k, &mem);
	if (err || !nr)
		return err;
	/* The target itself, as kinspect_kernel_read() reads it: no cache. */
	struct kinspect_memory_batch *b = calloc(nr, sizeof(*b));
	if (!b)
		return &kinspect_error_nomem;
	for (size_t i = 0; i < nr; i++)
		b[i] = (struct kinspect_memory_batch){ .addr = reads[i].address, .buf = reads[i].buf, .len = reads[i].len };
	err = kinspect_memory_read_batch(&k->direct, b, nr);
	for (size_t i = 0; !err && i < nr; i++)
		reads[i].ok = b[i].ok;
	free(b);
	return err;
}

static void add_default_dir(struct kinspect_kernel *k, const char *prefix, const char *release)
{
	char *dir;
	struct stat st;
	if (asprintf(&dir, "%s%s/%s", k->sysroot, prefix, release) < 0)
		return;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		kinspect_info("looking for modules in %s (no -m given)", dir);
		k->default_module_dirs[k->nr_default_module_dirs++] = dir;
	} else {
		free(dir);
	}
}

const char *const *kinspect_kernel_module_dirs(struct kinspect_kernel *k, size_t *ret_nr)
{
	if (k->nr_module_dirs) {
		*ret_nr = k->nr_module_dirs;
		return (const char *const *)k->module_dirs;
	}
	if (!k->module_dirs_resolved) {
		k->module_dirs_resolved = true;
		/* The defaults are named by the release (no vmlinux: none). */
		struct kinspect_vmlinux *vmlinux;
		kinspect_error_destroy(kinspect_kernel_vmlinux(k, &vmlinux));
		const char *release = k->vmlinux ? kinspect_vmlinux_release(k->vmlinux) : NULL;
		/* Debug files (with DWARF) first: distributions strip /lib/modules. */
		if (release) {
			add_default_dir(k, "/usr/lib/debug/lib/modules", release);
			add_default_dir(k, "/lib/modules", release);
		}
	}
	*ret_nr = k->nr_default_module_dirs;
	return (const char *const *)k->default_module_dirs;
}

struct kinspect_error *kinspect_kernel_model(struct kinspect_kernel *k, const struct kinspect_kaslr **kaslr,
					     struct kinspect_dwarf_types **types, const struct kinspect_memory **mem)
{
	struct kinspect_error *err = kinspect_kernel_kaslr_record(k, kaslr);
	if (!err)
		err = kinspect_kernel_types(k, types);
	if (!err)
		err = kinspect_kernel_memory(k, mem);
	return err;
}

struct kinspect_error *kinspect_kernel_model_unslid(struct kinspect_kernel *k, struct kinspect_dwarf_types **types,
						     const struct kinspect_memory **mem)
{
	struct kinspect_error *err = kinspect_kernel_types(k, types);
	if (!err)
		err = kinspect_kernel_memory(k, mem);
	return err;
}

struct kinspect_error *kinspect_kernel_module_symbols(struct kinspect_kernel *k, struct kinspect_module_symbols **ret)
{
	if (!k->module_symbols) {
		const struct kinspect_kaslr *kaslr;
		struct kinspect_dwarf_types *types;
		const struct kinspect_memory *mem;
		struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
		if (err)
			return err;
		size_t nr_dirs;
		const char *const *dirs = kinspect_kernel_module_dirs(k, &nr_dirs);
		if ((err = kinspect_module_symbols_create(types, k->vmlinux, kaslr->slide, mem, dirs, nr_dirs,
							  &k->module_symbols)))
			return kinspect_error_wrap(err, "module symbols");
	}
	*ret = k->module_symbols;
	return NULL;
}

struct kinspect_error *kinspect_kernel_module_info(struct kinspect_kernel *k, struct kinspect_module_info **ret)
{
	if (!k->module_info) {
		const struct kinspect_kaslr *kaslr;
		struct kinspect_dwarf_types *types;
		const struct kinspect_memory *mem;
		struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
		if (!err)
			err = kinspect_module_info_create(types, k->vmlinux, kaslr->slide, mem, &k->module_info);
		if (err)
			return err;
	}
	*ret = k->module_info;
	return NULL;
}

struct kinspect_error *kinspect_kernel_tasks(struct kinspect_kernel *k, struct kinspect_tasks **ret)
{
	if (!k->tasks) {
		const struct kinspect_kaslr *kaslr;
		struct kinspect_dwarf_types *types;
		const struct kinspect_memory *mem;
		struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
		if (!err)
			err = kinspect_tasks_create(types, k->vmlinux, kaslr->slide, mem, &k->tasks);
		if (err)
			return err;
	}
	*ret = k->tasks;
	return NULL;
}

struct kinspect_error *kinspect_kernel_unwinder(struct kinspect_kernel *k, struct kinspect_kernel_unwinder **ret)
{
	if (!k->unwinder) {
		const struct kinspect_kaslr *kaslr;
		struct kinspect_dwarf_types *types;
		const struct kinspect_memory *mem;
		struct kinspect_error *err = kinspect_kernel_model(k, &kaslr, &types, &mem);
		if (!err)
			err = kinspect_kernel_unwinder_create(types, k->vmlinux, kaslr->slide, mem, &k->unwinder);
		if (err)
			return err;
	}
	*ret = k->unwinder;
	return NULL;
}

struct kinspect_error *kinspect_kernel_nr_cpus(struct kinspect_kernel *k, unsigned int *ret)
{
	struct kinspect_error *err = kinspect_kernel_open_target(k);
	if (err)
		return err;
	if (k->have_ops)
		return kinspect_kernel_ops_nr_cpus(&k->ops, k->ops_arg, ret);
	*ret = (unsigned int)(k->dump ? kinspect_elf_dump_nr_cpus(k->dump) : kinspect_gdbstub_nr_threads(k->gdbstub));
	return NULL;
}

struct kinspect_error *kinspect_kernel_symbol(struct kinspect_kernel *k, const char *name, uint64_t *ret)
{
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_error *err = kinspect_kernel_vmlinux(k, &vmlinux);
	if (err)
		return err;
	uint64_t addr;
	err = kinspect_vmlinux_symbol(vmlinux, name, &addr, NULL);
	if (err && kinspect_error_code(err) == KINSPECT_ERROR_NOT_FOUND && k->kind != KINSPECT_TARGET_NONE) {
		/* Not in the vmlinux: a symbol of a loaded module (NAME or MODULE:NAME). */
		struct kinspect_module_symbols *ms;
		kinspect_error_destroy(err);
		if ((err = kinspect_kernel_module_symbols(k, &ms)))
			return err;
		struct kinspect_module_symbol sym;
		if ((err = kinspect_module_symbols_lookup(ms, name, &sym)))
			return err;
		*ret = sym.address;
		return NULL;
	}
	if (err)
		return err;
	if (k->kind != KINSPECT_TARGET_NONE) {
		const struct kinspect_kaslr *kaslr;
		if ((err = kinspect_kernel_kaslr_record(k, &kaslr)))
			return err;
		addr = kinspect_kaslr_runtime(kaslr->slide, addr);
	}
	*ret = addr;
	return NULL;
}

void kinspect_kernel_set_ops(struct kinspect_kernel *k, const struct kinspect_target_ops *ops, void *arg)
{
	k->have_ops = true;
	k->ops = *ops;
	k->ops_arg = arg;
	k->kind = KINSPECT_TARGET_CALLBACKS;
}

const struct kinspect_target_ops *kinspect_kernel_ops(const struct kinspect_kernel *k, void **ret_arg)
{
	if (!k->have_ops)
		return NULL;
	*ret_arg = k->ops_arg;
	return &k->ops;
}

struct kinspect_vmlinux_cfi *kinspect_kernel_vmlinux_cfi(struct kinspect_kernel *k)
{
	if (!k->cfi_opened && k->vmlinux) {
		k->cfi_opened = true;
		struct kinspect_error *err = kinspect_vmlinux_cfi_open(kinspect_vmlinux_path(k->vmlinux), &k->cfi);
		if (err) {
			_cleanup_free_ char *msg = kinspect_error_string(err);
			kinspect_debug("no DWARF CFI: %s", msg ? msg : "out of memory");
			kinspect_error_destroy(err);
		}
	}
	return k->cfi;
}
