/* What every kinspect subcommand shares: the global options, the command
 * table entry, and helpers for errors and --help.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KINSPECT_CLI_H
#define KINSPECT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/kernel.h>
#include <kinspect/kinspect.h>

#include "core/json-writer.h"

/* Exit statuses, documented in kinspect(1). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	/* Ended by Ctrl-C (128 + SIGINT, as shells report it). */
	CLI_EXIT_INTERRUPTED = 130,
};

struct cli {
	const char *target;       /* -t: host:port, unix:PATH or a dump file */
	const char *vmlinux_path; /* -k */
	const char **module_dirs; /* -m, in the order given */
	size_t nr_module_dirs;
	bool json;
	/* -x: several commands in one run; JSON output is one line each. */
	const char *script;
	bool batch;
	bool keep_stopped; /* --keep-stopped: leave a live guest stopped */
	const char *qmp;   /* --qmp: QEMU's QMP socket, asked whether the guest runs */
	bool no_cache;     /* --no-cache: no layout cache (KINSPECT_NO_CACHE=1 too) */
	char *cache_dir;   /* where caches and module copies go */
	int timeout_ms;    /* --timeout: bound of every wait on a live target */
	uint64_t max_module_size; /* --max-module-size, in bytes; 0: the default */
	struct kinspect_json json_writer;
	/* Where the running command's JSON goes: stdout, or in -x --json the
	 * buffer that holds it back until the command ends. */
	FILE *json_out;
	int command_depth; /* commands run by commands (iov-iter --folios) */
	/* The session (libkinspect), created on first use, and its vmlinux,
	 * borrowed, set once it is open. */
	struct kinspect_kernel *kernel;
	struct kinspect_vmlinux *vmlinux;
	bool target_open;
};

struct cli_command {
	const char *name;
	const char *synopsis; /* arguments after the command name */
	const char *summary;  /* one line for the command list */
	const char *help;     /* the rest of "kinspect COMMAND --help" */
	int (*run)(struct cli *cli, int argc, char **argv);
	/* Its JSON lines go out as they come (break), even in -x --json. */
	bool streams;
};

extern const struct cli_command cli_command_info;
extern const struct cli_command cli_command_sym;
extern const struct cli_command cli_command_read;
extern const struct cli_command cli_command_lsmod;
extern const struct cli_command cli_command_bt;
extern const struct cli_command cli_command_ps;
extern const struct cli_command cli_command_iov_iter;
extern const struct cli_command cli_command_break;
extern const struct cli_command cli_command_xarray;
extern const struct cli_command cli_command_page;
extern const struct cli_command cli_command_folio;
extern const struct cli_command cli_command_print;
extern const struct cli_command cli_command_gdb_proxy;
extern const struct cli_command cli_command_dmesg;
extern const struct cli_command cli_command_cmdline;
extern const struct cli_command cli_command_cpus;
extern const struct cli_command cli_command_sys;
extern const struct cli_command cli_command_triage;

/* Log ERR, free it and return CLI_EXIT_FAILURE. */
int cli_fail(struct kinspect_error *err);

/* The message of the last cli_fail() (batch mode reports it per command). */
const char *cli_last_error(void);
void cli_clear_last_error(void);
/* The signal that asked a live command to end (0: none), and whether a live
 * guest is open (see main.c). */
extern volatile sig_atomic_t cli_signalled;
extern volatile sig_atomic_t cli_live;
/* Record MSG as the last failure (the log's error hook, usage errors). */
void cli_note_error(const char *msg);

/* The command called NAME, or NULL. */
const struct cli_command *cli_find_command(const char *name);

/* Run one command line already split into words (ARGV[0] is the command
 * name), with its JSON document begun and ended around it. */
int cli_run_command(struct cli *cli, int argc, char **argv);

/* Split LINE into words as a shell would (quotes, backslashes; no
 * expansions) and run each ';'-separated command of it.  Returns the worst
 * exit status. */
int cli_run_line(struct cli *cli, const char *line);

/* Run every line of FILE (NAME for messages): '#' starts a comment.
 * Returns the worst exit status; a command failing does not stop the rest. */
int cli_run_script(struct cli *cli, FILE *file, const char *name);

/* Complain about the command line of CMD and return CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "kinspect COMMAND --help" on stdout. */
void cli_print_help(const struct cli_command *cmd);

/* A command's option: --NAME or -SHORT_NAME sets *VALUE (an on/off flag),
 * or, for one that takes a value (--NAME V, --NAME=V, -S V), points *ARG
 * at it (the last one given wins). */
struct cli_flag {
	int short_name; /* CLI_LONG_ONLY + k for an option with no short name */
	const char *name;
	bool *value;
	const char **arg;
};
#define CLI_FLAGS_MAX 8
#define CLI_LONG_ONLY 256

/* Move the options of a command's ARGV[1..ARGC) (with the values of those
 * that take one, per SHORTOPTS and LONGOPTS as getopt_long reads them) in
 * front of its operands, each group in its own order, so that options may
 * come anywhere, as users type them ("break FUNCTION --count 2").  "--"
 * ends the options and stays last among them; "-" and words such as "-1"
 * (a negative number) are operands.  Returns the number of words before
 * the operands: give getopt_long that as its argc, with a '+' in SHORTOPTS;
 * the operands are ARGV[that..ARGC). */
struct option;
int cli_options_first(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Handle --help and FLAGS (ended by an entry with a NULL name; FLAGS may be
 * NULL), anywhere among the operands (see cli_options_first).  Returns -1
 * when the command should go on with ARGV[*ARGIND..], an exit status
 * otherwise. */
int cli_parse_command_options(const struct cli_command *cmd, int argc, char **argv,
			      const struct cli_flag *flags, int *argind);

/* The start of a command that takes no argument and reads the target:
 * its options (--help) parsed, arguments refused, the session opened on
 * the target.  Returns -1 when the command should go on (cli->kernel is
 * set), an exit status otherwise. */
int cli_begin_target_command(struct cli *cli, const struct cli_command *cmd, int argc, char **argv);

/* The vmlinux given with -k, opened once.  Returns NULL after logging the
 * error when there is none or it cannot be used. */
struct kinspect_vmlinux *cli_vmlinux(struct cli *cli);

/* Open the target given with -t once: a QEMU ELF dump if it names a file,
 * otherwise a gdbstub.  For a gdbstub it also decides what to leave behind
 * (kinspect_kernel_run_state()).  Returns false after logging the error. */
bool cli_open_target(struct cli *cli);

/* The session with its vmlinux open and, with -t, its target open and
 * its KASLR slide found, so that later errors are about what a command
 * asks; NULL after logging. */
struct kinspect_kernel *cli_session(struct cli *cli);

/* The vmlinux's GNU build-id in hex into BUF of SIZE bytes ("" without one). */
void cli_format_build_id(const struct kinspect_vmlinux *vmlinux, char *buf, size_t size);

/* A NULL-ended array of the global -m directories with room for EXTRA
 * more (a command's own -m), the count so far in *RET_NR; the strings are
 * borrowed, the array is the caller's to free.  NULL when out of memory. */
const char **cli_module_dir_list(const struct cli *cli, size_t extra, size_t *ret_nr);

/* The session with its target open (-t is required), its vmlinux open and
 * its KASLR slide found, in that order, for commands about the running
 * kernel; NULL after logging. */
struct kinspect_kernel *cli_target_session(struct cli *cli);

/* Read LEN bytes of the target at ADDR (virtual unless PHYSICAL). */
struct kinspect_error *cli_read(struct cli *cli, uint64_t addr, void *buf, size_t len, bool physical);

/* TEXT as a number if it starts with a digit (0x... for hex) and is one;
 * false otherwise (a name, or a malformed number). */
bool cli_parse_number(const char *text, uint64_t *ret);

/* TEXT as an address: a number (0x... for hex) or a symbol of the vmlinux,
 * with the target's KASLR slide applied, or else (with a target) a symbol
 * of a loaded module, NAME or MODULE:NAME, from its .ko under the module
 * directories.  Returns false after logging. */
bool cli_parse_address(struct cli *cli, const char *text, uint64_t *ret);

/* End the session: the target, then the layout cache saved and the rest. */
void cli_close(struct cli *cli);

/* The directories to search for .ko files (see kinspect_options). */
const char *const *cli_module_dirs(struct cli *cli, size_t *ret_nr);

/* Print LEN bytes of BUF as a hexdump, 16 a line, the first at ADDR. */
void cli_hexdump(uint64_t addr, const uint8_t *buf, size_t len);

/* Write LEN bytes of BUF as a JSON string of hex digits. */
void cli_json_hex(struct kinspect_json *json, const uint8_t *buf, size_t len);

#endif /* KINSPECT_CLI_H */
