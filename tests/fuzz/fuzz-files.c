/* libFuzzer harness for the file readers: the input is written to a memory
 * file and opened as a vmlinux and as a QEMU ELF dump; whatever the bytes,
 * opening, symbol lookups and memory reads must end in a result or an error,
 * never a crash, a leak or a hang.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Built and run by tests/fuzz/fuzz-bounded.test; by hand, in a build tree:
 *   make fuzz-library && . tests/fuzz/fuzz-flags.sh
 *   $fuzz_cc $fuzz_cflags SRCDIR/tests/fuzz/fuzz-files.c $fuzz_libs -o fuzz-files */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kinspect/vmlinux.h>

#include "debuginfo/dwarf-types.h"
#include "target/elf-dump.h"

static void try_vmlinux(const char *path)
{
	struct kinspect_vmlinux *v;
	struct kinspect_error *err = kinspect_vmlinux_open(path, &v);
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	uint64_t addr, size, offset;
	const char *name;
	uint8_t buf[64];
	if (!(err = kinspect_vmlinux_symbol(v, "linux_banner", &addr, &size))) {
		kinspect_error_destroy(kinspect_vmlinux_read(v, addr, buf, sizeof(buf)));
		kinspect_error_destroy(kinspect_vmlinux_symbolize(v, addr + 1, &name, &offset));
	}
	kinspect_error_destroy(err);
	kinspect_error_destroy(kinspect_vmlinux_symbolize(v, 0xffffffff81000000ULL, &name, &offset));
	kinspect_vmlinux_destroy(v);
}

/* The DWARF layer on the same bytes: types, members, enums, arrays. */
static void try_dwarf(const char *path)
{
	struct kinspect_dwarf_types *t;
	struct kinspect_error *err = kinspect_dwarf_types_create(path, &t);
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	uint64_t u;
	int64_t v;
	bool has;
	struct kinspect_dwarf_member m;
	kinspect_error_destroy(kinspect_dwarf_types_sizeof(t, "struct module", &u));
	kinspect_error_destroy(kinspect_dwarf_types_member(t, "struct module", "mem[1].base", &m));
	kinspect_error_destroy(kinspect_dwarf_types_has_member(t, "struct iov_iter", "__ubuf_iovec.iov_len", &has));
	kinspect_error_destroy(kinspect_dwarf_types_array_length(t, "struct folio_queue", "vec.folios", &u));
	kinspect_error_destroy(kinspect_dwarf_types_enum_value(t, "ITER_FOLIOQ", &v));
	kinspect_error_destroy(kinspect_dwarf_types_sizeof(t, "int", &u));
	kinspect_dwarf_types_destroy(t);
}

static void try_dump(const char *path)
{
	struct kinspect_elf_dump *d;
	struct kinspect_error *err = kinspect_elf_dump_open(path, &d);
	if (err) {
		kinspect_error_destroy(err);
		return;
	}
	uint8_t buf[4096];
	static const uint64_t addrs[] = { 0, 0x1000, 0xffffffff81000000ULL, 0xffff888000000000ULL };
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		kinspect_error_destroy(kinspect_elf_dump_read_phys(d, addrs[i], buf, sizeof(buf)));
		kinspect_error_destroy(kinspect_elf_dump_read_virt(d, addrs[i], buf, sizeof(buf)));
	}
	kinspect_elf_dump_destroy(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		try_vmlinux(path);
		try_dwarf(path);
		try_dump(path);
	}
	close(fd);
	return 0;
}
