/* The QMP client (see qmp.h): a socket with one deadline, JSON lines read
 * with bounds, and just enough JSON to find a member of an object.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/connect.h"
#include "core/error-priv.h"
#include "target/qmp.h"

/* QEMU's replies to these commands are one short line each; a greeting
 * with its capabilities about 150 bytes.  Events may come in between
 * (each a line): the total bounds how many are skipped. */
#define MAX_LINE (64 * 1024)
#define MAX_TOTAL (1024 * 1024)
#define MAX_DEPTH 32

struct qmp {
	const char *spec;
	int fd;
	uint64_t deadline;
	int timeout_ms;
	char buf[MAX_LINE + 1];
	size_t len;      /* bytes in buf */
	size_t consumed; /* the line handed out last, dropped on the next read */
	size_t total;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct kinspect_error *qmp_error(const struct qmp *q, enum kinspect_error_code code, const char *fmt, ...)
	KINSPECT_PRINTF(3, 4);

/* "QMP SPEC: message". */
static struct kinspect_error *qmp_error(const struct qmp *q, enum kinspect_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kinspect_error *err = kinspect_error_vabout(code, "QMP", q->spec, fmt, ap);
	va_end(ap);
	return err;
}

/* TEXT (LEN bytes) for a message: printable ASCII, at most 60 bytes. */
static void printable(char out[64], const char *text, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o < 60; i++) {
		unsigned char c = (unsigned char)text[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (len > 60)
		out[o - 1] = '.', out[o - 2] = '.', out[o - 3] = '.';
	out[o] = '\0';
}

static struct kinspect_error *wait_fd(struct qmp *q, short events, const char *what)
{
	for (;;) {
		uint64_t now = now_ns();
		if (now >= q->deadline)
			return qmp_error(q, KINSPECT_ERROR_TIMEOUT, "no %s within %d ms", what, q->timeout_ms);
		uint64_t left_ms = (q->deadline - now + 999999) / 1000000;
		struct pollfd pfd = { .fd = q->fd, .events = events };
		int r = poll(&pfd, 1, left_ms > INT32_MAX ? INT32_MAX : (int)left_ms);
		if (r > 0)
			return NULL;
		if (r < 0 && errno != EINTR)
			return kinspect_error_os(errno, NULL, "QMP %s: poll", q->spec);
	}
}

static struct kinspect_error *send_line(struct qmp *q, const char *line)
{
	size_t len = strlen(line);
	while (len > 0) {
		ssize_t n = send(q->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct kinspect_error *err = wait_fd(q, POLLOUT, "room to send");
				if (err)
					return err;
				continue;
			}
			return kinspect_error_os(errno, NULL, "QMP %s: send", q->spec);
		}
		line += n;
		len -= (size_t)n;
	}
	return NULL;
}

/* The next line, without its "\r\n", NUL-terminated in q->buf: valid until
 * the next call.  WHAT names what is awaited, for a timeout. */
static struct kinspect_error *read_line(struct qmp *q, const char *what, char **ret, size_t *ret_len)
{
	memmove(q->buf, q->buf + q->consumed, q->len - q->consumed);
	q->len -= q->consumed;
	q->consumed = 0;
	for (;;) {
		char *nl = memchr(q->buf, '\n', q->len);
		if (nl) {
			size_t n = (size_t)(nl - q->buf);
			q->consumed = n + 1;
			if (n && q->buf[n - 1] == '\r')
				n--;
			q->buf[n] = '\0';
			*ret = q->buf;
			*ret_len = n;
			return NULL;
		}
		if (q->len >= MAX_LINE)
			return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "a line longer than %d bytes", MAX_LINE);
		if (q->total >= MAX_TOTAL)
			return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "more than %d bytes without the %s", MAX_TOTAL,
					 what);
		struct kinspect_error *err = wait_fd(q, POLLIN, what);
		if (err)
			return err;
		ssize_t n = recv(q->fd, q->buf + q->len, MAX_LINE - q->len, MSG_DONTWAIT);
		if (n == 0)
			return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "connection closed before the %s", what);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return kinspect_error_os(errno, NULL, "QMP %s: recv", q->spec);
		}
		q->len += (size_t)n;
		q->total += (size_t)n;
	}
}

/* ---- just enough JSON --------------------------------------------------- */

struct span {
	const char *p;
	size_t len;
};

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the string starting at P ('"'), or NULL if it does not end. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p == end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* Past the value starting at P (after white space), or NULL if it is not
 * well formed as far as nesting and strings go.  Numbers and literals are
 * taken as runs of their characters, checked where they are used. */
static const char *skip_value(const char *p, const char *end, int depth)
{
	p = skip_ws(p, end);
	if (p == end)
		return NULL;
	if (*p == '"')
		return skip_string(p, end);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		if (depth >= MAX_DEPTH)
			return NULL;
		p = skip_ws(p + 1, end);
		if (p < end && *p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = skip_ws(p, end);
				if (p == end || *p != '"' || !(p = skip_string(p, end)))
					return NULL;
				p = skip_ws(p, end);
				if (p == end || *p != ':')
					return NULL;
				p++;
			}
			if (!(p = skip_value(p, end, depth + 1)))
				return NULL;
			p = skip_ws(p, end);
			if (p == end)
				return NULL;
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p++;
		}
	}
	const char *start = p;
	while (p < end && ((*p && strchr("+-.E", *p)) || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
		p++;
	return p > start ? p : NULL;
}

/* The value of member KEY (a plain key, no escapes) of the object OBJ, or
 * false.  OBJ must have been checked with skip_value(). */
static bool member(struct span obj, const char *key, struct span *ret)
{
	const char *p = skip_ws(obj.p, obj.p + obj.len), *end = obj.p + obj.len;
	if (p == end || *p != '{')
		return false;
	p = skip_ws(p + 1, end);
	size_t klen = strlen(key);
	while (p < end && *p == '"') {
		const char *kend = skip_string(p, end);
		if (!kend)
			return false;
		bool match = (size_t)(kend - p) == klen + 2 && memcmp(p + 1, key, klen) == 0;
		p = skip_ws(kend, end);
		if (p == end || *p != ':')
			return false;
		const char *v = skip_ws(p + 1, end);
		const char *vend = skip_value(v, end, 1);
		if (!vend)
			return false;
		if (match) {
			*ret = (struct span){ v, (size_t)(vend - v) };
			return true;
		}
		p = skip_ws(vend, end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return false;
}

static bool member_path(struct span obj, const char *const *keys, struct span *ret)
{
	for (; *keys; keys++) {
		if (!member(obj, *keys, &obj))
			return false;
	}
	*ret = obj;
	return true;
}

/* A string of letters, digits and '-' (QEMU's enum names), into BUF. */
static bool span_name(struct span v, char *buf, size_t size)
{
	if (v.len < 2 || v.p[0] != '"' || v.p[v.len - 1] != '"' || v.len - 2 >= size || v.len == 2)
		return false;
	for (size_t i = 1; i + 1 < v.len; i++) {
		char c = v.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	memcpy(buf, v.p + 1, v.len - 2);
	buf[v.len - 2] = '\0';
	return true;
}

static bool span_int(struct span v, int *ret)
{
	if (v.len == 0 || v.len > 6)
		return false;
	int n = 0;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		n = n * 10 + (v.p[i] - '0');
	}
	*ret = n;
	return true;
}

static bool span_is(struct span v, const char *word)
{
	return v.len == strlen(word) && memcmp(v.p, word, v.len) == 0;
}

/* A line as a JSON object, or false. */
static bool line_object(const char *line, size_t len, struct span *ret)
{
	const char *end = line + len;
	const char *p = skip_ws(line, end);
	if (p == end || *p != '{')
		return false;
	const char *vend = skip_value(p, end, 0);
	if (!vend || skip_ws(vend, end) != end)
		return false;
	*ret = (struct span){ p, (size_t)(vend - p) };
	return true;
}

/* ---- the exchange --------------------------------------------------------- */

/* Send COMMAND with id ID and wait for the reply carrying that id: its
 * "return" value in *RET.  Events and replies to others are skipped. */
static struct kinspect_error *execute(struct qmp *q, const char *command, int id, struct span *ret)
{
	char line[128];
	snprintf(line, sizeof(line), "{\"execute\": \"%s\", \"id\": %d}\n", command, id);
	struct kinspect_error *err = send_line(q, line);
	if (err)
		return err;
	char what[64];
	snprintf(what, sizeof(what), "reply to %s", command);
	for (;;) {
		char *text;
		size_t len;
		if ((err = read_line(q, what, &text, &len)))
			return err;
		struct span obj, v;
		if (!line_object(text, len, &obj)) {
			char shown[64];
			printable(shown, text, len);
			return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "not a JSON object: '%s'", shown);
		}
		/* One command is in flight: a reply without an id (QEMU
		 * echoes it, but not for a command it could not parse) is
		 * ours too. */
		int got_id;
		if (member(obj, "event", &v) || (member(obj, "id", &v) && !(span_int(v, &got_id) && got_id == id)))
			continue;
		if (member(obj, "return", ret))
			return NULL;
		static const char *const desc_path[] = { "error", "desc", NULL };
		char shown[64] = "no description";
		if (member_path(obj, desc_path, &v) && v.len >= 2 && v.p[0] == '"')
			printable(shown, v.p + 1, v.len - 2);
		if (member(obj, "error", &v))
			return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "%s failed: %s", command, shown);
		printable(shown, text, len);
		return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "odd reply to %s: '%s'", command, shown);
	}
}

static struct kinspect_error *greeting(struct qmp *q, struct kinspect_qmp_status *ret)
{
	char *text;
	size_t len;
	struct kinspect_error *err = read_line(q, "greeting", &text, &len);
	if (err)
		return err;
	struct span obj, v;
	if (!line_object(text, len, &obj) || !member(obj, "QMP", &v)) {
		char shown[64];
		printable(shown, text, len);
		return qmp_error(q, KINSPECT_ERROR_PROTOCOL, "not a QMP greeting: '%s'", shown);
	}
	static const char *const path[][5] = {
		{ "QMP", "version", "qemu", "major", NULL },
		{ "QMP", "version", "qemu", "minor", NULL },
		{ "QMP", "version", "qemu", "micro", NULL },
	};
	int *out[] = { &ret->major, &ret->minor, &ret->micro };
	for (size_t i = 0; i < 3; i++) {
		if (!member_path(obj, path[i], &v) || !span_int(v, out[i]))
			*out[i] = -1;
	}
	return NULL;
}

struct kinspect_error *kinspect_qmp_query_status(const char *spec, int timeout_ms, struct kinspect_qmp_status *ret)
{
	if (!spec || !*spec || timeout_ms <= 0)
		return kinspect_error_create(KINSPECT_ERROR_INVALID_ARGUMENT, "QMP: bad socket '%s' or timeout %d",
					     spec ? spec : "(null)", timeout_ms);
	_cleanup_free_ struct qmp *q = calloc(1, sizeof(*q));
	if (!q)
		return &kinspect_error_nomem;
	q->spec = spec;
	q->fd = -1;
	q->timeout_ms = timeout_ms;
	q->deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
	struct kinspect_qmp_status st = { .major = -1, .minor = -1, .micro = -1 };
	struct kinspect_error *err = kinspect_connect("QMP", q->spec, true, q->timeout_ms, &q->fd);
	struct span v, field;
	if (!err)
		err = greeting(q, &st);
	if (!err)
		err = execute(q, "qmp_capabilities", 1, &v);
	if (!err)
		err = execute(q, "query-status", 2, &v);
	if (!err) {
		if (!member(v, "status", &field) || !span_name(field, st.status, sizeof(st.status)))
			err = qmp_error(q, KINSPECT_ERROR_PROTOCOL, "query-status: no run state in the reply");
		else if (!member(v, "running", &field) || !(span_is(field, "true") || span_is(field, "false")))
			err = qmp_error(q, KINSPECT_ERROR_PROTOCOL, "query-status: no \"running\" in the reply");
		else
			st.running = span_is(field, "true");
	}
	if (q->fd >= 0)
		close(q->fd);
	if (err)
		return err;
	*ret = st;
	return NULL;
}

void kinspect_qmp_run_state(const struct kinspect_qmp_status *status, struct kinspect_gdbstub_run_state *ret)
{
	*ret = (struct kinspect_gdbstub_run_state){
		.was_running = status->running ? KINSPECT_GDBSTUB_WAS_RUNNING_YES : KINSPECT_GDBSTUB_WAS_RUNNING_NO,
		.source = KINSPECT_GDBSTUB_RUN_STATE_QMP,
	};
	snprintf(ret->status, sizeof(ret->status), "%s", status->status);
	snprintf(ret->how, sizeof(ret->how), "QMP query-status before connecting: %s", status->status);
}
