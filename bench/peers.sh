#!/bin/bash
# Side by side on the same dump (QEMU ELF, paging=true, with VMCOREINFO)
# and vmlinux: listing the modules with kinspect (lsmod), drgn (a loop over
# "modules", as drgn's own helpers do) and crash ("mod").  Each tool cold
# (host page cache dropped before every run, kinspect's layout and symbol
# caches empty: its first run on a new kernel) and warm (files in the page
# cache, kinspect's caches filled): time to the first module printed, time
# to the end, peak RSS, and the ratio kinspect/peer.  Cold runs need root
# (drop_caches); without it only warm rows are printed.  Prints a Markdown
# table.
#
# Usage: bench/peers.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench-peers
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
cold_runs=${BENCH_COLD_RUNS:-3}
# Debian's drgn is a module of Debian's Python, whatever python3 comes
# first on PATH.
python=/usr/bin/python3

write_peers() {
	cat >"$w/drgn-lsmod.py" <<'PY'
import sys, drgn
from drgn.helpers.linux.list import list_for_each_entry
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
for m in list_for_each_entry("struct module", prog["modules"].address_of_(), "list"):
    print(m.name.string_().decode())
PY
	printf 'mod\nquit\n' >"$w/crash.in"
}

# measure STATE PATTERN CMD...: "FIRST TOTAL RSS_MB STATUS" of the runs of
# CMD (cold: $cold_runs, each after dropping the page cache and emptying
# kinspect's cache; warm: one untimed run, then $bench_runs), FIRST and
# TOTAL as "min/median" ms (see first_answer), the peak RSS the largest.
# The last run's output is in $w/out.
measure() {
	local state=$1 pattern=$2 n=$bench_runs i first total rss st firsts=() totals=() peak=0 status=0
	shift 2
	if [ "$state" = warm ]; then
		"$@" >/dev/null 2>&1 || true
	else
		n=$cold_runs
	fi
	for ((i = 0; i < n; i++)); do
		if [ "$state" = cold ]; then
			rm -rf "$w/kcache"
			drop_page_cache
		fi
		read -r first total rss st < <(first_answer "$pattern" "$w/out" "$@")
		firsts+=("$first") totals+=("$total")
		[ "$rss" -gt "$peak" ] && peak=$rss
		[ "$st" = 0 ] || status=$st
	done
	echo "$(printf '%s\n' "${firsts[@]}" | grep -v n/a | min_median | tr -d ' ') $(printf '%s\n' "${totals[@]}" | min_median | tr -d ' ') $((peak / 1024)) $status"
}

# med "MIN/MEDIAN": the median.
med() { echo "${1#*/}"; }

echo "| kernel | tool | state | modules listed | first module ms min/median | total ms min/median | peak RSS MB | kinspect/tool, total | kinspect/tool, first | exit |"
echo "|---|---|---|---|---|---|---|---|---|---|"
states=warm
drop_page_cache && states="cold warm"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	w=$GUEST_WORKDIR
	nr=$(guest_run 'wc -l </proc/modules')
	dump=$w/peers.elf
	# paging=true: drgn 0.0.22 cannot translate through the page tables of
	# a physical-only QEMU dump ("recursive address translation").
	guest_dump "$dump" paging=true >&2
	guest_stop --keep-workdir >&2 || true
	write_peers
	crash_version=$(crash --version 2>/dev/null | awk 'NF { print $2; exit }')
	drgn_version=$($python -c 'import drgn; print(drgn.__version__)' 2>/dev/null)
	for state in $states; do
		# tool NAME PATTERN COUNT_PATTERN CMD...: one row.
		tool() {
			local name=$1 pattern=$2 count=$3 first total rss st listed
			shift 3
			read -r first total rss st < <(measure "$state" "$pattern" "$@")
			listed=$(grep -cE "$count" "$w/out" || true)
			if [ "$name" = kinspect ]; then
				k_first=$first k_total=$total
			fi
			echo "| $suite $GUEST_RELEASE | $name | $state | $listed of $nr | $first | $total | $rss |" \
				"$(ratio "$(med "$k_total")" "$(med "$total")") | $(ratio "$(med "$k_first")" "$(med "$first")") | $st |"
		}
		tool kinspect '^[a-z0-9_]+ +[a-z]+ +[0-9]+ 0x' '^[a-z0-9_]+ +[a-z]+ +[0-9]+ 0x' \
			env XDG_CACHE_HOME="$w/kcache" stdbuf -oL "$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" lsmod
		tool "drgn $drgn_version" '^[a-z0-9_]+$' '^[a-z0-9_]+$' \
			$python -u "$w/drgn-lsmod.py" "$dump" "$GUEST_VMLINUX"
		bench_runs=3 tool "crash $crash_version mod" '^[0-9a-f]{16} ' '^[0-9a-f]{16} ' \
			stdbuf -oL timeout 300 crash -s -i "$w/crash.in" "$GUEST_VMLINUX" "$dump"
		# Why crash fails, if it does.
		cat "$w/out" "$w/out.err" | grep -m1 -iE 'cannot|invalid|error|not match' | cut -c1-160 | sed "s/^/bench-peers: $suite crash: /" >&2 || true
	done
	rm -rf "$w"
done
