#!/bin/bash
# RSP round trips and wall time of kinspect commands on a live guest of each
# test kernel, with and without the memory cache in front of the gdbstub
# (KINSPECT_NO_MEMORY_CACHE).  Prints a Markdown table.
#
# Usage: bench/live-rsp.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"

# trips LABEL CMD...: "round trips | wall ms" of one kinspect run (from -vv).
trips() {
	local t0 t1 n
	t0=$(date +%s%N)
	n=$("$KINSPECT" -vv -k "$GUEST_VMLINUX" -t "$GUEST_GDB" -m "$GUEST_MODDIR" "$@" 2>&1 >/dev/null |
		sed -n 's/.*: \([0-9]*\) round trips.*/\1/p' | tail -n1)
	t1=$(date +%s%N)
	echo "$n | $(((t1 - t0) / 1000000))"
}

echo "| kernel | command | modules | round trips (cache) | wall ms (cache) | round trips (no cache) | wall ms (no cache) |"
echo "|---|---|---|---|---|---|---|"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	nr=$(guest_run 'wc -l </proc/modules')
	for cmd in "info" "lsmod" "lsmod --sections" "sym init_task" "print init_uts_ns"; do
		# shellcheck disable=SC2086 # the command's words
		"$KINSPECT" -k "$GUEST_VMLINUX" help ${cmd%% *} >/dev/null 2>&1 || continue
		# shellcheck disable=SC2086
		with=$(trips $cmd)
		# shellcheck disable=SC2086
		without=$(KINSPECT_NO_MEMORY_CACHE=1 trips $cmd)
		echo "| $suite $GUEST_RELEASE | $cmd | $nr | $with | $without |"
	done
	guest_stop >&2
done
