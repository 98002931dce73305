#!/bin/bash
# gdb's start-up on a live guest of each kernel, to the first command with
# every module's symbols loaded, first (empty caches) and later runs:
#   gdb alone   gdb -nx -batch VMLINUX, no index (index cache off), then
#               with gdb's index cache, empty (it writes the index) and
#               filled (the floor a session with an index can reach);
#   kinspect gdb -t GUEST -k VMLINUX -m MODDIR -batch: gdb with the proxy
#               as its target, every module's symbols, kinspect.gdb, the
#               plugin and gdb's index cache in kinspect's cache directory,
#               empty then filled.
# Each later row is the median of BENCH_RUNS (default 3) runs.  Prints a
# Markdown table.
#
# Usage: bench/gdb-start.sh [BUILD_DIR] [SUITE...]   (default _build; trixie trixie-backports)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/_build}" && pwd)
[ $# -gt 0 ] && shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie trixie-backports)
export KINSPECT=$build/kinspect
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
bench_runs=${BENCH_RUNS:-3}
GDB=${GDB:-gdb}

echo "| kernel | run | gdb alone, no index | gdb alone, index cache | kinspect gdb (proxy, modules, plugin) |"
echo "|---|---|---|---|---|"
for suite in "${suites[@]}"; do
	(
		export GUEST_LOG_TAG=bench-gdb-start-$suite
		# shellcheck source=../tests/vm/guest.sh
		. "$top/tests/vm/guest.sh"
		guest_start "$suite" >&2
		w=$GUEST_WORKDIR
		mkdir "$w/gdb-data"
		ln -s "$top/plugins/gdb/kinspect.gdb" "$build/plugins/gdb/.libs/kinspect-unwind.so" \
			"$build/plugins/gdb/kinspect-user-mode-cfi.o" "$w/gdb-data/"
		export KINSPECT_GDB_DATA=$w/gdb-data
		alone() { "$GDB" -nx -batch "$@" -ex 'info address linux_banner' "$GUEST_VMLINUX"; }
		kgdb() { XDG_CACHE_HOME=$1 "$KINSPECT" gdb -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch \
			-ex 'info sharedlibrary'; }
		no_index=$(bench_ms alone -iex 'set index-cache enabled off')
		idx=(-iex "set index-cache directory $w/gdb-index" -iex 'set index-cache enabled on')
		index_first=$(bench_ms alone "${idx[@]}")
		k_first=$(bench_ms kgdb "$w/cache")
		kgdb "$w/cache" | grep -c 'Yes' >"$w/modules-loaded" || true
		# Later runs: the index cache filled.
		no_index_later=$(for ((i = 0; i < bench_runs; i++)); do bench_ms alone -iex 'set index-cache enabled off'; done | median)
		index_later=$(for ((i = 0; i < bench_runs; i++)); do bench_ms alone "${idx[@]}"; done | median)
		k_later=$(for ((i = 0; i < bench_runs; i++)); do bench_ms kgdb "$w/cache"; done | median)
		release=$(cat "$(dirname "$GUEST_VMLINUX")/release" 2>/dev/null || echo "$suite")
		echo "| $release ($(cat "$w/modules-loaded") modules) | first | $no_index ms | $index_first ms | $k_first ms |"
		echo "| $release | later (median of $bench_runs) | $no_index_later ms | $index_later ms | $k_later ms |"
		guest_stop >&2
	)
done
