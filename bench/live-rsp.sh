#!/bin/bash
# RSP round trips, "m" packets and wall time of kinspect commands on a live
# guest of each test kernel, with and without the memory cache in front of
# the gdbstub (KINSPECT_NO_MEMORY_CACHE; without it nothing is batched).
# A round trip is one wait for the stub: one command, or one batch of
# pipelined "m" reads.  Prints a Markdown table.
#
# Usage: bench/live-rsp.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"

# trips CMD...: "round trips | m packets | wall ms" of one kinspect run (from -vv).
trips() {
	local t0 t1 line n m
	t0=$(date +%s%N)
	line=$("$KINSPECT" -vv -k "$GUEST_VMLINUX" -t "$GUEST_GDB" -m "$GUEST_MODDIR" "$@" 2>&1 >/dev/null |
		grep ' round trips ' | tail -n1)
	t1=$(date +%s%N)
	n=$(sed -n 's/.*: \([0-9]*\) round trips.*/\1/p' <<<"$line")
	m=$(sed -n 's/.* \([0-9]*\) memory reads.*/\1/p' <<<"$line")
	echo "$n | $m | $(((t1 - t0) / 1000000))"
}

echo "| kernel | command | modules | round trips (cache) | m packets (cache) | wall ms (cache) | round trips (no cache) | m packets (no cache) | wall ms (no cache) |"
echo "|---|---|---|---|---|---|---|---|---|"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	nr=$(guest_run 'wc -l </proc/modules')
	for cmd in "info" "lsmod" "--json lsmod" "lsmod --sections" "sym init_task" "print init_uts_ns"; do
		name=${cmd#--json }
		# shellcheck disable=SC2086 # the command's words
		"$KINSPECT" -k "$GUEST_VMLINUX" help ${name%% *} >/dev/null 2>&1 || continue
		# shellcheck disable=SC2086
		with=$(trips $cmd)
		# shellcheck disable=SC2086
		without=$(KINSPECT_NO_MEMORY_CACHE=1 trips $cmd)
		echo "| $suite $GUEST_RELEASE | $cmd | $nr | $with | $without |"
	done
	guest_stop >&2
done
