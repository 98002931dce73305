# Running "kinspect break" in the background against the test guest while
# the guest does something, then reading its JSON Lines.  Source after
# guest.sh and target-checks.sh.
# SPDX-License-Identifier: GPL-2.0-or-later

# break_start OUT ARGS...: start "kinspect --json -v [$BREAK_GLOBAL_OPTS] break ARGS" with its
# JSON Lines in OUT (text with BREAK_JSON empty) (stderr in OUT.err), and return once the breakpoint is
# planted.  BREAK_PID is its pid.
break_start() {
	local out=$1 i
	shift
	# Not through the kinspect function: $! must be kinspect itself, for kill.
	${KINSPECT_WRAPPER:-} "$KINSPECT" -v ${BREAK_JSON---json} -k "$GUEST_VMLINUX" -t "$GUEST_GDB" -m "$GUEST_MODDIR" ${BREAK_GLOBAL_OPTS:-} break "$@" >"$out" 2>"$out.err" &
	BREAK_PID=$!
	# Up to 60 s: looking the function up in a module's DWARF and the
	# first exchanges take long on a loaded 2-core machine under TCG.
	for i in $(seq 600); do
		grep -q 'breakpoint at ' "$out.err" 2>/dev/null && return 0
		kill -0 "$BREAK_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out.err"
	die "break $* did not plant its breakpoint"
}

# break_wait [STATUS]: wait for the break started last to end with STATUS
# (default 0), at most 120 s.
break_wait() {
	local want=${1:-0} status=0 i
	for i in $(seq 1200); do
		kill -0 "$BREAK_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$BREAK_PID" 2>/dev/null && { kill -9 "$BREAK_PID"; die "break did not end within 120 s"; }
	wait "$BREAK_PID" || status=$?
	[ "$status" = "$want" ] || { cat "$BREAK_OUT.err" 2>/dev/null; die "break ended with status $status, not $want"; }
}

# break_interrupt: Ctrl-C for the break started last; it must end with 130
# after taking its breakpoint out.
break_interrupt() {
	kill -INT "$BREAK_PID"
	break_wait 130
}
