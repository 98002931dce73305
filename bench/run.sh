#!/bin/bash
# Every benchmark, one after the other: their tables in one Markdown
# document on stdout and in $BENCH_OUT (default BUILD_DIR/bench-results.md).
#   vmlinux      opening the real Debian vmlinux files (cold: page cache
#                dropped, needs root; warm)   (here)
#   live-rsp     RSP round trips, bytes and wall time of live commands
#   bt-dump      kinspect bt on a dump
#   layout-cache the layout cache on a dump (one per kernel, taken here)
#   gdb-session  one gdb session, direct to QEMU and through gdb-proxy
#   peers        listing modules: kinspect, drgn and crash, cold and warm
# Nothing here asserts a time (benchmarks are not tests; make check does
# not run them).  The machine's load moves every figure: compare ratios and
# minimums, and say what else ran.  bench/RESULTS.md keeps the figures.
#
# Usage: bench/run.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
#   BENCH_RUNS (5) timed runs per figure, BENCH_COLD_RUNS (3) cold ones,
#   BENCH_ONLY="live-rsp peers" runs only those.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
kinspect=$build/kinspect
[ -x "$kinspect" ] || { echo "no $kinspect: build first (tests/bootstrap setup)" >&2; exit 1; }
out=${BENCH_OUT:-$build/bench-results.md}
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
bench_program kinspect

wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }

vmlinux_table() {
	echo "| kernel | vmlinux MB | cold open+info ms | warm open+info ms min / median of $bench_runs | peak RSS MB |"
	echo "|---|---|---|---|---|"
	local suite dir v size cold rss
	for suite in bookworm trixie; do
		dir=$("$top/tests/vm/fetch-kernel.sh" "$suite")
		v=$dir/vmlinux
		size=$(($(stat -c %s "$v") / 1048576))
		cold=n/a
		drop_page_cache && cold=$(bench_ms "$kinspect" -k "$v" info)
		rss=$(/usr/bin/time -f %M "$kinspect" -k "$v" info 2>&1 >/dev/null | tail -n1)
		echo "| $suite $(cat "$dir/release") | $size | $cold | $(bench_time "$kinspect" -k "$v" info) | $((rss / 1024)) |"
	done
}

# layout_cache_tables: bench/layout-cache.sh on a fresh dump of each kernel.
layout_cache_tables() {
	(
		export GUEST_LOG_TAG=bench-layout-cache KINSPECT=$kinspect
		# shellcheck source=../tests/vm/guest.sh
		. "$top/tests/vm/guest.sh"
		for suite in bookworm trixie; do
			guest_start "$suite" >&2
			guest_dump "$GUEST_WORKDIR/bench.elf" >&2
			guest_stop --keep-workdir >&2
			echo "$suite $GUEST_RELEASE:"
			echo
			BENCH_RUNS=${BENCH_RUNS:-20} "$top/bench/layout-cache.sh" "$GUEST_VMLINUX" "$GUEST_WORKDIR/bench.elf" "$build"
			echo
			rm -rf "$GUEST_WORKDIR"
		done
	)
}

# section NAME TITLE CMD...: a heading and CMD's table, if NAME is wanted.
section() {
	local name=$1 title=$2
	shift 2
	wanted "$name" || return 0
	echo "bench: $name" >&2
	printf '\n### %s (%s)\n\n' "$title" "$name"
	local st=0
	"$@" || st=$?
	# One benchmark failing leaves the others to run.
	[ "$st" = 0 ] || echo "($name failed with exit status $st: see its messages on stderr)"
}

{
	echo "## $(date -u +%Y-%m-%d) — bench/run.sh, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at start"
	section vmlinux "Opening vmlinux and info" vmlinux_table
	section live-rsp "Live commands: RSP round trips, bytes, wall time" "$top/bench/live-rsp.sh" "$build"
	section bt-dump "bt on a dump" "$top/bench/bt-dump.sh" "$build"
	section layout-cache "Layout cache on a dump" layout_cache_tables
	section gdb-session "gdb session, direct and through gdb-proxy" "$top/bench/gdb-session.sh" "$build"
	section peers "Listing modules: kinspect, drgn, crash" "$top/bench/peers.sh" "$build"
	echo
	echo "Load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
echo "bench: tables written to $out" >&2
