/* Batch mode: command lines split into words like a shell does (quotes and
 * backslashes, no expansions), ';' between commands, '#' comments.  Used by
 * "-x SCRIPT" and by the actions of "break --do".
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-log.h"
#include "cli/cli.h"
#include "core/cleanup.h"

/* A command line longer than this is a mistake, not a command. */
#define LINE_MAX_BYTES (64 * 1024)
#define WORDS_MAX 256

struct words {
	char *buf; /* the words, each NUL-terminated, one after the other */
	char *argv[WORDS_MAX + 1];
	int argc;
};

/* Split the command starting at *P into W, stopping after an unquoted ';'
 * or at the end.  Returns false (after logging) on unbalanced quotes or
 * too many words. */
static bool split_command(const char **p, struct words *w, const char *where)
{
	const char *s = *p;
	char *out = w->buf;
	bool in_word = false;
	char quote = 0;
	w->argc = 0;
	for (;; s++) {
		char c = *s;
		if (c == '\0' || (!quote && c == '#' && !in_word)) {
			if (quote) {
				cli_log(CLI_LOG_ERROR, "%s: unbalanced %c quote", where, quote);
				return false;
			}
			while (*s)
				s++; /* a comment runs to the end of the line */
			break;
		}
		if (!quote && c == ';') {
			s++;
			break;
		}
		if (quote) {
			if (c == quote) {
				quote = 0;
				continue;
			}
			if (c == '\\' && quote == '"' && (s[1] == '"' || s[1] == '\\'))
				c = *++s;
		} else if (c == '\'' || c == '"') {
			quote = c;
			if (!in_word) {
				in_word = true;
				if (w->argc >= WORDS_MAX)
					goto too_many;
				w->argv[w->argc++] = out;
			}
			continue;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (in_word) {
				*out++ = '\0';
				in_word = false;
			}
			continue;
		} else if (c == '\\' && s[1]) {
			c = *++s;
		}
		if (!in_word) {
			in_word = true;
			if (w->argc >= WORDS_MAX)
				goto too_many;
			w->argv[w->argc++] = out;
		}
		*out++ = c;
	}
	if (in_word)
		*out++ = '\0';
	w->argv[w->argc] = NULL;
	*p = s;
	return true;
too_many:
	cli_log(CLI_LOG_ERROR, "%s: more than %d words", where, WORDS_MAX);
	return false;
}

int cli_run_line(struct cli *cli, const char *line)
{
	size_t len = strlen(line);
	if (len > LINE_MAX_BYTES) {
		cli_log(CLI_LOG_ERROR, "command line of %zu bytes is too long", len);
		return CLI_EXIT_USAGE;
	}
	struct words w;
	/* Words never take more room than the line they come from. */
	_cleanup_free_ char *buf = malloc(len + 1);
	if (!buf) {
		cli_log(CLI_LOG_ERROR, "out of memory");
		return CLI_EXIT_FAILURE;
	}
	w.buf = buf;
	int worst = CLI_EXIT_OK;
	const char *p = line;
	while (*p) {
		if (!split_command(&p, &w, line))
			return CLI_EXIT_USAGE;
		if (w.argc == 0)
			continue;
		int status = cli_run_command(cli, w.argc, w.argv);
		if (status > worst)
			worst = status;
	}
	return worst;
}

int cli_run_script(struct cli *cli, FILE *file, const char *name)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int worst = CLI_EXIT_OK;
	unsigned long lineno = 0;
	while (!cli_signalled && (n = getline(&line, &cap, file)) >= 0) {
		lineno++;
		if (n > LINE_MAX_BYTES) {
			cli_log(CLI_LOG_ERROR, "%s:%lu: line too long", name, lineno);
			worst = CLI_EXIT_USAGE;
			continue;
		}
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		cli_log(CLI_LOG_INFO, "%s:%lu: %s", name, lineno, line);
		int status = cli_run_line(cli, line);
		if (status > worst)
			worst = status;
	}
	if (ferror(file)) {
		cli_log(CLI_LOG_ERROR, "%s: read error", name);
		return CLI_EXIT_FAILURE;
	}
	return worst;
}
