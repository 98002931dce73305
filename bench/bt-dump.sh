#!/bin/bash
# Time of "kinspect bt" on a dump of each test kernel: one process per trace
# (cold layout cache, then warm), and many traces in one -x session.
# Prints a Markdown table.
#
# Usage: bench/bt-dump.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
bench_runs=${BENCH_RUNS:-10}

echo "| kernel | frames (cpu 0) | bt, cold cache ms | bt warm ms min / median of $bench_runs | 20 traces in one -x run ms min / median |"
echo "|---|---|---|---|---|"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	dump=$GUEST_WORKDIR/bench.elf
	guest_dump "$dump" >&2
	k=("$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" -m "$GUEST_MODDIR")
	frames=$("${k[@]}" bt --cpu 0 | grep -c '^ *#')
	cold=$(XDG_CACHE_HOME=$GUEST_WORKDIR/cache bench_ms "${k[@]}" bt --cpu 0)
	warm=$(bench_time "${k[@]}" bt --cpu 0)
	for _ in $(seq 20); do echo "bt --cpu 0"; done >"$GUEST_WORKDIR/script"
	batch=$(bench_time "${k[@]}" -x "$GUEST_WORKDIR/script")
	echo "| $suite $GUEST_RELEASE | $frames | $cold | $warm | $batch |"
	guest_stop >&2
done
