#!/bin/bash
# kinspect leaves a live guest as it found it (issue 13): connecting to
# QEMU's gdbstub stops the VM, and QEMU 8.1 and later no longer say so on
# the gdbstub.  For info, lsmod, bt and break, with and without --qmp:
# a running guest runs afterwards (QMP query-status), and one stopped with
# QMP "stop" before stays stopped.  Without --qmp, QEMU 8.1+ shows both as
# plain "paused", so the stopped one is resumed (the documented fail-safe)
# and info says so; QEMU up to 8.0 tells them apart by its stop reply.
# What is asserted follows the QEMU version QMP reports, so the test is
# right on 7.2 as on 10 and 11.
#
# Usage: run-state.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: run-state.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=run-state-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"

# A function every command run in the guest reaches (the shell reading its
# console line, cat reading a file): break hits it at once.
BREAK_FUNC=vfs_read

guest_start "$suite" none
w=$GUEST_WORKDIR

# status: the guest's run state as QMP says ("running", "paused", "debug").
status() {
	guest_qmp '{"execute":"query-status"}' | sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p'
}

version=$(guest_qmp '{"execute":"query-version"}') || die "QMP query-version failed"
major=$(echo "$version" | sed -n 's/.*"major": *\([0-9]*\).*/\1/p')
minor=$(echo "$version" | sed -n 's/.*"minor": *\([0-9]*\).*/\1/p')
micro=$(echo "$version" | sed -n 's/.*"micro": *\([0-9]*\).*/\1/p')
[ -n "$major" ] && [ -n "$minor" ] || die "no QEMU version in: $version"
# QEMU 8.1's "gdbstub: only send stop-reply packets when allowed to": no
# stop reply when connecting stops a running VM.
if [ "$major" -gt 8 ] || { [ "$major" = 8 ] && [ "$minor" -ge 1 ]; }; then
	silent_attach=1
else
	silent_attach=
fi
say "QEMU $major.$minor.$micro: $([ -n "$silent_attach" ] && echo 'no stop reply on attach' || echo 'stop reply on attach')"

[ "$(status)" = running ] || die "the guest does not run after boot: $(status)"

# run_cmd OPTS CMD...: one kinspect command against the guest (the guest's
# state before and after is the caller's business).  break is started in
# the background and reaches BREAK_FUNC through a command run in the guest
# meanwhile; that command finishes once the guest runs again.
run_cmd() {
	local opts=$1
	shift
	if [ "$1" = break ]; then
		BREAK_OUT=$w/break.out
		# shellcheck disable=SC2034 # read by break_start
		BREAK_GLOBAL_OPTS=$opts
		break_start "$BREAK_OUT" --count 1 --wait 60 "$BREAK_FUNC"
		GUEST_RUN_TIMEOUT=120 guest_run 'cat /proc/version' >"$w/trigger.out" 2>&1 &
		trigger_pid=$!
		break_wait 0
		jq -e --arg f "$BREAK_FUNC" 'select(.hit == 1) | .function == $f' "$BREAK_OUT" >/dev/null ||
			die "break $BREAK_FUNC: no hit in: $(cat "$BREAK_OUT")"
	else
		trigger_pid=
		# shellcheck disable=SC2086 # OPTS are words
		kinspect -v $opts -k "$GUEST_VMLINUX" -t "$GUEST_GDB" "$@" >"$w/cmd.out" 2>"$w/cmd.err" ||
			{ cat "$w/cmd.err"; die "kinspect $opts $* failed"; }
	fi
}

# finish_trigger: the guest runs again: let the trigger command end.
finish_trigger() {
	[ -n "$trigger_pid" ] || return 0
	wait "$trigger_pid" || die "the command run in the guest for break failed: $(cat "$w/trigger.out")"
	trigger_pid=
}

checks=0
for qmp in "" "--qmp $GUEST_QMP"; do
	label=${qmp:+with --qmp}
	label=${label:-without --qmp}
	for cmd in "info" "lsmod" "bt --cpu 0" "break"; do
		# A running guest runs afterwards.
		# shellcheck disable=SC2086 # the words of CMD
		run_cmd "$qmp" $cmd
		finish_trigger
		st=$(status)
		[ "$st" = running ] || die "$cmd $label: a running guest is '$st' afterwards"
		checks=$((checks + 1))

		# A guest stopped before stays stopped, except without --qmp on
		# a QEMU that cannot tell (then resumed, as documented).
		guest_qmp '{"execute":"stop"}' >/dev/null || die "QMP stop failed"
		[ "$(status)" = paused ] || die "QMP stop: the guest is '$(status)'"
		# shellcheck disable=SC2086
		run_cmd "$qmp" $cmd
		st=$(status)
		if [ -z "$qmp" ] && [ -n "$silent_attach" ]; then
			[ "$st" = running ] ||
				die "$cmd $label on QEMU $major.$minor: a guest paused before is '$st', not resumed by the fail-safe"
		elif [ "$cmd" = break ]; then
			# It ran to reach the breakpoint, and is left stopped at the
			# hit: QEMU names that "debug".
			[ "$st" != running ] || die "$cmd $label: a guest paused before runs afterwards"
		else
			[ "$st" = paused ] || die "$cmd $label: a guest paused before is '$st' afterwards"
		fi
		checks=$((checks + 1))
		say "ok: $cmd $label: running stays running, paused before ends '$st'"
		[ "$st" = running ] || guest_qmp '{"execute":"cont"}' >/dev/null || die "QMP cont failed"
		finish_trigger
	done
done

# info reports what it found and how it learned it, text and JSON alike.
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --qmp "unix:$GUEST_QMP" --json info >"$w/info.json" 2>"$w/info.err" ||
	{ cat "$w/info.err"; die "info --json --qmp failed"; }
jq -e '.target.run_state | .was_running == "yes" and .source == "qmp" and .status == "running" and .when_done == "resume"' \
	"$w/info.json" >/dev/null || die "info --json --qmp, running: $(jq -c .target "$w/info.json")"
jq -e '.target.was_running == true' "$w/info.json" >/dev/null || die "info --json: was_running not true"
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" info >"$w/info.txt" 2>"$w/info.err" || { cat "$w/info.err"; die "info failed"; }
if [ -n "$silent_attach" ]; then
	grep -q '^run state: *running or paused before kinspect came: resumed; give --qmp to tell them apart (monitor: ' \
		"$w/info.txt" || die "info without --qmp on QEMU $major.$minor: $(grep '^run state' "$w/info.txt")"
else
	grep -q "^run state: *running before kinspect came: resumed when done (QEMU's stop reply" "$w/info.txt" ||
		die "info without --qmp on QEMU $major.$minor: $(grep '^run state' "$w/info.txt")"
fi
say "ok: $(grep '^run state' "$w/info.txt")"

guest_qmp '{"execute":"stop"}' >/dev/null
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --qmp "$GUEST_QMP" info >"$w/info.txt" 2>"$w/info.err" ||
	{ cat "$w/info.err"; die "info --qmp on a paused guest failed"; }
grep -q '^run state: *stopped before kinspect came: left stopped (QMP query-status before connecting: paused)$' \
	"$w/info.txt" || die "info --qmp, paused: $(grep '^run state' "$w/info.txt")"
[ "$(status)" = paused ] || die "info --qmp left a paused guest '$(status)'"
say "ok: $(grep '^run state' "$w/info.txt")"
guest_qmp '{"execute":"cont"}' >/dev/null

# --keep-stopped wins over a guest that ran.
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --keep-stopped --json info >"$w/info.json" 2>"$w/info.err" ||
	{ cat "$w/info.err"; die "info --keep-stopped failed"; }
[ "$(status)" = paused ] || die "--keep-stopped left the guest '$(status)'"
jq -e '.target.run_state.when_done == "leave-stopped"' "$w/info.json" >/dev/null ||
	die "info --keep-stopped --json: $(jq -c .target.run_state "$w/info.json")"
guest_qmp '{"execute":"cont"}' >/dev/null
say "ok: --keep-stopped leaves a running guest stopped"

# A QMP socket that is not there: an error before the gdbstub is touched.
rc=0
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --qmp "$w/no-such.sock" info >"$w/info.txt" 2>"$w/info.err" || rc=$?
[ "$rc" = 1 ] && grep -q -- "--qmp $w/no-such.sock: cannot learn whether the guest runs (nothing touched)" "$w/info.err" ||
	die "a missing QMP socket: status $rc: $(cat "$w/info.err")"
[ "$(status)" = running ] || die "a failed --qmp left the guest '$(status)'"
say "ok: a bad --qmp: $(cat "$w/info.err")"

[ "$(guest_run 'echo alive')" = alive ] || die "the guest does not answer at the end"
guest_stop
say "PASS ($checks state checks on QEMU $major.$minor.$micro)"
