#!/bin/bash
# Benchmarks that need no peer tools yet: opening the real Debian vmlinux
# files (cold: page cache dropped, needs root; warm), and a live "info" on a
# booted guest (RSP round trips and wall time).  Prints a Markdown table;
# bench/RESULTS.md keeps the figures recorded so far.
#
# Usage: bench/run.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
kinspect=$build/kinspect
runs=${BENCH_RUNS:-10}

# seconds CMD...: wall time of one run, in milliseconds.
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# median of the numbers on stdin
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "| kernel | vmlinux MB | cold open+info ms | warm open+info ms (median of $runs) | peak RSS MB |"
echo "|---|---|---|---|---|"
for suite in bookworm trixie; do
	dir=$("$top/tests/vm/fetch-kernel.sh" "$suite")
	v=$dir/vmlinux
	size=$(($(stat -c %s "$v") / 1048576))
	cold=n/a
	if [ -w /proc/sys/vm/drop_caches ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
		cold=$(ms "$kinspect" -k "$v" info)
	fi
	warm=$(for _ in $(seq "$runs"); do ms "$kinspect" -k "$v" info; done | median)
	rss=$(/usr/bin/time -f %M "$kinspect" -k "$v" info 2>&1 >/dev/null | tail -n1)
	echo "| $suite $(cat "$dir/release") | $size | $cold | $warm | $((rss / 1024)) |"
done

echo
echo "| kernel | live info round trips | of which connect | KASLR banner reads | wall ms |"
echo "|---|---|---|---|---|"
for suite in bookworm trixie; do
	export GUEST_LOG_TAG=bench
	out=$(KINSPECT_DEMO_CMD="t0=\$(date +%s%N); $kinspect --json -k @VMLINUX@ -t @GDB@ info; echo wall_ms=\$(( (\$(date +%s%N) - t0) / 1000000 ))" \
		"$top/tests/vm/demo.sh" "$suite" 2>/dev/null)
	trips=$(sed -n 's/.*"round_trips": \([0-9]*\).*/\1/p' <<<"$out")
	connect=$(sed -n 's/.*"connect_round_trips": \([0-9]*\).*/\1/p' <<<"$out")
	probes=$(sed -n 's/.*"kaslr_probes": \([0-9]*\).*/\1/p' <<<"$out")
	wall=$(sed -n 's/^wall_ms=//p' <<<"$out")
	echo "| $suite | $trips | $connect | $probes | $wall |"
done
