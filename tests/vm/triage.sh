#!/bin/bash
# kinspect triage on kernels that went wrong, made here in a real guest
# (issue 19), each checked against what the guest said itself:
# - a healthy guest, live and from a dump: kind "none", no panic, every
#   CPU's stack;
# - the OOM killer (a guest process made its victim with oom_score_adj),
#   dumped in kdump format: kind "oom", the victim's pid and comm, the task
#   that invoked it, no panic;
# - echo c > /proc/sysrq-trigger (panic() called from sysrq_handle_crash)
#   while another CPU is busy in the kernel (dd reading /dev/zero), dumped
#   as ELF: kind "panic", the panic message, CPU and task the guest's
#   console printed, the fault frame sysrq_handle_crash in
#   drivers/tty/sysrq.c, the earlier OOM kill named as an earlier report
#   (not the cause), the busy CPU's stack in read_zero, the panicking CPU's
#   stack equal to crash 9's bt frame by frame (crash-compare.sh);
# - every JSON report valid against src/cli/triage.schema.json, the text
#   report's signature equal to the JSON's;
# - --jobs 2 over all the dumps and a truncated one: the same reports in
#   order, the bad one an error line, exit status 1.
#
# Usage: triage.sh SUITE CPUS [MODULES]   (run by make check; needs $KINSPECT)
set -euo pipefail

suite=${1:?usage: triage.sh SUITE CPUS [MODULES]}
cpus=${2:?usage: triage.sh SUITE CPUS [MODULES]}
modules=${3:-none}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=triage-$suite-$cpus GUEST_SMP=$cpus
# panic=0: a panicked guest waits (for its dump) instead of rebooting.
export GUEST_APPEND=panic=0
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=crash-compare.sh
. "$here/crash-compare.sh"
command -v jq >/dev/null || die "jq is needed (tests/bootstrap installs it)"
python3 -c 'import jsonschema' 2>/dev/null || die "python3-jsonschema is needed (tests/bootstrap installs it)"
schema=$here/../../src/cli/triage.schema.json
[ -f "$schema" ] || die "no $schema"
crash_setup

guest_start "$suite" "$modules"
w=$GUEST_WORKDIR
export XDG_CACHE_HOME=$w/cache
# No console output while the test reads the guest's answers; the panic
# (KERN_EMERG) still reaches the console.
guest_run 'dmesg -n 1'

# valid FILE: every line of FILE valid against the schema.
valid() {
	python3 - "$schema" "$1" <<'PY' || die "$1 is not valid against triage.schema.json"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
for n, line in enumerate(open(sys.argv[2]), 1):
    try:
        jsonschema.validate(json.loads(line), schema)
    except jsonschema.ValidationError as e:
        sys.exit("line %d: %s at %s" % (n, e.message, "/".join(map(str, e.absolute_path))))
PY
}

# triage_json OUT TARGET...: the JSON report(s), validated.
triage_json() {
	local out=$1
	shift
	kinspect --json -k "$GUEST_VMLINUX" triage "$@" >"$out" || { cat "$out"; die "triage --json $* failed"; }
	valid "$out"
}

# field FILE JQ: one value of the (first) report.
field() { jq -r "$2" "$1" | head -n1; }

# ---- a healthy guest, live and dumped ----------------------------------------
kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" triage >"$w/live.json" || die "triage on the live guest failed"
valid "$w/live.json"
[ "$(field "$w/live.json" .kind)" = none ] && [ "$(field "$w/live.json" .panic_cpu)" = null ] &&
	[ "$(field "$w/live.json" '.cpus | length')" = "$cpus" ] ||
	{ jq -c 'del(.log)' "$w/live.json"; die "live healthy guest: not kind none with $cpus CPU stacks"; }
guest_run 'echo alive' | grep -q alive || die "the guest did not run on after a live triage"
tainted=$(guest_run 'cat /proc/sys/kernel/tainted' | tr -d '\r')
guest_dump "$w/healthy.elf"
triage_json "$w/healthy.json" "$w/healthy.elf"
[ "$(field "$w/healthy.json" .kind)" = none ] && [ "$(field "$w/healthy.json" .stack)" = null ] &&
	[ "$(field "$w/healthy.json" .report)" = null ] ||
	{ jq -c 'del(.log)' "$w/healthy.json"; die "healthy dump: not kind none"; }
# The taints: /proc/sys/kernel/tainted's mask ("E" for an unsigned
# module such as qemu_fw_cfg in a guest without the signing key's trust).
[ "$(field "$w/healthy.json" .taint_mask)" = "$tainted" ] ||
	die "healthy dump: taint mask $(field "$w/healthy.json" .taint_mask), the guest says $tainted"
# VMCOREINFO reaches QEMU through qemu_fw_cfg (a module on these kernels).
want_vmcoreinfo=false
[[ " $modules " == *" qemu_fw_cfg "* ]] && want_vmcoreinfo=true
[ "$(field "$w/healthy.json" .vmcoreinfo)" = "$want_vmcoreinfo" ] ||
	die "healthy dump: vmcoreinfo $(field "$w/healthy.json" .vmcoreinfo), not $want_vmcoreinfo (modules: $modules)"
say "ok: a healthy guest, live and dumped: kind none, no panic, $cpus CPU stacks, taints" \
	"'$(field "$w/healthy.json" .taints)' (mask $tainted as /proc says), VMCOREINFO $want_vmcoreinfo"

# ---- the OOM killer ----------------------------------------------------------
# sort holds a line of /dev/zero, which has no newline, until memory ends;
# oom_score_adj 1000 makes it the victim.
victim=$(guest_run '(echo 1000 >/proc/self/oom_score_adj; exec sort /dev/zero) >/dev/null 2>&1 & echo $!')
[[ $victim =~ ^[0-9]+$ ]] || die "could not start the OOM victim: $victim"
killed=
for ((i = 0; i < 300; i++)); do
	killed=$(GUEST_RUN_TIMEOUT=120 guest_run "dmesg | grep -m1 'Killed process $victim '" || true)
	[ -n "$killed" ] && break
	sleep 1
done
[ -n "$killed" ] || die "the OOM killer did not kill pid $victim (sort) in 300 s"
guest_dump "$w/oom.kdump" format=kdump-zlib
triage_json "$w/oom.json" "$w/oom.kdump"
[ "$(field "$w/oom.json" .kind)" = oom ] && [ "$(field "$w/oom.json" .report.oom_victim_pid)" = "$victim" ] &&
	[ "$(field "$w/oom.json" .report.oom_victim_comm)" = sort ] &&
	[ "$(field "$w/oom.json" .panic_cpu)" = null ] &&
	field "$w/oom.json" .report.line | grep -q ' invoked oom-killer: ' ||
	{ jq -c 'del(.log, .cpus)' "$w/oom.json"; die "OOM dump: not kind oom with victim $victim (sort)"; }
say "ok: OOM kill, kdump dump: kind oom, victim $victim (sort), invoked by" \
	"$(field "$w/oom.json" .report.comm) (pid $(field "$w/oom.json" .report.pid))"

# ---- a CPU busy in the kernel, then sysrq c ---------------------------------
busy=$(guest_run 'dd if=/dev/zero of=/dev/null bs=16M count=100000000 >/dev/null 2>&1 & echo $!')
[[ $busy =~ ^[0-9]+$ ]] || die "could not start the busy dd: $busy"
sleep 2
GUEST_RUN_TIMEOUT=5 guest_run 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true
for ((i = 0; i < 600; i++)); do
	grep -aq 'end Kernel panic - not syncing' "$GUEST_CONSOLE_LOG" && break
	sleep 0.1
done
console=$(tr -d '\r' <"$GUEST_CONSOLE_LOG" | sed 's/^\[ *[0-9.]*\] //')
message=$(sed -n 's/^Kernel panic - not syncing: //p' <<<"$console" | head -n1)
[ -n "$message" ] || { _guest_console_tail 30; die "the guest did not panic"; }
header=$(sed -n '/^Kernel panic - not syncing: /,$p' <<<"$console" | grep -m1 '^CPU: [0-9]* .*PID: ')
want_cpu=$(sed 's/^CPU: \([0-9]*\) .*/\1/' <<<"$header")
want_pid=$(sed 's/.* PID: \([0-9]*\) .*/\1/' <<<"$header")
guest_dump "$w/panic.elf"
triage_json "$w/panic.json" "$w/panic.elf"
j=$w/panic.json
[ "$(field "$j" .kind)" = panic ] && [ "$(field "$j" .panic_message)" = "$message" ] ||
	{ jq -c 'del(.log, .cpus)' "$j"; die "panic dump: kind '$(field "$j" .kind)', message '$(field "$j" .panic_message)', not panic '$message'"; }
[ "$(field "$j" .panic_cpu)" = "$want_cpu" ] && [ "$(field "$j" .stack.pid)" = "$want_pid" ] &&
	[ "$(field "$j" .stack.comm)" = sh ] ||
	{ echo "$header"; jq -c '.stack' "$j"; die "panic dump: not CPU $want_cpu, pid $want_pid (sh) as the console says"; }
[[ $(field "$j" .fault.symbol) == sysrq_handle_crash+0x* ]] && [ "$(field "$j" .fault.file)" = drivers/tty/sysrq.c ] &&
	[ "$(field "$j" .fault.pt_regs)" = null ] && [[ $(field "$j" .signature) == "panic: sysrq_handle_crash+0x"* ]] ||
	{ jq -c '.fault, .signature' "$j"; die "panic dump: the fault frame is not sysrq_handle_crash (drivers/tty/sysrq.c), called panic()"; }
field "$j" .earlier_report | grep -q ' invoked oom-killer: ' ||
	{ jq -c '.earlier_report, .report' "$j"; die "panic dump: the OOM kill before is not named as an earlier report"; }
[ "$(field "$j" .report)" = null ] || { jq -c .report "$j"; die "panic dump: the OOM kill was taken for the panic's cause"; }
# The busy CPU: dd in the kernel, interrupted by the panic's stop IPI.
jq -e --argjson pid "$busy" '.cpus[] | select(.pid == $pid) | .frames[] | select(.symbol | startswith("read_zero+"))' \
	"$j" >/dev/null || { jq -c '.cpus[] | {cpu, pid, comm, f: [.frames[].symbol]}' "$j"; die "no CPU runs dd ($busy) in read_zero"; }
[ "$(field "$j" '.cpus | length')" = "$((cpus - 1))" ] || die "panic dump: not $((cpus - 1)) other CPUs"
say "ok: sysrq c: panic '$message' on CPU $want_cpu by pid $want_pid (sh) as the console says; fault frame" \
	"$(field "$j" .fault.symbol) ($(field "$j" .fault.file):$(field "$j" .fault.line)); the OOM kill an earlier" \
	"report; dd ($busy) busy in read_zero on another CPU"

# The text report says the same.
kinspect -k "$GUEST_VMLINUX" triage "$w/panic.elf" >"$w/panic.txt" || die "triage (text) failed"
grep -qxF "signature:   $(field "$j" .signature)" "$w/panic.txt" && grep -qx 'kind: *panic' "$w/panic.txt" &&
	grep -qF "Kernel panic - not syncing: $message" "$w/panic.txt" ||
	{ head -20 "$w/panic.txt"; die "the text report does not say what the JSON says"; }

# crash 9's bt of the panicking CPU, frame by frame.
nr=$(kinspect -k "$GUEST_VMLINUX" -t "$w/panic.elf" --json info | jq .target.vcpus)
# One difference is allowed besides crash-compare.sh's: crash begins the
# panicking task's trace at panic() (the frame it finds on the stack; on
# kernels where panic() calls vpanic(), at panic() too), not at the CPU's
# registers, which are further in, in the delay loop panic() waits in
# (panic=0): kinspect's frames above crash's first (delay_tsc, vpanic...)
# are left out of the comparison, and from there on every frame must be
# equal.
if crash_run_or_explain "$GUEST_VMLINUX" "$w/panic.elf" "$w/crash.txt" 'bt -a'; then
	jq '[.stack]' "$j" >"$w/stack.json"
	crash_frames "$w/crash.txt" "$nr" cpu "$want_cpu" >"$w/crash.frames"
	first=$(awk 'NR == 1 { print $1 }' "$w/crash.frames")
	[ "$first" = panic ] || [ "$first" = vpanic ] ||
		{ cat "$w/crash.frames"; die "crash's trace of the panicking CPU does not begin at panic() or vpanic()"; }
	kinspect_frames "$w/stack.json" | awk -v f="$first" '$1 == f { on = 1 } on' >"$w/kinspect.frames"
	compare_with_crash "crash: the panicking CPU's stack from panic() on" "$w/crash.frames" "$w/kinspect.frames"
fi

# ---- many dumps at once ------------------------------------------------------
head -c 1048576 "$w/panic.elf" >"$w/truncated.elf"
status=0
kinspect --json -k "$GUEST_VMLINUX" triage --jobs 2 "$w/healthy.elf" "$w/oom.kdump" "$w/truncated.elf" "$w/panic.elf" \
	>"$w/jobs.json" 2>"$w/jobs.err" || status=$?
[ "$status" = 1 ] || { cat "$w/jobs.err"; die "triage --jobs with a truncated dump: exit status $status, not 1"; }
valid "$w/jobs.json"
[ "$(jq -r '.kind // "error"' "$w/jobs.json" | paste -sd' ')" = "none oom error panic" ] ||
	{ jq -c '{target, kind, error}' "$w/jobs.json"; die "triage --jobs 2: not the reports in order"; }
for f in healthy oom panic; do
	[ "$(jq -c 'del(.target)' "$w/$f.json")" = "$(jq -c "select(.target == \"$w/$f.$([ $f = oom ] && echo kdump || echo elf)\") | del(.target)" "$w/jobs.json")" ] ||
		die "triage --jobs 2: the report of $f differs from triage alone"
done
say "ok: --jobs 2 over 4 dumps: the same reports in order, the truncated one: $(jq -r 'select(.error) | .error' "$w/jobs.json" | head -c 160)"

# ---- the README's line, as written (its vmlinux and dumps/ made here) --------
line=$(sed -n 's/^ *\(kinspect -k vmlinux --json triage .*\)$/\1/p' "$here/../../README")
[ -n "$line" ] || die "the README has no 'kinspect -k vmlinux --json triage' line"
mkdir -p "$w/readme/dumps" "$w/readme/bin"
ln -s "$GUEST_VMLINUX" "$w/readme/vmlinux"
ln -s "$w/healthy.elf" "$w/readme/dumps/a.elf"
ln -s "$w/panic.elf" "$w/readme/dumps/b.elf"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$KINSPECT" >"$w/readme/bin/kinspect"
chmod +x "$w/readme/bin/kinspect"
(cd "$w/readme" && PATH=$w/readme/bin:$PATH bash -euc "$line") || die "the README's line failed: $line"
valid "$w/readme/reports.jsonl"
[ "$(jq -r .kind "$w/readme/reports.jsonl" | paste -sd' ')" = "none panic" ] ||
	die "the README's line: not the reports of dumps/a.elf and dumps/b.elf"
say "ok: the README's line: $line"
