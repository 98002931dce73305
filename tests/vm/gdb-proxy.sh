#!/bin/bash
# gdb through "kinspect gdb-proxy" against a live guest, with Debian's gdb
# and with gdb-minimal (no Python) where the distribution still has a real
# one (since Debian 13 it is a transitional package: that leg is skipped
# there, and the log says so):
#  - every module of the guest's /proc/modules is a gdb library; in each,
#    a function takes a breakpoint and resolves, with a variable where the
#    module has one, to where the guest's /proc/kallsyms says (when the
#    proxy gave all modules one placeholder address, gdb 18.1 attached
#    every module after the first to the first one's objfile: checking a
#    few modules is not enough); lx-lsmod shows their real bases;
#  - a breakpoint in a module function is hit and bt names module frames;
#  - a module removed and loaded again while gdb is attached: a pending
#    breakpoint on its init function is hit, at the guest's new addresses;
#  - monitor / lx-* commands run kinspect against the stopped guest, inside
#    the proxy on its own session (lx-kaslr says who holds the guest), and
#    see modules loaded after gdb attached;
#  - trixie: the seeds' 9p read, "lx-iov-iter to" at p9_client_read_once;
#  - transparency: one gdb session (breakpoint, stepi, next, memory write
#    and read, continue, interrupt) gives the same output direct and
#    through the proxy;
#  - garbage from gdb is answered, and QEMU going away ends the session with
#    a clear message instead of a hang.
# The time from "target remote" to all module symbols loaded is reported,
# with the proxy's own share.  The proxy's own round trips with QEMU (all
# but gdb's packets it relays) in a session that loads every module's
# symbols, runs the guest to a breakpoint and reads the library list again
# are no more than "kinspect lsmod --sections" needs for the same modules
# (its two module breakpoints go out with gdb's first resume, in the same
# write: no round trip of their own), with one module list scan (none of
# its hooks fired).
#
# Usage: gdb-proxy.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: gdb-proxy.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=gdb-proxy-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

# shellcheck source=gdb-helpers.sh
. "$here/gdb-helpers.sh"
gdb_pick
PLUGIN=$top_srcdir/plugins/gdb/kinspect.gdb

guest_start "$suite"
w=$GUEST_WORKDIR
# The proxy's own kinspect (monitor commands re-run it) under the wrapper
# of check-valgrind, if any: a small script gdb can start.
cat >"$w/proxy" <<EOF
#!/bin/sh
exec ${KINSPECT_WRAPPER:-} "$KINSPECT" "\$@"
EOF
chmod +x "$w/proxy"
export XDG_CACHE_HOME=$w/cache
PROXY="$w/proxy gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR $GUEST_GDB"

# run_gdb GDB OUT ARGS...: gdb in batch mode on vmlinux, bounded.
run_gdb() {
	local gdb=$1 out=$2
	shift 2
	# gdb waits 2 s for an answer by default; the proxy's first one comes
	# after it has found the slide and the modules, which under valgrind
	# (check-valgrind) or on a loaded machine takes longer.
	timeout 600 "$gdb" -nx -batch -iex 'set pagination off' -iex 'set confirm off' -iex 'set remotetimeout 60' \
		"$@" >"$out" 2>&1
}

# ---- the guest's truth ------------------------------------------------------
# Every module the guest has loaded (/proc/modules, not only the ones this
# test asked for), and one function and one variable of each, with names
# found nowhere else in kallsyms (so that gdb's answer cannot be another
# symbol's).  A module without such a function fails the test: each one
# must be checked.
guest_run 'cat /proc/modules' | awk '{ print $1 }' | sort >"$w/modules"
LOADED_MODULES=$(tr '\n' ' ' <"$w/modules")
[ -n "$LOADED_MODULES" ] || die "the guest has no modules loaded"
# All of it, for the names found once: 200,000 lines through the serial
# console, given time on a loaded machine.
GUEST_RUN_TIMEOUT=300 guest_run 'cat /proc/kallsyms' >"$w/kallsyms"
awk '{ n[$3]++ } END { for (s in n) if (n[s] == 1) print s }' "$w/kallsyms" | sort >"$w/unique"
awk -v mods=" $LOADED_MODULES " 'NF == 4 && index(mods, " " substr($4, 2, length($4) - 2) " ") &&
	$3 !~ /^(__|_)/ && $3 !~ /\./ { print $4, $2, $3, $1 }' "$w/kallsyms" | sort -k3 |
	join -1 3 -2 1 - "$w/unique" | awk '{ print $2, $3, $1, $4 }' | sort |
	awk '$2 ~ /^[tT]$/ && !t[$1]++ { print; next } $2 ~ /^[dDbB]$/ && !d[$1]++ { print }' >"$w/symbols-want"
for m in $LOADED_MODULES; do
	awk -v m="[$m]" '$1 == m && $2 ~ /^[tT]$/ { f = 1 } END { exit !f }' "$w/symbols-want" ||
		die "module $m: no function with a name of its own in the guest's kallsyms"
done
say "guest: $(wc -l <"$w/symbols-want") module symbols to check, in every loaded module: $LOADED_MODULES"

# ---- one gdb session: module symbols, breakpoints, modules loaded later ------
# symbol_args: gdb -ex options printing each symbol of symbols-want and
# putting a breakpoint (not pending: it must resolve now) on each function,
# then deleting them.  -ex, not a command file: an error ends a command
# file, while each -ex runs whatever the one before it did, so that every
# symbol that does not resolve is seen.
symbol_args() {
	local mod type name addr
	echo -ex
	echo "set breakpoint pending off"
	while read -r mod type name addr; do
		# "info address": "p &VAR" would print VAR's type, and gdb
		# resolving an opaque struct type expands vmlinux's DWARF for
		# up to a minute per symbol (p &numdummies is below).
		printf '%s\n' -ex "echo SYMBOL $name $type\\n" -ex "info address $name"
		case $type in [tT])
			printf '%s\n' -ex "info line $name" -ex "echo BREAK $name\\n" -ex "break $name" ;;
		esac
	done <"$w/symbols-want"
	printf '%s\n' -ex delete -ex "echo SYMBOLS-DONE\\n"
}

# check_symbols OUT LABEL: the symbols gdb printed are the guest's, and the
# breakpoint on each function is inside it.
check_symbols() {
	local out=$1 label=$2 m bad=0 mod type name addr got at nr_break=0
	for m in $LOADED_MODULES; do
		grep -Eq "^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes .*/${m//_/[-_]}(-[0-9a-f]+)?\.ko\$" "$out" ||
			{ cat "$out"; die "$label: module $m not a loaded library"; }
	done
	while read -r mod type name addr; do
		got=$(awk -v n="$name" '$1 == "SYMBOL" && $2 == n { getline; print; exit }' "$out")
		if ! [[ $got =~ at\ address\ (0x[0-9a-f]+) ]] || [ "${BASH_REMATCH[1]}" != "0x$addr" ]; then
			say "$label: &$name ($mod): gdb says '$got', the guest 0x$addr"
			bad=1
		fi
		case $type in [tT])
			grep -Eq "starts at address 0x$addr <$name>" "$out" ||
				{ say "$label: info line $name does not start at 0x$addr"; bad=1; }
			# After the prologue: within the function's first page.
			got=$(awk -v n="$name" '$1 == "BREAK" && $2 == n { getline; print; exit }' "$out")
			if [[ $got =~ ^Breakpoint\ [0-9]+\ at\ 0x([0-9a-f]+) ]]; then
				at=${BASH_REMATCH[1]}
				# (Kernel addresses are negative in bash: the
				# difference is still right.)
				if [[ $got != *" locations)"* ]] && ! ((16#$at - 16#$addr >= 0 && 16#$at - 16#$addr < 4096)); then
					say "$label: break $name ($mod): at 0x$at, the function at 0x$addr"
					bad=1
				fi
				nr_break=$((nr_break + 1))
			else
				say "$label: break $name ($mod): gdb says '$got'"
				bad=1
			fi ;;
		esac
	done <"$w/symbols-want"
	[ "$bad" = 0 ] || { cat "$out"; die "$label: module symbols differ from /proc/kallsyms"; }
	say "ok: $label: $(wc -l <"$w/modules") modules are libraries; $(wc -l <"$w/symbols-want")" \
		"module variables, functions and lines equal /proc/kallsyms; a breakpoint in each of" \
		"the $nr_break modules"
}

# check_session GDB LABEL: symbols, then a breakpoint in a module function,
# then dummy removed and loaded again with a pending breakpoint on its init.
check_session() {
	local gdb=$1 label=$2 connect=$w/connect.gdb script=$w/session.gdb out=$w/session-$2.out
	local -a symbols
	mapfile -t symbols < <(symbol_args)
	cat >"$connect" <<EOF
target remote | $PROXY
source $PLUGIN
info sharedlibrary
EOF
	{
		echo "set breakpoint pending on"
		cat <<EOF
break dummy_get_stats64
echo WAITING-FOR-STATS\\n
continue
bt 3
delete
break dummy_init_module
echo WAITING-FOR-INSMOD\\n
continue
bt 4
output &numdummies
echo \\n
lx-lsmod
lx-kaslr
detach
EOF
	} >"$script"
	: >"$out"
	run_gdb "$gdb" "$out" -x "$connect" "${symbols[@]}" -x "$script" "$GUEST_VMLINUX" &
	local gpid=$!
	# The symbols first: a module whose symbols did not load makes every
	# later step fail for a reason less plain.
	wait_for "$out" "^SYMBOLS-DONE" 600 || { cat "$out"; die "$label: gdb did not get through the module symbols"; }
	check_symbols "$out" "$label"
	wait_for "$out" "^WAITING-FOR-STATS" 300 || { cat "$out"; die "$label: no breakpoint in dummy_get_stats64"; }
	sleep 1
	guest_run 'cat /sys/class/net/dummy0/statistics/rx_bytes' >/dev/null || { cat "$out"; die "$label: guest command failed"; }
	wait_for "$out" WAITING-FOR-INSMOD 300 || { cat "$out"; die "$label: no stop in dummy_get_stats64"; }
	sleep 1
	# insmod ends only once gdb, stopped in dummy_init_module, has run
	# bt, lx-lsmod and lx-kaslr and detached: minutes on a loaded machine.
	GUEST_RUN_TIMEOUT=300 guest_run 'rmmod dummy && insmod /lib/modules/dummy.ko && grep -w numdummies /proc/kallsyms' >"$w/new-numdummies" ||
		{ cat "$out"; die "$label: rmmod/insmod in the guest failed"; }
	wait "$gpid" || { cat "$out"; die "$label: gdb failed"; }
	# gdb (13.1 and 18.1 alike) asks the remote for the .ko files first
	# (sysroot "target:", the default) and says once that it reads them
	# here instead, which is right: the proxy names files on gdb's
	# machine.  Users may "set sysroot /" (README); this session keeps
	# the default.
	local transfer
	transfer=$(grep -c 'remote target does not support file transfer' "$out" || :)
	[ "$transfer" -le 1 ] || { cat "$out"; die "$label: $transfer warnings about file transfer, not one"; }
	[ "$transfer" = 0 ] || say "$label: said once (expected with the default sysroot):" \
		"$(grep -m1 'remote target does not support file transfer' "$out")"
	grep -Eq '^#0 +dummy_get_stats64 \(' "$out" && grep -Eq '^#1 +0x[0-9a-f]+ in dev_get_stats \(' "$out" ||
		{ cat "$out"; die "$label: bt at dummy_get_stats64 lacks the module frame"; }
	grep -Eq 'hit Breakpoint [0-9]+, dummy_init_module \(\)' "$out" && grep -Eq '^#[12] .* in do_init_module \(' "$out" ||
		{ cat "$out"; die "$label: the pending breakpoint on dummy_init_module was not hit"; }
	local new m
	new=$(awk '{ print $1 }' "$w/new-numdummies")
	grep -Eq "^\(int \*\) 0x0*$new <numdummies>" "$out" ||
		{ cat "$out"; die "$label: numdummies after insmod: not the guest's 0x$new"; }
	# gdb's "info sharedlibrary" shows placeholders in its From column
	# (see src/proxy/libraries.c): lx-lsmod is where the real bases are.
	guest_run 'cat /proc/modules' >"$w/modules-after"
	local base want
	for m in $LOADED_MODULES; do
		want=$(awk -v m="$m" '$1 == m { print $6 }' "$w/modules-after")
		base=$(awk -v m="$m" '$1 == m && $4 ~ /^0x/ { print $4; exit }' "$out")
		[ -n "$base" ] && [ "$base" = "$want" ] ||
			{ cat "$out"; die "$label: lx-lsmod: $m at '$base', /proc/modules says '$want'"; }
	done
	grep -Eq '^run state: +held by its owner \(kinspect gdb-proxy\)' "$out" ||
		{ cat "$out"; die "$label: lx-kaslr (monitor kinspect info) did not run on the proxy's own session"; }
	say "ok: $label: breakpoint in a module function with module frames in bt; rmmod + insmod:" \
		"pending breakpoint on the new init function hit, numdummies at the new 0x$new; lx-lsmod:" \
		"every module's base as in /proc/modules; monitor ran on the proxy's own session"
	# dummy moved: the truth for the next session (module symbols only: the
	# whole of a 7.x kallsyms took over 60 s through a loaded machine's
	# serial console).
	guest_run "grep ']\$' /proc/kallsyms" >"$w/kallsyms"
	awk 'NR == FNR { a[$3] = $1; next } { $4 = a[$3]; print }' "$w/kallsyms" "$w/symbols-want" >"$w/symbols-want.new"
	mv "$w/symbols-want.new" "$w/symbols-want"
}

check_session "$GDB_FULL" gdb
if [ -n "$GDB_MINIMAL" ]; then
	check_session "$GDB_MINIMAL" gdb-minimal
else
	say "skipped: the gdb-minimal session (no real gdb-minimal in this distribution)"
fi

# ---- the seeds' scenario: a 9p read through netfs, decoded in gdb ------------
# break p9_client_read_once (module 9pnet), read a 12943-byte file from the
# 9p share, "lx-iov-iter to": ITER_FOLIOQ with its folios, with gdb-minimal.
check_seed() {
	local gdb=$1 label=$2 out=$w/seed-$2.out script=$w/seed.gdb
	guest_run 'grep -q "^share /mnt 9p " /proc/mounts && echo mounted' | grep -q mounted || die "no 9p share in the guest"
	head -c 12943 /dev/urandom >"$GUEST_SHARE/seed-$label.bin"
	cat >"$script" <<EOF
target remote | $PROXY
source $PLUGIN
break p9_client_read_once
echo WAITING-FOR-READ\\n
continue
lx-iov-iter to
delete
detach
EOF
	: >"$out"
	run_gdb "$gdb" "$out" -x "$script" "$GUEST_VMLINUX" &
	local gpid=$!
	wait_for "$out" WAITING-FOR-READ 600 || { cat "$out"; die "$label: no breakpoint on p9_client_read_once"; }
	sleep 1
	guest_run "md5sum /mnt/seed-$label.bin" >/dev/null || { cat "$out"; die "$label: the guest's read failed"; }
	wait "$gpid" || { cat "$out"; die "$label: gdb failed"; }
	grep -Eq 'hit Breakpoint 1, p9_client_read_once \(' "$out" || { cat "$out"; die "$label: p9_client_read_once not hit"; }
	grep -Eq '^iov_iter 0x[0-9a-f]+: ITER_FOLIOQ' "$out" && grep -Eq ' folioq 0x[0-9a-f]+  folioq_slot [0-9]+' "$out" ||
		{ cat "$out"; die "$label: lx-iov-iter to is not an ITER_FOLIOQ with its folio_queue"; }
	# The first read: 0x3000 bytes into three order-0 folios of one queue.
	grep -Eq '^  count 0x3000 ' "$out" && [ "$(grep -cE ' 0x[0-9a-f]+\[[0-2]/3\] +0 ' "$out")" = 3 ] ||
		{ cat "$out"; die "$label: lx-iov-iter to does not show 0x3000 bytes in three order-0 folios"; }
	say "ok: $label: the seeds' scenario: p9_client_read_once hit, lx-iov-iter to:" \
		"$(grep -m1 '^iov_iter ' "$out")"
}
# The seed with gdb-minimal shows that no Python is needed; without one,
# with gdb.
if [ "$suite" = trixie ]; then
	if [ -n "$GDB_MINIMAL" ]; then
		check_seed "$GDB_MINIMAL" gdb-minimal
	else
		check_seed "$GDB_FULL" gdb
	fi
fi

# ---- the proxy's share of the time to load module symbols ------------------------
# gdb connecting with and without the proxy (no module symbols then): the
# difference is module symbol loading; the proxy says (-v) how long its own
# part took.
measure() {
	local t0
	t0=$(_guest_now)
	run_gdb "$GDB_FULL" "$w/time.out" -ex "target remote $1" -ex 'info sharedlibrary' -ex detach "$GUEST_VMLINUX" ||
		{ cat "$w/time.out"; die "timing run failed"; }
	_guest_since "$t0"
}
direct=$(measure "$GUEST_GDB")
proxied=$(measure "| $w/proxy -v gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR $GUEST_GDB")
own=$(sed -n 's/.*KASLR slide .*, \([0-9]*\) ms).*/\1/p; s/.*symbols for [0-9]* (\([0-9]*\) ms, .*/\1/p' "$w/time.out" |
	awk '{ s += $1 } END { print s + 0 }')
trips=$(sed -n 's/.*symbols for [0-9]* ([0-9]* ms, \([0-9]*\) round trips).*/\1/p' "$w/time.out" | head -1)
say "time: target remote + module symbols: ${proxied} s through the proxy, ${direct} s direct (no module" \
	"symbols); the proxy's own work (KASLR, module list, sections, build-ids): ${own} ms, ${trips} round trips"
[ -n "$trips" ] || { cat "$w/time.out"; die "the proxy did not report its module scan"; }

# ---- round trips with QEMU ------------------------------------------------------
# The proxy on TCP (--listen), so that it ends by itself after gdb's detach
# and reports its traffic.
port=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	"$w/proxy" -v gdb-proxy -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" --listen "127.0.0.1:$port" "$GUEST_GDB" \
		2>"$w/trips.err" &
	ppid=$!
	wait_for "$w/trips.err" 'waiting for gdb' 10 && break
	kill "$ppid" 2>/dev/null || true
	wait "$ppid" 2>/dev/null || true
	port=
done
[ -n "$port" ] || { cat "$w/trips.err"; die "trips: the proxy does not listen"; }
run_gdb "$GDB_FULL" "$w/trips.out" -iex 'set sysroot /' -ex "target remote 127.0.0.1:$port" -ex 'info sharedlibrary' \
	-ex 'tbreak do_idle' -ex continue -ex nosharedlibrary -ex sharedlibrary -ex 'info sharedlibrary' -ex detach \
	"$GUEST_VMLINUX" || { cat "$w/trips.out"; die "trips: gdb failed"; }
wait "$ppid" || { cat "$w/trips.err"; die "trips: the proxy failed"; }
libs=$(grep -Ec '^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes' "$w/trips.out" || true)
[ "$libs" = $((2 * $(wc -l <"$w/modules"))) ] ||
	{ cat "$w/trips.out"; die "trips: $libs libraries with symbols in two listings, not twice $(wc -l <"$w/modules")"; }
total=$(sed -n 's/.*gdb-proxy: \([0-9]*\) round trips with QEMU, [0-9]* packets from gdb, \([0-9]*\) of them relayed.*/\1 \2/p' \
	"$w/trips.err")
[ -n "$total" ] || { cat "$w/trips.err"; die "trips: the proxy did not report its traffic"; }
read -r total relayed <<<"$total"
own=$((total - relayed))
scans=$(grep -c 'gdb-proxy: [0-9]* modules, symbols for' "$w/trips.err" || true)
[ "$scans" = 1 ] || { cat "$w/trips.err"; die "trips: $scans module list scans, not 1 (no module came or went)"; }
guest_resume
# lsmod --sections with the caches the proxy filled (layouts, .ko files).
"$KINSPECT" -vv -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" lsmod --sections >"$w/lsmod-trips.out" \
	2>"$w/lsmod-trips.err" || { cat "$w/lsmod-trips.err"; die "trips: lsmod --sections failed"; }
lsmod=$(sed -n 's/.*gdbstub .*: \([0-9]*\) round trips (.*/\1/p' "$w/lsmod-trips.err" | tail -n1)
[ -n "$lsmod" ] || { cat "$w/lsmod-trips.err"; die "trips: lsmod did not report its traffic"; }
# The same connect, slide and module reads as lsmod (which reads more: taints
# and users), less lsmod's closing resume; planting the proxy's two module
# breakpoints rides on gdb's first resume (pipelined), its stop checks on
# gdb's own "g".  Before that pipelining it was lsmod + 2.
[ "$own" -le "$lsmod" ] ||
	{ cat "$w/trips.err"; die "trips: the proxy's own $own round trips with QEMU, more than lsmod --sections' $lsmod"; }
say "ok: round trips with QEMU: the proxy's own $own (of $total; $relayed of gdb's packets relayed), one module" \
	"list scan ($(sed -n 's/.*symbols for [0-9]* ([0-9]* ms, \([0-9]*\) round trips).*/\1/p' "$w/trips.err") round" \
	"trips); lsmod --sections: $lsmod"

# ---- transparency -------------------------------------------------------------
# The same session direct and through the proxy.  vmlinux is loaded after
# connecting, moved by the guest's slide, in both runs (so qOffsets plays no
# part).  What legitimately differs: which vCPU reaches the breakpoint first
# and where the interrupt lands (the guest runs between the two sessions),
# so thread numbers and the interrupt's location are masked; cr3 and cr4
# are not compared (the idle task borrows whichever mm ran before, and the
# two vCPUs' cr4 may differ); everything else must be equal.
symbol_truth "$w"
# child_pid PID: a child process of PID, from /proc (no procps needed).
child_pid() {
	local st key val
	for st in /proc/[0-9]*/status; do
		while read -r key val; do
			[ "$key" = PPid: ] || continue
			[ "$val" = "$1" ] && { st=${st#/proc/}; echo "${st%/status}"; return 0; }
			break
		done <"$st" 2>/dev/null || true
	done
	return 1
}
session() {
	local out=$1 target=$2 gpid gdbpid
	: >"$out"
	# "set sysroot /", as the README suggests: else gdb warns, once,
	# through the proxy only (the only one with libraries), that the
	# remote cannot send files.
	timeout 600 "$GDB_FULL" -nx -batch -iex 'set pagination off' -iex 'set confirm off' -iex 'set sysroot /' >"$out" 2>&1 \
		-ex "target remote $target" \
		-ex "symbol-file -o $want_slide $GUEST_VMLINUX" \
		-ex 'echo ==break\n' -ex 'break do_idle' -ex 'continue' -ex 'delete' \
		-ex 'echo ==stepi\n' -ex 'stepi' -ex 'x/i $pc' -ex 'info registers rip' \
		-ex 'echo ==next\n' -ex 'next' -ex 'info registers rip' \
		-ex 'echo ==memory\n' -ex 'set $old = print_fatal_signals' -ex 'set var print_fatal_signals = 7' \
		-ex 'output print_fatal_signals' -ex 'echo \n' -ex 'set var print_fatal_signals = $old' \
		-ex 'output print_fatal_signals == $old' -ex 'echo \n' -ex 'x/4xb &print_fatal_signals' \
		-ex 'echo ==registers\n' -ex 'info registers cs ss cr0' \
		-ex 'echo ==interrupt\n' -ex 'continue' -ex 'echo ==end\n' -ex 'detach' &
	gpid=$!
	# An interrupt as ^C makes it: SIGINT to gdb, which sends 0x03.
	wait_for "$out" '^==interrupt' 600 || { cat "$out"; die "session through '$target': no interrupt point"; }
	sleep 2
	# gdb is the child of timeout (SIGINT to timeout would reach the
	# proxy too: it signals its whole process group).
	gdbpid=$(child_pid "$gpid") || { cat "$out"; die "session through '$target': no gdb process"; }
	kill -INT "$gdbpid"
	wait "$gpid" || { cat "$out"; die "session through '$target' failed"; }
	# Mask what depends on the moment, not on the path.
	sed -E -e 's/Thread [0-9.]+/Thread N/g' -e '/^\[Switching to /d' "$out" |
		awk '/^==interrupt/ { print; skip = 1; next } /^==end/ { skip = 0 }
			skip && /received signal SIGINT/ { print "received SIGINT"; next } !skip { print }' >"$out.masked"
}
session "$w/direct.out" "$GUEST_GDB"
session "$w/proxied.out" "| $w/proxy gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR $GUEST_GDB"
grep -q 'received SIGINT' "$w/direct.out.masked" || { cat "$w/direct.out"; die "direct: the interrupt did not stop the guest"; }
grep -q 'hit Breakpoint 1, do_idle' "$w/direct.out.masked" || { cat "$w/direct.out"; die "direct: no stop at do_idle"; }
diff -u "$w/direct.out.masked" "$w/proxied.out.masked" || die "the proxy changed what gdb sees"
say "ok: transparency: breakpoint, stepi, next, memory write and read, registers, continue and" \
	"interrupt give the same output direct and through the proxy ($(wc -l <"$w/direct.out.masked") lines)"

# ---- garbage from gdb ---------------------------------------------------------
# rsp_packet PAYLOAD: the framed packet.
rsp_packet() {
	local s=$1 sum=0 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		sum=$(((sum + c) % 256))
	done
	printf '$%s#%02x' "$s" "$sum"
}
banner=$(awk '$2 == "linux_banner" { print $1 }' "$w/want")
{
	printf 'garbage\0\377+-'
	printf '$qSupported#00'          # a wrong checksum
	printf '$%s#zz' "$(head -c 70000 /dev/zero | tr '\0' A)" # too long, bad digits
	printf '\003'                    # an interrupt while stopped
	rsp_packet '?'
	rsp_packet "m$banner,5"
	printf '$x*\001#00'             # a broken run-length
	rsp_packet 'qNoSuchPacket'
} >"$w/garbage.in"
status=0
timeout 60 "$w/proxy" gdb-proxy -k "$GUEST_VMLINUX" "$GUEST_GDB" <"$w/garbage.in" >"$w/garbage.out" 2>"$w/garbage.err" || status=$?
[ "$status" = 0 ] || { cat "$w/garbage.err"; die "garbage: proxy exit status $status"; }
grep -q '4c696e7578' "$w/garbage.out" || { cat -v "$w/garbage.out"; die "garbage: no answer to the memory read after garbage"; }
[ "$(tr -cd '-' <"$w/garbage.out" | wc -c)" -ge 3 ] || { cat -v "$w/garbage.out"; die "garbage: broken packets not refused with '-'"; }
guest_resume
[ "$(guest_run 'echo alive')" = alive ] || die "garbage: the guest does not run afterwards"
say "ok: garbage from gdb: broken packets answered '-', the next good ones answered, guest fine"

# ---- QEMU going away ----------------------------------------------------------
# Killed, QEMU sends nothing more (on SIGTERM it would say "W00", which gdb
# shows as an exit, with or without the proxy): the proxy must tell gdb and
# end, and gdb drop the target, without waiting for any timeout.
out=$w/qemu-gone.out
: >"$out"
run_gdb "$GDB_FULL" "$out" -ex "target remote | $PROXY" -ex 'echo CONTINUING\n' -ex 'continue' "$GUEST_VMLINUX" &
gpid=$!
wait_for "$out" CONTINUING 600 || { cat "$out"; die "qemu-gone: gdb did not connect"; }
sleep 1
t0=$(_guest_now)
kill -KILL "$GUEST_PID"
status=0
wait "$gpid" || status=$?
grep -q 'kinspect gdb-proxy: .*connection closed by the stub' "$out" &&
	grep -Eq 'Remote connection closed|Remote communication error.  Target disconnected' "$out" ||
	{ cat "$out"; die "qemu-gone: unclear end (gdb status $status)"; }
say "ok: QEMU killed while gdb waits: gdb says why and drops the target in $(_guest_since "$t0") s:" \
	"$(grep -m1 'kinspect gdb-proxy: ' "$out")"
guest_stop
say "PASS"
