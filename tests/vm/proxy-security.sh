#!/bin/bash
# The gdb proxy against a live guest, as a hostile client or an unlucky user
# would use it (issue 14):
#  - "monitor" runs only the allowlisted commands with their own options:
#    global options that open host files (-x, -t, -k, -m), "gdb-proxy" and
#    "break" are refused in one line, an over-long argument too, while
#    "monitor kinspect lsmod" still works;
#  - the private socket relays reads, but refuses vKill, Hc and c (the guest
#    survives and stays stopped);
#  - the proxy ended by SIGTERM, SIGHUP, SIGINT, or by its gdb vanishing
#    (EOF), with the guest running or stopped under gdb: its breakpoints are
#    out of QEMU (an insmod afterwards does not stop the guest), the guest
#    runs (it ran before the proxy came), its socket directory is gone.
#
# Usage: proxy-security.sh bookworm|trixie   (run by make check; needs $KINSPECT)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: proxy-security.sh bookworm|trixie}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=proxy-security-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

command -v "${GDB:-gdb}" >/dev/null || { say "SKIP: no gdb"; exit 77; }
command -v socat >/dev/null || { say "SKIP: no socat"; exit 77; }

guest_start "$suite" dummy
w=$GUEST_WORKDIR
# The proxy records its pid, so that the test can signal it; its socket
# directory goes under a runtime directory of the test's own, to be checked
# for leftovers without looking at other users' /tmp.
mkdir -p "$w/run"
cat >"$w/proxy" <<EOF
#!/bin/sh
echo \$\$ >"$w/proxy.pid"
XDG_RUNTIME_DIR=$w/run exec ${KINSPECT_WRAPPER:-} "$KINSPECT" "\$@"
EOF
chmod +x "$w/proxy"
export XDG_CACHE_HOME=$w/cache
# gdb_of PID: the gdb above process PID (the proxy runs under gdb's sh -c).
gdb_of() {
	local p=$1
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = gdb ] && { echo "$p"; return 0; }
		p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)
	done
	return 1
}
gdb_pid=
# On any end: release a gdb waiting for "go", end it, then the guest.
on_exit() {
	local g
	touch "$w/go" 2>/dev/null || true
	if [ -s "$w/proxy.pid" ] && g=$(gdb_of "$(cat "$w/proxy.pid")"); then
		kill "$g" 2>/dev/null || true
	fi
	[ -n "$gdb_pid" ] && { kill "$gdb_pid" 2>/dev/null || true; wait "$gdb_pid" 2>/dev/null || true; }
	guest_stop
}
trap on_exit EXIT
PROXY="$w/proxy gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR"

run_gdb() {
	local out=$1
	shift
	timeout 300 "${GDB:-gdb}" -nx -batch -iex 'set pagination off' -iex 'set confirm off' \
		-iex 'set remotetimeout 60' "$@" >"$out" 2>&1
}

status() { guest_qmp '{"execute":"query-status"}' | sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p'; }

# wait_status STATE SECONDS
wait_status() {
	local i s
	for ((i = 0; i < $2 * 10; i++)); do
		s=$(status)
		[ "$s" = "$1" ] && return 0
		sleep 0.1
	done
	say "guest status: $s, not $1"
	return 1
}

# ---- monitor: the allowlist ---------------------------------------------------
echo "SECRET-$$-MARKER" >"$w/secret"
long=$(printf 'a%.0s' $(seq 300))
t0=$SECONDS
run_gdb "$w/monitor.out" -ex "target remote | $PROXY $GUEST_GDB" \
	-ex "monitor kinspect -x $w/secret" \
	-ex "monitor kinspect -t $w/secret info" \
	-ex "monitor kinspect -k $w/secret info" \
	-ex "monitor kinspect -m / lsmod" \
	-ex "monitor kinspect lsmod -x $w/secret" \
	-ex "monitor kinspect gdb-proxy --listen :0 $GUEST_GDB" \
	-ex "monitor gdb-proxy $GUEST_GDB" \
	-ex "monitor break do_init_module" \
	-ex "monitor kinspect sym $long" \
	-ex "echo LSMOD\\n" \
	-ex "monitor kinspect lsmod" \
	-ex "detach" || { cat "$w/monitor.out"; die "gdb through the proxy failed"; }
! grep -q "SECRET-$$" "$w/monitor.out" || { cat "$w/monitor.out"; die "monitor read a host file"; }
refusals=$(grep -c '^kinspect: monitor: refused' "$w/monitor.out" || true)
[ "$refusals" = 9 ] || { cat "$w/monitor.out"; die "$refusals refusals of 9"; }
grep -q "refused 'gdb-proxy': it would" "$w/monitor.out" || { cat "$w/monitor.out"; die "gdb-proxy: no reason"; }
grep -q "longer than 256 bytes" "$w/monitor.out" || { cat "$w/monitor.out"; die "long argument: no reason"; }
sed -n '/^LSMOD$/,$p' "$w/monitor.out" | grep -q '^dummy ' ||
	{ cat "$w/monitor.out"; die "monitor kinspect lsmod no longer works"; }
[ $((SECONDS - t0)) -lt 100 ] || die "the monitor session took $((SECONDS - t0)) s"
wait_status running 10 || die "the guest does not run after gdb detached"
say "ok: monitor: 9 commands refused with a reason, no host file read, lsmod runs"

# ---- the private socket: an allowlist of packets -------------------------------
# rsp PAYLOAD: one framed packet.
rsp() {
	local p=$1 sum=0 i c
	for ((i = 0; i < ${#p}; i++)); do
		printf -v c '%d' "'${p:i:1}"
		sum=$(((sum + c) % 256))
	done
	printf '$%s#%02x' "$p" "$sum"
}
rm -f "$w/go"
run_gdb "$w/second-gdb.out" -ex "target remote | $PROXY --socket $w/second.sock $GUEST_GDB" \
	-ex "shell while [ ! -e $w/go ]; do sleep 0.1; done" -ex "detach" &
gdb_pid=$!
for ((i = 0; i < 600; i++)); do [ -S "$w/second.sock" ] && break; sleep 0.1; done
[ -S "$w/second.sock" ] || { cat "$w/second-gdb.out"; die "no private socket"; }
# Wait for gdb to be at its shell command (the proxy serves one client, only
# while the VM is stopped).
sleep 2
{
	for p in vKill\;1 Hc1 c k 'Z0,ffffffff81000000,1' qRcmd,71 '?' g; do
		rsp "$p"
		sleep 0.3
	done
} | timeout 20 socat -t 2 - "UNIX-CONNECT:$w/second.sock" >"$w/second.out" || true
touch "$w/go"
wait "$gdb_pid" || { cat "$w/second-gdb.out"; die "gdb failed"; }
replies=$(tr -d '+' <"$w/second.out" | sed 's/#[0-9a-f][0-9a-f]/\n/g' | sed 's/^\$//' | cut -c1-8 | tr '\n' ' ')
say "second client: replies: $replies"
[[ $replies == "E01 E01 E01 E01 E01 E01 S05 "[0-9a-f]* ]] ||
	die "the private socket passed a refused packet (want E01 x6, S05, registers): $replies"
kill -0 "$GUEST_PID" 2>/dev/null || die "QEMU is gone"
wait_status running 10 || die "the guest does not run after gdb detached"
say "ok: private socket: vKill, Hc, c, k, Z0, qRcmd refused; ? answered; g relayed; QEMU alive"

# ---- ends without a detach ------------------------------------------------------
# after_end LABEL: the proxy is gone, its directory too; the guest runs, and
# an insmod (through do_init_module, where the proxy had its breakpoint)
# does not stop it.
after_end() {
	local label=$1
	wait_status running 20 || die "$label: the guest is not running"
	[ -z "$(ls -A "$w/run")" ] || { ls -la "$w/run"; die "$label: left in the runtime directory: $(ls "$w/run")"; }
	GUEST_RUN_TIMEOUT=30 guest_run 'rmmod dummy && insmod /lib/modules/dummy.ko' >/dev/null ||
		die "$label: insmod after the proxy ended failed (a breakpoint left in QEMU?)"
	wait_status running 5 || die "$label: the guest stopped at insmod: a breakpoint of the proxy was left"
	say "ok: $label: guest running, breakpoints out (insmod ran), nothing left in the runtime directory"
}

# start_session MODE: gdb through the proxy, in the background; MODE
# "running" continues the guest, "stopped" keeps it stopped under gdb.
start_session() {
	rm -f "$w/proxy.pid" "$w/go"
	local last="continue"
	[ "$1" = stopped ] && last="shell while [ ! -e $w/go ]; do sleep 0.1; done"
	# "info sharedlibrary" makes the proxy find the kernel and modules,
	# so that "continue" plants its module breakpoints.
	run_gdb "$w/session.out" -ex "target remote | $PROXY $GUEST_GDB" -ex "info sharedlibrary" \
		-ex "echo SESSION-READY\\n" -ex "$last" &
	gdb_pid=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q SESSION-READY "$w/session.out" 2>/dev/null && [ -s "$w/proxy.pid" ] && break
		sleep 0.1
	done
	grep -q SESSION-READY "$w/session.out" || { cat "$w/session.out"; die "gdb did not attach"; }
	[ "$1" = running ] && { wait_status running 20 || die "gdb did not continue the guest"; }
	[ "$1" = stopped ] && { wait_status paused 5 || wait_status debug 5 || die "the guest is not stopped"; }
	[ -n "$(ls -A "$w/run")" ] || die "no socket directory under the runtime directory"
	return 0
}

# alive PID: running, not a zombie (gdb, busy in a shell command, reaps
# its proxy only later).
alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# end_session LABEL: gdb and the proxy are gone within 20 s.
end_session() {
	local i
	for ((i = 0; i < 200; i++)); do
		alive "$(cat "$w/proxy.pid")" || break
		sleep 0.1
	done
	! alive "$(cat "$w/proxy.pid")" || die "$1: the proxy is still running after 20 s"
	touch "$w/go"
	wait "$gdb_pid" 2>/dev/null || true
}

for sig in TERM HUP INT; do
	start_session running
	kill -"$sig" "$(cat "$w/proxy.pid")"
	end_session "SIG$sig"
	after_end "SIG$sig while the guest ran under gdb"
done
start_session stopped
kill -TERM "$(cat "$w/proxy.pid")"
end_session "SIGTERM (stopped)"
after_end "SIGTERM while gdb had the guest stopped"
start_session running
kill -KILL "$(gdb_of "$(cat "$w/proxy.pid")")"
end_session "EOF"
after_end "gdb killed (EOF) while the guest ran"
start_session stopped
kill -KILL "$(gdb_of "$(cat "$w/proxy.pid")")"
end_session "EOF (stopped)"
after_end "gdb killed (EOF) while it had the guest stopped"

say "PASS"
