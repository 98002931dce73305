#!/bin/bash
# One fixed gdb session against a live guest of each test kernel, timed
# directly against QEMU's gdbstub and through "kinspect gdb-proxy".  Each
# starts the way its users do: direct, "target remote HOST:PORT" then
# vmlinux's symbols moved by the guest's KASLR slide (read from the guest's
# /proc/kallsyms, as a user would); through the proxy, "file vmlinux" then
# "target remote | kinspect gdb-proxy ..." (the proxy's qOffsets moves the
# symbols and its library list loads every module's).  The rest is the
# same: stop at three kernel functions the idle guest runs, stepi and next,
# read the registers, bt, info sharedlibrary, detach.  hyperfine times the
# whole gdb run; gdb's own "set debug remote" counts the packets it sends,
# and the proxy (-v, on TCP with --listen for that run) its round trips
# with QEMU.  The proxy runs as is and with --no-track (no breakpoints of
# its own following module loads).  gdb loading the vmlinux alone, without a target, is the floor
# of both.  Prints a Markdown table.
#
# Then a second table of round trips with QEMU: the proxy's own (its total
# less gdb's packets it relayed: connect, KASLR, module list scans,
# putting gdb's vCPU back; its breakpoints go out with gdb's first resume) and those of its module scans, next
# to "kinspect lsmod --sections" on the same guest (connect and KASLR
# included, warm caches as the proxy's).  Issue 15 asks the proxy's own to
# be no more than lsmod's.  BENCH_NO_TIMING=1 prints only that table (no
# hyperfine runs).
#
# Usage: bench/gdb-session.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench-gdb-session
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
GDB=${GDB:-gdb}
timing=1
[ "${BENCH_NO_TIMING:-0}" = 1 ] && timing=0
[ "$timing" = 0 ] || command -v hyperfine >/dev/null || die "hyperfine is needed (tests/bootstrap installs it)"

# session_script START...: the gdb commands of the session, after the
# START lines (connect and load vmlinux's symbols).
session_script() {
	printf 'set pagination off\nset confirm off\n'
	printf '%s\n' "$@"
	cat <<GDB
tbreak tick_nohz_idle_enter
continue
tbreak schedule_idle
continue
tbreak do_idle
continue
stepi
stepi
stepi
next
next
info registers
bt
info sharedlibrary
detach
GDB
}

# check_session OUT LABEL: the session did what it says.
check_session() {
	grep -q 'Temporary breakpoint 1, tick_nohz_idle_enter' "$1" && grep -q 'Temporary breakpoint 2, schedule_idle' "$1" &&
		grep -q 'Temporary breakpoint 3, do_idle' "$1" && grep -Eq '^rip +0xffffffff' "$1" && grep -Eq '^#1 ' "$1" &&
		grep -q 'Inferior 1 .* detached' "$1" || { cat "$1" >&2; die "$2: the gdb session went wrong"; }
}

# counted MODE SCRIPT: a checked gdb run of SCRIPT with its packet log;
# sets packets[MODE] (packets gdb sent) and libs[MODE] (libraries with symbols).
counted() {
	timeout 600 "$GDB" -nx -batch -iex 'set debug remote 1' -x "$2" >"$w/$1.out" 2>&1 ||
		{ cat "$w/$1.out" >&2; die "$1 session failed"; }
	check_session "$w/$1.out" "$1"
	packets[$1]=$(grep -c '\[remote\] Sending packet:' "$w/$1.out" || true)
	libs[$1]=$(grep -Ec '^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes' "$w/$1.out" || true)
}

# listen_proxy [OPTION...]: the proxy (with these options) waiting for one
# gdb on a free TCP port ($proxy_at), its stderr in $w/proxy.err, its pid
# in $proxy_pid.
listen_proxy() {
	local port
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		XDG_CACHE_HOME=$w/cache "${proxy[@]}" "$@" --listen "127.0.0.1:$port" "$GUEST_GDB" 2>"$w/proxy.err" &
		proxy_pid=$!
		for _ in $(seq 100); do
			grep -q 'waiting for gdb' "$w/proxy.err" && { proxy_at=127.0.0.1:$port; return 0; }
			kill -0 "$proxy_pid" 2>/dev/null || break
			sleep 0.1
		done
		wait "$proxy_pid" 2>/dev/null || true
	done
	cat "$w/proxy.err" >&2
	die "the proxy does not listen"
}

# timed NAME SCRIPT: "MIN MEDIAN" seconds of gdb running SCRIPT, from hyperfine.
timed() {
	hyperfine -N -w 1 -r "$bench_runs" --export-json "$w/$1.json" "$GDB -nx -batch -x $2" >&2 ||
		die "$1: hyperfine failed"
	jq -r '.results[0] | "\(.min) \(.median)"' "$w/$1.json"
}

if [ "$timing" = 1 ]; then
	echo "| kernel | gdb session | wall s min / median of $bench_runs | ratio to direct (median) | packets gdb sent | round trips proxy-QEMU | libraries |"
	echo "|---|---|---|---|---|---|---|"
fi
trip_rows=()
for suite in bookworm trixie; do
	guest_start "$suite" >&2
	proxy_pid=
	trap '[ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true; guest_stop' EXIT
	w=$GUEST_WORKDIR
	rt=$(guest_run "grep -m1 ' _text\$' /proc/kallsyms" | awk '{ print $1 }')
	st=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
	slide=$(printf '0x%x' $((0x$rt - 0x$st)))
	session_script "target remote $GUEST_GDB" "symbol-file -o $slide $GUEST_VMLINUX" >"$w/direct.gdb"
	proxy=("$KINSPECT" -v gdb-proxy -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR")
	printf 'set pagination off\nsymbol-file -o %s %s\ninfo address do_idle\n' "$slide" "$GUEST_VMLINUX" >"$w/floor.gdb"
	# One checked run of each with gdb's packet log (which slows gdb, so
	# not timed); it also fills the proxy's layout and symbol caches.  The
	# proxy listens on TCP for it, so that it ends by itself and reports
	# its traffic (gdb kills a "target remote |" program on detach).
	# "--no-track" (no breakpoints of the proxy's own) shows what following
	# module loads costs.
	declare -A packets libs trips relayed scans
	counted direct "$w/direct.gdb"
	for mode in proxy proxy-no-track; do
		opts=()
		[ "$mode" = proxy-no-track ] && opts=(--no-track)
		session_script "file $GUEST_VMLINUX" \
			"target remote | env XDG_CACHE_HOME=$w/cache ${proxy[*]} ${opts[*]} $GUEST_GDB" >"$w/$mode.gdb"
		listen_proxy "${opts[@]}"
		session_script "file $GUEST_VMLINUX" "target remote $proxy_at" >"$w/$mode-count.gdb"
		counted "$mode" "$w/$mode-count.gdb"
		for _ in $(seq 100); do kill -0 "$proxy_pid" 2>/dev/null || break; sleep 0.1; done
		wait "$proxy_pid" || { cat "$w/proxy.err" >&2; die "the proxy failed"; }
		proxy_pid=
		[ "${libs[$mode]}" = "$(guest_run 'wc -l </proc/modules')" ] ||
			{ cat "$w/$mode.out" >&2; die "$mode: the session did not load every module's symbols"; }
		trips[$mode]=$(sed -n 's/.*gdb-proxy: \([0-9]*\) round trips with QEMU.*/\1/p' "$w/proxy.err" | tail -n1)
		relayed[$mode]=$(sed -n 's/.*gdb-proxy: [0-9]* round trips with QEMU, [0-9]* packets from gdb, \([0-9]*\) of them relayed.*/\1/p' \
			"$w/proxy.err" | tail -n1)
		scans[$mode]=$(sed -n 's/.*gdb-proxy: [0-9]* modules, symbols for [0-9]* ([0-9]* ms, \([0-9]*\) round trips).*/\1/p' \
			"$w/proxy.err" | awk '{ n++; s += $1; l = l (l ? "+" : "") $1 } END { print n + 0, s + 0, (l ? l : "-") }')
	done
	# lsmod --sections on the same guest, warm as the proxy's session
	# (layout cache, .ko files): one run to warm, one counted.
	lsmod=(env XDG_CACHE_HOME="$w/cache" "$KINSPECT" -vv -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" lsmod --sections)
	"${lsmod[@]}" >/dev/null 2>&1 || die "lsmod --sections failed"
	"${lsmod[@]}" >"$w/lsmod.out" 2>"$w/lsmod.err" || { cat "$w/lsmod.err" >&2; die "lsmod --sections failed"; }
	read -r l_trips l_connect _ < <(rsp_traffic "$w/lsmod.err")
	for mode in proxy proxy-no-track; do
		read -r n_scans scan_trips scan_list <<<"${scans[$mode]}"
		own=$((${trips[$mode]:-0} - ${relayed[$mode]:-0}))
		trip_rows+=("| $suite $GUEST_RELEASE | $mode | ${trips[$mode]:-?} | ${relayed[$mode]:-?} | $own |"\
" $n_scans ($scan_list) | $l_trips ($l_connect to connect) | $(ratio "$own" "$l_trips") |")
	done
	if [ "$timing" = 0 ]; then
		guest_stop >&2
		continue
	fi
	s() { awk -v a="$1" 'BEGIN { printf "%.2f", a }'; }
	read -r f_min f_med < <(timed floor "$w/floor.gdb")
	echo "| $suite $GUEST_RELEASE | vmlinux symbols only, no target (floor) | $(s "$f_min") / $(s "$f_med") | | | | |"
	read -r d_min d_med < <(timed direct "$w/direct.gdb")
	echo "| $suite $GUEST_RELEASE | direct to QEMU | $(s "$d_min") / $(s "$d_med") | 1 | ${packets[direct]} | | ${libs[direct]} |"
	for mode in proxy proxy-no-track; do
		read -r p_min p_med < <(timed "$mode" "$w/$mode.gdb")
		label="through kinspect gdb-proxy"
		[ "$mode" = proxy-no-track ] && label="$label --no-track"
		echo "| $suite $GUEST_RELEASE | $label | $(s "$p_min") / $(s "$p_med") | $(ratio "$p_med" "$d_med") |" \
			"${packets[$mode]} | ${trips[$mode]:-?} | ${libs[$mode]} |"
	done
	guest_stop >&2
done
echo
echo "| kernel | proxy | round trips with QEMU | gdb's packets relayed | the proxy's own | module scans (round trips each) | lsmod --sections | own / lsmod |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${trip_rows[@]}"
