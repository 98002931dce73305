/* kinspect-unwind.so: a gdb JIT-reader plugin, loaded with
 * "jit-reader-load /path/to/kinspect-unwind.so", that unwinds Linux kernel
 * frames with the kernel's ORC tables: through interrupt, exception and
 * syscall entry code (which has no DWARF CFI) and across IRQ stacks.  gdb
 * calls its unwind callback for every frame before its own unwinders; a
 * frame it declines (GDB_FAIL: user code, or anything ORC does not cover)
 * falls through to them.
 *
 * Settings: none when gdb talks to the guest through "target remote |
 * kinspect gdb-proxy -k VMLINUX -m MODDIR ..." ("kinspect gdb" does): the
 * plugin finds that proxy among gdb's child processes and takes its
 * vmlinux and module directories.  Otherwise (environment of gdb):
 *   KINSPECT_VMLINUX=PATH    the vmlinux with DWARF (without it, and
 *                            without a proxy, the plugin declines every
 *                            frame)
 *   KINSPECT_KASLR_SLIDE=HEX the KASLR slide; found from guest memory
 *                            (linux_banner, as "kinspect info") otherwise
 *   KINSPECT_USER_MODE_CFI=1 gdb has kinspect-user-mode-cfi.o ("kinspect
 *                            gdb" loads it): user-mode frames are left to
 *                            gdb's DWARF unwinder, which ends the trace there
 * and the cache directory as kinspect's (XDG_CACHE_HOME, HOME,
 * KINSPECT_NO_CACHE).  The plugin is a front end of libkinspect's public
 * API only: a session whose target is gdb (guest memory through
 * target_read, the registers of the frame gdb asks about), and
 * kinspect_kernel_unwind_step(), the unwinder of "kinspect bt".
 *
 * Ordinary C frames that DWARF CFI describes are left to gdb: those of
 * vmlinux, and those of modules whose .ko gdb has (the proxy's libraries:
 * the plugin's session finds the same files under the same directories).
 * gdb's DWARF unwinder also recovers the callee-saved registers (arguments
 * stay visible), which ORC does not track.  The plugin takes the frames
 * only ORC gets right: entry code (pt_regs), IRQ-stack switches, code
 * without CFI, module code gdb has no .ko for, and the end of the stack.
 * A JIT reader cannot mark a frame as gdb's outermost: the last frame's
 * caller has pc 0 (gdb shows it, and goes no further), unless gdb has the
 * user-mode CFI, which ends a trace at its user-mode frame.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdb/jit-reader.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kinspect/error.h>
#include <kinspect/kernel.h>
#include <kinspect/stack.h>
#include <kinspect/symbol.h>

#include "cli/cache-environment.h"

/* gdb refuses readers that do not declare this. */
GDB_DECLARE_GPL_COMPATIBLE_READER

/* What the plugin learnt about frames it unwound, by (ip, sp): gdb asks
 * frame by frame and passes only registers, but the ORC rules need to know
 * whether a frame's IP is a return address or an interrupted instruction,
 * and which pt_regs the frame came from. */
#define CACHE_SIZE 1024

struct cached_frame {
	bool used;
	uint64_t ip, sp;
	struct kinspect_unwind_frame frame; /* registers not used: gdb has them */
	bool user_mode;                     /* a user-mode pt_regs frame: the end */
	bool after_end; /* the pc 0 "caller" the plugin gave the last frame */
	/* For gdb's frame id: the caller's stack pointer (the CFA). */
	bool have_cfa;
	uint64_t cfa;
};

static struct {
	bool initialized, disabled;
	struct kinspect_kernel *kernel;
	unsigned int pc, sp, nr_regs; /* DWARF numbers, as gdb's callbacks take them */
	bool have_slide;
	uint64_t slide; /* KINSPECT_KASLR_SLIDE */
	/* gdb has the .ko files of the plugin's session as libraries (it
	 * talks through kinspect gdb-proxy): their frames with CFI are gdb's. */
	bool gdb_has_modules;
	/* gdb has kinspect's user-mode CFI (KINSPECT_USER_MODE_CFI, set by
	 * "kinspect gdb"): its DWARF unwinder ends the trace at a user-mode
	 * frame. */
	bool user_mode_cfi;
	char *cache_dir;
	struct gdb_unwind_callbacks *cb; /* valid during one callback */
	struct cached_frame cache[CACHE_SIZE];
} plugin;

static void complain(struct kinspect_error *err, const char *what)
{
	char *msg = kinspect_error_string(err);
	fprintf(stderr, "kinspect-unwind: %s: %s; kernel frames are left to gdb\n", what, msg ? msg : "out of memory");
	free(msg);
	kinspect_error_destroy(err);
}

/* The register REGNUM (DWARF number) of the frame gdb asks about. */
static bool get_reg(struct gdb_unwind_callbacks *cb, int regnum, uint64_t *ret)
{
	struct gdb_reg_value *value = cb->reg_get(cb, regnum);
	if (!value)
		return false;
	bool ok = value->defined && value->size >= 1 && value->size <= 8;
	if (ok) {
		*ret = 0;
		memcpy(ret, value->value, (size_t)value->size);
	}
	if (value->free)
		value->free(value);
	return ok;
}

static void free_reg(struct gdb_reg_value *value)
{
	free(value);
}

static void set_reg(struct gdb_unwind_callbacks *cb, int regnum, uint64_t v)
{
	struct gdb_reg_value *value = malloc(sizeof(*value) + 8);
	if (!value)
		return;
	value->size = 8;
	value->defined = 1;
	value->free = free_reg;
	memcpy(value->value, &v, 8);
	cb->reg_set(cb, regnum, value);
}

/* Process PID's parent, from /proc/PID/stat ("pid (comm) state ppid"). */
static long parent_of(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	long ppid;
	return p && sscanf(p + 1, " %*c %ld", &ppid) == 1 ? ppid : -1;
}

/* PATH made absolute against the working directory of process PID. */
static char *absolute_in(long pid, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char link[64], cwd[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%ld/cwd", pid);
	ssize_t n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return NULL;
	cwd[n] = '\0';
	char *abs;
	return asprintf(&abs, "%s/%s", cwd, path) < 0 ? NULL : abs;
}

/* What the plugin takes from a kinspect gdb-proxy that gdb runs: its
 * vmlinux and its module directories (those whose .ko files gdb has as
 * libraries), absolute. */
#define PROXY_DIRS_MAX 32
struct proxy_args {
	char *vmlinux;
	char *dirs[PROXY_DIRS_MAX];
	size_t nr_dirs;
};

static void proxy_args_free(struct proxy_args *a)
{
	free(a->vmlinux);
	for (size_t i = 0; i < a->nr_dirs; i++)
		free(a->dirs[i]);
	memset(a, 0, sizeof(*a));
}

/* The option value ARG names for -X/--LONG (its own "-XVALUE" or
 * "--LONG=VALUE", or NEXT), or NULL when ARG is not that option. */
static const char *option_value(const char *arg, const char *next, char x, const char *name)
{
	size_t len = strlen(name);
	if (arg[0] == '-' && arg[1] == x)
		return arg[2] ? arg + 2 : next;
	if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, name, len) == 0) {
		if (arg[2 + len] == '=')
			return arg + 3 + len;
		if (!arg[2 + len])
			return next;
	}
	return NULL;
}

/* The -k and -m arguments of a "kinspect gdb-proxy" command line of
 * process PID (NUL-separated in CMDLINE) in *RET; false if it is not one. */
static bool proxy_command_line(long pid, const char *cmdline, size_t len, struct proxy_args *ret)
{
	const char *arg = cmdline, *end = cmdline + len, *vmlinux = NULL, *dirs[PROXY_DIRS_MAX];
	size_t nr_dirs = 0;
	bool is_kinspect = false, is_proxy = false;
	for (bool first = true; arg < end; arg += strlen(arg) + 1, first = false) {
		const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
		const char *next = arg + strlen(arg) + 1 < end ? arg + strlen(arg) + 1 : NULL, *v;
		if (first)
			is_kinspect = strcmp(base, "kinspect") == 0 || strncmp(base, "lt-kinspect", 11) == 0;
		else if (strcmp(arg, "gdb-proxy") == 0)
			is_proxy = true;
		else if ((v = option_value(arg, next, 'k', "vmlinux")))
			vmlinux = v;
		else if ((v = option_value(arg, next, 'm', "module-dir")) && nr_dirs < PROXY_DIRS_MAX)
			dirs[nr_dirs++] = v;
	}
	if (!is_kinspect || !is_proxy || !vmlinux)
		return false;
	memset(ret, 0, sizeof(*ret));
	if (!(ret->vmlinux = absolute_in(pid, vmlinux)))
		return false;
	for (size_t i = 0; i < nr_dirs; i++) {
		if ((ret->dirs[ret->nr_dirs] = absolute_in(pid, dirs[i])))
			ret->nr_dirs++;
	}
	return true;
}

/* The arguments of a kinspect gdb-proxy that gdb runs: its child, or its
 * grandchild when gdb started it through "sh -c". */
static bool find_proxy(struct proxy_args *ret)
{
	long self = (long)getpid(), shells[16];
	size_t nr_shells = 0;
	bool found = false;
	for (int round = 0; round < 2 && !found; round++) {
		DIR *dir = opendir("/proc");
		if (!dir)
			return false;
		struct dirent *e;
		while (!found && (e = readdir(dir))) {
			if (!isdigit((unsigned char)e->d_name[0]))
				continue;
			long pid = strtol(e->d_name, NULL, 10), ppid = parent_of(pid);
			bool child = ppid == self, grandchild = false;
			for (size_t i = 0; round == 1 && i < nr_shells; i++)
				grandchild |= ppid == shells[i];
			if (!child && !grandchild)
				continue;
			if (round == 0 && nr_shells < sizeof(shells) / sizeof(shells[0]))
				shells[nr_shells++] = pid;
			char path[64], cmdline[4096];
			snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, cmdline, sizeof(cmdline) - 1);
			close(fd);
			if (n > 0) {
				cmdline[n] = '\0';
				found = proxy_command_line(pid, cmdline, (size_t)n, ret);
			}
		}
		closedir(dir);
	}
	return found;
}

/* ---- the session's target: gdb ------------------------------------------ */

static int read_memory(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	if (!plugin.cb || len > INT_MAX || plugin.cb->target_read((GDB_CORE_ADDR)addr, buf, (int)len) != GDB_SUCCESS)
		return EFAULT;
	return 0;
}

/* The frame gdb asks about stands for "CPU 0": its pc narrows the KASLR
 * search on the first frame. */
static int read_register(void *arg, unsigned int cpu, unsigned int regnum, uint64_t *ret)
{
	(void)arg;
	return cpu == 0 && plugin.cb && get_reg(plugin.cb, (int)regnum, ret) ? 0 : -1;
}

static bool kaslr_slide(void *arg, uint64_t *ret)
{
	(void)arg;
	*ret = plugin.slide;
	return plugin.have_slide;
}

static const struct kinspect_target_ops target_ops = {
	.size = sizeof(struct kinspect_target_ops),
	.read = read_memory,
	.read_register = read_register,
	.kaslr_slide = kaslr_slide,
};

static bool set_up_with(const char *path, const struct proxy_args *proxy);

/* Lazy set-up on the first frame (within a callback: it reads the
 * guest): the session on the vmlinux, the slide and the ORC tables.
 * Failing once disables the plugin for the session. */
static bool set_up(void)
{
	if (plugin.initialized)
		return !plugin.disabled;
	plugin.initialized = true;
	plugin.disabled = true;
	struct proxy_args proxy;
	bool have_proxy = find_proxy(&proxy);
	const char *path = getenv("KINSPECT_VMLINUX");
	if ((!path || !*path) && have_proxy)
		path = proxy.vmlinux;
	bool ok = false;
	if (!path || !*path)
		fprintf(stderr, "kinspect-unwind: no kinspect gdb-proxy and no KINSPECT_VMLINUX (the vmlinux "
				"with DWARF); kernel frames are left to gdb\n");
	else
		ok = set_up_with(path, have_proxy ? &proxy : NULL);
	if (have_proxy)
		proxy_args_free(&proxy);
	return ok;
}

static bool set_up_with(const char *path, const struct proxy_args *proxy)
{
	const char *slide = getenv("KINSPECT_KASLR_SLIDE");
	if (slide && *slide) {
		char *end;
		errno = 0;
		plugin.slide = strtoull(slide, &end, 16);
		if (*end || errno) {
			fprintf(stderr, "kinspect-unwind: KINSPECT_KASLR_SLIDE=%s is not a hex number\n", slide);
			return false;
		}
		plugin.have_slide = true;
	}
	struct kinspect_options options;
	kinspect_options_init(&options);
	options.vmlinux = path;
	/* Through the proxy gdb has the .ko files it finds under these
	 * directories: module frames whose CFI gdb has are gdb's.  A proxy
	 * given none serves no libraries (kinspect/gdb-proxy.h). */
	plugin.gdb_has_modules = proxy && proxy->nr_dirs;
	if (proxy) {
		options.module_dirs = (const char *const *)proxy->dirs;
		options.nr_module_dirs = proxy->nr_dirs;
	}
	/* The layouts and symbol indexes where kinspect keeps them (the
	 * library reads no environment: the front end names the directory). */
	options.cache_dir = plugin.cache_dir = cli_cache_dir_from_environment();
	if (!cli_cache_reuse_from_environment())
		options.flags |= KINSPECT_NO_DERIVED_CACHES;
	struct kinspect_error *err = kinspect_kernel_open_ops(&target_ops, NULL, &options, &plugin.kernel);
	if (err) {
		complain(err, "opening the vmlinux");
		return false;
	}
	uint64_t found;
	const char *method;
	if ((err = kinspect_kernel_kaslr(plugin.kernel, &found, &method))) {
		complain(err, "finding the KASLR slide");
		return false;
	}
	if ((err = kinspect_kernel_unwind_prepare(plugin.kernel))) {
		complain(err, "loading ORC data");
		return false;
	}
	if ((err = kinspect_kernel_register_number(plugin.kernel, "pc", &plugin.pc)) ||
	    (err = kinspect_kernel_register_number(plugin.kernel, "sp", &plugin.sp))) {
		complain(err, "the registers");
		return false;
	}
	plugin.nr_regs = kinspect_kernel_nr_registers(plugin.kernel);
	const char *cfi = getenv("KINSPECT_USER_MODE_CFI");
	plugin.user_mode_cfi = cfi && *cfi && strcmp(cfi, "0") != 0;
	plugin.disabled = false;
	return true;
}

static struct cached_frame *cache_slot(uint64_t ip, uint64_t sp)
{
	uint64_t h = (ip * 0x9e3779b97f4a7c15ULL) ^ (sp * 0xc2b2ae3d27d4eb4fULL);
	return &plugin.cache[(h >> 20) % CACHE_SIZE];
}

static struct cached_frame *cache_find(uint64_t ip, uint64_t sp)
{
	struct cached_frame *c = cache_slot(ip, sp);
	return c->used && c->ip == ip && c->sp == sp ? c : NULL;
}

/* Whether gdb has the CFI the library found for the frame at IP (EXACT
 * or a return address): the vmlinux's always, a module's only when gdb
 * has the module's .ko (through the proxy). */
static bool gdb_has_cfi(uint64_t ip, bool exact)
{
	if (plugin.gdb_has_modules)
		return true;
	struct kinspect_symbol sym;
	struct kinspect_error *err = kinspect_kernel_symbolize(plugin.kernel, exact ? ip : ip - 1, &sym);
	bool in_vmlinux = !err && !sym.module;
	kinspect_error_destroy(err);
	return in_vmlinux;
}

/* The stack address of the frame id of C, at SP. */
static uint64_t id_stack(const struct cached_frame *c, uint64_t sp)
{
	return c && c->have_cfa ? c->cfa : sp;
}

/* The stack ends at frame C (at SP): its "caller" in *RET is a frame of pc
 * 0, which gdb shows and never unwinds past.  gdb still checks that
 * frame's own caller when it explains why the trace ended: that frame's
 * id lies above C's and it unwinds to another such frame, so that gdb
 * finds nothing wrong ("previous frame inner to this frame (corrupt
 * stack?)" otherwise). */
static void end_at(const struct cached_frame *c, uint64_t sp, struct kinspect_unwind_frame *ret)
{
	uint64_t above = id_stack(c, sp) + 16;
	ret->regs.value[plugin.sp] = sp + 8;
	struct cached_frame *next = cache_slot(0, sp + 8);
	*next = (struct cached_frame){ .used = true, .ip = 0, .sp = sp + 8, .after_end = true,
				       .have_cfa = true, .cfa = above };
}

/* Unwind the frame whose registers CB gives: the caller in *RET, or the
 * end of the kernel stack (*RET_END, with only RET's sp set).  False if
 * the plugin does not cover the frame. */
static bool unwind(struct gdb_unwind_callbacks *cb, struct kinspect_unwind_frame *ret, bool *ret_end)
{
	uint64_t ip, sp;
	*ret_end = false;
	if (!set_up() || !get_reg(cb, (int)plugin.pc, &ip) || !get_reg(cb, (int)plugin.sp, &sp))
		return false;
	struct kinspect_unwind_frame in;
	memset(&in, 0, sizeof(in));
	struct cached_frame *known = cache_find(ip, sp);
	if (known && known->user_mode && plugin.user_mode_cfi)
		return false; /* the user-mode side of an entry: gdb's DWARF unwinder ends there */
	if (known && (known->user_mode || known->after_end)) {
		*ret_end = true;
		end_at(known, sp, ret);
		return true;
	}
	if (known) {
		in = known->frame;
	} else {
		/* A frame the plugin did not produce: the innermost one, where
		 * the CPU stopped, so its IP is exact. */
		in.exact_pc = true;
	}
	/* What gdb knows of the frame's registers, its DWARF unwinder's
	 * recoveries included. */
	in.regs.valid = 0;
	for (unsigned int reg = 0; reg < plugin.nr_regs && reg < KINSPECT_REGS_MAX; reg++) {
		if (get_reg(cb, (int)reg, &in.regs.value[reg]))
			in.regs.valid |= 1ull << reg;
	}
	bool exact = in.exact_pc;
	struct kinspect_unwind_frame caller;
	struct kinspect_unwind_info info;
	struct kinspect_error *err = kinspect_kernel_unwind_step(plugin.kernel, &in, &caller, &info);
	if (err) {
		kinspect_error_destroy(err);
		return false;
	}
	struct cached_frame *self = cache_slot(ip, sp);
	if (self != known)
		*self = (struct cached_frame){ .used = true, .ip = ip, .sp = sp, .frame = { .exact_pc = exact } };
	if (info.end) {
		*ret_end = true;
		end_at(self, sp, ret);
		return true;
	}
	uint64_t new_ip = caller.regs.value[plugin.pc], new_sp = caller.regs.value[plugin.sp];
	/* gdb stops at a frame whose id lies below the one before it
	 * ("previous frame inner to this frame"): across an entry frame the
	 * caller's stack pointer is on another stack (the task's, or user
	 * space), so the entry frame's id is the end of its pt_regs, on the
	 * stack it is on (the step's CFA). */
	self->have_cfa = true;
	self->cfa = info.cfa;
	/* Remembered even when gdb unwinds this frame itself: it finds the
	 * same caller, and the next call needs to know how to look it up. */
	struct cached_frame *next = cache_slot(new_ip, new_sp);
	*next = (struct cached_frame){ .used = true, .ip = new_ip, .sp = new_sp, .frame = caller,
				       .user_mode = info.user_mode, .have_cfa = info.user_mode, .cfa = self->cfa + 16 };
	if (info.dwarf_cfi && gdb_has_cfi(ip, exact))
		return false; /* gdb's DWARF unwinder does as well, and more */
	*ret = caller;
	return true;
}

static enum gdb_status unwind_frame(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	(void)self;
	plugin.cb = cb;
	struct kinspect_unwind_frame caller;
	memset(&caller, 0, sizeof(caller));
	bool end;
	bool ok = unwind(cb, &caller, &end);
	plugin.cb = NULL;
	if (!ok)
		return GDB_FAIL;
	if (end) {
		/* The outermost kernel frame (see end_at()).  gdb ignores
		 * "defined" in reg_set: a pc of 0 is how a JIT reader ends a
		 * trace (it cannot give gdb's "outermost" frame id). */
		set_reg(cb, (int)plugin.pc, 0);
		set_reg(cb, (int)plugin.sp, caller.regs.value[plugin.sp]);
		return GDB_SUCCESS;
	}
	for (unsigned int reg = 0; reg < plugin.nr_regs && reg < KINSPECT_REGS_MAX; reg++) {
		/* Registers not set stay unknown to gdb ("<not saved>"). */
		if (caller.regs.valid & (1ull << reg))
			set_reg(cb, (int)reg, caller.regs.value[reg]);
	}
	return GDB_SUCCESS;
}

static struct gdb_frame_id get_frame_id(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	(void)self;
	struct gdb_frame_id id = { 0, 0 };
	uint64_t ip = 0, sp = 0;
	plugin.cb = cb;
	if (set_up() && get_reg(cb, (int)plugin.pc, &ip) && get_reg(cb, (int)plugin.sp, &sp)) {
		struct cached_frame *c = cache_find(ip, sp);
		id.stack_address = id_stack(c, sp);
		/* The function's first instruction keeps the id stable while
		 * the pc moves within the function. */
		id.code_address = ip;
		bool exact = c ? c->frame.exact_pc : true;
		uint64_t lookup = exact ? ip : ip - 1;
		struct kinspect_symbol sym;
		struct kinspect_error *err = kinspect_kernel_symbolize(plugin.kernel, lookup, &sym);
		if (!err)
			id.code_address = lookup - sym.offset;
		kinspect_error_destroy(err);
	}
	plugin.cb = NULL;
	return id;
}

/* The reader is for kernel frames, not for JIT-compiled code: there is no
 * in-target JIT descriptor, so gdb never hands it debug info to read. */
static enum gdb_status read_debug_info(struct gdb_reader_funcs *self, struct gdb_symbol_callbacks *cb,
				       void *memory, long memory_sz)
{
	(void)self;
	(void)cb;
	(void)memory;
	(void)memory_sz;
	return GDB_FAIL;
}

static void destroy_reader(struct gdb_reader_funcs *self)
{
	(void)self;
	kinspect_kernel_destroy(plugin.kernel);
	free(plugin.cache_dir);
	memset(&plugin, 0, sizeof(plugin));
}

static struct gdb_reader_funcs reader_funcs = {
	.reader_version = GDB_READER_INTERFACE_VERSION,
	.priv_data = NULL,
	.read = read_debug_info,
	.unwind = unwind_frame,
	.get_frame_id = get_frame_id,
	.destroy = destroy_reader,
};

__attribute__((visibility("default"))) struct gdb_reader_funcs *gdb_init_reader(void)
{
	return &reader_funcs;
}
