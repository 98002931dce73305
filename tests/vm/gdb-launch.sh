#!/bin/bash
# "kinspect gdb": one command from the shell to a gdb session on a live
# guest, with Debian's gdb and with gdb-minimal (no Python) where the
# distribution still has a real one:
#  - the README's "kinspect gdb" lines, run as written (paths replaced):
#    lx-lsmod lists every module of /proc/modules at its base, and the guest
#    still runs after a -batch session (gdb detaches, never kills QEMU);
#  - the KASLR slide applied (vmlinux symbols where /proc/kallsyms says),
#    every module a library with symbols, gdb's index cache written into
#    kinspect's cache directory;
#  - a breakpoint in a module function hit (trixie: the seeds' 9p read at
#    p9_client_read_once, under 9p and netfs; bookworm: dummy_get_stats64
#    under a sysfs read): "bt full" with the plugin shows every frame and
#    every argument gdb shows without it (the same hit, the plugin unloaded
#    in between), v9fs/netfs callers' arguments are not <optimized out>,
#    and the trace goes on through the syscall entry to the user-mode frame
#    and ends there: no frame of pc 0, no "corrupt stack?";
#  - a dump with paging (ELF): gdb's core target with the slide applied,
#    lx-lsmod and lx-kaslr through kinspect on the file; a dump without
#    paging is refused with the reason;
#  - the $lx_* stand-ins, live (gdb, gdb-minimal) and on the dump:
#    lx-current at the breakpoint is the cat that hit it, and on the dump
#    each CPU's task as kinspect bt names it; lx-per-cpu runqueues.cpu N is
#    N; lx-task 1 is the guest's pid 1, lx-task 0 init_task; lx-module is
#    lx-lsmod's struct module; lx-container-of inverts &task->tasks.
# The start-up time with every module's symbols, first (empty index cache)
# and later runs, is reported.
#
# Usage: gdb-launch.sh bookworm|trixie   (run by make check; needs $KINSPECT)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: gdb-launch.sh bookworm|trixie}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=gdb-launch-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

# shellcheck source=gdb-helpers.sh
. "$here/gdb-helpers.sh"
gdb_pick
[ -f "${KINSPECT_PLUGIN:-}" ] || die "the gdb plugin was not built ($KINSPECT_PLUGIN)"
cfi=$top_builddir/plugins/gdb/kinspect-user-mode-cfi.o
[ -f "$cfi" ] || die "no $cfi (built with the plugin)"

if [ "$suite" = trixie ]; then
	guest_start "$suite"
	func=p9_client_read_once
else
	guest_start "$suite" dummy
	func=dummy_get_stats64
fi
w=$GUEST_WORKDIR
# What "make install" puts in three places, in the one directory
# KINSPECT_GDB_DATA names.
mkdir "$w/gdb-data"
ln -s "$top_srcdir/plugins/gdb/kinspect.gdb" "$KINSPECT_PLUGIN" "$cfi" "$w/gdb-data/"
export KINSPECT_GDB_DATA=$w/gdb-data
export XDG_CACHE_HOME=$w/cache
index_dir=$XDG_CACHE_HOME/kinspect/gdb-index

# kgdb GDB OUT ARGS...: "kinspect gdb" with GDB as gdb, bounded; its output in OUT.
kgdb() {
	local gdb=$1 out=$2
	shift 2
	GDB=$gdb timeout 600 ${KINSPECT_WRAPPER:-} "$KINSPECT" gdb "$@" >"$out" 2>&1
}

guest_alive() {
	guest_resume
	[ "$(guest_run 'echo alive')" = alive ] || die "$1: the guest does not run after the session"
}

# ---- the guest's truth --------------------------------------------------------
guest_run 'cat /proc/modules' | awk '{ print $1, $6 }' | sort >"$w/modules"
[ -s "$w/modules" ] || die "the guest has no modules"
symbol_truth "$w"
pid1_comm=$(guest_run 'cat /proc/1/comm')
banner=$(awk '$2 == "linux_banner" { print $1 }' "$w/want")
# A function of each module, found once in kallsyms, for "info address".
guest_run "grep ']\$' /proc/kallsyms" >"$w/kallsyms-modules"
awk '{ n[$3]++ } $2 ~ /^[tT]$/ && $3 !~ /^_/ && $3 !~ /\./ { a[$3] = $1; m[$3] = $4 }
	END { for (s in a) if (n[s] == 1) print m[s], s, a[s] }' \
	"$w/kallsyms-modules" | sort | awk '!seen[$1]++' >"$w/module-functions"
[ "$(wc -l <"$w/module-functions")" = "$(wc -l <"$w/modules")" ] ||
	die "not one function of its own in every module: $(cat "$w/module-functions")"
# Each module's lowest loaded section (/sys/module/NAME/sections, the init
# sections freed): where "info sharedlibrary" must say it starts.
guest_run 'for m in $(cut -d" " -f1 /proc/modules); do for f in /sys/module/$m/sections/.* /sys/module/$m/sections/*; do [ -f "$f" ] && echo "$m ${f##*/} $(cat "$f")"; done; done' |
	awk '$2 !~ /^\.init/' | sort -k1,1 -k3,3 | awk '!seen[$1]++ { print $1, $3 }' >"$w/module-from"
[ "$(wc -l <"$w/module-from")" = "$(wc -l <"$w/modules")" ] || die "sysfs sections: $(cat "$w/module-from")"

# ---- the README's lines --------------------------------------------------------
# readme_lines: the README's "kinspect gdb" command lines, paths replaced.
readme_lines() {
	sed -n 's/^    \(kinspect gdb .*\)$/\1/p' "$top_srcdir/README" |
		sed -e "s|127\.0\.0\.1:1234|$GUEST_GDB|g" -e "s|/path/to/vmlinux|$GUEST_VMLINUX|g" \
			-e "s|/path/to/modules|$GUEST_MODDIR|g"
}
[ "$(readme_lines | wc -l)" -ge 2 ] || die "the README has no 'kinspect gdb' lines (an interactive and a -batch one)"

# check_lsmod OUT LABEL: lx-lsmod's module list is /proc/modules, bases included.
check_lsmod() {
	local m base want
	while read -r m want; do
		base=$(awk -v m="$m" '$1 == m && $4 ~ /^0x/ { print $4; exit }' "$1")
		[ "$base" = "$want" ] || { cat "$1"; die "$2: lx-lsmod: $m at '$base', /proc/modules says '$want'"; }
	done <"$w/modules"
}

# check_readme GDB LABEL: each README line as a user types it (the
# interactive one with its commands on standard input).
check_readme() {
	local gdb=$1 label=$2 line out n=0
	local -a words
	while IFS= read -r line; do
		n=$((n + 1))
		out=$w/readme-$label-$n.out
		eval "words=($line)"
		[ "${words[0]} ${words[1]}" = "kinspect gdb" ] || die "README line '$line'"
		if [[ " ${words[*]} " == *" -batch "* ]]; then
			kgdb "$gdb" "$out" "${words[@]:2}" </dev/null || { cat "$out"; die "$label: README line $n failed: $line"; }
		else
			printf 'lx-lsmod\ndetach\nquit\n' | kgdb "$gdb" "$out" "${words[@]:2}" ||
				{ cat "$out"; die "$label: README line $n (interactive) failed: $line"; }
		fi
		check_lsmod "$out" "$label: README line $n"
		grep -q 'Remote connection closed\|Connection timed out\|Traceback' "$out" && { cat "$out"; die "$label: README line $n"; }
		guest_alive "$label: README line $n"
	done < <(readme_lines)
	say "ok: $label: the README's $n 'kinspect gdb' lines: lx-lsmod equals /proc/modules, the guest runs on"
}

# ---- symbols, KASLR, modules, index cache -----------------------------------------
# check_symbols GDB LABEL: timed (seconds in $took); the first run of the
# suite fills the index cache.
took=
check_symbols() {
	local gdb=$1 label=$2 out=$w/symbols-$2.out t0 m f addr args=()
	while read -r m f addr; do
		args+=(-ex "echo SYMBOL $f\\n" -ex "info address $f")
	done <"$w/module-functions"
	t0=$(_guest_now)
	kgdb "$gdb" "$out" -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch \
		-ex 'echo READY\n' -ex 'info sharedlibrary' -ex 'info address linux_banner' "${args[@]}" ||
		{ cat "$out"; die "$label: kinspect gdb failed"; }
	took=$(_guest_since "$t0")
	grep -q "Symbol \"linux_banner\" is static storage at address 0x0*$banner\." "$out" ||
		{ cat "$out"; die "$label: linux_banner not at the guest's 0x$banner: the slide is not applied"; }
	local from to base
	at_base=0
	while read -r m base; do
		grep -Eq "^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes .*/${m//_/[-_]}(-[0-9a-f]+)?\.ko\$" "$out" ||
			{ cat "$out"; die "$label: module $m is not a library with symbols"; }
		# From and To: the module's loaded sections, not placeholders.
		read -r from to < <(awk -v m="${m//_/[-_]}" '$3 == "Yes" && $4 ~ "/"m"(-[0-9a-f]+)?[.]ko$" { print $1, $2 }' "$out")
		[ "$from" = "$(awk -v m="$m" '$1 == m { print $2 }' "$w/module-from")" ] && [[ $to == 0xffff* ]] &&
			[[ ! $to < $from ]] ||
			{ cat "$out"; die "$label: info sharedlibrary: $m from $from to $to, its lowest loaded section" \
				"at $(awk -v m="$m" '$1 == m { print $2 }' "$w/module-from")"; }
		[ "$from" != "$base" ] || at_base=$((at_base + 1))
	done <"$w/modules"
	while read -r m f addr; do
		awk -v f="$f" '$1 == "SYMBOL" && $2 == f { getline; print; exit }' "$out" | grep -Eq "at (address )?0x0*$addr" ||
			{ cat "$out"; die "$label: $f ($m) not at the guest's 0x$addr"; }
	done <"$w/module-functions"
	grep -q 'Backtrace stopped\|Traceback\|Could not load the JIT\|not GPL' "$out" && { cat "$out"; die "$label: gdb complained"; }
	guest_alive "$label"
}

# ---- a breakpoint in a module, bt with and without the plugin ---------------------------
n_read=0
check_break() {
	local gdb=$1 label=$2 out=$w/break-$2.out trigger
	n_read=$((n_read + 1))
	if [ "$suite" = trixie ]; then
		head -c 12943 /dev/urandom >"$GUEST_SHARE/seed-$n_read.bin"
		trigger="cat /mnt/seed-$n_read.bin >/dev/null"
	else
		trigger='cat /sys/class/net/dummy0/statistics/rx_bytes >/dev/null'
	fi
	: >"$out"
	# The same hit twice: with the plugin, then without it (unloading it
	# forgets gdb's frames).
	kgdb "$gdb" "$out" -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch -ex 'set pagination off' \
		-ex "break $func" -ex 'echo WAITING\n' -ex continue -ex 'echo BT-PLUGIN\n' -ex 'bt full' \
		-ex 'echo BT-PLAIN\n' -ex 'jit-reader-unload' -ex 'bt full' -ex 'echo BT-END\n' \
		-ex 'lx-current' -ex 'printf "CURRENT-COMM %s\n", $lx_current->comm' -ex delete -ex detach &
	local gpid=$!
	wait_for "$out" '^WAITING' 600 || { cat "$out"; die "$label: gdb did not plant the breakpoint"; }
	sleep 1
	guest_run "$trigger" || { cat "$out"; die "$label: the guest's read failed"; }
	wait "$gpid" || { cat "$out"; die "$label: gdb failed"; }
	grep -Eq "hit Breakpoint 1, $func \(" "$out" || { cat "$out"; die "$label: $func not hit"; }
	# lx-current with no CPU: the selected thread's, the one that hit it.
	grep -qx 'CURRENT-COMM cat' "$out" || { cat "$out"; die "$label: lx-current at the breakpoint is not the cat that hit it"; }
	sed -n '/^BT-PLUGIN$/,/^BT-PLAIN$/p' "$out" | sed '1d;$d' >"$w/bt-plugin-$label"
	sed -n '/^BT-PLAIN$/,/^BT-END$/p' "$out" | sed '1d;$d' >"$w/bt-plain-$label"
	local entry
	entry=$(grep -n '^#[0-9]* .* in entry_SYSCALL_64' "$w/bt-plugin-$label" | head -1 | cut -d: -f1 || true)
	[ -n "$entry" ] || { cat "$out"; die "$label: with the plugin, no syscall entry frame"; }
	# Every frame gdb unwinds alone, to the syscall entry: the same frames,
	# arguments and locals with the plugin.
	local plain_entry
	plain_entry=$(grep -n '^#[0-9]* .* in entry_SYSCALL_64' "$w/bt-plain-$label" | head -1 | cut -d: -f1 || true)
	[ -n "$plain_entry" ] || { cat "$out"; die "$label: without the plugin gdb does not reach the syscall entry here"; }
	diff -u <(head -n "$plain_entry" "$w/bt-plain-$label") <(head -n "$entry" "$w/bt-plugin-$label") ||
		die "$label: bt full with the plugin differs from gdb's own up to the syscall entry"
	# (gdb alone does not unwind the entry code: its frame after it is
	# not the user-mode one.  Else the plugin was not unloaded, and the
	# comparison shows nothing.)
	[ "$(sed -n "$((plain_entry + 1)),\$p" "$w/bt-plain-$label" | grep '^#' | head -n1)" != \
		"$(sed -n "$((entry + 1)),\$p" "$w/bt-plugin-$label" | grep '^#' | head -n1)" ] ||
		{ cat "$w/bt-plain-$label"; die "$label: gdb alone unwound the entry code: was the plugin unloaded?"; }
	if [ "$suite" = trixie ]; then
		grep -Eq '^#[0-9]+ .* in v9fs_issue_read \(subreq=0x' "$w/bt-plugin-$label" &&
			grep -Eq '^#[0-9]+ .* in netfs_read_to_pagecache \(rreq=(rreq@entry=)?0x' "$w/bt-plugin-$label" ||
			{ cat "$w/bt-plugin-$label"; die "$label: v9fs/netfs callers' arguments lost with the plugin"; }
	fi
	# Then the user-mode frame, and the end.
	local user last
	user=$(sed -n "$entry,\$p" "$w/bt-plugin-$label" | grep '^#' | sed -n 2p)
	[[ $user =~ ^#[0-9]+\ +0x0*([0-9a-f]+)\ in\ \?\?\ \(\)$ ]] && ((0x${BASH_REMATCH[1]} > 0 && 0x${BASH_REMATCH[1]} < 0x800000000000)) ||
		{ cat "$w/bt-plugin-$label"; die "$label: the frame after the syscall entry is not user code: '$user'"; }
	last=$(grep '^#' "$w/bt-plugin-$label" | tail -n1)
	[ "$last" = "$user" ] || { cat "$w/bt-plugin-$label"; die "$label: frames after the user-mode one: '$last'"; }
	! grep -q 'Backtrace stopped\|corrupt stack' "$w/bt-plugin-$label" ||
		{ cat "$w/bt-plugin-$label"; die "$label: the trace does not end cleanly"; }
	guest_alive "$label"
	say "ok: $label: $func hit; bt full with the plugin equals gdb's own for its $(grep -c '^#' <(head -n "$entry" "$w/bt-plugin-$label")) frames" \
		"to the syscall entry (arguments included), then ends at the user-mode frame: $user"
}

# ---- $lx_* stand-ins ---------------------------------------------------------------
# check_lx GDB LABEL TARGET: lx-per-cpu, lx-task, lx-module and
# lx-container-of against what the guest, kinspect and gdb itself say;
# on a dump, lx-current of each CPU is the task kinspect's bt names.
check_lx() {
	local gdb=$1 label=$2 target=$3 out=$w/lx-$2.out m name base addr cpu want got
	read -r name base < <(sort -r "$w/modules" | head -1)
	kgdb "$gdb" "$out" -t "$target" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch -ex 'set pagination off' \
		-ex 'echo CPU1:' -ex 'lx-per-cpu runqueues.cpu 1' -ex 'echo CPU0:' -ex 'lx-per-cpu runqueues.cpu' \
		-ex 'echo CUR0:' -ex 'lx-current 0' -ex 'echo CUR1:' -ex 'lx-current 1' -ex 'echo CURSEL:' -ex 'lx-current' \
		-ex 'lx-task 1' -ex 'printf "TASK1:%s\n", $lx_task->comm' \
		-ex 'lx-container-of &$lx_task->tasks struct task_struct tasks' -ex 'echo CONTAINER:' -ex 'output $lx_container_of == $lx_task' -ex 'echo \n' \
		-ex 'lx-task 0' -ex 'echo TASK0:' -ex 'output $lx_task == &init_task' -ex 'echo \n' \
		-ex 'echo NOTASK:' -ex 'lx-task 4000000' \
		-ex 'lx-lsmod' -ex 'echo MODULE:' -ex "lx-module $name" -ex 'echo NOMODULE:' -ex 'lx-module no_such_module' ||
		{ cat "$out"; die "$label: kinspect gdb failed"; }
	# tagged TAG: what follows "TAG:" on its line (gdb's echo drops a
	# trailing blank), gdb's "$N = " dropped.
	tagged() { sed -n "s/^$1:\(\\\$[0-9]* = \)\{0,1\}//p" "$out" | head -1; }
	[ "$(tagged CPU1)" = 1 ] && [ "$(tagged CPU0)" = 0 ] ||
		{ cat "$out"; die "$label: lx-per-cpu runqueues.cpu is not each CPU's own number"; }
	[ "$(tagged TASK1)" = "$pid1_comm" ] ||
		{ cat "$out"; die "$label: lx-task 1 is not the guest's pid 1 ($pid1_comm)"; }
	[ "$(tagged CONTAINER)" = 1 ] && [ "$(tagged TASK0)" = 1 ] || { cat "$out"; die "$label: lx-container-of or lx-task 0 wrong"; }
	[ "$(tagged NOTASK)" = "lx-task: no task has that pid" ] && [ "$(tagged NOMODULE)" = "lx-module: no module of that name is loaded" ] ||
		{ cat "$out"; die "$label: lx-task or lx-module found what is not there"; }
	addr=$(awk -v m="$name" '$1 == m && $4 ~ /^0x/ { print $6; exit }' "$out")
	[ -n "$addr" ] && got=$(tagged MODULE) && [ "${got%% <*}" = "(struct module *) $addr" ] ||
		{ cat "$out"; die "$label: lx-module $name is not lx-lsmod's struct module at '$addr'"; }
	want=$(tagged CUR0)
	[[ $want == "(struct task_struct *) 0x"* ]] && [ "$(tagged CURSEL)" = "$want" ] ||
		{ cat "$out"; die "$label: lx-current of the selected thread 1 is not lx-current 0"; }
	local note=
	if [ -f "$target" ]; then
		for cpu in 0 1; do
			want=$("$KINSPECT" -k "$GUEST_VMLINUX" -t "$target" bt --cpu "$cpu" | sed -n '1s/.* task \(0x[0-9a-f]*\).*/\1/p')
			got=$(tagged "CUR$cpu")
			[ -n "$want" ] && [ "${got%% <*}" = "(struct task_struct *) $want" ] ||
				{ cat "$out"; die "$label: lx-current $cpu is '$got', kinspect bt --cpu $cpu says task $want"; }
		done
		note=", lx-current 0 and 1 are the tasks kinspect bt --cpu names"
	fi
	say "ok: $label: lx-per-cpu runqueues.cpu is each CPU's number, lx-task 1 is $pid1_comm, lx-module $name is" \
		"lx-lsmod's $addr, lx-container-of inverts &->tasks$note"
}

check_symbols "$GDB_FULL" gdb-first
first=$took
ls "$index_dir"/* >/dev/null 2>&1 || die "gdb wrote no index into $index_dir"
check_symbols "$GDB_FULL" gdb
later=$took
say "ok: gdb: the slide applied, $(wc -l <"$w/modules") modules with symbols at the guest's addresses, each from its" \
	"lowest loaded section in info sharedlibrary ($at_base at their /proc/modules base); index cache:" \
	"$(find "$index_dir" -type f | wc -l) files"
say "time: kinspect gdb to its first command with every module's symbols: ${first} s with an empty index cache," \
	"${later} s later"
check_readme "$GDB_FULL" gdb
check_break "$GDB_FULL" gdb
check_lx "$GDB_FULL" gdb "$GUEST_GDB"
guest_alive lx
# A kernel stack that does not come from user mode (an idle task's, to
# its startup code): it ends where ORC says, without "corrupt stack?" (a
# JIT reader cannot make gdb's outermost frame: a frame of pc 0 ends it).
out=$w/idle.out
kgdb "$GDB_FULL" "$out" -t "$GUEST_GDB" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch -ex 'break do_idle' -ex continue \
	-ex 'echo BT\n' -ex bt -ex delete -ex detach || { cat "$out"; die "idle: kinspect gdb failed"; }
sed -n '/^BT$/,$p' "$out" | grep '^#' >"$w/idle-bt" || { cat "$out"; die "idle: no backtrace"; }
last=$(tail -n1 "$w/idle-bt")
prev=$(tail -n2 "$w/idle-bt" | head -n1)
{ [[ $last == *_startup_64* ]] || { [[ $last =~ ^#[0-9]+\ +0x0+\ in\ \?\?\ \(\)$ ]] && [[ $prev == *_startup_64* ]]; }; } &&
	! grep -q 'Backtrace stopped\|corrupt stack' "$out" ||
	{ cat "$out"; die "idle: the trace does not reach the startup code and end cleanly"; }
say "ok: gdb: an idle task's stack: $(grep -c '^#' "$w/idle-bt") frames to $(grep -Eo '(secondary|common)_startup_64' "$w/idle-bt" | head -1), then" \
	"'$(tail -n1 "$w/idle-bt" | cut -c1-40)', no \"corrupt stack?\""
guest_alive idle
if [ -n "$GDB_MINIMAL" ]; then
	check_readme "$GDB_MINIMAL" gdb-minimal
	check_symbols "$GDB_MINIMAL" gdb-minimal
	say "ok: gdb-minimal: the slide applied, every module with symbols (${took} s)"
	check_break "$GDB_MINIMAL" gdb-minimal
	check_lx "$GDB_MINIMAL" gdb-minimal "$GUEST_GDB"
	guest_alive lx-minimal
else
	say "skipped: the gdb-minimal sessions (no real gdb-minimal in this distribution)"
fi

# ---- dumps -------------------------------------------------------------------------
guest_resume
guest_run 'cat /proc/version' >"$w/version"
dump=$w/paging.elf
guest_dump "$dump" paging=true format=elf
out=$w/dump.out
kgdb "$GDB_FULL" "$out" -t "$dump" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -batch -ex 'info threads' -ex bt \
	-ex 'output linux_banner' -ex 'echo \n' -ex 'lx-lsmod' -ex 'lx-kaslr' || { cat "$out"; die "dump: kinspect gdb failed"; }
grep -qF "\"$(cut -c1-40 "$w/version")" "$out" || { cat "$out"; die "dump: linux_banner is not the guest's: slide or memory wrong"; }
grep -q '^#0 ' "$out" || { cat "$out"; die "dump: no backtrace"; }
check_lsmod "$out" dump
grep -q "^KASLR slide: $want_slide" "$out" || { cat "$out"; die "dump: lx-kaslr does not say the guest's slide $want_slide"; }
say "ok: dump with paging: core target, linux_banner at the slid address, $(grep -c '^#' "$out") frames; lx-lsmod and" \
	"lx-kaslr from the file"
check_lx "$GDB_FULL" dump "$dump"
guest_dump "$w/phys.elf" paging=false format=elf
status=0
kgdb "$GDB_FULL" "$out" -t "$w/phys.elf" -k "$GUEST_VMLINUX" -batch -ex bt || status=$?
[ "$status" = 1 ] && grep -q 'paging' "$out" || { cat "$out"; die "dump without paging: status $status, no reason given"; }
say "ok: dump without paging refused: $(grep -m1 'paging' "$out")"
guest_stop
say "PASS"
