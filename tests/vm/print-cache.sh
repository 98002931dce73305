#!/bin/bash
# kinspect print and the layout cache against a guest, live through the
# gdbstub and on a dump taken at the same moment:
# - init_uts_ns's strings equal uname -r/-v/-n/-m in the guest, a pointer to
#   a global (init_nsproxy.uts_ns) equals /proc/kallsyms and is named, each
#   CPU's copy of the per-CPU runqueues says its own CPU number (for every
#   CPU the guest has), every module of /proc/modules prints as a struct
#   module with its name and state, JSON parses, a wild address names itself;
# - lsmod (--sections) on the dump prints the same cold (empty cache), warm
#   (no DWARF opened at all), with --no-cache, and after the cache file was
#   damaged (then rewritten).
#
# Usage: print-cache.sh bookworm|trixie|trixie-backports   (run by make check)
set -euo pipefail

suite=${1:?usage: print-cache.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=print-cache-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
command -v jq >/dev/null 2>&1 || die "jq not installed (Debian package jq)"

guest_start "$suite" qemu_fw_cfg dummy loop
work=$GUEST_WORKDIR
module_truth "$work"
for f in r v n m; do
	guest_run "uname -$f" | tr -d '\r' >"$work/uname-$f"
done
ncpu=$(guest_run nproc | tr -d '\r')
uts_addr=$(guest_run "grep ' init_uts_ns\$' /proc/kallsyms" | awk '{ print $1 }')
[ -n "$uts_addr" ] && [ "$ncpu" -ge 1 ] || die "guest facts: nproc '$ncpu', init_uts_ns '$uts_addr'"
say "guest: $(cat "$work/uname-r"), $ncpu CPUs, init_uts_ns at 0x$uts_addr"
dump=$work/guest.elf
guest_dump "$dump" paging=false format=elf

# value TARGET EXPR...: the value part of "kinspect print EXPR" (one line).
value() {
	local target=$1
	shift
	kinspect -k "$GUEST_VMLINUX" -t "$target" print "$@" >"$work/p.out" 2>"$work/p.err" ||
		{ cat "$work/p.err" >&2; die "print $* failed"; }
	sed -n '1s/^[^=]* = //p' "$work/p.out"
}

check_print() {
	local target=$1 label=$2 f member got cpu status
	for f in r:release v:version n:nodename m:machine; do
		member=${f#*:}
		got=$(value "$target" "init_uts_ns.name.$member")
		[ "$got" = "\"$(cat "$work/uname-${f%%:*}")\"" ] || die "$label: init_uts_ns.name.$member = $got, uname -${f%%:*} says $(cat "$work/uname-${f%%:*}")"
	done
	got=$(value "$target" init_nsproxy.uts_ns)
	[ "$got" = "0x$uts_addr <init_uts_ns>" ] || die "$label: init_nsproxy.uts_ns = $got, kallsyms 0x$uts_addr"
	for cpu in $(seq 0 $((ncpu - 1))); do
		got=$(value "$target" --cpu "$cpu" runqueues.cpu)
		[ "$got" = "$(printf '0x%x' "$cpu")" ] || die "$label: CPU $cpu's runqueues.cpu = $got"
	done
	# The CPU past the possible ones: refused, not read from the
	# NR_CPUS-sized offset table (freed memory showed as 0xcccccccc).
	status=0
	kinspect -k "$GUEST_VMLINUX" -t "$target" print --cpu "$ncpu" runqueues.cpu >"$work/p.out" 2>"$work/p.err" || status=$?
	[ "$status" = 1 ] && grep -q "CPU $ncpu is not possible: the kernel has $ncpu possible CPUs (nr_cpu_ids)" "$work/p.err" &&
		[ ! -s "$work/p.out" ] ||
		die "$label: print --cpu $ncpu (not a possible CPU): status $status: $(cat "$work/p.out" "$work/p.err")"
	status=0
	kinspect -k "$GUEST_VMLINUX" -t "$target" print runqueues >"$work/p.out" 2>"$work/p.err" || status=$?
	[ "$status" = 1 ] && grep -q 'per-CPU variable: say which CPU' "$work/p.err" ||
		die "$label: runqueues without --cpu: status $status: $(cat "$work/p.err")"
	say "ok: $label: init_uts_ns = uname, init_nsproxy.uts_ns = kallsyms, runqueues.cpu of $ncpu CPUs"

	# Every module, as a struct module at the address lsmod found.
	kinspect --json -k "$GUEST_VMLINUX" -t "$target" lsmod | jq -r '.[] | "\(.name) \(.module)"' >"$work/mods"
	[ -s "$work/mods" ] || die "$label: lsmod found no module"
	while read -r name addr; do
		kinspect --json -k "$GUEST_VMLINUX" -t "$target" print module "$addr" >"$work/m.json" 2>"$work/p.err" ||
			{ cat "$work/p.err"; die "$label: print module $addr failed"; }
		got=$(jq -r '"\(.value.name) \(.value.state) \(.address)"' "$work/m.json") || die "$label: JSON does not parse"
		[ "$got" = "$name MODULE_STATE_LIVE $addr" ] || die "$label: print module $addr: $got"
		grep -q "^$name " "$work/modules-want" || die "$label: $name is not in /proc/modules"
	done <"$work/mods"
	[ "$(wc -l <"$work/mods")" = "$(wc -l <"$work/modules-want")" ] || die "$label: module count differs"
	kinspect -k "$GUEST_VMLINUX" -t "$target" print 'struct module' "$(awk 'NR == 1 { print $2 }' "$work/mods")" >"$work/p.out"
	grep -q '^  state = MODULE_STATE_LIVE,$' "$work/p.out" && grep -q '^    prev = 0x[0-9a-f]* <modules>,*$' "$work/p.out" ||
		die "$label: text of struct module: $(head -12 "$work/p.out")"
	say "ok: $label: $(wc -l <"$work/mods") modules print with their names, live state, list head <modules>"

	status=0
	kinspect -k "$GUEST_VMLINUX" -t "$target" print module 0x10 >"$work/p.out" 2>"$work/p.err" || status=$?
	[ "$status" = 1 ] && [ "$(wc -l <"$work/p.err")" = 1 ] && grep -q '0x10' "$work/p.err" ||
		die "$label: wild address: status $status: $(cat "$work/p.err")"
	say "ok: $label: wild address: $(cat "$work/p.err")"
}

check_print "$GUEST_GDB" live
check_print "$dump" dump

# The layout cache, in a cache home of this test's own (only for kinspect:
# the test kernels stay where fetch-kernel.sh keeps them).
cache_home=$work/cache
build_id=$(kinspect --json -k "$GUEST_VMLINUX" info | jq -r .build_id)
cache_file=$cache_home/kinspect/layouts/$build_id.cache
lsmod_cached() { # lsmod_cached NAME [OPTIONS]: output in NAME.out, -vv log in NAME.err
	local name=$1
	shift
	XDG_CACHE_HOME=$cache_home kinspect -vv "$@" -k "$GUEST_VMLINUX" -t "$dump" lsmod --sections \
		>"$work/$name.out" 2>"$work/$name.err" || { cat "$work/$name.err"; die "lsmod ($name) failed"; }
}
lsmod_cached cold
grep -q 'debug: DWARF opened$' "$work/cold.err" || die "cold: $(tail -3 "$work/cold.err")"
[ -s "$cache_file" ] || die "no cache file $cache_file"
lsmod_cached warm
cmp -s "$work/cold.out" "$work/warm.out" || die "warm lsmod differs from cold"
grep -q 'debug: DWARF not opened (layout cache)$' "$work/warm.err" || die "warm run opened the DWARF"
lsmod_cached nocache --no-cache
cmp -s "$work/cold.out" "$work/nocache.out" || die "--no-cache lsmod differs"
grep -q 'debug: DWARF opened$' "$work/nocache.err" || die "--no-cache did not open the DWARF"
KINSPECT_NO_CACHE=1 lsmod_cached noenv
grep -q 'debug: DWARF opened$' "$work/noenv.err" || die "KINSPECT_NO_CACHE=1 did not open the DWARF"
say "ok: lsmod --sections warm = cold = --no-cache; warm opened no DWARF"
# Damaged: ignored (said with -v), same answers, rewritten whole.
size=$(stat -c %s "$cache_file")
printf '\xff\xff\xff\xff' | dd of="$cache_file" bs=1 seek=$((size / 2)) conv=notrunc status=none
cp "$cache_file" "$work/damaged.cache"
lsmod_cached damaged
cmp -s "$work/cold.out" "$work/damaged.out" || die "lsmod with a damaged cache differs"
grep -q 'ignoring the layout cache: .*checksum' "$work/damaged.err" || die "damaged cache not reported: $(cat "$work/damaged.err")"
! cmp -s "$cache_file" "$work/damaged.cache" || die "damaged cache not rewritten"
lsmod_cached rewritten
grep -q 'debug: DWARF not opened (layout cache)$' "$work/rewritten.err" || die "rewritten cache not used"
head -c 100 "$work/damaged.cache" >"$cache_file"
lsmod_cached truncated
cmp -s "$work/cold.out" "$work/truncated.out" || die "lsmod with a truncated cache differs"
say "ok: damaged and truncated cache files are ignored, answers unchanged, file rewritten"
# A right file that others could have written (mode 0644), or a link to
# one, is not trusted: ignored, said why, and replaced by a private file.
lsmod_cached good
[ "$(stat -c %a "$cache_file")" = 600 ] || die "the cache file's mode is $(stat -c %a "$cache_file"), not 600"
[ "$(stat -c %a "$(dirname "$cache_file")")" = 700 ] || die "the cache directory is not 0700"
chmod 0644 "$cache_file"
lsmod_cached open
cmp -s "$work/cold.out" "$work/open.out" || die "lsmod with an open cache file differs"
grep -q 'ignoring the layout cache: .*open to other users' "$work/open.err" || die "open cache file not reported: $(cat "$work/open.err")"
[ "$(stat -c %a "$cache_file")" = 600 ] || die "the open cache file was not replaced by a private one"
mv "$cache_file" "$work/elsewhere.cache"
ln -s "$work/elsewhere.cache" "$cache_file"
lsmod_cached link
grep -q 'ignoring the layout cache: .*symbolic link' "$work/link.err" || die "a link as cache not reported: $(cat "$work/link.err")"
[ -f "$cache_file" ] && [ ! -L "$cache_file" ] || die "the link was not replaced by a file"
say "ok: a cache file open to others, or a link, is ignored and replaced by a private file"

guest_stop
say "PASS"
