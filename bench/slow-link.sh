#!/bin/bash
# Wall time of a live lsmod over a slow link: kinspect talks to the guest's
# gdbstub through tests/target/fault-relay in "delay" mode, which holds
# every batch of kinspect's bytes DELAY ms (a round-trip time of DELAY ms).
# Each build dir's kinspect runs lsmod RUNS times (a relay per run); prints
# a Markdown table of round trips and the median wall time.
#
# Usage: bench/slow-link.sh DELAY_MS RUNS BUILD_DIR...   (the first build
# dir's fault-relay is used; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
delay=${1:?usage: slow-link.sh DELAY_MS RUNS BUILD_DIR...}
runs=${2:?usage: slow-link.sh DELAY_MS RUNS BUILD_DIR...}
shift 2
[ $# -ge 1 ] || { echo "usage: slow-link.sh DELAY_MS RUNS BUILD_DIR..." >&2; exit 2; }
relay=$1/tests/target/fault-relay
[ -x "$relay" ] || { echo "no $relay: make check_PROGRAMS in $1" >&2; exit 2; }
export GUEST_LOG_TAG=bench
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"

# once KINSPECT CMD...: "round trips wall_ms" of one run through a fresh relay.
once() {
	local k=$1 port pid t0 t1 n
	shift
	rm -f "$GUEST_WORKDIR/relay-port"
	"$relay" "$GUEST_WORKDIR/relay-port" "$GUEST_GDB" delay "$delay" &
	pid=$!
	for _ in $(seq 100); do [ -s "$GUEST_WORKDIR/relay-port" ] && break; sleep 0.05; done
	port=$(cat "$GUEST_WORKDIR/relay-port")
	t0=$(date +%s%N)
	n=$("$k" -vv -k "$GUEST_VMLINUX" -t "127.0.0.1:$port" -m "$GUEST_MODDIR" "$@" 2>&1 >/dev/null |
		sed -n 's/.*: \([0-9]*\) round trips.*/\1/p' | tail -n1)
	t1=$(date +%s%N)
	wait "$pid" 2>/dev/null || true
	echo "$n $(((t1 - t0) / 1000000))"
}

echo "| kernel | modules | build | command | round trips | median wall ms ($runs runs, ${delay} ms a round trip) |"
echo "|---|---|---|---|---|---|"
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	nr=$(guest_run 'wc -l </proc/modules')
	for dir in "$@"; do
		for cmd in "sym init_task" "lsmod"; do
			: >"$GUEST_WORKDIR/times"
			for _ in $(seq "$runs"); do
				# shellcheck disable=SC2086 # the command's words
				once "$dir/kinspect" $cmd >>"$GUEST_WORKDIR/times"
			done
			trips=$(awk '{ print $1 }' "$GUEST_WORKDIR/times" | sort -n | uniq | paste -sd/)
			median=$(awk '{ print $2 }' "$GUEST_WORKDIR/times" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
			echo "| $suite $GUEST_RELEASE | $nr | $dir | $cmd | $trips | $median |"
		done
	done
	guest_stop >&2
done
