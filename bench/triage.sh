#!/bin/bash
# Triage at scale: a guest made to panic (sysrq c while a CPU is busy in
# the kernel), dumped once (QEMU ELF, paging=true so that drgn can read
# it), then 50 names of that dump (hard links: the same 1 GB file, as a CI
# system's directory of equal crashes would hold copies).  The same summary
# with each tool: why it stopped (the panic line of the log), the
# panicking task's stack, every CPU's stack, the modules:
#   kinspect  kinspect --json triage (one dump; then --jobs 2 over 50)
#   crash 9   sys; bt; bt -a; mod; log  (one process a dump, 2 at a time)
#   drgn      crashed_thread() stack, every CPU's, modules, the log
# One dump cold (page cache dropped, kinspect's caches empty) and warm;
# 50 dumps warm: dumps per second and the largest peak RSS of a process.
# Prints a Markdown table.
#
# Usage: bench/triage.sh [BUILD_DIR] [SUITE]   (default _build, trixie)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
suite=${2:-trixie}
export GUEST_LOG_TAG=bench-triage GUEST_APPEND=panic=0 GUEST_SMP=2
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
python=/usr/bin/python3
crash=$("$top/tests/vm/fetch-crash.sh")
count=${BENCH_DUMPS:-50}

guest_start "$suite" >&2
w=$GUEST_WORKDIR
guest_run 'dmesg -n 1; dd if=/dev/zero of=/dev/null bs=16M count=100000000 >/dev/null 2>&1 &' >&2
sleep 2
GUEST_RUN_TIMEOUT=5 guest_run 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true
for ((i = 0; i < 600; i++)); do
	grep -aq 'end Kernel panic' "$GUEST_CONSOLE_LOG" && break
	sleep 0.1
done
dump=$w/panic.elf
guest_dump "$dump" paging=true >&2
guest_stop --keep-workdir >&2 || true
mkdir -p "$w/many"
for ((i = 0; i < count; i++)); do ln "$dump" "$w/many/$i.elf"; done

cat >"$w/drgn-triage.py" <<'PY'
import sys, drgn
from drgn.helpers.linux.printk import get_printk_records
from drgn.helpers.linux.module import for_each_module
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.sched import cpu_curr
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
for r in get_printk_records(prog):
    if b"Kernel panic" in r.text:
        print(r.text.decode())
print(prog.crashed_thread().stack_trace())
for cpu in for_each_online_cpu(prog):
    print(prog.stack_trace(cpu_curr(prog, cpu)))
for m in for_each_module(prog):
    print(m.name.string_().decode())
PY
printf 'sys\nbt\nbt -a\nmod\nlog\nquit\n' >"$w/crash.in"

# run_rss CMD...: "MS RSS_MB" of one run (peak RSS of the largest process).
run_rss() {
	local t0 t1 rss
	t0=$(date +%s%N)
	/usr/bin/time -f '%M' -o "$w/rss" "$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	rss=$(tail -n1 "$w/rss")
	echo "$(((t1 - t0) / 1000000)) $((rss / 1024))"
}

kinspect_one() { env XDG_CACHE_HOME="$w/kcache" "$KINSPECT" -k "$GUEST_VMLINUX" --json triage "$1"; }
crash_one() { timeout 600 "$crash" -s --no_crashrc -i "$w/crash.in" "$GUEST_VMLINUX" "$1"; }
drgn_one() { $python "$w/drgn-triage.py" "$1" "$GUEST_VMLINUX"; }
export -f kinspect_one crash_one drgn_one
export w crash python GUEST_VMLINUX KINSPECT

echo "| $suite $GUEST_RELEASE | one dump cold ms | one dump warm ms (min/median of $bench_runs) | peak RSS MB | $count dumps, 2 at a time: s | dumps/s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for tool in kinspect crash drgn; do
	cold=n/a
	if drop_page_cache; then
		rm -rf "$w/kcache"
		read -r cold _ < <(run_rss bash -c "${tool}_one $dump")
	fi
	bash -c "${tool}_one $dump" >/dev/null 2>&1 || true
	warm=$(for ((i = 0; i < bench_runs; i++)); do read -r ms _ < <(run_rss bash -c "${tool}_one $dump"); echo "$ms"; done | min_median)
	read -r _ rss < <(run_rss bash -c "${tool}_one $dump")
	if [ "$tool" = kinspect ]; then
		read -r ms manyrss < <(run_rss env XDG_CACHE_HOME="$w/kcache" "$KINSPECT" -k "$GUEST_VMLINUX" --json triage --jobs 2 "$w"/many/*.elf)
	else
		read -r ms manyrss < <(run_rss bash -c "printf '%s\\0' $w/many/*.elf | xargs -0 -n1 -P2 bash -c '${tool}_one \"\$0\"'")
	fi
	echo "| $tool | $cold | $warm | $rss | $(awk -v m="$ms" 'BEGIN { printf "%.1f", m / 1000 }') |" \
		"$(awk -v m="$ms" -v n="$count" 'BEGIN { printf "%.2f", n / (m / 1000) }') | $manyrss |"
done
rm -rf "$w"
