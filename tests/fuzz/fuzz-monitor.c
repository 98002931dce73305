/* libFuzzer harness for the proxy's "monitor" lines (src/proxy/monitor.c):
 * the input is a qRcmd packet's hex (decoded as the proxy does) or a line
 * as it is, classified with and without the CLI's command list.  Checked
 * against an oracle written here from monitor.h, not from monitor.c: a line
 * accepted as kinspect's names an allowlisted command, carries no word
 * starting with '-' that is not one of that command's own options (or the
 * value of one that takes a value), so no global option; the line, word
 * and word-count bounds hold; a refusal is one line ending in a newline;
 * "kinspect ..." never goes to QEMU.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/monitor.h"

/* The oracle: monitor's allowlist and each command's own options, as the
 * proxy documents them (kinspect.1, monitor.h).  "=" at the end: a prefix
 * ("--cpu=2"); "+": the next word is its value. */
struct oracle_command {
	const char *name;
	const char *options[10];
};

static const struct oracle_command oracle[] = {
	{ "info", { NULL } },
	{ "sym", { NULL } },
	{ "ps", { NULL } },
	{ "xarray", { NULL } },
	{ "read", { "-p", "--phys", NULL } },
	{ "lsmod", { "-r", "--regions", "-s", "--sections", NULL } },
	{ "bt", { "-a", "--all", "-l", "--lines", "--cpu+", "--task+", "--cpu=", "--task=", NULL } },
	{ "iov-iter", { "-f", "--folios", NULL } },
	{ "page", { "--walk", "--hexdump", "-x", "--hexdump=", NULL } },
	{ "folio", { "--walk", "--hexdump", "-x", "--hexdump=", NULL } },
	{ "print", { "--cpu+", "--cpu=", NULL } },
	{ "dmesg", { "-l+", "--level+", "--level=", "--since+", "--since=", "-r", "--raw", NULL } },
	{ "cmdline", { NULL } },
	{ "cpus", { NULL } },
	{ "sys", { NULL } },
};

/* kinspect's commands, as the CLI's is_monitor_command() answers them
 * (src/cli/cmd-gdb-proxy.c: every command but gdb-proxy). */
static bool cli_command(const char *name)
{
	static const char *const names[] = { "info", "sym", "read", "lsmod", "bt", "ps", "iov-iter",
					     "break", "xarray", "page", "folio", "print", "dmesg", "cmdline",
					     "cpus", "sys" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static const struct oracle_command *oracle_find(const char *name)
{
	for (size_t i = 0; i < sizeof(oracle) / sizeof(oracle[0]); i++)
		if (strcmp(oracle[i].name, name) == 0)
			return &oracle[i];
	return NULL;
}

/* Whether WORD is one of CMD's options; *VALUE: it takes the next word. */
static bool oracle_option(const struct oracle_command *cmd, const char *word, bool *value)
{
	*value = false;
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0)
		return true;
	for (const char *const *o = cmd->options; *o; o++) {
		size_t n = strlen(*o);
		if ((*o)[n - 1] == '=') {
			if (strncmp(word, *o, n) == 0)
				return true;
		} else if ((*o)[n - 1] == '+') {
			if (strlen(word) == n - 1 && strncmp(word, *o, n - 1) == 0) {
				*value = true;
				return true;
			}
		} else if (strcmp(word, *o) == 0) {
			return true;
		}
	}
	return false;
}

#define MAX_TOKENS 600

/* The line's words, split at spaces and tabs as monitor.h says. */
static size_t tokenize(const char *line, const char *tokens[MAX_TOKENS], size_t lens[MAX_TOKENS])
{
	size_t n = 0;
	for (const char *p = line; *p && n < MAX_TOKENS;) {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		size_t len = strcspn(p, " \t");
		tokens[n] = p;
		lens[n++] = len;
		p += len;
	}
	return n;
}

static bool token_is(const char *token, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(token, s, len) == 0;
}

static void check(const char *line, bool with_cli, size_t why_size)
{
	const struct kinspect_proxy_options opts = { .is_monitor_command = with_cli ? cli_command : NULL };
	char **words = NULL, *buf = NULL;
	/* On the heap and exactly WHY_SIZE, so that ASan sees a byte past it. */
	char *why = malloc(why_size);
	if (!why)
		return;
	enum proxy_monitor_kind kind = proxy_monitor_classify(&opts, line, &words, &buf, why, why_size);
	const char *tokens[MAX_TOKENS];
	size_t lens[MAX_TOKENS];
	size_t nt = tokenize(line, tokens, lens);
	bool kinspect_word = nt > 0 && token_is(tokens[0], lens[0], "kinspect");

	switch (kind) {
	case PROXY_MONITOR_QEMU:
		if (words || buf || kinspect_word)
			abort();
		break;
	case PROXY_MONITOR_REFUSED: {
		if (words || buf)
			abort();
		size_t n = strnlen(why, why_size);
		if (n == why_size)
			abort(); /* not terminated */
		/* One line, when the buffer holds it (the proxy's is 512). */
		if (why_size >= 512 && (n == 0 || why[n - 1] != '\n' || memchr(why, '\n', n - 1)))
			abort();
		break;
	}
	case PROXY_MONITOR_KINSPECT: {
		if (!words || !buf || !words[0])
			abort();
		if (strlen(line) > PROXY_MONITOR_MAX_LINE || nt > PROXY_MONITOR_MAX_WORDS)
			abort();
		const struct oracle_command *cmd = oracle_find(words[0]);
		if (!cmd || (with_cli && !cli_command(words[0])))
			abort();
		/* The words are the line's, "kinspect" dropped. */
		size_t first = kinspect_word ? 1 : 0, nw = 0;
		while (words[nw])
			nw++;
		if (nw != nt - first)
			abort();
		for (size_t i = 0; i < nw; i++) {
			if (!token_is(tokens[first + i], lens[first + i], words[i]))
				abort();
		}
		for (size_t i = 1; i < nw; i++) {
			if (strlen(words[i]) > PROXY_MONITOR_MAX_WORD)
				abort();
			if (words[i][0] != '-')
				continue;
			bool value;
			if (!oracle_option(cmd, words[i], &value))
				abort(); /* a global option, or another command's */
			if (value)
				i++;
		}
		break;
	}
	default:
		abort();
	}
	free(words);
	free(buf);
	free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Byte 0: bit 0, the CLI's command list given; bit 1, the rest is a
 * qRcmd packet's hex; bits 2-7 choose a small WHY buffer (else 512, the
 * proxy's).  The rest: the line (up to a NUL) or the hex. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool with_cli = data[0] & 1, packet = data[0] & 2;
	size_t why_size = data[0] >> 2 ? (size_t)(data[0] >> 2) : 512;
	const char *rest = (const char *)data + 1;
	size_t len = size - 1;
	char *line = NULL;
	if (packet) {
		char *p = malloc(len + 6);
		if (!p)
			return 0;
		memcpy(p, "qRcmd,", 6);
		memcpy(p + 6, rest, len);
		struct kinspect_error *err = proxy_monitor_decode(p, len + 6, &line);
		free(p);
		if (err) {
			kinspect_error_destroy(err);
			return 0;
		}
		if (strlen(line) != len / 2)
			abort();
	} else {
		line = strndup(rest, len);
		if (!line)
			return 0;
	}
	check(line, with_cli, why_size);
	if (why_size != 512)
		check(line, with_cli, 512);
	free(line);
	return 0;
}
