#!/bin/bash
# Fault injection between kinspect and a live guest's gdbstub
# (tests/target/fault-relay): the connection dropped at several points of
# the exchange, QEMU's answers stalled, and reads of chosen addresses
# failing.  Every command must end, within its --timeout, with success or
# one clear error line.  After a stall the guest runs on by itself (kinspect
# detaches blind); after a drop it is resumed through QMP.  And gdb through
# the proxy with one of its module breakpoints refused by QEMU.
#
# Usage: fault-inject.sh SUITE   (run by make check)
set -euo pipefail

suite=${1:?usage: fault-inject.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
relay_bin=$top_builddir/tests/target/fault-relay
export GUEST_LOG_TAG=fault-inject-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

guest_start "$suite"
work=$GUEST_WORKDIR

# through MODE ARGS... -- CMD...: run kinspect CMD through a relay in MODE;
# sets $status; stdout and stderr in $work/out and $work/err.
through() {
	local args=() pid port
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	rm -f "$work/port"
	"$relay_bin" "$work/port" "$GUEST_GDB" "${args[@]}" &
	pid=$!
	for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
	port=$(cat "$work/port")
	status=0
	# timeout: a hang is a failure (124), not a slow success.
	timeout 60 "$KINSPECT" --timeout 3 -k "$GUEST_VMLINUX" -t "127.0.0.1:$port" "$@" >"$work/out" 2>"$work/err" || status=$?
	# The relay ends by itself once kinspect has closed its side, after
	# passing on what kinspect sent last (a blind detach after a stall):
	# killing it at once could lose that.
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# expect_clean_failure LABEL: status 1 and exactly one error line.
expect_clean_failure() {
	[ "$status" = 1 ] || { cat "$work/err"; die "$1: status $status (124: it hung)"; }
	[ "$(grep -c '^kinspect: error' "$work/err")" = 1 ] || die "$1: not one error line: $(cat "$work/err")"
}

# alive WHAT [resume]: the guest answers on its console.  A dropped
# connection leaves the VM stopped (QEMU does not resume it when its gdb
# client vanishes, and kinspect can no longer say "detach"): the test
# resumes it through QMP, as a user would with "cont".
alive() {
	[ "${2:-}" = resume ] && guest_resume
	[ "$(guest_run 'echo alive')" = alive ] || die "the guest does not run after: $1"
}

modules=$(kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" sym modules | awk '{ print $1 }')
[ -n "$modules" ] || die "no address of the modules list head"

for cmd in info lsmod "bt --cpu 0" ps "page pfn:4096"; do
	# shellcheck disable=SC2086 # the command's words
	for at in 50 2000 30000; do
		through drop "$at" -- $cmd
		if [ "$status" = 0 ]; then
			say "ok: $cmd, dropped after $at bytes: it had finished"
		else
			expect_clean_failure "$cmd, dropped after $at bytes"
			say "ok: $cmd, dropped after $at bytes: $(cat "$work/err")"
		fi
		alive "$cmd dropped after $at bytes" resume
	done
	for at in 2000 25000; do
		# shellcheck disable=SC2086
		through stall "$at" -- $cmd
		[ "$status" = 0 ] && { say "ok: $cmd, stalled after $at bytes: it had finished"; continue; }
		expect_clean_failure "$cmd, stalled after $at bytes"
		grep -q 'within 3000 ms' "$work/err" || die "$cmd, stalled: no timeout named: $(cat "$work/err")"
		say "ok: $cmd, stalled after $at bytes: $(cat "$work/err")"
		alive "$cmd stalled after $at bytes"
	done
done

# Reads of the module list head fail: lsmod names the address, info (which
# does not read it) works through the same faults.
through error "0x$modules" "$(printf '0x%x' $((0x$modules + 8)))" -- lsmod
expect_clean_failure "lsmod with the list head unreadable"
grep -q "0x$modules\|$modules" "$work/err" || die "lsmod's error does not name the list head: $(cat "$work/err")"
say "ok: lsmod, list head unreadable: $(cat "$work/err")"
through error "0x$modules" "$(printf '0x%x' $((0x$modules + 8)))" -- info
[ "$status" = 0 ] || die "info through the error relay: status $status: $(cat "$work/err")"
alive "the error relay"

# One module's build-id note unreadable: its read is among the notes lsmod
# fetches for all modules in one pipelined batch (answers matched to reads
# by order).  That module is listed without a build-id and a warning; every
# other line is as without the fault.
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" lsmod >"$work/lsmod-want" 2>&1 || die "lsmod failed: $(cat "$work/lsmod-want")"
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" lsmod --sections >"$work/sections" 2>&1 || die "lsmod --sections failed"
victim=$(awk 'NR > 1 && !/^ / { m = $1 } $1 == ".note.gnu.build-id" { v = m; a = $2 } END { print v, a }' "$work/sections")
note=${victim#* }
victim=${victim%% *}
[ -n "$victim" ] && [ -n "$note" ] || die "no module with a .note.gnu.build-id section: $(cat "$work/sections")"
through error "$note" "$(printf '0x%x' $((note + 4)))" -- lsmod
[ "$status" = 0 ] || die "lsmod with $victim's build-id unreadable: status $status: $(cat "$work/err")"
[ "$(cat "$work/err")" = "kinspect: warning: module $victim: cannot read its build-id: $(sed -n 's/^kinspect: warning: module [^:]*: cannot read its build-id: //p' "$work/err")" ] ||
	die "lsmod with $victim's build-id unreadable: not one warning about it: $(cat "$work/err")"
awk -v v="$victim" 'NR > 1 && !/^ / { m = $1 } { print (m == v && /^  build-id /) ? "  build-id -" : $0 }' "$work/lsmod-want" |
	diff -u - "$work/out" || die "lsmod with $victim's build-id unreadable: other lines changed"
say "ok: lsmod, $victim's build-id note at $note unreadable: listed without it, the others unchanged: $(cat "$work/err")"
alive "the error relay on a build-id"
# gdb through the proxy, QEMU refusing the proxy's free_module breakpoint
# (the relay makes that Z0 a z0, which QEMU answers E22 with nothing
# planted) while taking do_init_module's: both went out with gdb's first
# continue, in one write.  The proxy says why once and goes on without
# following modules; the breakpoint that did go in is the proxy's own
# still: an insmod stops there, and the proxy takes it out and lets the
# guest run without gdb seeing that stop (a SIGTRAP at do_init_module).
# gdb's own breakpoint after it is the first stop gdb sees.
GDB=${GDB:-gdb}
free_module=$(kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" sym free_module | awk '{ print $1 }')
[ -n "$free_module" ] || die "no address of free_module"
rm -f "$work/port"
"$relay_bin" "$work/port" "$GUEST_GDB" unplant "0x$free_module" "$(printf '0x%x' $((0x$free_module + 1)))" &
relay_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
proxy_cmd="${KINSPECT_WRAPPER:-} $KINSPECT -v gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR 127.0.0.1:$port"
XDG_CACHE_HOME=$work/cache timeout 600 "$GDB" -nx -batch -iex 'set pagination off' -iex 'set confirm off' \
	-iex 'set remotetimeout 60' -ex "target remote | $proxy_cmd 2>$work/proxy.err" -ex 'tbreak ksys_sync' \
	-ex 'echo WAITING-FOR-SYNC\n' -ex continue -ex 'bt 1' -ex detach "$GUEST_VMLINUX" >"$work/gdb.out" 2>&1 &
gdb_pid=$!
for _ in $(seq 600); do grep -q WAITING-FOR-SYNC "$work/gdb.out" && break; sleep 0.1; done
sleep 1
[ "$(guest_run 'rmmod dummy && insmod /lib/modules/dummy.ko && echo reloaded')" = reloaded ] ||
	{ cat "$work/gdb.out" "$work/proxy.err"; die "proxy, refused breakpoint: rmmod + insmod did not finish"; }
guest_run sync >/dev/null || { cat "$work/gdb.out"; die "proxy, refused breakpoint: sync in the guest failed"; }
wait "$gdb_pid" || { cat "$work/gdb.out" "$work/proxy.err"; die "proxy, refused breakpoint: gdb failed"; }
for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.05; done
kill "$relay_pid" 2>/dev/null || true
wait "$relay_pid" 2>/dev/null || true
[ "$(grep -c "planting the module breakpoints: .*'Z0,$free_module,[0-9]*' answered 'E22'" "$work/proxy.err")" = 1 ] ||
	{ cat "$work/proxy.err"; die "proxy, refused breakpoint: the refusal is not said once"; }
! grep -q SIGTRAP "$work/gdb.out" && grep -Eq '^#0 +ksys_sync \(' "$work/gdb.out" ||
	{ cat "$work/gdb.out"; die "proxy, refused breakpoint: gdb's first stop is not its own at ksys_sync"; }
[ "$(guest_run 'rmmod dummy && insmod /lib/modules/dummy.ko && echo reloaded')" = reloaded ] ||
	die "proxy, refused breakpoint: insmod after gdb left did not finish"
say "ok: gdb-proxy with QEMU refusing its free_module breakpoint: said once ($(grep -m1 -o "planting.*" \
	"$work/proxy.err")), the do_init_module one taken out at the insmod that hit it, unseen by gdb"
alive "the proxy through the unplant relay"
say "ok: fault injection on $suite"
