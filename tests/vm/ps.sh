#!/bin/bash
# kinspect ps against the guest's own view and crash's (issue 17):
# - every task the guest's /proc lists (processes and their threads): pid,
#   ppid, state letter and comm; the raw state (crash's letters) agreeing
#   with the /proc letter for every task;
# - one idle task a CPU (pid 0, swapper/N, its CPU N), as many as the guest
#   has CPUs (GUEST_SMP), init_task being CPU 0's;
# - live, from a dump of the same stopped guest and live without the memory
#   cache (every read one by one): the same tasks, field for field;
# - live round trips: at most 0.2 a task beyond what connecting and the
#   KASLR check cost (measured with "sym"), for a few dozen tasks and again
#   for a few hundred (the walk then reads ahead a chunk at a time);
# - crash 9's ps on the dump: pid, ppid, CPU, task address, raw state, the
#   running mark and comm of every task.
#
# Usage: ps.sh bookworm|trixie   (run by make check; needs $KINSPECT)
set -euo pipefail

suite=${1:?usage: ps.sh bookworm|trixie}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=ps-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=crash-compare.sh
. "$here/crash-compare.sh"
crash_setup

# Round trips per task, as a fraction: own * DEN <= tasks * NUM.
BUDGET_NUM=1 BUDGET_DEN=5

guest_start "$suite" none
w=$GUEST_WORKDIR
cpus=${GUEST_SMP:-2}

# A known sleeping process, then the guest's view of every thread.
guest_run 'sleep 100000 </dev/null >/dev/null 2>&1 & echo "sleeper $!"' >"$w/sleeper.txt"
sleeper=$(awk '$1 == "sleeper" { print $2 }' "$w/sleeper.txt")
guest_run 'echo "self $$"; echo "cpus $(grep -c ^processor /proc/cpuinfo)"
for t in /proc/[0-9]*/task/[0-9]*; do
	s=$(cat $t/stat) || continue; r=${s##*) }; st=${r%% *}; r=${r#* }
	echo "task ${t##*/} ${r%% *} $st $(cat $t/comm)"
done' >"$w/guest.txt"
self=$(awk '$1 == "self" { print $2 }' "$w/guest.txt")
guest_cpus=$(awk '$1 == "cpus" { print $2 }' "$w/guest.txt")
[ -n "$sleeper" ] && [ -n "$self" ] && [ "$guest_cpus" = "$cpus" ] ||
	die "guest view: sleeper '$sleeper', $(head -3 "$w/guest.txt")"
say "guest: $(grep -c '^task ' "$w/guest.txt") threads, $guest_cpus CPUs, sleeper pid $sleeper, command shell pid $self"

# records JSON: "pid ppid state raw idle_cpu cpu on_cpu task comm" lines.
records() {
	jq -r '.[] | "\(.pid) \(.ppid) \(.state) \(.raw_state) \(.idle_cpu) \(.cpu) \(.on_cpu) \(.task) \(.comm)"' "$1"
}

# budget LABEL: the round trips of a live ps against the budget.
budget() {
	local base total own n
	base=$(trips "$w/sym.out" sym init_task)
	total=$(trips "$w/rt.json" --json ps)
	n=$(jq length "$w/rt.json")
	own=$((total - base))
	((own * BUDGET_DEN <= n * BUDGET_NUM)) ||
		die "$1: $own round trips for $n tasks ($total in all, $base to connect and check KASLR): more than $BUDGET_NUM/$BUDGET_DEN a task"
	say "ok: $1: $own round trips for $n tasks ($total in all, $base to connect and check KASLR; budget $BUDGET_NUM/$BUDGET_DEN a task)"
}

# same_when_stopped LABEL [dump]: ps of the stopped guest with the cache and
# without it (and from a dump of it) give the same records; $w/live.json stays.
same_when_stopped() {
	local label=$1
	kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --qmp "$GUEST_QMP" --keep-stopped --json ps >"$w/live.json" ||
		die "$label: ps --keep-stopped failed"
	KINSPECT_NO_MEMORY_CACHE=1 kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --qmp "$GUEST_QMP" --json ps \
		>"$w/uncached.json" || die "$label: uncached ps failed"
	diff -u "$w/uncached.json" "$w/live.json" || die "$label: ps with the reads ahead differs from reading one by one"
	if [ "${2:-}" = dump ]; then
		guest_dump "$w/guest.elf" paging=false format=elf
		kinspect -k "$GUEST_VMLINUX" -t "$w/guest.elf" --json ps >"$w/dump.json" || die "$label: ps on the dump failed"
		diff -u "$w/dump.json" "$w/live.json" || die "$label: ps live differs from ps on a dump of the same stopped guest"
	fi
	guest_resume
	say "ok: $label: ps of the stopped guest: the same $(jq length "$w/live.json") tasks uncached${2:+ and from a dump}"
}

budget "ps live"
same_when_stopped "ps live" dump
records "$w/dump.json" >"$w/ps.txt"

# ---- against the guest's /proc ---------------------------------------------
# Threads that existed before the command shell (pids below it) must all be
# there, with the guest's ppid, comm and state; its own ended before the dump.
checked=0
while read -r kind pid ppid st comm; do
	[ "$kind" = task ] && [ "$pid" -lt "$self" ] || continue
	got=$(awk -v p="$pid" '$1 == p && $5 == "null"' "$w/ps.txt")
	[ -n "$got" ] || die "ps: pid $pid ($comm) is missing"
	read -r _ got_ppid got_st _ _ _ _ _ got_comm <<<"$got"
	comm_matches "$got_comm" "$comm" || die "ps: pid $pid: comm '$got_comm', the guest says '$comm'"
	[ "$got_ppid" = "$ppid" ] || die "ps: pid $pid ($comm): ppid $got_ppid, the guest says $ppid"
	state_agrees "$pid" "$got_st" "$st" || die "ps: pid $pid ($comm): state $got_st, the guest said $st"
	checked=$((checked + 1))
done <"$w/guest.txt"
extra=$(awk -v s="$self" '$1 != 0 && $1 < s' "$w/ps.txt" | wc -l)
[ "$extra" = "$checked" ] || die "ps: $extra tasks below pid $self, the guest had $checked"
awk -v p="$sleeper" '$1 == p && $3 == "S" && $4 == "IN" && $9 == "sleep" { found = 1 } END { exit !found }' "$w/ps.txt" ||
	die "ps: the sleeper $sleeper is not a sleeping sleep: $(awk -v p="$sleeper" '$1 == p' "$w/ps.txt")"
say "ok: ps: $checked tasks equal the guest's pid, ppid, comm and state"

# The raw state names the bits the /proc letter comes from.
awk '{ ok = ($3 == "R" && ($4 == "RU" || $4 == "WA" || $4 == "NE")) || ($3 == "S" && $4 == "IN") ||
	     ($3 == "D" && $4 == "UN") || ($3 == "I" && $4 == "ID") || ($3 == "T" && $4 == "ST") ||
	     ($3 == "t" && $4 == "TR") || ($3 == "Z" && $4 == "ZO") || ($3 == "X" && $4 == "DE") ||
	     ($3 == "P" && $4 == "PA")
       if (!ok) { print; bad = 1 } } END { exit bad }' "$w/ps.txt" || die "ps: raw states that disagree with /proc's letter"

# One idle task a CPU, in CPU order, before every other task.
init_task=$(kinspect -k "$GUEST_VMLINUX" -t "$w/guest.elf" --json sym init_task | jq -r '.[0].address')
head -n "$cpus" "$w/ps.txt" | awk -v n="$cpus" -v init="$init_task" '
	{ want = "swapper/" NR - 1
	  if ($1 != 0 || $5 != NR - 1 || $6 != NR - 1 || $4 != "RU" || $9 != want || (NR == 1 && $8 != init)) bad = 1 }
	END { exit bad || NR != n }' || die "ps: the idle tasks are not swapper/0-$((cpus - 1)) first: $(head -n "$cpus" "$w/ps.txt")"
[ "$(awk '$5 != "null"' "$w/ps.txt" | wc -l)" = "$cpus" ] || die "ps: $(awk '$5 != "null"' "$w/ps.txt" | wc -l) idle tasks, $cpus CPUs"
say "ok: ps: $cpus idle tasks, swapper/0 (init_task) to swapper/$((cpus - 1)), first"

# ---- against crash ----------------------------------------------------------
# crash's ps: "[>] PID PPID CPU TASK ST %MEM VSZ RSS COMM"; kernel threads
# in brackets.  crash's PPID is task->parent's pid, /proc's (and kinspect's)
# real_parent's tgid: they differ for the other CPUs' idle tasks, forked by
# init (real_parent) but whose parent copy_process() never sets (pid 0 skips
# ptrace_init_task()), so it stays init's own parent, init_task.
if crash_run_or_explain "$GUEST_VMLINUX" "$w/guest.elf" "$w/crash.txt" ps; then
	awk '$1 == ">" || $1 ~ /^[0-9]+$/ {
		run = $1 == ">" ? "true" : "false"; if (run == "true") $1 = ""; $0 = $0
		comm = $9; for (i = 10; i <= NF; i++) comm = comm " " $i
		print $1, ($1 == 0 && $3 != 0 ? "idle" : $2), $3, "0x" $4, $5, run, comm }' "$w/crash.txt" |
		sed 's/ 0x0*/ 0x/' | sort -s -k1,1n -k3,3n >"$w/crash-ps"
	jq -r '.[] | "\(.pid) \(if .pid == 0 and .idle_cpu != 0 then "idle" else .ppid end) \(.cpu) \(.task) \(.raw_state) \(.on_cpu) \(if .kernel_thread then "[" + .comm + "]" else .comm end)"' \
		"$w/dump.json" | sed 's/ 0x0*/ 0x/' | sort -s -k1,1n -k3,3n >"$w/kinspect-ps"
	diff -u "$w/crash-ps" "$w/kinspect-ps" || die "ps: crash's ps differs"
	say "ok: ps: the $(wc -l <"$w/crash-ps") tasks of crash's ps (pid, ppid, CPU, task, ST, running, comm)"
fi

# ---- a few hundred tasks: the walk reads ahead a chunk at a time -------------
guest_run 'for i in $(seq 200); do sleep 100000 </dev/null >/dev/null 2>&1 & done; echo spawned' >/dev/null
budget "ps live, 200 more sleepers"
same_when_stopped "ps live, 200 more sleepers"
n=$(jq '[.[] | select(.comm == "sleep" and .state == "S" and .raw_state == "IN")] | length' "$w/live.json")
[ "$n" -ge 201 ] || die "ps: $n sleeping sleeps, 201 expected"
say "ok: ps: $n sleeping sleeps"

guest_stop
say "PASS"
