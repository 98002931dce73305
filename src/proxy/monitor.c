/* kinspect commands behind gdb's "monitor" (see monitor.h).
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/error-priv.h"
#include "proxy/monitor.h"
#include "target/rsp.h"

#define MAX_WORDS 64

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

bool proxy_monitor_is_kinspect(const struct kinspect_proxy_options *opts, const char *line, char ***ret_words,
			       char **ret_buf)
{
	_cleanup_free_ char *buf = strdup(line);
	_cleanup_free_ char **words = calloc(MAX_WORDS + 1, sizeof(*words));
	if (!buf || !words)
		return false;
	size_t n = 0;
	for (char *save, *w = strtok_r(buf, " \t", &save); w && n < MAX_WORDS; w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	if (n == 0)
		return false;
	size_t first = 0;
	if (strcmp(words[0], "qemu") == 0)
		return false;
	if (strcmp(words[0], "kinspect") == 0) {
		first = 1;
		if (n == 1)
			return false;
	} else if (strcmp(words[0], "info") == 0 && n > 1) {
		return false;
	}
	bool known = opts->is_monitor_command && opts->is_monitor_command(words[first]);
	if (!known && first == 0)
		return false;
	memmove(words, words + first, (n - first + 1) * sizeof(*words));
	*ret_words = no_cleanup_ptr(words);
	*ret_buf = no_cleanup_ptr(buf);
	return true;
}

struct kinspect_error *proxy_monitor_spawn(const struct kinspect_proxy_options *opts, const char *socket_path,
					   char **words, pid_t *ret_pid, int *ret_fd)
{
	size_t nr_words = 0;
	while (words[nr_words])
		nr_words++;
	size_t max = 6 + 2 * opts->nr_module_dirs + nr_words + 1;
	_cleanup_free_ char **argv = calloc(max, sizeof(*argv));
	_cleanup_free_ char *target = NULL;
	if (!argv || asprintf(&target, "unix:%s", socket_path) < 0)
		return &kinspect_error_nomem;
	size_t n = 0;
	argv[n++] = (char *)opts->exe;
	argv[n++] = (char *)"-t";
	argv[n++] = target;
	if (opts->vmlinux_path) {
		argv[n++] = (char *)"-k";
		argv[n++] = (char *)opts->vmlinux_path;
	}
	for (size_t i = 0; i < opts->nr_module_dirs; i++) {
		argv[n++] = (char *)"-m";
		argv[n++] = (char *)opts->module_dirs[i];
	}
	/* The guest stays stopped under gdb: no "D" from the child. */
	argv[n++] = (char *)"--keep-stopped";
	for (size_t i = 0; i < nr_words; i++)
		argv[n++] = words[i];
	argv[n] = NULL;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return kinspect_error_os(errno, NULL, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		return kinspect_error_os(e, NULL, "fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execv(opts->exe, argv);
		dprintf(2, "kinspect: cannot run %s: %s\n", opts->exe, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	*ret_pid = pid;
	*ret_fd = fds[0];
	return NULL;
}
