#!/bin/bash
# kinspect bt on a deep stack: a dump of the guest stopped deep in a 9p read
# under an exec (deep-stack.sh: about 30 frames, with an exception frame
# in the middle, 9p/netfs module frames, and whatever the other vCPU was
# doing), every CPU compared frame by frame with
# - crash's bt (crash 9, fetch-crash.sh): functions and addresses, which
#   must be equal but for crash's shortening of gcc clone names
#   (crash-compare.sh says why);
# - gdb's bt (DWARF CFI, modules loaded at the sections the guest itself
#   reports): the frames gdb unwinds up to the first entry-code frame
#   (entry code has no CFI; gdb guesses past it) must be kinspect's first
#   frames, but for gdb's tail-call frames (see below).
# The trace must also hold what the test did: frame 0 in the function of
# the last breakpoint, the other breakpoints' functions below it in order,
# the exec'ing task, an exception frame, and the user-mode frame last.
# Then twice the guest busy in the kernel, stopped anywhere: every CPU
# against crash again.
#
# Usage: bt-deep.sh SUITE   (run by make check; a kernel with 9p: trixie)
set -euo pipefail

suite=${1:?usage: bt-deep.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=bt-deep-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"
# shellcheck source=deep-stack.sh
. "$here/deep-stack.sh"
# shellcheck source=crash-compare.sh
. "$here/crash-compare.sh"
gdb=${GDB:-gdb}
command -v "$gdb" >/dev/null || die "gdb not found (install the gdb package)"
crash_setup

guest_start "$suite"
work=$GUEST_WORKDIR
guest_run 'grep -q "^share /mnt 9p " /proc/mounts && echo mounted' | grep -q mounted || die "no 9p share in the guest"
# Where the guest put each module's sections, for gdb.
guest_save_ground_truth "$work/truth" || die "cannot read the guest's module sections"
deep_stack_stop "$work"
dump=$work/deep.elf
guest_dump "$dump" paging=true format=elf
guest_resume || die "cannot resume the guest"
k=(-k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$dump")
slide=$(kinspect "${k[@]}" info | sed -n 's/^KASLR slide: \(0x[0-9a-f]*\).*/\1/p')
nr_cpus=$(kinspect "${k[@]}" info | sed -n 's/^target: .*, \([0-9]*\) CPUs,.*/\1/p')
[ -n "$slide" ] && [ -n "$nr_cpus" ] || die "kinspect info on the dump: no KASLR slide or CPU count"

# ---- the trace is the one the test made ---------------------------------
kinspect "${k[@]}" bt --cpu "$DEEP_CPU" | tee "$work/deep.txt"
kinspect "${k[@]}" --json bt --cpu "$DEEP_CPU" >"$work/deep.json"
kinspect_frames "$work/deep.json" >"$work/deep.frames"
head -1 "$work/deep.txt" | grep -q "\"$DEEP_BIN\"" || die "CPU $DEEP_CPU runs $(head -1 "$work/deep.txt"), not $DEEP_BIN"
# The breakpoints' functions, innermost (frame 0) first, in this order.
expect=$(echo "$DEEP_FUNCTIONS" | tr ' ' '\n' | tac | tr '\n' ' ')
found=$(awk -v want="$expect" 'BEGIN { n = split(want, w, " "); i = 1 }
	i <= n && $1 == w[i] { printf "%s%s", (i > 1 ? " " : ""), $1; if (i == 1 && NR != 1) bad = 1; i++ }
	END { if (bad) print " (not at frame 0)" }' "$work/deep.frames")
[ "$found " = "$expect" ] || die "the trace holds '$found', not the breakpoints' '$expect' in order"
grep -q '"user_mode": *false' "$work/deep.json" || die "no exception frame (kernel pt_regs) in the trace"
tail -3 "$work/deep.txt" | grep -q '(user mode)' || die "the trace does not end in user mode"
frames=$(wc -l <"$work/deep.frames")
say "ok: CPU $DEEP_CPU: $frames kernel frames, from $(head -1 "$work/deep.frames" | cut -d' ' -f1) down to the syscall entry, through an exception frame"

# gdb loads the modules where the guest says it put their sections.
for f in "$work"/truth/sections/*.txt; do
	m=$(basename "$f" .txt)
	ko=$GUEST_MODDIR/$m.ko
	[ -f "$ko" ] || ko=$GUEST_MODDIR/${m//_/-}.ko
	[ -f "$ko" ] || continue
	echo "add-symbol-file $ko $(awk '$1 ~ /^\./ { printf " -s %s %s", $1, $2 }' "$f")"
done >"$work/modules.gdb"
[ -s "$work/modules.gdb" ] || die "no module sections from the guest"
export CRASH_GDB_SLIDE=$slide CRASH_GDB_MODULES=$work/modules.gdb

# ---- crash: every CPU -----------------------------------------------------
crash_run "$GUEST_VMLINUX" "$dump" "$work/crash.txt" 'bt -a'
for ((cpu = 0; cpu < nr_cpus; cpu++)); do
	kinspect "${k[@]}" --json bt --cpu "$cpu" >"$work/bt.$cpu.json" || die "bt --cpu $cpu failed"
	compare_cpu_with_crash "bt --cpu $cpu" "$work/crash.txt" "$nr_cpus" "$cpu" "$work/bt.$cpu.json" "$work/cmp" "$dump"
	kinspect_frames "$work/bt.$cpu.json" >"$work/kinspect.$cpu"
done

# ---- gdb: every CPU, with the modules where the guest loaded them ---------
for ((cpu = 0; cpu < nr_cpus; cpu++)); do
	if [ ! -s "$work/kinspect.$cpu" ]; then
		say "CPU $cpu runs in user mode: no kernel frames to compare with gdb"
		continue
	fi
	timeout 300 "$gdb" -nx -batch -ex "symbol-file -o $slide $GUEST_VMLINUX" -ex "source $work/modules.gdb" \
		-ex "core-file $dump" -ex "thread $((cpu + 1))" -ex 'echo BT-BEGIN\n' -ex bt >"$work/gdb-all.txt" 2>&1 || true
	sed -n '/^BT-BEGIN$/,$p' "$work/gdb-all.txt" >"$work/gdb.txt"
	# gdb's physical frames are those with an address (inlined calls
	# share their caller's); frame 0 lacks one when it is at a line start.
	sed -n 's/^#[0-9]*  *\(0x[0-9a-f]*\) in \([^ ]*\) .*/\1 \2/p' "$work/gdb.txt" | grep -v '^0x0* ' >"$work/gdb.frames" || true
	awk '{ print $2 }' "$work/kinspect.$cpu" >"$work/got"
	if ! grep -q '^#0  *0x' "$work/gdb.txt"; then
		fn0=$(sed -n 's/^#0  *\([^ ]*\) (.*/\1/p' "$work/gdb.txt" | head -1)
		{ head -1 "$work/got" | sed "s/\$/ ${fn0:-?}/"; cat "$work/gdb.frames"; } >"$work/gdb.frames0"
		mv "$work/gdb.frames0" "$work/gdb.frames"
	fi
	# gdb adds a frame for a function that left by a tail call ("jmp" to
	# the next function instead of "call"): DWARF call-site data tells it
	# the jump happened, but that function's frame is gone from the stack
	# (it returned its stack before jumping) and the callee returns to its
	# caller's caller: kinspect and crash, which read the stack, are right
	# to show no frame.  Such a frame is dropped only when the instruction
	# before its address is a jmp to the function of the frame above: the
	# one holding its address (gdb names the frame by its innermost inlined
	# call, e.g. ttwu_queue for an address in try_to_wake_up).
	prev='' prev_ip='' tail=0
	: >"$work/want"
	while read -r ip fn; do
		if [ -n "$prev" ] && ! grep -q "^$ip\$" "$work/got"; then
			link=$(printf '0x%x' $((ip - 5 - slide)))
			insn=$("$gdb" -nx -batch -ex "x/i $link" "$GUEST_VMLINUX" 2>/dev/null | tail -1) || true
			holder=$("$gdb" -nx -batch -ex "info symbol $(printf '0x%x' $((prev_ip - slide)))" "$GUEST_VMLINUX" 2>/dev/null |
				awk '$2 == "+" || $2 == "in" { print $1; exit }') || true
			if [[ $insn == *"jmp "*"<$prev>"* ]] || { [ -n "$holder" ] && [[ $insn == *"jmp "*"<$holder>"* ]]; }; then
				say "gdb's tail-call frame $fn at $ip (after '${insn#*:	}') is no frame on the stack"
				tail=$((tail + 1))
				prev=$fn prev_ip=$ip
				continue
			fi
		fi
		[ "$fn" = '??' ] && break
		echo "$ip" >>"$work/want"
		prev=$fn prev_ip=$ip
		# Entry code (asm_*, entry_*, ret_from_fork*) has ORC data but no
		# DWARF CFI: gdb's frames past it are guesswork (it does not know
		# the pt_regs there), and not compared.
		case $fn in asm_* | entry_* | ret_from_fork*) break ;; esac
	done <"$work/gdb.frames"
	n=$(wc -l <"$work/want")
	[ "$n" -ge 1 ] || { cat "$work/gdb.txt"; die "gdb unwound no frame of CPU $cpu"; }
	# On the deep stack gdb must get as far as the exception's entry code.
	entry=$(awk '$1 ~ /^(asm_|entry_|ret_from_fork)/ { print NR; exit }' "$work/kinspect.$cpu")
	if [ "$cpu" = "$DEEP_CPU" ] && [ "$n" != "$entry" ]; then
		cat "$work/gdb.txt"
		die "gdb unwound $n frames of the deep stack, kinspect's entry code frame is #$((entry - 1))"
	fi
	head -n "$n" "$work/got" | diff -u "$work/want" - || { cat "$work/gdb.txt"; die "bt --cpu $cpu differs from gdb"; }
	say "ok: bt --cpu $cpu: gdb's $n frames ($tail tail-call frames left out) are kinspect's first $n of $(wc -l <"$work/got")"
done

# ---- crash on CPUs caught anywhere -----------------------------------------
# The guest busy in the kernel (a copy loop, a file tree walk), stopped at a
# random moment, twice: each CPU's trace, wherever it is (interrupts on the
# IRQ stack, exception frames, syscalls), against crash's.
guest_run 'cat /dev/zero >/dev/null </dev/null 2>&1 & while :; do ls -R /sys >/dev/null 2>&1; done </dev/null >/dev/null 2>&1 &' ||
	die "cannot start the busy loops"
for round in 1 2; do
	sleep "1.$RANDOM"
	guest_qmp '{"execute":"stop"}' >/dev/null || die "cannot stop the guest"
	busy=$work/busy.elf
	guest_dump "$busy" paging=true format=elf
	crash_run "$GUEST_VMLINUX" "$busy" "$work/crash-busy.txt" 'bt -a'
	for ((cpu = 0; cpu < nr_cpus; cpu++)); do
		kinspect -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$busy" --json bt --cpu "$cpu" >"$work/bt.json" ||
			die "bt --cpu $cpu of the busy guest failed"
		compare_cpu_with_crash "busy guest, round $round: bt --cpu $cpu" "$work/crash-busy.txt" "$nr_cpus" "$cpu" \
			"$work/bt.json" "$work/cmp" "$busy"
	done
	rm -f "$busy"
	guest_resume || die "cannot resume the guest"
done

# ---- speed (reported, not checked) -----------------------------------------
TIMEFORMAT='%R'
kinspect "${k[@]}" bt --cpu "$DEEP_CPU" >/dev/null
{ time for _ in 1 2 3 4 5 6 7 8 9 10; do kinspect "${k[@]}" bt --cpu "$DEEP_CPU" >/dev/null; done; } 2>"$work/time"
say "speed: bt --cpu $DEEP_CPU ($frames kernel frames) on the dump, warm: $(awk '{ printf "%.1f", $1 * 100 }' "$work/time") ms per run of the whole process"

# The guest finished the exec it was stopped in and still answers.
guest_run 'echo alive' | grep -q alive || die "the guest does not answer after the dumps"
rm -f "$dump"
guest_stop
say "PASS"
