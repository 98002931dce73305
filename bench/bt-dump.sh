#!/bin/bash
# Time of "kinspect bt" on a dump of each test kernel: one process per trace
# (cold layout cache, then warm), and many traces in one -x session.
# Prints Markdown tables.
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

# A deep stack (tests/vm/deep-stack.sh: the guest stopped deep in a 9p read
# under an exec, about 30 frames; trixie, whose cloud-less kernel has 9p),
# on both ELF layouts: paging=true (tens of thousands of segments, found by
# binary search) and paging=false (page-table walks).  Warm: after one run.
# shellcheck source=../tests/vm/target-checks.sh
. "$top/tests/vm/target-checks.sh"
# shellcheck source=../tests/vm/break-helpers.sh
. "$top/tests/vm/break-helpers.sh"
# shellcheck source=../tests/vm/deep-stack.sh
. "$top/tests/vm/deep-stack.sh"
deep_runs=${BENCH_DEEP_RUNS:-30}
echo
echo "Deep stack, warm, $deep_runs runs (hyperfine -N):"
echo
echo "| kernel | dump | kernel frames | bt --cpu min ms | median ms | mean ms |"
echo "|---|---|---|---|---|---|"
guest_start trixie >&2
deep_stack_stop "$GUEST_WORKDIR" >&2
for paging in true false; do
	dump=$GUEST_WORKDIR/deep-$paging.elf
	guest_dump "$dump" paging=$paging >&2
	k=("$KINSPECT" -k "$GUEST_VMLINUX" -t "$dump" -m "$GUEST_MODDIR")
	frames=$("${k[@]}" bt --cpu "$DEEP_CPU" | grep -c '^#[0-9]* *0xffff')
	hyperfine -N -w 3 -r "$deep_runs" --export-json "$GUEST_WORKDIR/h.json" \
		"${k[*]} bt --cpu $DEEP_CPU" >/dev/null 2>&1
	stats=$(jq -r '.results[0] | [.min, .median, .mean] | map(. * 1000 | . * 10 | round / 10) | join(" | ")' "$GUEST_WORKDIR/h.json")
	echo "| trixie $GUEST_RELEASE | elf paging=$paging | $frames | $stats |"
	rm -f "$dump"
done
guest_stop >&2
