#!/bin/bash
# Side by side on the same dump (QEMU ELF, paging=true) and vmlinux: listing modules with kinspect,
# drgn (list_for_each_entry over "modules"; dumps with VMCOREINFO only) and
# crash ("mod").  Wall time (median of BENCH_RUNS, default 5), peak RSS, and
# the ratio peer/kinspect.  Each kernel's guest gets qemu_fw_cfg loaded, so
# its dump has VMCOREINFO.  Prints a Markdown table.
#
# Usage: bench/peers.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
runs=${BENCH_RUNS:-5}

# measure CMD...: "median-ms peak-rss-MB status" of $runs runs.
measure() {
	local i t0 t1 times=() rss=0 r status=0
	for i in $(seq "$runs"); do
		t0=$(date +%s%N)
		/usr/bin/time -f %M -o "$GUEST_WORKDIR/rss" "$@" >"$GUEST_WORKDIR/peer.out" 2>&1 || status=$?
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000000)))
		r=$(tail -n1 "$GUEST_WORKDIR/rss")
		[ "$r" -gt "$rss" ] 2>/dev/null && rss=$r
	done
	echo "$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') $((rss / 1024)) $status"
}

# Debian's drgn is a module of Debian's Python (/usr/bin/python3), whatever
# python3 comes first on PATH.
write_peers() {
	cat >"$GUEST_WORKDIR/drgn-lsmod.py" <<'PY'
import sys, drgn
from drgn.helpers.linux.list import list_for_each_entry
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    print(m.name.string_().decode())
PY
	printf 'mod\nquit\n' >"$GUEST_WORKDIR/crash.in"
}

echo "| kernel | tool | modules listed | median ms | peak RSS MB | ratio to kinspect (time) | notes |"
echo "|---|---|---|---|---|---|---|"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	nr=$(guest_run 'wc -l </proc/modules')
	dump=$GUEST_WORKDIR/peers.elf
	# paging=true: drgn 0.0.22 cannot translate through the page tables of
	# a physical-only QEMU dump ("recursive address translation").
	guest_dump "$dump" paging=true >&2
	guest_stop --keep-workdir >&2 || true
	write_peers
	# kinspect: cold (empty caches) once, then warm.
	XDG_CACHE_HOME=$GUEST_WORKDIR/cache "$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" lsmod >/dev/null
	read -r k_ms k_rss k_st < <(measure "$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" lsmod)
	k_n=$("$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" lsmod | awk 'NR > 1 && !/^ /' | wc -l)
	echo "| $suite $GUEST_RELEASE | kinspect lsmod (warm caches) | $k_n of $nr | $k_ms | $k_rss | 1 | exit $k_st |"
	read -r d_ms d_rss d_st < <(measure /usr/bin/python3 "$GUEST_WORKDIR/drgn-lsmod.py" "$dump" "$GUEST_VMLINUX")
	d_n=$(grep -cv -e '^$' -e 'warning' "$GUEST_WORKDIR/peer.out" || true)
	echo "| $suite $GUEST_RELEASE | drgn $(/usr/bin/python3 -c 'import drgn; print(drgn.__version__)' 2>/dev/null) | $( [ "$d_st" = 0 ] && echo "$d_n of $nr" || echo failed) | $d_ms | $d_rss | $(awk -v a="$d_ms" -v b="$k_ms" 'BEGIN { printf "%.0f", a / (b ? b : 1) }') | exit $d_st |"
	read -r c_ms c_rss c_st < <(BENCH_RUNS=1 runs=1 measure timeout 120 crash -s -i "$GUEST_WORKDIR/crash.in" "$GUEST_VMLINUX" "$dump")
	c_note=$(grep -m1 -iE 'cannot|invalid|error' "$GUEST_WORKDIR/peer.out" | cut -c1-80 | tr '|' '/' || true)
	c_n=$(grep -cE '^[0-9a-f]{16} ' "$GUEST_WORKDIR/peer.out" || true)
	echo "| $suite $GUEST_RELEASE | crash $(crash --version 2>/dev/null | awk 'NF { print $2; exit }') mod | $c_n of $nr | $c_ms | $c_rss | $(awk -v a="$c_ms" -v b="$k_ms" 'BEGIN { printf "%.0f", a / (b ? b : 1) }') | exit $c_st ${c_note:+: $c_note} |"
	rm -rf "$GUEST_WORKDIR"
done
