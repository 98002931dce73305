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
for ex in lsmod task-stacks; do
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
