/* Unit tests of the proxy's confinement (issue 14): which "monitor" lines
 * run a kinspect command, which go to QEMU and which are refused (global
 * options, gdb-proxy, break, unknown options, over-long arguments); the
 * capture of an in-process monitor command's output (all of it, standard
 * output and error, more than a pipe holds; the descriptors put back); and
 * the gdb-ko cache: a copy damaged in place (zeros of the same size) is
 * rewritten, copies are 0600 in a 0700 directory.
 * SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache-path.h"
#include "proxy/capture.h"
#include "proxy/gdb-ko.h"
#include "proxy/monitor.h"
#include "fixture.h"
#include "tap.h"

static bool known(const char *name)
{
	static const char *const names[] = { "info", "sym", "read", "lsmod", "bt", "ps", "iov-iter",
					     "break", "xarray", "page", "folio", "print", "gdb-proxy" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static const struct kinspect_proxy_options opts = { .is_monitor_command = known };

/* Classify LINE; *FIRST gets the command word when it is kinspect's. */
static enum proxy_monitor_kind classify(const char *line, char *why, size_t why_size, char first[64])
{
	char **words = NULL, *buf = NULL;
	enum proxy_monitor_kind kind = proxy_monitor_classify(&opts, line, &words, &buf, why, why_size);
	first[0] = '\0';
	if (kind == PROXY_MONITOR_KINSPECT)
		snprintf(first, 64, "%s", words[0]);
	free(words);
	free(buf);
	return kind;
}

static void check(const char *line, enum proxy_monitor_kind want, const char *want_why)
{
	char why[512], first[64];
	enum proxy_monitor_kind kind = classify(line, why, sizeof(why), first);
	static const char *const names[] = { "QEMU", "kinspect", "refused" };
	if (!ok(kind == want, "'%.60s' is %s", line, names[want]))
		printf("#   got %s (%s)\n", names[kind], why);
	if (want == PROXY_MONITOR_REFUSED) {
		size_t n = strlen(why);
		ok(n > 0 && why[n - 1] == '\n' && !memchr(why, '\n', n - 1), "  one line of reason: %.*s",
		   n ? (int)n - 1 : 0, why);
		if (want_why && !ok(strstr(why, want_why) != NULL, "  it says '%s'", want_why))
			printf("#   got %s", why);
	}
}

static void test_monitor(void)
{
	check("kinspect lsmod", PROXY_MONITOR_KINSPECT, NULL);
	check("lsmod --regions", PROXY_MONITOR_KINSPECT, NULL);
	check("kinspect bt --cpu 0 --lines", PROXY_MONITOR_KINSPECT, NULL);
	check("kinspect print --cpu=1 runqueues", PROXY_MONITOR_KINSPECT, NULL);
	check("kinspect page -x 64 0xffffea0000000000", PROXY_MONITOR_KINSPECT, NULL);
	check("info registers", PROXY_MONITOR_QEMU, NULL);
	check("qemu info", PROXY_MONITOR_QEMU, NULL);
	check("system_reset", PROXY_MONITOR_QEMU, NULL);
	check("gdb-proxy 127.0.0.1:1", PROXY_MONITOR_REFUSED, "refused 'gdb-proxy'");
	check("kinspect gdb-proxy --listen :1 127.0.0.1:1", PROXY_MONITOR_REFUSED, "refused 'gdb-proxy'");
	check("break do_init_module", PROXY_MONITOR_REFUSED, "resume the guest");
	check("kinspect -x /etc/shadow", PROXY_MONITOR_REFUSED, "refused '-x'");
	check("kinspect -t /etc/shadow info", PROXY_MONITOR_REFUSED, "refused '-t'");
	check("kinspect --vmlinux=/etc/shadow info", PROXY_MONITOR_REFUSED, NULL);
	check("kinspect lsmod -x /etc/shadow", PROXY_MONITOR_REFUSED, "refused option '-x' for 'lsmod'");
	check("kinspect info -k /etc/shadow", PROXY_MONITOR_REFUSED, "refused option '-k'");
	check("kinspect sym -m / foo", PROXY_MONITOR_REFUSED, "refused option '-m'");
	check("kinspect nosuchcommand", PROXY_MONITOR_REFUSED, "not a command monitor runs");
	check("kinspect", PROXY_MONITOR_REFUSED, "give a command");

	char line[2048];
	snprintf(line, sizeof(line), "kinspect sym ");
	memset(line + strlen(line), 'a', 300);
	line[13 + 300] = '\0';
	check(line, PROXY_MONITOR_REFUSED, "longer than 256 bytes");
	strcpy(line, "kinspect sym");
	for (int i = 0; i < 20; i++)
		strcat(line, " x");
	check(line, PROXY_MONITOR_REFUSED, "more than 16 words");
	memset(line, 'b', 1500);
	memcpy(line, "kinspect sym ", 13);
	for (int i = 100; i < 1500; i += 100)
		line[i] = ' ';
	line[1500] = '\0';
	check(line, PROXY_MONITOR_REFUSED, "longer than 1024 bytes");
	/* The value of --cpu is not taken for an option. */
	check("kinspect bt --cpu -1", PROXY_MONITOR_KINSPECT, NULL);
}

/* ---- capture ------------------------------------------------------------- */

static bool same_file(int fd, const struct stat *was)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == was->st_dev && st.st_ino == was->st_ino;
}

static void test_capture(void)
{
	struct stat out0, err0;
	fflush(stdout);
	if (!ok(fstat(1, &out0) == 0 && fstat(2, &err0) == 0, "descriptors 1 and 2 are open"))
		return;
	/* More than a pipe's 64 KiB, written before anyone reads. */
	static char big[200000];
	memset(big, 'x', sizeof(big));
	struct proxy_capture cap;
	struct kinspect_error *err = proxy_capture_begin(&cap);
	/* Nothing of the test's own on stdout until the capture ends. */
	if (err) {
		ok(false, "capture begins");
		kinspect_error_destroy(err);
		return;
	}
	printf("printed ");
	fprintf(stderr, "on stderr ");
	ssize_t w = write(1, "written ", 8);
	fwrite(big, 1, sizeof(big), stdout);
	char *text = NULL;
	size_t len = 0;
	err = proxy_capture_end(&cap, &text, &len);
	ok(!err && w == 8, "capture begins and ends");
	ok(same_file(1, &out0) && same_file(2, &err0), "descriptors 1 and 2 are put back");
	/* stdio's buffer went out at the first flush, after the unbuffered
	 * stderr and the write(). */
	ok(text && len == strlen(text) && len == 8 + 10 + 8 + sizeof(big) && strstr(text, "printed ") &&
		   strstr(text, "on stderr ") && strstr(text, "written "),
	   "every byte captured, stdout's and stderr's (%zu)", len);
	free(text);
}

/* ---- gdb-ko -------------------------------------------------------------- */

static char tmpdir[] = "/tmp/kinspect-proxy-security.XXXXXX";

/* A tiny ELF64 relocatable file with one SHF_ALLOC section at sh_addr
 * 0x1000: what gdb-ko copies with the address zeroed. */
static size_t make_ko(uint8_t *image, size_t size)
{
	memset(image, 0, size);
	memcpy(image, "\177ELF\2\1\1", 7);
	fixture_put16(image + 0x10, 1);    /* ET_REL */
	fixture_put16(image + 0x12, 62);   /* EM_X86_64 */
	fixture_put64(image + 0x28, 0x80); /* e_shoff */
	fixture_put16(image + 0x3a, 64);   /* e_shentsize */
	fixture_put16(image + 0x3c, 2);    /* e_shnum */
	uint8_t *sh = image + 0x80 + 64;
	sh[4] = 1;             /* SHT_PROGBITS */
	fixture_put64(sh + 8, 2 | 4);  /* SHF_ALLOC | SHF_EXECINSTR */
	fixture_put64(sh + 16, 0x1000);
	fixture_put64(sh + 24, 0x40);
	fixture_put64(sh + 32, 0x10);
	return 0x80 + 2 * 64;
}

static bool same_as(const char *path, const uint8_t *want, size_t size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return n == size && memcmp(buf, want, size) == 0;
}

static void test_gdb_ko(void)
{
	if (!ok(mkdtemp(tmpdir) != NULL, "temporary directory"))
		return;
	char cache[4200], ko[4200], cmd[4300];
	snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
	snprintf(ko, sizeof(ko), "%s/m.ko", tmpdir);
	char kcache[4300];
	snprintf(kcache, sizeof(kcache), "%s/kinspect", cache);
	kinspect_error_destroy(kinspect_cache_set_dir(kcache));
	uint8_t image[512];
	size_t size = make_ko(image, sizeof(image));
	FILE *f = fopen(ko, "wb");
	ok(f && fwrite(image, 1, size, f) == size && fclose(f) == 0, "wrote %s", ko);
	/* What the copy must hold. */
	uint8_t want[512];
	memcpy(want, image, size);
	memset(want + 0x80 + 64 + 16, 0, 8);

	static const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3 };
	char *copy = NULL;
	struct kinspect_error *err = proxy_gdb_ko(ko, "m", id, sizeof(id), &copy);
	if (!ok(!err && copy, "proxy_gdb_ko gives a copy")) {
		kinspect_error_destroy(err);
		return;
	}
	ok(strcmp(copy, ko) != 0 && same_as(copy, want, size), "the copy has sh_addr zeroed");
	/* stat() first: the order in which arguments are evaluated is
	 * unspecified. */
	struct stat st = { 0 };
	int r = stat(copy, &st);
	ok(r == 0 && (st.st_mode & 0777) == 0600, "the copy is 0600 (%o)", st.st_mode & 0777);
	char dir[4200];
	snprintf(dir, sizeof(dir), "%s", copy);
	*strrchr(dir, '/') = '\0';
	r = stat(dir, &st);
	ok(r == 0 && (st.st_mode & 0777) == 0700, "its directory is 0700 (%o)", st.st_mode & 0777);

	/* Damaged in place: zeros of the same size, and a wider mode. */
	snprintf(cmd, sizeof(cmd), "head -c %zu /dev/zero >'%s' && chmod 644 '%s'", size, copy, copy);
	ok(system(cmd) == 0, "the copy replaced by %zu zeros", size);
	char *again = NULL;
	err = proxy_gdb_ko(ko, "m", id, sizeof(id), &again);
	ok(!err && again && strcmp(again, copy) == 0, "the same path again");
	ok(same_as(copy, want, size), "a same-size file of zeros is detected and rewritten");
	ok(stat(copy, &st) == 0 && (st.st_mode & 0777) == 0600, "rewritten 0600");
	kinspect_error_destroy(err);
	free(again);

	/* A directory left 0755 by an older kinspect is made private. */
	ok(chmod(dir, 0755) == 0 && unlink(copy) == 0, "directory made 0755, copy removed");
	err = proxy_gdb_ko(ko, "m", id, sizeof(id), &again);
	ok(!err && stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the directory is 0700 again");
	kinspect_error_destroy(err);
	free(again);
	free(copy);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ok(system(cmd) == 0, "cleaned up");
}

int main(void)
{
	test_monitor();
	test_capture();
	test_gdb_ko();
	return tap_done();
}
