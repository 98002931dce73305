#!/bin/bash
# Whatever ends a live command, the guest is left in the run state it was
# found in and no breakpoint stays behind (issue 14, item 9): output piped
# into "head -1" (EPIPE), and SIGINT, SIGTERM and SIGHUP in the middle of
# a long -x script and of a break.  Checked through QMP query-status, for
# a running guest and for one stopped with QMP "stop" (kinspect given
# --qmp, so that it can tell that guest from a running one on every QEMU).
#
# Usage: live-signals.sh bookworm|trixie   (run by make check; needs $KINSPECT)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: live-signals.sh bookworm|trixie}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=live-signals-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

guest_start "$suite"
w=$GUEST_WORKDIR
k=("$KINSPECT" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$GUEST_GDB" --qmp "$GUEST_QMP")

status() {
	guest_qmp '{"execute":"query-status"}' | sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p'
}
# expect_state WANT LABEL: the guest's state is WANT (running, or stopped:
# paused or debug), and for a running guest, it still answers.
expect_state() {
	local got
	got=$(status)
	case $1 in
	running)
		[ "$got" = running ] || die "$2: the guest is $got, not running"
		[ "$(guest_run 'echo alive')" = alive ] || die "$2: the guest does not answer"
		;;
	stopped) [ "$got" = paused ] || [ "$got" = debug ] || die "$2: the guest is $got, not stopped" ;;
	esac
	say "ok: $2: $got"
}
set_state() {
	case $1 in
	running) guest_qmp '{"execute":"cont"}' >/dev/null ;;
	stopped) guest_qmp '{"execute":"stop"}' >/dev/null ;;
	esac
}

# A script without an end, on stdin, so that the signal always comes in
# its middle: with the guest stopped for the whole script its memory stays
# cached, and a file of 1200 or even 60000 commands has run to its end in
# the moment between its first output and the signal.

for state in running stopped; do
	set_state "$state"
	# EPIPE: every live command into head -1.
	for cmd in info lsmod ps 'bt --all' 'sym init_task' 'read linux_banner 64'; do
		# shellcheck disable=SC2086 # the command's words
		{ "${k[@]}" $cmd 2>"$w/err" || echo $? >"$w/status"; } | head -n 1 >/dev/null
		expect_state "$state" "$state guest, '$cmd | head -1'"
	done
	# Signals in the middle of a long script: exit 128+N, the guest as found.
	for sig in INT TERM HUP; do
		# A background job of a script starts with SIGINT ignored, a run
		# under nohup with SIGHUP ignored, and kinspect keeps an ignored
		# signal ignored (as nohup wants): the signals sent are reset.
		yes "$(printf 'lsmod\nbt --cpu 0\nps')" |
			env --default-signal=INT,TERM,HUP "${k[@]}" -x - >"$w/out" 2>"$w/err" &
		pid=$!
		# Wait until it is well into the script (output has come).
		for _ in $(seq 100); do [ -s "$w/out" ] && break; sleep 0.1; done
		[ -s "$w/out" ] || { kill -9 "$pid"; die "the script printed nothing within 10 s"; }
		kill -"$sig" "$pid" 2>/dev/null || die "SIG$sig: the script ended before the signal came"
		st=0
		timeout 60 tail --pid="$pid" -f /dev/null || die "kinspect did not end within 60 s of SIG$sig"
		wait "$pid" || st=$?
		want=$((128 + $(kill -l "$sig")))
		[ "$st" = "$want" ] || die "SIG$sig: exit status $st, not $want: $(cat "$w/err")"
		grep -q "ended by signal" "$w/err" || die "SIG$sig: no word on stderr: $(cat "$w/err")"
		expect_state "$state" "$state guest, SIG$sig during -x"
	done
done

# break: a signal while it waits for a hit takes the breakpoint out; the
# guest runs on (and a command that calls the function does not stop it).
set_state running
for sig in INT TERM HUP; do
	env --default-signal=INT,TERM,HUP "${k[@]}" -v break --wait 0 do_init_module >"$w/out" 2>"$w/err" &
	pid=$!
	for _ in $(seq 300); do grep -q 'breakpoint at ' "$w/err" 2>/dev/null && break; sleep 0.1; done
	grep -q 'breakpoint at ' "$w/err" || { kill -9 "$pid"; die "break did not plant its breakpoint: $(cat "$w/err")"; }
	kill -"$sig" "$pid"
	st=0
	timeout 60 tail --pid="$pid" -f /dev/null || die "break did not end within 60 s of SIG$sig"
	wait "$pid" || st=$?
	[ "$st" = 130 ] || die "break, SIG$sig: exit status $st, not 130: $(cat "$w/err")"
	expect_state running "break ended by SIG$sig"
	# The breakpoint is gone: loading a module does not stop the guest.
	GUEST_RUN_TIMEOUT=20 guest_run 'rmmod dummy 2>&1; insmod /lib/modules/dummy.ko 2>&1; echo done' >/dev/null ||
		die "break, SIG$sig: the guest stopped in do_init_module: the breakpoint was left"
	expect_state running "break ended by SIG$sig, module load after it"
done
guest_stop
say "PASS"
