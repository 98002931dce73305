/* libFuzzer harness for the proxy's second-client filter
 * (proxy_second_packet() in src/proxy/second.c, which the proxy calls for
 * every packet read from its private socket): the input is one packet,
 * with the VM running or stopped.  QEMU's connection and the client's are
 * played by stubs here, which record what is relayed and answered.
 * Checked against an oracle written from second.h, not from second.c:
 * what reaches QEMU is on the allowlist (memory and register reads, the
 * thread list, the target description, qSupported, Hg, the memory mode),
 * never while the VM runs, never vKill, k, c, s, vCont, Z, z, D, M, X, G,
 * P, Hc, qRcmd or QStartNoAckMode; what the allowlist names in its
 * well-formed shape does pass when stopped; "D" and "?" are answered by the
 * proxy itself; every packet gets exactly one answer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test (clang). */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/second.h"

/* --- the stubs: QEMU's connection and the client's ------------------------ */
/* They come before the fuzz library in the link, so that its gdbstub and
 * link objects are never pulled in: a duplicate symbol there means second.c
 * now calls more of them, to be stubbed here too. */

static bool vm_running;
static size_t nr_relayed, nr_answers;
static const char *relayed;
static size_t relayed_len;
static char answer[8];

bool kinspect_gdbstub_is_running(const struct kinspect_gdbstub *gs)
{
	(void)gs;
	return vm_running;
}

struct kinspect_error *kinspect_gdbstub_exchange(struct kinspect_gdbstub *gs, const char *payload, size_t len,
						 void (*on_output)(const char *packet, size_t len, void *arg),
						 void *arg, const char **ret, size_t *ret_len)
{
	(void)gs, (void)on_output, (void)arg;
	nr_relayed++;
	relayed = payload;
	relayed_len = len;
	*ret = "OK";
	*ret_len = 2;
	return NULL;
}

struct kinspect_error *proxy_link_send(struct proxy_link *link, const char *payload, size_t len)
{
	(void)link;
	nr_answers++;
	size_t n = len < sizeof(answer) - 1 ? len : sizeof(answer) - 1;
	memcpy(answer, payload, n);
	answer[n] = '\0';
	return NULL;
}

struct kinspect_error *proxy_link_send_str(struct proxy_link *link, const char *payload)
{
	return proxy_link_send(link, payload, strlen(payload));
}

/* --- the oracle ------------------------------------------------------------ */

static bool equals(const char *d, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(d, s, len) == 0;
}

static bool prefix(const char *d, size_t len, const char *s)
{
	return len >= strlen(s) && memcmp(d, s, strlen(s)) == 0;
}

static bool hex_and_commas(const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF,", d[i]) || d[i] == '\0')
			return false;
	return true;
}

/* What may reach QEMU at all. */
static bool may_pass(const char *d, size_t len)
{
	if (len >= 2 && (d[0] == 'm' || d[0] == 'p'))
		return hex_and_commas(d + 1, len - 1);
	return equals(d, len, "g") || (prefix(d, len, "Hg") && len > 2) || prefix(d, len, "qSupported") ||
	       prefix(d, len, "qXfer:features:read:") || equals(d, len, "qfThreadInfo") ||
	       equals(d, len, "qsThreadInfo") || equals(d, len, "qqemu.PhyMemMode") ||
	       equals(d, len, "Qqemu.PhyMemMode:0") || equals(d, len, "Qqemu.PhyMemMode:1");
}

/* What must never reach QEMU, whatever follows (the packets that resume,
 * kill, detach, change breakpoints, memory or registers, gdb's continue
 * thread, the monitor, the ack mode). */
static bool never_passes(const char *d, size_t len)
{
	static const char *const prefixes[] = { "vKill", "vCont", "vRun", "vAttach", "k", "c", "C", "s", "S", "Z",
						"z", "D", "M", "X", "G", "P", "Hc", "qRcmd", "QStartNoAckMode",
						"?", "R", "r", "!", "vFile", "QNonStop" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (prefix(d, len, prefixes[i]))
			return true;
	return false;
}

/* The shapes kinspect's own client sends, which must pass when stopped:
 * mADDR,LEN and pREG in hex, g, the thread list, the features, qSupported,
 * HgTHREAD, the memory mode. */
static bool must_pass(const char *d, size_t len)
{
	if (len >= 4 && d[0] == 'm') {
		const char *comma = memchr(d, ',', len);
		return comma && comma > d + 1 && comma < d + len - 1 && hex_and_commas(d + 1, len - 1) &&
		       !memchr(comma + 1, ',', (size_t)(d + len - comma - 1));
	}
	if (len >= 2 && d[0] == 'p') {
		for (size_t i = 1; i < len; i++)
			if (!isxdigit((unsigned char)d[i]))
				return false;
		return true;
	}
	if (prefix(d, len, "Hg") && len > 2) {
		for (size_t i = 2; i < len; i++)
			if (!isxdigit((unsigned char)d[i]) && !strchr("p.-", d[i]))
				return false;
		return true;
	}
	return equals(d, len, "g") || equals(d, len, "qSupported") || prefix(d, len, "qSupported:") ||
	       prefix(d, len, "qXfer:features:read:") || equals(d, len, "qfThreadInfo") ||
	       equals(d, len, "qsThreadInfo") || equals(d, len, "qqemu.PhyMemMode") ||
	       equals(d, len, "Qqemu.PhyMemMode:0") || equals(d, len, "Qqemu.PhyMemMode:1");
}

static void check(const char *d, size_t len, bool running)
{
	vm_running = running;
	nr_relayed = nr_answers = 0;
	relayed = NULL;
	answer[0] = '\0';
	bool dirty = false;
	struct kinspect_error *qemu_err = NULL;
	struct kinspect_error *err = proxy_second_packet(NULL, NULL, d, len, &dirty, &qemu_err);
	if (err || qemu_err)
		abort(); /* the stubs fail nothing */
	if (nr_answers != 1 || nr_relayed > 1)
		abort();
	bool passed = nr_relayed == 1;
	if (passed) {
		/* Relayed as it came, with gdb's state marked for restoring. */
		if (running || !may_pass(d, len) || never_passes(d, len) || relayed != d || relayed_len != len ||
		    !dirty || strcmp(answer, "OK") != 0)
			abort();
	} else if (len >= 1 && d[0] == 'D') {
		if (strcmp(answer, "OK") != 0)
			abort(); /* detaching from the proxy: answered here */
	} else if (equals(d, len, "?") && !running) {
		if (strcmp(answer, "S05") != 0)
			abort();
	} else {
		if (strcmp(answer, "E01") != 0 || (!running && must_pass(d, len)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole input is the packet (its payload, unescaped, as the proxy's
 * link gives it), tried with the VM stopped and running. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly SIZE bytes, so that ASan sees a read past it. */
	char *d = malloc(size ? size : 1);
	if (!d)
		return 0;
	memcpy(d, data, size);
	check(d, size, false);
	check(d, size, true);
	free(d);
	return 0;
}
