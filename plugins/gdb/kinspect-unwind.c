/* kinspect-unwind.so: a gdb JIT-reader plugin, loaded with
 * "jit-reader-load /path/to/kinspect-unwind.so", that unwinds Linux kernel
 * frames with the kernel's ORC tables: through interrupt, exception and
 * syscall entry code (which has no DWARF CFI) and across IRQ stacks.  gdb
 * calls its unwind callback for every frame before its own unwinders; a
 * frame it declines (GDB_FAIL: user code, or anything ORC does not cover)
 * falls through to them.
 *
 * Settings: none when gdb talks to the guest through "target remote |
 * kinspect gdb-proxy -k VMLINUX ...": the plugin finds that proxy among
 * gdb's child processes and takes its vmlinux.  Otherwise (environment of
 * gdb):
 *   KINSPECT_VMLINUX=PATH    the vmlinux with DWARF (without it, and
 *                            without a proxy, the plugin declines every
 *                            frame)
 *   KINSPECT_KASLR_SLIDE=HEX the KASLR slide; found from guest memory
 *                            (linux_banner, as "kinspect info") otherwise
 * The unwinder is libkinspect's (src/linux/stacktrace.c), the same as
 * "kinspect bt"; guest memory is read through gdb (target_read).
 *
 * Ordinary C frames of vmlinux that DWARF CFI describes are left to gdb:
 * its DWARF unwinder also recovers the callee-saved registers (arguments
 * stay visible), which ORC does not track.  The plugin takes the frames
 * only ORC gets right: entry code (pt_regs), IRQ-stack switches, code
 * without CFI, module code (gdb may lack the module's CFI), the end.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <limits.h>
#include <gdb/jit-reader.h>
#include <inttypes.h>
#include <libelf.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kinspect/vmlinux.h>

#include "core/cache-path.h"
#include "core/error-priv.h"
#include "linux/kaslr.h"
#include "linux/stacktrace.h"

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
	struct kinspect_orc_state state; /* registers not used: gdb has them */
	bool user_mode;                  /* a user-mode pt_regs frame: the end */
	/* For gdb's frame id: the caller's stack pointer (the CFA). */
	bool have_cfa;
	uint64_t cfa;
};

static struct {
	bool initialized, disabled;
	struct kinspect_vmlinux *vmlinux;
	struct kinspect_dwarf_types *types;
	uint64_t slide;
	struct kinspect_kernel_unwinder *unwinder;
	struct kinspect_memory mem;
	struct gdb_unwind_callbacks *cb; /* valid during one callback */
	struct cached_frame cache[CACHE_SIZE];
	/* vmlinux's DWARF CFI (.debug_frame), to know what gdb unwinds well. */
	int cfi_fd;
	Elf *cfi_elf;
	Dwarf *cfi_dwarf;
	Dwarf_CFI *cfi;
} plugin = { .cfi_fd = -1 };

static void complain(struct kinspect_error *err, const char *what)
{
	char *msg = kinspect_error_string(err);
	fprintf(stderr, "kinspect-unwind: %s: %s; kernel frames are left to gdb\n", what, msg ? msg : "out of memory");
	free(msg);
	kinspect_error_destroy(err);
}

static struct kinspect_error *read_target(void *ctx, uint64_t addr, void *buf, size_t len)
{
	(void)ctx;
	if (!plugin.cb || plugin.cb->target_read((GDB_CORE_ADDR)addr, buf, (int)len) != GDB_SUCCESS)
		return kinspect_error_fault(addr, "cannot read %zu bytes at 0x%" PRIx64 " through gdb", len, addr);
	return NULL;
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

/* The -k/--vmlinux argument of a "kinspect gdb-proxy" command line
 * (NUL-separated in CMDLINE), made absolute against the process's working
 * directory; NULL if it is not one. */
static char *proxy_vmlinux(long pid, const char *cmdline, size_t len)
{
	const char *arg = cmdline, *end = cmdline + len, *vmlinux = NULL;
	bool is_kinspect = false, is_proxy = false;
	for (bool first = true; arg < end; arg += strlen(arg) + 1, first = false) {
		const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
		if (first)
			is_kinspect = strcmp(base, "kinspect") == 0 || strncmp(base, "lt-kinspect", 11) == 0;
		else if (strcmp(arg, "gdb-proxy") == 0)
			is_proxy = true;
		else if ((strcmp(arg, "-k") == 0 || strcmp(arg, "--vmlinux") == 0) && arg + strlen(arg) + 1 < end)
			vmlinux = arg + strlen(arg) + 1;
		else if (strncmp(arg, "--vmlinux=", 10) == 0)
			vmlinux = arg + 10;
		else if (strncmp(arg, "-k", 2) == 0 && arg[2])
			vmlinux = arg + 2;
	}
	if (!is_kinspect || !is_proxy || !vmlinux)
		return NULL;
	if (vmlinux[0] == '/')
		return strdup(vmlinux);
	char link[64], cwd[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%ld/cwd", pid);
	ssize_t n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return NULL;
	cwd[n] = '\0';
	char *path;
	return asprintf(&path, "%s/%s", cwd, vmlinux) < 0 ? NULL : path;
}

/* The vmlinux of a kinspect gdb-proxy that gdb runs: its child, or its
 * grandchild when gdb started it through "sh -c". */
static char *find_proxy_vmlinux(void)
{
	long self = (long)getpid(), shells[16];
	size_t nr_shells = 0;
	char *found = NULL;
	for (int round = 0; round < 2 && !found; round++) {
		DIR *dir = opendir("/proc");
		if (!dir)
			return NULL;
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
				found = proxy_vmlinux(pid, cmdline, (size_t)n);
			}
		}
		closedir(dir);
	}
	return found;
}

static bool set_up_with(const char *path, bool have_rip, uint64_t rip);

/* Lazy set-up on the first frame: the vmlinux, its DWARF, the slide and
 * the ORC tables.  Failing once disables the plugin for the session. */
static bool set_up(bool have_rip, uint64_t rip)
{
	if (plugin.initialized)
		return !plugin.disabled;
	plugin.initialized = true;
	plugin.disabled = true;
	const char *path = getenv("KINSPECT_VMLINUX");
	char *from_proxy = NULL;
	if (!path || !*path)
		path = from_proxy = find_proxy_vmlinux();
	if (!path) {
		fprintf(stderr, "kinspect-unwind: no kinspect gdb-proxy and no KINSPECT_VMLINUX (the vmlinux "
				"with DWARF); kernel frames are left to gdb\n");
		return false;
	}
	bool ok = set_up_with(path, have_rip, rip);
	free(from_proxy);
	return ok;
}

static bool set_up_with(const char *path, bool have_rip, uint64_t rip)
{
	/* The symbol index cache, where kinspect keeps it (the library reads
	 * no environment: the front end names the directory). */
	char *cache_dir = kinspect_cache_dir_from_environment();
	kinspect_error_destroy(kinspect_cache_set_dir(cache_dir));
	kinspect_cache_set_reuse(kinspect_cache_reuse_from_environment());
	free(cache_dir);
	struct kinspect_error *err = kinspect_vmlinux_open(path, &plugin.vmlinux);
	if (!err)
		err = kinspect_dwarf_types_create(path, &plugin.types);
	if (err) {
		complain(err, "opening the vmlinux");
		return false;
	}
	plugin.mem = (struct kinspect_memory){ .read = read_target };
	const char *slide = getenv("KINSPECT_KASLR_SLIDE");
	if (slide && *slide) {
		char *end;
		plugin.slide = strtoull(slide, &end, 16);
		if (*end) {
			fprintf(stderr, "kinspect-unwind: KINSPECT_KASLR_SLIDE=%s is not a hex number\n", slide);
			return false;
		}
	} else {
		struct kinspect_kaslr kaslr;
		if ((err = kinspect_kaslr_find_memory(&plugin.mem, have_rip, rip, NULL, plugin.vmlinux, &kaslr))) {
			complain(err, "finding the KASLR slide");
			return false;
		}
		plugin.slide = kaslr.slide;
	}
	plugin.cfi_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (plugin.cfi_fd >= 0 && (plugin.cfi_elf = elf_begin(plugin.cfi_fd, ELF_C_READ_MMAP, NULL)) &&
	    (plugin.cfi_dwarf = dwarf_begin_elf(plugin.cfi_elf, DWARF_C_READ, NULL)))
		plugin.cfi = dwarf_getcfi(plugin.cfi_dwarf); /* .debug_frame */
	if ((err = kinspect_kernel_unwinder_create(plugin.types, plugin.vmlinux, plugin.slide, &plugin.mem,
						   &plugin.unwinder))) {
		complain(err, "loading ORC data");
		return false;
	}
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

/* Whether gdb's DWARF unwinder does as well as ORC for the frame at IP:
 * a plain call frame of vmlinux code that .debug_frame covers. */
static bool gdb_unwinds_well(uint64_t ip, bool signal, const struct kinspect_orc_step *step)
{
	if (!plugin.cfi || step->kind != KINSPECT_ORC_FRAME_CALL || step->entry.type != KINSPECT_ORC_TYPE_CALL ||
	    (step->entry.sp_reg != KINSPECT_ORC_REG_SP && step->entry.sp_reg != KINSPECT_ORC_REG_BP))
		return false;
	uint64_t link = kinspect_kaslr_link(plugin.slide, signal ? ip : ip - 1);
	if (link == (signal ? ip : ip - 1) && plugin.slide)
		return false; /* not in the kernel image: a module */
	Dwarf_Frame *frame;
	if (dwarf_cfi_addrframe(plugin.cfi, link, &frame) != 0)
		return false;
	free(frame);
	return true;
}

/* Unwind the frame whose registers CB gives, into *RET; the caller's
 * registers in *RET_STATE.  False if the plugin does not cover the frame. */
static bool unwind(struct gdb_unwind_callbacks *cb, struct kinspect_orc_state *ret_state, bool *ret_end,
		   bool *ret_user_end)
{
	uint64_t ip, sp;
	*ret_end = *ret_user_end = false;
	if (!get_reg(cb, KINSPECT_X86_64_RIP, &ip) || !get_reg(cb, KINSPECT_X86_64_RSP, &sp))
		return false;
	if (!set_up(true, ip))
		return false;
	struct kinspect_orc_state state;
	memset(&state, 0, sizeof(state));
	struct cached_frame *known = cache_find(ip, sp);
	if (known) {
		if (known->user_mode) {
			/* The user-mode side of a syscall or interrupt entry. */
			*ret_user_end = true;
			ret_state->regs.value[KINSPECT_X86_64_RSP] = sp + 8;
			return true;
		}
		state = known->state;
	} else {
		/* A frame the plugin did not produce: the innermost one, where
		 * the CPU stopped, so its IP is exact. */
		state.signal = true;
	}
	for (int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++) {
		uint64_t value;
		if (get_reg(cb, reg, &value))
			kinspect_x86_64_regs_set(&state.regs, (unsigned int)reg, value);
	}
	bool signal = state.signal;
	struct kinspect_orc_step step;
	enum kinspect_orc_step_result result;
	struct kinspect_error *err =
		kinspect_orc_unwind_step(kinspect_kernel_unwinder_orc(plugin.unwinder), &state, &step, &result);
	if (err) {
		kinspect_error_destroy(err);
		return false;
	}
	struct cached_frame *self = cache_slot(ip, sp);
	if (self != known)
		*self = (struct cached_frame){ .used = true, .ip = ip, .sp = sp, .state = { .signal = signal } };
	if (result == KINSPECT_ORC_STEP_END) {
		*ret_end = true;
		ret_state->regs.value[KINSPECT_X86_64_RSP] = sp + 8;
		return true;
	}
	uint64_t new_ip = state.regs.value[KINSPECT_X86_64_RIP], new_sp = state.regs.value[KINSPECT_X86_64_RSP];
	/* gdb stops at a frame whose id lies below the one before it
	 * ("previous frame inner to this frame"): across an entry frame the
	 * caller's stack pointer is on another stack (the task's, or user
	 * space), so the entry frame's id is the end of its pt_regs, on the
	 * stack it is on. */
	self->have_cfa = true;
	self->cfa = new_sp;
	if (step.kind == KINSPECT_ORC_FRAME_PT_REGS || step.kind == KINSPECT_ORC_FRAME_IRET)
		self->cfa = step.pt_regs + kinspect_kernel_unwinder_orc(plugin.unwinder)->pt_regs->size;
	/* Remembered even when gdb unwinds this frame itself: it finds the
	 * same caller, and the next call needs to know how to look it up. */
	struct cached_frame *caller = cache_slot(new_ip, new_sp);
	*caller = (struct cached_frame){ .used = true, .ip = new_ip, .sp = new_sp, .state = state,
					 .user_mode = step.user_mode, .have_cfa = step.user_mode,
					 .cfa = self->cfa + 16 };
	if (gdb_unwinds_well(ip, signal, &step))
		return false;
	*ret_state = state;
	return true;
}

static enum gdb_status unwind_frame(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	(void)self;
	plugin.cb = cb;
	struct kinspect_orc_state state;
	bool end, user_end;
	bool ok = unwind(cb, &state, &end, &user_end);
	plugin.cb = NULL;
	if (!ok)
		return GDB_FAIL;
	if (end || user_end) {
		/* The outermost kernel frame.  gdb ignores "defined" in
		 * reg_set, but it never unwinds past a frame whose pc is 0
		 * (one above this one, so it is not "inner"). */
		set_reg(cb, KINSPECT_X86_64_RIP, 0);
		set_reg(cb, KINSPECT_X86_64_RSP, state.regs.value[KINSPECT_X86_64_RSP]);
		return GDB_SUCCESS;
	}
	for (int reg = 0; reg < KINSPECT_X86_64_NR_REGS; reg++) {
		uint64_t value;
		/* Registers not set stay unknown to gdb ("<not saved>"). */
		if (kinspect_x86_64_regs_get(&state.regs, (unsigned int)reg, &value))
			set_reg(cb, reg, value);
	}
	return GDB_SUCCESS;
}

static struct gdb_frame_id get_frame_id(struct gdb_reader_funcs *self, struct gdb_unwind_callbacks *cb)
{
	(void)self;
	struct gdb_frame_id id = { 0, 0 };
	uint64_t ip = 0, sp = 0;
	plugin.cb = cb;
	if (get_reg(cb, KINSPECT_X86_64_RIP, &ip) && get_reg(cb, KINSPECT_X86_64_RSP, &sp)) {
		struct cached_frame *c = cache_find(ip, sp);
		id.stack_address = c && c->have_cfa ? c->cfa : sp;
		/* The function's first instruction keeps the id stable while
		 * the pc moves within the function. */
		id.code_address = ip;
		const char *name;
		uint64_t offset;
		if (plugin.vmlinux && !plugin.disabled) {
			bool exact = c ? c->state.signal : true;
			uint64_t lookup = exact ? ip : ip - 1;
			struct kinspect_error *err = kinspect_vmlinux_symbolize(
				plugin.vmlinux, kinspect_kaslr_link(plugin.slide, lookup), &name, &offset);
			if (!err)
				id.code_address = lookup - offset;
			kinspect_error_destroy(err);
		}
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
	kinspect_kernel_unwinder_destroy(plugin.unwinder);
	kinspect_dwarf_types_destroy(plugin.types);
	kinspect_vmlinux_destroy(plugin.vmlinux);
	if (plugin.cfi_dwarf)
		dwarf_end(plugin.cfi_dwarf); /* frees the CFI too */
	if (plugin.cfi_elf)
		elf_end(plugin.cfi_elf);
	if (plugin.cfi_fd >= 0)
		close(plugin.cfi_fd);
	memset(&plugin, 0, sizeof(plugin));
	plugin.cfi_fd = -1;
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
