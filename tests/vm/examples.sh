#!/bin/bash
# The examples/ programs, built against an installed libkinspect only
# ("make install DESTDIR=", then pkg-config), run on a real kernel live and
# on its dump, agree with the kinspect program on the same targets.
#
# Usage: examples.sh bookworm|trixie|trixie-backports   (run by make check)
set -euo pipefail

suite=${1:?usage: examples.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=examples-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"

# The library as a user gets it: installed into a tree of our own.
root=$(mktemp -d "${TMPDIR:-/tmp}/kinspect-examples.XXXXXX")
trap 'rm -rf "$root"' EXIT
# One install at a time: the three suites' tests run in parallel, and
# libtool relinks in the build tree while it installs.
flock "$top_builddir/.examples-install.lock" make -s -C "$top_builddir" install DESTDIR="$root" >"$root/install.log" 2>&1 ||
	{ cat "$root/install.log"; die "make install DESTDIR=$root failed"; }
pc=$(find "$root" -name kinspect.pc | head -1)
[ -n "$pc" ] || die "no kinspect.pc installed"
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=${pc%/kinspect.pc}
libdir=$(pkg-config --variable=libdir kinspect)
# pkgconf puts the sysroot in front of variables, pkg-config does not.
case $libdir in "$root"/*) ;; *) libdir=$root$libdir ;; esac
flags=$(pkg-config --cflags --libs kinspect) || die "pkg-config cannot use the installed kinspect.pc"
case $flags in *"$root"*) ;; *) die "pkg-config's flags do not point into the installed tree: $flags" ;; esac
for ex in lsmod task-stacks break-args seed-9p page-info; do
	# A sanitized library wants sanitized programs (the ASan runtime first).
	# shellcheck disable=SC2086 # pkg-config's and the flags' words
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror ${SANITIZER_CFLAGS:-} -o "$root/$ex" "$top_srcdir/examples/$ex.c" $flags ||
		die "examples/$ex.c does not build against the installed library"
done
# It runs on the installed library, not the build tree's.
# (ldd's output kept first: grep -q ending the pipe early is a SIGPIPE
# failure under pipefail.)
linked=$(LD_LIBRARY_PATH=$libdir ldd "$root/lsmod")
grep -q "$root.*libkinspect.so" <<<"$linked" ||
	die "examples/lsmod is not linked with the installed libkinspect.so"
run_example() { LD_LIBRARY_PATH=$libdir ${KINSPECT_WRAPPER:-} "$root/$@"; }

guest_start "$suite"
w=$GUEST_WORKDIR
guest_dump "$w/dump.elf" || die "no dump"

# lsmod: name, state, size, base, refcount, build-id and file as kinspect's.
check_lsmod() { # TARGET LABEL
	run_example lsmod "$GUEST_VMLINUX" "$1" "$GUEST_MODDIR" >"$w/example.out" 2>"$w/example.err" ||
		{ cat "$w/example.err"; die "$2: examples/lsmod failed"; }
	kinspect --json -k "$GUEST_VMLINUX" -t "$1" -m "$GUEST_MODDIR" lsmod 2>/dev/null |
		jq -r '.[] | "\(.name) \(.state) \(.size) \(.base) \(.refcount) \(.build_id // "-") \(.file // "-")"' \
			>"$w/cli.out"
	sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/' "$w/example.out" | tr -s ' ' >"$w/example.norm"
	sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/' "$w/cli.out" >"$w/cli.norm"
	[ "$(wc -l <"$w/cli.norm")" -ge 3 ] || die "$2: kinspect lsmod listed $(wc -l <"$w/cli.norm") modules"
	diff -u "$w/cli.norm" "$w/example.norm" || die "$2: examples/lsmod disagrees with kinspect lsmod"
	grep -q ' /' "$w/example.out" || die "$2: examples/lsmod matched no .ko file"
	say "ok: $2: examples/lsmod lists the $(wc -l <"$w/example.out") modules kinspect lsmod does, build-ids and .ko files alike"
}
check_lsmod "$GUEST_GDB" live
expect_running() {
	guest_qmp '{"execute":"query-status"}' | grep -q '"status": *"running"' || die "$1: the guest is not running"
}
expect_running "after examples/lsmod live"
check_lsmod "$w/dump.elf" dump

# task-stacks: every task in a state with its stack, as kinspect ps and
# bt --task give them (on the dump, where nothing moves; S: sleeping tasks,
# since an idle guest has none in D).
check_task_stacks() { # TARGET LABEL STATE
	run_example task-stacks "$GUEST_VMLINUX" "$1" "$3" "$GUEST_MODDIR" >"$w/stacks.out" 2>"$w/stacks.err" ||
		{ cat "$w/stacks.err"; die "$2: examples/task-stacks failed"; }
	kinspect --json -k "$GUEST_VMLINUX" -t "$1" ps | jq -r --arg s "$3" '.[] | select(.state == $s) | .pid' \
		>"$w/pids"
	[ "$(wc -l <"$w/pids")" -ge 3 ] || die "$2: only $(wc -l <"$w/pids") tasks in state $3"
	sed 's/^/bt --task /' "$w/pids" >"$w/bt.script"
	kinspect --json -k "$GUEST_VMLINUX" -t "$1" -m "$GUEST_MODDIR" -x "$w/bt.script" |
		jq -r '.[] | "pid \(.pid)", (.frames[] | "#\(.index) \(.ip) \(.symbol)")' >"$w/cli.stacks"
	awk '/^pid / { print $1, $2; next } /^  #/ { print $1, $2, $3, $4 }' "$w/stacks.out" |
		sed 's/ *$//; s/ 0x0*\([0-9a-f]\)/ 0x\1/' >"$w/example.stacks"
	diff -u "$w/cli.stacks" "$w/example.stacks" || die "$2: examples/task-stacks disagrees with kinspect bt --task"
	say "ok: $2: examples/task-stacks gives the stacks of the $(wc -l <"$w/pids") tasks in state $3 as kinspect bt does"
}
check_task_stacks "$w/dump.elf" dump S

# break-args: the arguments and the stack at a hit of shmem_file_read_iter (a
# read of a tmpfs file) as kinspect break and bt give them.  kinspect break
# leaves the guest stopped at its hit (--keep-stopped); the example's
# breakpoint at the same address is then hit at once by the same vCPU (QEMU
# stops at a breakpoint at the pc it resumes from), so both see one hit.
check_break_args() {
	local f=shmem_file_read_iter trigger
	BREAK_OUT=$w/break.jsonl
	BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 60 --do 'bt --cpu {cpu}' "$f"
	GUEST_RUN_TIMEOUT=120 guest_run 'dd if=/bin/busybox of=/dev/null bs=512 count=1 2>/dev/null; echo read' \
		>"$w/trigger.out" 2>&1 &
	trigger=$!
	break_wait 0
	run_example break-args "$GUEST_VMLINUX" "$GUEST_GDB" "$f" "$GUEST_MODDIR" >"$w/break-args.out" \
		2>"$w/break-args.err" || { cat "$w/break-args.err"; die "examples/break-args failed"; }
	[[ $(guest_qmp '{"execute":"query-status"}') != *'"running": true'* ]] ||
		die "examples/break-args: a guest stopped before runs afterwards"
	guest_resume || die "cannot resume the guest"
	wait "$trigger" || die "the read in the guest failed: $(cat "$w/trigger.out")"
	{
		jq -r 'select(type == "object" and has("hit")) | "hit \(.function) at \(.address) on cpu \(.cpu) task \(.task)",
			(.args[] | "  \(.name) = \(.value) (\(.type))")' "$BREAK_OUT"
		jq -r 'select(type == "array") | .[0].frames[] | "  #\(.index) \(.ip) \(.symbol)"' "$BREAK_OUT"
	} | sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/g' >"$w/cli.break"
	sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/g' "$w/break-args.out" >"$w/example.break"
	grep -q '^  to = 0x[0-9a-f]* (struct iov_iter \*)$' "$w/example.break" && grep -q '^  #1 ' "$w/example.break" ||
		die "examples/break-args: no argument 'to' or no stack: $(cat "$w/break-args.out")"
	diff -u "$w/cli.break" "$w/example.break" || die "examples/break-args disagrees with kinspect break and bt"
	say "ok: examples/break-args gives the hit's $(grep -c ' = ' "$w/example.break") arguments and $(grep -c '#' "$w/example.break") frames as kinspect break and bt do"
}
check_break_args
expect_running "after examples/break-args"

# seed-9p, the seeds' scenario: a 9p read caught at p9_client_read_once and
# its ITER_FOLIOQ decoded, as kinspect break --do 'iov-iter {to}' decodes
# the same hit (the guest held there by --keep-stopped, as for break-args).
check_seed_9p() {
	local trigger ino
	head -c 12943 /dev/urandom >"$GUEST_SHARE/seed.bin"
	ino=$(guest_run 'echo 3 >/proc/sys/vm/drop_caches; stat -c %i /mnt/seed.bin')
	BREAK_OUT=$w/seed.jsonl
	BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 60 --do 'iov-iter {to}' \
		p9_client_read_once
	GUEST_RUN_TIMEOUT=120 guest_run 'md5sum /mnt/seed.bin >/dev/null; echo read' >"$w/seed-trigger.out" 2>&1 &
	trigger=$!
	break_wait 0
	run_example seed-9p "$GUEST_VMLINUX" "$GUEST_GDB" "$GUEST_MODDIR" >"$w/seed.out" 2>"$w/seed.err" ||
		{ cat "$w/seed.err"; die "examples/seed-9p failed"; }
	guest_resume || die "cannot resume the guest"
	wait "$trigger" || die "the read in the guest failed: $(cat "$w/seed-trigger.out")"
	sed 's/^/    /' "$w/seed.out"
	jq -r 'select(has("segments")) | "\(.type) \(.direction) \(.count) \(.iov_offset)",
		(.segments[] | "\(.state) \(.folio) \(.size) \(.done) \(.order) \(.folio_info.mapping_kind) \(.folio_info.ino) \(.folio_info.index)")' \
		"$BREAK_OUT" | sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/' >"$w/cli.seed"
	awk '/^iov_iter / { print $3, $4, $6, $8 } /^  #/ { print $2, $3, $5, $7, $9, $10, $12, $14 }' "$w/seed.out" |
		sed 's/ 0x0*\([0-9a-f]\)/ 0x\1/' >"$w/example.seed"
	grep -q '^ITER_FOLIOQ dest ' "$w/example.seed" || die "examples/seed-9p: not an ITER_FOLIOQ destination"
	grep -q " file $ino " "$w/example.seed" || die "examples/seed-9p: no folio of /mnt/seed.bin (inode $ino)"
	diff -u "$w/cli.seed" "$w/example.seed" || die "examples/seed-9p disagrees with kinspect break --do 'iov-iter {to}'"
	say "ok: examples/seed-9p decodes the hit's ITER_FOLIOQ and its $(grep -c '^  #' "$w/seed.out") folios of inode $ino as kinspect does"
}
if [ "$suite" = trixie ]; then
	check_seed_9p
	expect_running "after examples/seed-9p"
fi

# Errors are the library's, named: a missing vmlinux, a bad target.
status=0
run_example lsmod /nonexistent "$w/dump.elf" >/dev/null 2>"$w/err" || status=$?
[ "$status" = 1 ] && grep -q '^lsmod: cannot open vmlinux: /nonexistent: No such file or directory' "$w/err" ||
	die "missing vmlinux: status $status: $(cat "$w/err")"
status=0
run_example lsmod "$GUEST_VMLINUX" "$w/no-such-dump" >/dev/null 2>"$w/err" || status=$?
[ "$status" = 1 ] && grep -q 'no such file, and not HOST:PORT or unix:PATH' "$w/err" ||
	die "bad target: status $status: $(cat "$w/err")"
say "ok: errors name their cause"
guest_stop
say "PASS"
