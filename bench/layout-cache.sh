#!/bin/bash
# Layout cache figures: kinspect on a dump with an empty cache (--no-cache:
# every answer from the DWARF) and with a warm one (no DWARF opened), plus
# info and print, with hyperfine (its Markdown table on stdout, its
# progress on stderr); peak RSS of the cold runs with /usr/bin/time.  The
# cache goes to a scratch XDG_CACHE_HOME.
#
# Usage: bench/layout-cache.sh VMLINUX DUMP [BUILD_DIR]
#   (a dump: e.g. QMP dump-guest-memory of a guest from tests/vm/guest.sh)
set -euo pipefail
vmlinux=${1:?usage: layout-cache.sh VMLINUX DUMP [BUILD_DIR]}
dump=${2:?usage: layout-cache.sh VMLINUX DUMP [BUILD_DIR]}
top=$(cd "$(dirname "$0")/.." && pwd)
k=${3:-$top/_build}/kinspect
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
bench_program k
command -v hyperfine >/dev/null || { echo "hyperfine not installed" >&2; exit 1; }
XDG_CACHE_HOME=$(mktemp -d)
export XDG_CACHE_HOME
trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
"$k" -k "$vmlinux" -t "$dump" lsmod --sections >/dev/null # fill the cache
module=$("$k" -k "$vmlinux" -t "$dump" lsmod | awk 'NR == 2 { print $6 }')
hyperfine -N -w 3 -r "${BENCH_RUNS:-20}" --export-markdown "$XDG_CACHE_HOME/table.md" \
	-n "lsmod, no cache" "$k --no-cache -k $vmlinux -t $dump lsmod" \
	-n "lsmod, warm cache" "$k -k $vmlinux -t $dump lsmod" \
	-n "lsmod --sections, no cache" "$k --no-cache -k $vmlinux -t $dump lsmod --sections" \
	-n "lsmod --sections, warm cache" "$k -k $vmlinux -t $dump lsmod --sections" \
	-n "info (dump)" "$k -k $vmlinux -t $dump info" \
	-n "info (vmlinux only)" "$k -k $vmlinux info" \
	-n "print init_uts_ns" "$k -k $vmlinux -t $dump print init_uts_ns" \
	-n "print module ADDR" "$k -k $vmlinux -t $dump print module $module" >&2
cat "$XDG_CACHE_HOME/table.md"
echo
for cmd in "lsmod --sections" "print module $module"; do
	# shellcheck disable=SC2086
	/usr/bin/time -f "- peak RSS, $cmd, no cache: %M KiB" -o "$XDG_CACHE_HOME/rss" "$k" --no-cache -k "$vmlinux" -t "$dump" $cmd >/dev/null
	cat "$XDG_CACHE_HOME/rss"
done
