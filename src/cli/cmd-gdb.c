/* "kinspect gdb": a gdb session on the guest in one command.  It runs the
 * user's gdb ($GDB, else gdb on PATH) with the vmlinux, gdb's index cache
 * in kinspect's cache directory, kinspect.gdb and the JIT-reader plugin
 * from where "make install" put them (or $KINSPECT_GDB_DATA), and as its
 * target this kinspect's own gdb-proxy (a live guest) or the dump itself
 * (gdb's core target, which reads QEMU ELF dumps written with paging).
 * kinspect execs gdb: Ctrl-C, the terminal and the exit status are gdb's.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kinspect/kernel.h>
#include <kinspect/target.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "cli/gdb-script.h"
#include "core/cleanup.h"

extern const struct cli_command cli_command_gdb;

/* Where "make install" puts gdb's files (Makefile.am). */
#ifndef KINSPECT_GDB_SCRIPT_DIR
#define KINSPECT_GDB_SCRIPT_DIR "/usr/local/share/kinspect"
#endif
#ifndef KINSPECT_GDB_PLUGIN_DIR
#define KINSPECT_GDB_PLUGIN_DIR "/usr/local/lib/gdb"
#endif
#ifndef KINSPECT_GDB_CFI_DIR
#define KINSPECT_GDB_CFI_DIR "/usr/local/lib/kinspect"
#endif

#define GDB_SCRIPT "kinspect.gdb"
#define GDB_PLUGIN "kinspect-unwind.so"
#define GDB_CFI "kinspect-user-mode-cfi.o"

/* A growing argument vector, for gdb's and the proxy's command lines. */
struct words {
	char **v;
	size_t n, cap;
	bool failed;
};

static void words_add(struct words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void words_add(struct words *w, const char *fmt, ...)
{
	if (w->failed)
		return;
	if (w->n + 2 > w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 32;
		char **v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->failed = true;
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&w->v[w->n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		w->failed = true;
		return;
	}
	w->v[++w->n] = NULL;
}

static void words_free(struct words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
}

/* S quoted for /bin/sh, which runs gdb's "target remote | COMMAND" and
 * "shell COMMAND": in single quotes, a quote itself as '\''. */
static char *shell_quote(const char *s)
{
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	char *q = malloc(n), *o = q;
	if (!q)
		return NULL;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* The words of W joined by spaces, each quoted for the shell. */
static char *shell_line(const struct words *w)
{
	size_t len = 1;
	char **quoted = calloc(w->n ? w->n : 1, sizeof(*quoted));
	if (!quoted)
		return NULL;
	bool ok = true;
	for (size_t i = 0; i < w->n && ok; i++) {
		ok = (quoted[i] = shell_quote(w->v[i])) != NULL;
		if (ok)
			len += strlen(quoted[i]) + 1;
	}
	char *line = ok ? malloc(len) : NULL;
	if (line) {
		char *o = line;
		for (size_t i = 0; i < w->n; i++)
			o += sprintf(o, "%s%s", i ? " " : "", quoted[i]);
		*o = '\0';
	}
	for (size_t i = 0; i < w->n; i++)
		free(quoted[i]);
	free(quoted);
	return line;
}

/* The file NAME of gdb's: in $KINSPECT_GDB_DATA when set (a build tree,
 * the tests), else in INSTALLED.  NULL when it is not there. */
static char *gdb_file(const char *name, const char *installed)
{
	const char *data = getenv("KINSPECT_GDB_DATA");
	char *path;
	if (asprintf(&path, "%s/%s", data && *data ? data : installed, name) < 0)
		return NULL;
	if (access(path, R_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* This kinspect, for gdb to start as its proxy and its shell commands: the
 * running executable itself, not whatever "kinspect" PATH finds. */
static char *self_path(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* "kinspect [GLOBAL OPTIONS]" as this run was given them, for the proxy
 * and for the commands run on a dump. */
static void add_kinspect(struct words *w, const char *self, const struct cli *cli)
{
	words_add(w, "%s", self);
	if (cli->no_cache)
		words_add(w, "--no-cache");
	if (cli->timeout_ms != 10000)
		words_add(w, "--timeout=%g", cli->timeout_ms / 1000.0);
	if (cli->max_module_size)
		words_add(w, "--max-module-size=%" PRIu64, cli->max_module_size >> 20);
}

static void add_files(struct words *w, const char *vmlinux, const char *const *dirs, size_t nr_dirs)
{
	words_add(w, "-k");
	words_add(w, "%s", vmlinux);
	for (size_t i = 0; i < nr_dirs; i++) {
		words_add(w, "-m");
		words_add(w, "%s", dirs[i]);
	}
}

/* A script of gdb's in a memory file that gdb sources as /proc/self/fd/N
 * (inherited across exec): the descriptor, or -1 after logging. */
static int memory_script(const char *name, const char *text)
{
	int fd = (int)memfd_create(name, 0);
	size_t len = strlen(text);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		cli_log(CLI_LOG_ERROR, "cannot write gdb's script %s: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* On a dump there is no proxy to answer "monitor": kinspect.gdb's
 * commands run kinspect on the dump file instead, through a memory
 * script.  Returns the descriptor, or -1 after logging. */
static int dump_script(const char *kinspect_line)
{
	_cleanup_free_ char *text = NULL;
	/* Redefining asks for confirmation: off for that, as the user had it after. */
	if (asprintf(&text,
		     "set $kinspect_confirm = $_gdb_setting(\"confirm\")\n"
		     "set confirm off\n"
		     "define kinspect-run\n"
		     "  if $argc == 1\n    shell %1$s $arg0\n  end\n"
		     "  if $argc == 2\n    shell %1$s $arg0 $arg1\n  end\n"
		     "  if $argc == 3\n    shell %1$s $arg0 $arg1 $arg2\n  end\n"
		     "  if $argc == 4\n    shell %1$s $arg0 $arg1 $arg2 $arg3\n  end\n"
		     "end\n"
		     "document kinspect-run\n"
		     "Run a kinspect command (kinspect-run CMD ARGS...) on the dump gdb reads.\n"
		     "end\n"
		     "if $kinspect_confirm\n"
		     "  set confirm on\n"
		     "end\n",
		     kinspect_line) < 0) {
		cli_log(CLI_LOG_ERROR, "out of memory");
		return -1;
	}
	return memory_script("kinspect-gdb-dump", text);
}

/* The per-kernel commands (cmd-gdb-script.c) for the vmlinux of KERNEL,
 * as dump_script() hands them over; -1 after logging. */
static int kernel_script(struct kinspect_kernel *kernel)
{
	struct kinspect_error *err;
	_cleanup_free_ char *text = cli_gdb_script_text(kernel, &err);
	if (!text) {
		cli_fail(err);
		return -1;
	}
	return memory_script("kinspect-gdb-kernel", text);
}

/* gdb sources the per-kernel commands; without them (logged) the
 * session goes on. */
static void add_kernel_script(struct words *w, struct kinspect_kernel *kernel)
{
	int fd = kernel_script(kernel);
	if (fd < 0) {
		cli_log(CLI_LOG_WARNING, "no lx-current or lx-per-cpu in this session");
		return;
	}
	words_add(w, "-ex");
	words_add(w, "source /proc/self/fd/%d", fd);
}

static int run_gdb(struct cli *cli, int argc, char **argv)
{
	const char *target = cli->target, *vmlinux = cli->vmlinux_path;
	size_t nr_dirs = 0;
	_cleanup_free_ const char **dirs = cli_module_dir_list(cli, (size_t)argc, &nr_dirs);
	if (!dirs)
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	/* Our options first; from the first other word on (or after "--"),
	 * everything is gdb's, in order: "-batch -ex CMD" as gdb takes it. */
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		char opt = 0;
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			cli_print_help(&cli_command_gdb);
			return CLI_EXIT_OK;
		}
		static const struct {
			char c;
			const char *name;
		} ours[] = { { 't', "target" }, { 'k', "vmlinux" }, { 'm', "module-dir" } };
		for (size_t o = 0; o < sizeof(ours) / sizeof(ours[0]) && !opt; o++) {
			size_t n = strlen(ours[o].name);
			/* No "-tVALUE": gdb's own -tui and -tty would be ours. */
			if (a[0] == '-' && a[1] == ours[o].c && !a[2]) {
				opt = ours[o].c;
			} else if (strncmp(a, "--", 2) == 0 && strncmp(a + 2, ours[o].name, n) == 0 &&
				   (a[2 + n] == '=' || !a[2 + n])) {
				opt = ours[o].c;
				value = a[2 + n] == '=' ? a + 3 + n : NULL;
			}
		}
		if (!opt)
			break;
		if (!value) {
			if (i + 1 >= argc)
				return cli_usage_error(&cli_command_gdb, "missing value: '%s'", a);
			value = argv[++i];
		}
		if (opt == 't')
			target = value;
		else if (opt == 'k')
			vmlinux = value;
		else
			dirs[nr_dirs++] = value;
	}
	if (!target)
		return cli_usage_error(&cli_command_gdb, "which guest? give -t HOST:PORT (QEMU's gdbstub) or a dump file");
	if (!vmlinux)
		return cli_usage_error(&cli_command_gdb, "gdb needs the kernel's vmlinux: give -k VMLINUX");
	enum kinspect_target_kind kind;
	struct kinspect_error *err = kinspect_target_classify(target, &kind);
	if (err)
		return cli_fail(err);
	_cleanup_free_ char *self = self_path();
	if (!self)
		return cli_fail(kinspect_error_os(errno, "/proc/self/exe", "cannot find this kinspect"));
	const char *gdb = getenv("GDB");
	if (!gdb || !*gdb)
		gdb = "gdb";

	struct words w = { 0 }, k = { 0 };
	words_add(&w, "%s", gdb);
	/* Before the vmlinux is read: gdb's index of its DWARF, kept per
	 * build-id, makes every session after the first start in seconds. */
	if (cli->cache_dir && !cli->no_cache) {
		words_add(&w, "-iex");
		words_add(&w, "set index-cache directory %s/gdb-index", cli->cache_dir);
		words_add(&w, "-iex");
		words_add(&w, "set index-cache enabled on");
	}
	/* The proxy names .ko files on this machine. */
	words_add(&w, "-iex");
	words_add(&w, "set sysroot /");
	_cleanup_free_ char *script = gdb_file(GDB_SCRIPT, KINSPECT_GDB_SCRIPT_DIR);
	_cleanup_free_ char *plugin = gdb_file(GDB_PLUGIN, KINSPECT_GDB_PLUGIN_DIR);
	_cleanup_free_ char *cfi = gdb_file(GDB_CFI, KINSPECT_GDB_CFI_DIR);
	if (script) {
		words_add(&w, "-iex");
		words_add(&w, "source %s", script);
	} else {
		cli_log(CLI_LOG_WARNING, "no %s in %s (KINSPECT_GDB_DATA): no lx- commands", GDB_SCRIPT,
			getenv("KINSPECT_GDB_DATA") ? getenv("KINSPECT_GDB_DATA") : KINSPECT_GDB_SCRIPT_DIR);
	}
	if (plugin) {
		words_add(&w, "-iex");
		words_add(&w, "jit-reader-load %s", plugin);
	} else {
		cli_log(CLI_LOG_WARNING, "no %s in %s (KINSPECT_GDB_DATA): gdb alone unwinds the kernel's stacks",
			GDB_PLUGIN, getenv("KINSPECT_GDB_DATA") ? getenv("KINSPECT_GDB_DATA") : KINSPECT_GDB_PLUGIN_DIR);
	}
	add_kinspect(&k, self, cli);
	int script_fd = -1;
	if (kind == KINSPECT_TARGET_DUMP) {
		/* gdb's core target reads the dump's PT_LOAD segments at their
		 * virtual addresses and each CPU's registers from its
		 * NT_PRSTATUS note; the slide is kinspect's to find. */
		/* The session on this command's -t, -k and -m (it owns the
		 * directory list from here). */
		cli->target = target;
		cli->vmlinux_path = vmlinux;
		free(cli->module_dirs);
		cli->module_dirs = dirs;
		cli->nr_module_dirs = nr_dirs;
		dirs = NULL;
		struct kinspect_kernel *kernel = cli_target_session(cli);
		if (!kernel) {
			words_free(&w);
			words_free(&k);
			return CLI_EXIT_FAILURE;
		}
		bool paging = false, vmcoreinfo;
		const char *format = kinspect_kernel_target_format(kernel);
		err = kinspect_kernel_dump_details(kernel, &paging, &vmcoreinfo);
		bool readable = !err && paging && strncmp(format, "elf", 3) == 0;
		kinspect_error_destroy(err);
		if (!readable) {
			words_free(&w);
			words_free(&k);
			return cli_fail(kinspect_error_create(
				KINSPECT_ERROR_INVALID_ARGUMENT,
				"%s (%s%s): gdb reads only ELF dumps written with paging (QEMU's dump-guest-memory -p, "
				"QMP paging=true), at their virtual addresses; kinspect's own commands read this one",
				target, format, readable || paging ? "" : ", no paging"));
		}
		uint64_t slide;
		const char *method;
		if ((err = kinspect_kernel_kaslr(kernel, &slide, &method))) {
			words_free(&w);
			words_free(&k);
			return cli_fail(err);
		}
		/* symbol-file and add-symbol-file split their arguments as
		 * the shell does; core-file, source and jit-reader-load take
		 * the rest of the line. */
		_cleanup_free_ char *quoted = shell_quote(vmlinux);
		words_add(&w, "-ex");
		words_add(&w, "symbol-file -o 0x%" PRIx64 " %s", slide, quoted ? quoted : vmlinux);
		words_add(&w, "-ex");
		words_add(&w, "core-file %s", target);
		/* Without a proxy to find, the plugin needs these. */
		_cleanup_free_ char *slide_hex = NULL;
		if (asprintf(&slide_hex, "%" PRIx64, slide) < 0 || setenv("KINSPECT_KASLR_SLIDE", slide_hex, 1) != 0 ||
		    setenv("KINSPECT_VMLINUX", vmlinux, 1) != 0) {
			words_free(&w);
			words_free(&k);
			return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
		}
		words_add(&k, "-t");
		words_add(&k, "%s", target);
		add_files(&k, vmlinux, cli->module_dirs, nr_dirs);
		_cleanup_free_ char *line = k.failed ? NULL : shell_line(&k);
		if (line && script && (script_fd = dump_script(line)) >= 0) {
			words_add(&w, "-ex");
			words_add(&w, "source /proc/self/fd/%d", script_fd);
		}
		add_kernel_script(&w, kernel);
	} else {
		words_add(&w, "-iex");
		/* The proxy's first answer comes after it has found the slide
		 * and the modules (gdb waits 2 s by default). */
		words_add(&w, "set remotetimeout 60");
		words_add(&w, "-se");
		words_add(&w, "%s", vmlinux);
		words_add(&k, "gdb-proxy");
		add_files(&k, vmlinux, dirs, nr_dirs);
		words_add(&k, "%s", target);
		_cleanup_free_ char *line = k.failed ? NULL : shell_line(&k);
		words_add(&w, "-ex");
		words_add(&w, "target remote | %s", line ? line : "");
		/* The per-kernel commands need the vmlinux alone: the guest is
		 * the proxy's to reach.  A vmlinux that is not there is gdb's
		 * to report (and the proxy's); one that is there but does not
		 * open is an error here. */
		cli->target = NULL;
		cli->vmlinux_path = vmlinux;
		if (access(vmlinux, R_OK) != 0) {
			cli_log(CLI_LOG_WARNING, "cannot read %s: %s: no lx-current or lx-per-cpu in this session", vmlinux,
				strerror(errno));
		} else {
			struct kinspect_kernel *kernel = cli_session(cli);
			if (!kernel) {
				words_free(&w);
				words_free(&k);
				return CLI_EXIT_FAILURE;
			}
			add_kernel_script(&w, kernel);
		}
	}
	/* A user-mode frame ends the trace cleanly (see the file): the plugin
	 * leaves it to gdb's DWARF unwinder, told so through gdb's
	 * environment.  pipe: add-symbol-file prints its address always. */
	if (plugin && cfi) {
		_cleanup_free_ char *quoted = shell_quote(cfi);
		words_add(&w, "-ex");
		words_add(&w, "pipe add-symbol-file %s 0 | cat >/dev/null", quoted ? quoted : cfi);
		setenv("KINSPECT_USER_MODE_CFI", "1", 1);
	}
	for (; i < argc; i++)
		words_add(&w, "%s", argv[i]);
	if (w.failed || k.failed) {
		words_free(&w);
		words_free(&k);
		return cli_fail(kinspect_error_create(KINSPECT_ERROR_NO_MEMORY, "out of memory"));
	}
	if (cli_log_level() >= CLI_LOG_INFO) {
		for (size_t j = 0; j < w.n; j++)
			fprintf(stderr, "%s%s", j ? " " : "kinspect: running ", w.v[j]);
		fputc('\n', stderr);
	}
	fflush(stdout);
	fflush(stderr);
	execvp(w.v[0], w.v);
	int e = errno;
	err = kinspect_error_os(e, NULL, "cannot run %s (set GDB to gdb's path)", w.v[0]);
	words_free(&w);
	words_free(&k);
	if (script_fd >= 0)
		close(script_fd);
	return cli_fail(err);
}

const struct cli_command cli_command_gdb = {
	.name = "gdb",
	.synopsis = "[-t HOST:PORT|DUMP] [-k VMLINUX] [-m MODDIR]... [--] [GDB-ARGS...]",
	.summary = "Start gdb on the guest: symbols, modules, lx- commands, the unwinder",
	.help = "Runs gdb ($GDB, else gdb on PATH) ready for the kernel, in one command:\n"
		"  - the vmlinux (-k), with gdb's index cache on, in kinspect's cache directory\n"
		"    (gdb-index/; not with --no-cache): sessions after the first start in seconds;\n"
		"  - a live guest (-t HOST:PORT, QEMU's gdbstub): 'target remote | kinspect\n"
		"    gdb-proxy -k VMLINUX -m MODDIR... HOST:PORT' with this kinspect, so the\n"
		"    KASLR slide is applied, every module's symbols load and follow insmod and\n"
		"    rmmod, and 'monitor CMD' runs kinspect commands (see gdb-proxy --help);\n"
		"  - a dump (-t FILE): gdb's core target on it, the vmlinux moved by the slide\n"
		"    kinspect finds; gdb reads ELF dumps written with paging (QEMU's\n"
		"    dump-guest-memory -p) only, and sees no module symbols there;\n"
		"  - kinspect.gdb (lx-lsmod, lx-kaslr, lx-iov-iter, lx-page, lx-folio; on a dump\n"
		"    they run kinspect on the file) and the kinspect-unwind.so JIT reader, with\n"
		"    the CFI that ends a trace at its user-mode frame, from where 'make\n"
		"    install' put them, or from $KINSPECT_GDB_DATA (one directory with\n"
		"    kinspect.gdb, kinspect-unwind.so and kinspect-user-mode-cfi.o);\n"
		"  - Python-free stand-ins for scripts/gdb's functions, each setting the\n"
		"    variable of its name and printing it: lx-current [CPU], lx-per-cpu VAR\n"
		"    [CPU] (written for this vmlinux, see gdb-script --help), lx-task PID,\n"
		"    lx-module NAME, lx-container-of PTR TYPE MEMBER; then 'p $lx_task->comm'.\n"
		"Options (-t, -k and -m also before 'gdb', as global options):\n"
		"  -t, --target TARGET     HOST:PORT or unix:PATH of QEMU's gdbstub, or a dump\n"
		"  -k, --vmlinux FILE      the kernel's vmlinux with DWARF\n"
		"  -m, --module-dir DIR    where the .ko files are (repeatable)\n"
		"Every other word, from the first one that is not one of these (or after\n"
		"'--'), is gdb's, after kinspect's own: 'kinspect gdb -t HOST:PORT -k VMLINUX\n"
		"-batch -ex lx-lsmod' prints the module list and ends, leaving the guest\n"
		"running.  -v shows the gdb command line.\n",
	.run = run_gdb,
};
