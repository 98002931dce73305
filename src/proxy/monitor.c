/* kinspect commands behind gdb's "monitor" (see monitor.h).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "proxy/monitor.h"
#include "target/rsp.h"

struct kinspect_error *proxy_monitor_decode(const char *packet, size_t len, char **ret)
{
	/* "qRcmd," then the command in hex */
	const char *hex = packet + 6;
	size_t hex_len = len - 6;
	_cleanup_free_ char *line = malloc(hex_len / 2 + 1);
	if (!line)
		return &kinspect_error_nomem;
	if (!kinspect_rsp_hex_decode(hex, hex_len, line))
		return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "qRcmd: command is not hex");
	line[hex_len / 2] = '\0';
	if (strlen(line) != hex_len / 2)
		return kinspect_error_create(KINSPECT_ERROR_PROTOCOL, "qRcmd: NUL byte in the command");
	*ret = no_cleanup_ptr(line);
	return NULL;
}

/* What "monitor" may run: commands that only read the stopped guest, each
 * with its own options and nothing else.  Not "break" (it resumes the guest
 * behind gdb's back), not "gdb-proxy" (a second proxy, listening), and no
 * global option: -x, -t, -k and -m open host files with the proxy user's
 * rights, for whoever reaches the proxy.  The command runs on the proxy's
 * own session (its vmlinux, module directories and QEMU connection), and
 * the words go to the command alone, never to the global option parser. */
struct allowed_option {
	const char *name;
	bool takes_value; /* "--cpu N": the next word is its value */
};

struct allowed_command {
	const char *name;
	const struct allowed_option *options; /* ended by a NULL name */
};

static const struct allowed_option no_options[] = { { NULL, false } };
static const struct allowed_option read_options[] = { { "-p", false }, { "--phys", false }, { NULL, false } };
static const struct allowed_option lsmod_options[] = {
	{ "-r", false }, { "--regions", false }, { "-s", false }, { "--sections", false }, { NULL, false },
};
static const struct allowed_option bt_options[] = {
	{ "-a", false },     { "--all", false },  { "-l", false },	  { "--lines", false },
	{ "--cpu", true },   { "--task", true },  { "--cpu=", false }, { "--task=", false },
	{ NULL, false },
};
static const struct allowed_option iov_iter_options[] = { { "-f", false }, { "--folios", false }, { NULL, false } };
static const struct allowed_option page_options[] = {
	{ "--walk", false }, { "--hexdump", false }, { "-x", false }, { "--hexdump=", false }, { NULL, false },
};
static const struct allowed_option print_options[] = { { "--cpu", true }, { "--cpu=", false }, { NULL, false } };
static const struct allowed_option dmesg_options[] = {
	{ "-l", true },	   { "--level", true },	 { "--level=", false }, { "--since", true },
	{ "--since=", false }, { "-r", false },	 { "--raw", false },	  { NULL, false },
};

static const struct allowed_command allowed_commands[] = {
	{ "info", no_options },	   { "sym", no_options },	  { "read", read_options },
	{ "lsmod", lsmod_options }, { "bt", bt_options },	  { "ps", no_options },
	{ "iov-iter", iov_iter_options }, { "xarray", no_options }, { "page", page_options },
	{ "folio", page_options }, { "print", print_options },
	{ "dmesg", dmesg_options }, { "cmdline", no_options }, { "cpus", no_options },
	{ "sys", no_options },
};
#define ALLOWED_LIST "info, sym, read, lsmod, bt, ps, iov-iter, xarray, page, folio, print, dmesg, cmdline, cpus, sys"

/* kinspect commands that "monitor" never runs, named so that the refusal
 * says why instead of QEMU's "unknown command". */
static const char *const refused_commands[] = { "break", "gdb-proxy" };

static const struct allowed_command *find_allowed(const char *name)
{
	for (size_t i = 0; i < sizeof(allowed_commands) / sizeof(allowed_commands[0]); i++) {
		if (strcmp(allowed_commands[i].name, name) == 0)
			return &allowed_commands[i];
	}
	return NULL;
}

/* Whether WORD is one of OPTIONS ("--cpu=" matches "--cpu=2"); *VALUE
 * tells whether the next word is its value. */
static bool option_allowed(const struct allowed_option *options, const char *word, bool *value)
{
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
		*value = false;
		return true;
	}
	for (const struct allowed_option *o = options; o->name; o++) {
		size_t n = strlen(o->name);
		bool prefix = o->name[n - 1] == '=';
		if (prefix ? strncmp(word, o->name, n) == 0 : strcmp(word, o->name) == 0) {
			*value = o->takes_value;
			return true;
		}
	}
	return false;
}

static enum proxy_monitor_kind refuse(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum proxy_monitor_kind refuse(char *why, size_t why_size, const char *fmt, ...)
{
	int n = snprintf(why, why_size, "kinspect: monitor: ");
	if (n > 0 && (size_t)n < why_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why + n, why_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	/* The words quoted in it come from gdb's user and may hold a newline
	 * or another control character (only spaces and tabs split words):
	 * keep the reason one line, as gdb's console shows it. */
	size_t len = strlen(why);
	for (size_t i = 0; i + 1 < len; i++) {
		if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
			why[i] = '?';
	}
	return PROXY_MONITOR_REFUSED;
}

enum proxy_monitor_kind proxy_monitor_classify(const struct kinspect_proxy_options *opts, const char *line,
					       char ***ret_words, char **ret_buf, char *why, size_t why_size)
{
	why[0] = '\0';
	_cleanup_free_ char *buf = strdup(line);
	_cleanup_free_ char **words = calloc(PROXY_MONITOR_MAX_WORDS + 2, sizeof(*words));
	if (!buf || !words)
		return refuse(why, why_size, "out of memory\n");
	/* One more word than allowed is kept, to tell "too many" apart. */
	size_t n = 0;
	for (char *save, *w = strtok_r(buf, " \t", &save); w && n <= PROXY_MONITOR_MAX_WORDS;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n == 0 || strcmp(words[0], "qemu") == 0)
		return PROXY_MONITOR_QEMU;
	size_t first = 0;
	if (strcmp(words[0], "kinspect") == 0) {
		first = 1;
		if (n == 1)
			return refuse(why, why_size, "give a command: kinspect %s ARGS\n", "{" ALLOWED_LIST "}");
	} else if (strcmp(words[0], "info") == 0 && n > 1) {
		return PROXY_MONITOR_QEMU;
	}
	const char *name = words[first];
	const struct allowed_command *cmd = find_allowed(name);
	if (cmd && opts->is_monitor_command && !opts->is_monitor_command(name))
		cmd = NULL;
	if (!cmd) {
		for (size_t i = 0; i < sizeof(refused_commands) / sizeof(refused_commands[0]); i++) {
			if (strcmp(name, refused_commands[i]) == 0)
				return refuse(why, why_size,
					      "refused '%s': it would resume the guest or start a server behind gdb's "
					      "back; allowed: " ALLOWED_LIST "\n",
					      name);
		}
		if (first == 0)
			return PROXY_MONITOR_QEMU;
		return refuse(why, why_size, "refused '%.64s': not a command monitor runs; allowed: " ALLOWED_LIST "\n",
			      name);
	}
	/* Bounded: the child's command line is built from these words. */
	if (strlen(line) > PROXY_MONITOR_MAX_LINE)
		return refuse(why, why_size, "refused: the command line is longer than %s bytes\n",
			      PROXY_MONITOR_MAX_LINE_TEXT);
	if (n > PROXY_MONITOR_MAX_WORDS)
		return refuse(why, why_size, "refused: more than %s words\n", PROXY_MONITOR_MAX_WORDS_TEXT);
	for (size_t i = first + 1; i < n; i++) {
		if (strlen(words[i]) > PROXY_MONITOR_MAX_WORD)
			return refuse(why, why_size, "refused: an argument is longer than %s bytes\n",
				      PROXY_MONITOR_MAX_WORD_TEXT);
		if (words[i][0] != '-')
			continue;
		bool value;
		if (!option_allowed(cmd->options, words[i], &value)) {
			char text[128];
			snprintf(text, sizeof(text), "%.40s' for '%s", words[i], name);
			return refuse(why, why_size, "refused option '%s' (not one of the command's own)\n", text);
		}
		if (value)
			i++; /* its value, whatever it looks like */
	}
	memmove(words, words + first, (n - first + 1) * sizeof(*words));
	*ret_words = no_cleanup_ptr(words);
	*ret_buf = no_cleanup_ptr(buf);
	return PROXY_MONITOR_KINSPECT;
}
