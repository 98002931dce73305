#!/bin/bash
# kinspect bt and ps on a QEMU dump taken by the test, against references:
# - ps: the guest's own /proc/PID/{comm,stat} (pid, comm, state letter);
# - bt --task PID of blocked tasks: the guest kernel's own ORC unwinder, as
#   /proc/PID/stack prints it (function+offset, scheduler functions left
#   out by the kernel, so left out here too);
# - bt --cpu N for every CPU: gdb on the same dump (DWARF CFI, an unwinder
#   that shares nothing with kinspect's), frame addresses compared;
# - bt --cpu N for every CPU and bt --task PID of the same tasks: crash 9's
#   bt (fetch-crash.sh), function and address of every frame
#   (crash-compare.sh explains the differences it allows);
# - drgn where it can read the dump (see below for where it cannot).
# Also: the speed of bt on the dump, warm.
#
# Usage: bt-dump.sh SUITE   (run by make check)
set -euo pipefail

suite=${1:?usage: bt-dump.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=bt-dump-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=crash-compare.sh
. "$here/crash-compare.sh"
gdb=${GDB:-gdb}
command -v "$gdb" >/dev/null || die "gdb not found (install the gdb package)"
crash_setup

# qemu_fw_cfg: the dump gets VMCOREINFO, which drgn needs.
guest_start "$suite" qemu_fw_cfg
work=$GUEST_WORKDIR

# Blocked tasks of our own, then the guest's view of every task: pid,
# state, comm, and the kernel's unwinding of its stack.
guest_run 'sleep 100000 </dev/null >/dev/null 2>&1 & mkfifo /tmp/fifo; cat /tmp/fifo </dev/null >/dev/null 2>&1 &
sleep 1; echo "self $$"
for p in /proc/[0-9]*; do
	s=$(cat $p/stat) || continue; st=${s##*) }
	echo "task ${p#/proc/} ${st%% *} $(cat $p/comm)"
	sed "s/^/stack ${p#/proc/} /" $p/stack
done
grep -E " (__sched_text_start|__sched_text_end)\$" /proc/kallsyms' >"$work/guest.txt"
self=$(awk '$1 == "self" { print $2 }' "$work/guest.txt")
sched_start=0x$(awk '$3 == "__sched_text_start" { print $1 }' "$work/guest.txt")
sched_end=0x$(awk '$3 == "__sched_text_end" { print $1 }' "$work/guest.txt")
[ -n "$self" ] && [ "$sched_start" != 0x ] && [ "$sched_end" != 0x ] || die "guest view: $(head -5 "$work/guest.txt")"
say "guest: $(grep -c '^task ' "$work/guest.txt") tasks, command shell pid $self"

# One JSON object per line (kinspect's JSON is indented).
# One frame or header per line; a user frame's nested "user_registers"
# object is dropped first, so that the frame's fields stay on one line.
json_records() { tr -d '\n' | sed 's/"user_registers": *{[^}]*}, *//g' | tr '{' '\n'; echo; }

dump=$work/guest.elf
# paging=true: gdb reads the dump's memory by virtual address.
guest_dump "$dump" paging=true format=elf
slide=$(kinspect -k "$GUEST_VMLINUX" -t "$dump" info | sed -n 's/^KASLR slide: \(0x[0-9a-f]*\).*/\1/p')
[ -n "$slide" ] || die "no KASLR slide from kinspect info"

# ---- ps -------------------------------------------------------------------
kinspect -k "$GUEST_VMLINUX" -t "$dump" ps >"$work/ps.txt" 2>"$work/err" || { cat "$work/err"; die "ps failed"; }
kinspect -k "$GUEST_VMLINUX" -t "$dump" --json ps >"$work/ps.json" 2>"$work/err" || { cat "$work/err"; die "ps --json failed"; }
# "pid state comm" from kinspect (the JSON, so that comm may hold spaces).
json_records <"$work/ps.json" | sed -n 's/.*"pid": *\([0-9]*\),.*"comm": *"\([^"]*\)", *"state": *"\([^"]*\)".*/\1 \3 \2/p' |
	sort -n >"$work/ps-kinspect"
awk '$1 == "task" { pid = $2; st = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); print pid, st, $0 }' "$work/guest.txt" |
	sort -n >"$work/ps-guest"
# Tasks that existed before the command shell (pids below it) must all be
# there, with the comm and state the guest shows; the command's own processes
# ended before the dump.
checked=0
while read -r pid st comm; do
	[ "$pid" -lt "$self" ] || continue
	got=$(awk -v p="$pid" '$1 == p { $1 = ""; sub(/^ /, ""); print; exit }' "$work/ps-kinspect")
	[ -n "$got" ] || die "ps: pid $pid ($comm) is missing"
	got_st=${got%% *} got_comm=${got#* }
	comm_matches "$got_comm" "$comm" || die "ps: pid $pid: comm '$got_comm', the guest says '$comm'"
	state_agrees "$pid" "$got_st" "$st" || die "ps: pid $pid ($comm): state $got_st, the guest said $st"
	checked=$((checked + 1))
done <"$work/ps-guest"
extra=$(awk -v s="$self" '$1 != 0 && $1 < s' "$work/ps-kinspect" | wc -l)
[ "$extra" = "$checked" ] || die "ps: $extra tasks below pid $self, the guest had $checked"
grep -q '^>  *0  *0 ' "$work/ps.txt" || die "ps: no idle task marked as running: $(head -3 "$work/ps.txt")"
# The test's own blocked tasks, started after the command shell.
for comm in sleep cat; do
	awk -v c="$comm" -v s="$self" '$1 > s && $3 == c && $2 == "S" { found = 1 } END { exit !found }' "$work/ps-kinspect" ||
		die "ps: no sleeping $comm: $(grep " $comm\$" "$work/ps-kinspect")"
	awk -v c="$comm" -v s="$self" '$1 > s && $3 == c && $2 == "S" { found = 1 } END { exit !found }' "$work/ps-guest" ||
		die "the guest has no sleeping $comm"
done
say "ok: ps: $checked tasks equal the guest's pid, comm and state"

# ---- bt --task: against /proc/PID/stack ----------------------------------
# frames PID: kinspect's frames of PID as "function+0xoff", without the
# scheduler functions (the kernel leaves out what lies in .sched.text) and
# the user-mode frame.
frames() {
	kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --task "$1" >"$work/bt.json" 2>"$work/err" ||
		{ cat "$work/err"; die "bt --task $1 failed"; }
	json_records <"$work/bt.json" | sed -n 's/.*"ip": *"\(0x[0-9a-f]*\)",.*"symbol": *"\([^"]*\)".*"kind".*/\1 \2/p' |
		while read -r ip sym; do
			[ "$sym" = "(user mode)" ] && continue
			if (( ip >= sched_start && ip < sched_end )); then continue; fi
			echo "$sym"
		done
}
sleep_pid=$(awk -v s="$self" '$1 > s && $3 == "sleep" { print $1; exit }' "$work/ps-kinspect")
cat_pid=$(awk -v s="$self" '$1 > s && $3 == "cat" { print $1; exit }' "$work/ps-kinspect")
[ -n "$sleep_pid" ] && [ -n "$cat_pid" ] || die "the test's sleep and cat are not in ps"
# Kernel threads that wait in one place for good.
pids="$sleep_pid $cat_pid $(awk '$3 ~ /^(kthreadd|ksoftirqd\/[0-9]+|migration\/[0-9]+|cpuhp\/[0-9]+|kdevtmpfs|oom_reaper|kswapd0)$/ { print $1 }' "$work/ps-kinspect")"
for pid in $pids; do
	frames "$pid" >"$work/got"
	awk -v p="$pid" '$1 == "stack" && $2 == p { sub(/\/.*/, "", $4); print $4 }' "$work/guest.txt" >"$work/want"
	[ -s "$work/want" ] || die "the guest printed no stack for pid $pid"
	diff -u "$work/want" "$work/got" >"$work/diff" || { cat "$work/diff"; cat "$work/bt.json"; die "bt --task $pid differs from the guest's /proc/$pid/stack"; }
	say "ok: bt --task $pid ($(awk -v p="$pid" '$1 == p { print $3 }' "$work/ps-kinspect")): $(wc -l <"$work/want") frames equal /proc/$pid/stack"
done
kinspect -k "$GUEST_VMLINUX" -t "$dump" bt --task "$cat_pid" >"$work/out"
grep -q 'pt_regs 0x[0-9a-f]*: entered from user mode' "$work/out" || { cat "$work/out"; die "bt of cat: no user-mode pt_regs frame"; }
cat "$work/out"
# --lines: file:line of each vmlinux frame, as gdb's "info line" says for
# the same (link-time) address.
kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --lines --task "$cat_pid" | json_records |
	sed -n 's/.*"ip": *"\(0x[0-9a-f]*\)",.*"kind": *"call", *"line": *"\([^"]*\)".*/\1 \2/p' >"$work/lines"
[ "$(wc -l <"$work/lines")" -ge 5 ] || die "bt --lines: few frames with a line: $(cat "$work/lines")"
while read -r ip line; do
	# Return addresses: the line of the call, one byte before.
	link=$(printf '0x%x' $((ip - 1 - slide)))
	want=$("$gdb" -nx -batch -ex "info line *$link" "$GUEST_VMLINUX" 2>/dev/null |
		sed -n 's/^Line \([0-9]*\) of "\([^"]*\)".*/\2:\1/p')
	[ -n "$want" ] && [ "$want" = "$line" ] || die "bt --lines: $ip at $line, gdb says '$want'"
done < <(tail -n +2 "$work/lines" | head -4)
say "ok: bt --lines: file:line equal gdb's info line"

# ---- bt --cpu: against gdb on the same dump -------------------------------
nr_cpus=$(kinspect -k "$GUEST_VMLINUX" -t "$dump" info | sed -n 's/^target: .*, \([0-9]*\) CPUs,.*/\1/p')
[ -n "$nr_cpus" ] || die "kinspect info does not say how many CPUs the dump has"
for ((cpu = 0; cpu < nr_cpus; cpu++)); do
	kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --cpu "$cpu" >"$work/bt.json" 2>"$work/err" ||
		{ cat "$work/err"; die "bt --cpu $cpu failed"; }
	kinspect -k "$GUEST_VMLINUX" -t "$dump" bt --cpu "$cpu"
	json_records <"$work/bt.json" | sed -n 's/.*"ip": *"0x0*\([0-9a-f]*\)",.*"kind".*/0x\1/p' >"$work/got"
	timeout 120 "$gdb" -nx -batch -ex "symbol-file -o $slide $GUEST_VMLINUX" -ex "core-file $dump" \
		-ex "thread $((cpu + 1))" -ex 'echo BT-BEGIN\n' -ex "bt" >"$work/gdb-all.txt" 2>&1 || true
	sed -n '/^BT-BEGIN$/,$p' "$work/gdb-all.txt" >"$work/gdb.txt"
	# gdb's frames with an address are the physical ones (inlined calls
	# share their caller's); frame 0 may lack it.
	sed -n 's/^#[0-9]*  *\(0x[0-9a-f]*\) in .*/\1/p' "$work/gdb.txt" | grep -v '^0x0*$' >"$work/want" || true
	head -1 "$work/got" >"$work/got0"
	if ! grep -q "^#0  *0x" "$work/gdb.txt"; then
		cat "$work/got0" "$work/want" >"$work/want0"
		mv "$work/want0" "$work/want"
	fi
	# Where kinspect ended cleanly ("stopped": null: the kernel's own ORC
	# end-of-stack hint, on the boot CPU common_startup_64), gdb may walk on
	# into data: its DWARF CFI has no end marker for the boot stack (seen
	# with gdb 13 on Linux 7.3).  Those frames are cut only if every one is
	# outside any function ("?? ()"): kinspect is right to stop there.
	last=$(tail -n 1 "$work/got")
	at=$(grep -n -x "$last" "$work/want" | head -n 1 | cut -d: -f1)
	if grep -q '"stopped": *null' "$work/bt.json" && [ -n "$at" ] && [ "$at" -lt "$(wc -l <"$work/want")" ]; then
		past=$(sed -n "/^#[0-9]*  *$last in /,\$p" "$work/gdb.txt" | tail -n +2)
		if [ -n "$past" ] && ! grep -v ' in ?? ()' <<<"$past" | grep -q .; then
			head -n "$at" "$work/want" >"$work/want0"
			mv "$work/want0" "$work/want"
			say "CPU $cpu: gdb went $(wc -l <<<"$past") frames past the ORC end of stack into '?? ()'; not compared"
		fi
	fi
	n=$(wc -l <"$work/want")
	[ "$n" -ge 3 ] || { cat "$work/gdb.txt"; die "gdb unwound only $n frames of CPU $cpu"; }
	head -n "$n" "$work/got" | diff -u "$work/want" - || { cat "$work/gdb.txt"; die "bt --cpu $cpu differs from gdb"; }
	say "ok: bt --cpu $cpu: $n frames equal gdb's (kinspect: $(wc -l <"$work/got"))"
done

# ---- crash: every CPU and the same tasks -----------------------------------
# Debian 12's crash 8.0.2 cannot read these dumps (on 6.1 it finds only the
# idle tasks and fails on the exception stacks, on 6.12 it stops at
# "invalid structure member offset: module_core_size", struct module's
# mem[] of v6.4): crash 9 of Debian's testing suite is fetched and run
# from the test cache (fetch-crash.sh).  Frame by frame, functions and
# addresses; the differences allowed are explained in crash-compare.sh.
export CRASH_GDB_SLIDE=$slide
cmds=('bt -a')
for pid in $pids; do cmds+=("bt $pid"); done
if crash_run_or_explain "$GUEST_VMLINUX" "$dump" "$work/crash.txt" "${cmds[@]}"; then
	for ((cpu = 0; cpu < nr_cpus; cpu++)); do
		kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --cpu "$cpu" >"$work/bt.json" || die "bt --cpu $cpu failed"
		compare_cpu_with_crash "crash: bt --cpu $cpu" "$work/crash.txt" "$nr_cpus" "$cpu" "$work/bt.json" "$work/cmp" "$dump"
	done
	for pid in $pids; do
		crash_frames "$work/crash.txt" "$nr_cpus" pid "$pid" >"$work/want"
		kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --task "$pid" >"$work/bt.json" || die "bt --task $pid failed"
		kinspect_frames "$work/bt.json" >"$work/got"
		compare_with_crash "crash: bt --task $pid" "$work/want" "$work/got"
	done
	# The other layouts QEMU writes, whose readers differ in both tools: an ELF
	# dump without virtual addresses (page-table walks) and kdump-compressed,
	# each taken anew (the guest ran on in between) and read by both.
	for layout in "paging=false format=elf" "format=kdump-zlib"; do
		other=$work/other.dump
		# shellcheck disable=SC2086 # two words
		guest_dump "$other" $layout
		crash_run "$GUEST_VMLINUX" "$other" "$work/crash-other.txt" 'bt -a'
		for ((cpu = 0; cpu < nr_cpus; cpu++)); do
			kinspect -k "$GUEST_VMLINUX" -t "$other" --json bt --cpu "$cpu" >"$work/bt.json" || die "bt --cpu $cpu on $layout failed"
			compare_cpu_with_crash "crash, $layout: bt --cpu $cpu" "$work/crash-other.txt" "$nr_cpus" "$cpu" "$work/bt.json" \
				"$work/cmp" "$other"
		done
		rm -f "$other"
	done
fi

# ---- drgn -------------------------------------------------------------------
# drgn 0.0.22 (Debian 12): reads dumps with VMCOREINFO; it takes the QEMU
# notes' pr_pid (CPU index + 1) for task pids, so pids 1..CPUs get a CPU's
# stack (not compared), and it predates the ORC format of v6.4 ("unknown
# ORC entry type"), so on newer kernels it fails where it needs ORC
# (entry code): kinspect is right there, /proc/PID/stack above agrees.
if /usr/bin/python3 -c 'import drgn' 2>/dev/null; then
	cat >"$work/drgn.py" <<'EOF'
import sys
for pid in sys.argv[1:]:
    try:
        names = []
        for f in prog.stack_trace(int(pid)):
            if f.is_inline:
                continue
            names.append(hex(f.pc))
        print(pid, "ok", " ".join(names))
    except Exception as e:
        print(pid, "error", e)
EOF
	timeout 300 /usr/bin/python3 /usr/bin/drgn -q -c "$dump" -s "$GUEST_VMLINUX" "$work/drgn.py" $pids >"$work/drgn.txt" 2>&1 || true
	compared=0
	for pid in $pids; do
		[ "$pid" -gt "$nr_cpus" ] || continue
		line=$(awk -v p="$pid" '$1 == p' "$work/drgn.txt")
		case $line in
		"$pid ok "*)
			kinspect -k "$GUEST_VMLINUX" -t "$dump" --json bt --task "$pid" | json_records |
				sed -n 's/.*"ip": *"0x0*\([0-9a-f]*\)",.*"kind".*/0x\1/p' | tr '\n' ' ' | sed 's/ $//' >"$work/got"
			[ "${line#"$pid ok "}" = "$(cat "$work/got")" ] || die "bt --task $pid: kinspect '$(cat "$work/got")', drgn '${line#"$pid ok "}'"
			compared=$((compared + 1)) ;;
		*) say "drgn cannot unwind pid $pid: ${line#"$pid "}" ;;
		esac
	done
	say "ok: drgn: $compared tasks with the same frame addresses"
else
	die "python3-drgn is not installed (tests/bootstrap installs it)"
fi

# ---- speed ----------------------------------------------------------------
TIMEFORMAT='%R %U %S'
kinspect -k "$GUEST_VMLINUX" -t "$dump" bt --task "$cat_pid" >/dev/null
{ time for _ in 1 2 3 4 5 6 7 8 9 10; do
	kinspect -k "$GUEST_VMLINUX" -t "$dump" bt --task "$cat_pid" >/dev/null
done; } 2>"$work/time"
say "speed: bt --task $cat_pid ($(grep -c '^#' "$work/out") frames) on the dump, warm, per run of the whole process:" \
	"$(awk '{ printf "%.1f ms wall, %.1f ms CPU", $1 * 100, ($2 + $3) * 100 }' "$work/time")"

rm -f "$dump"
guest_stop
say "PASS"
