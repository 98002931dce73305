#!/bin/bash
# Kernel backtraces on a live guest:
# - gdb stopped in a timer callback (hrtimer_wakeup, interrupt context):
#   with the kinspect-unwind.so JIT reader, bt goes through the interrupt
#   entry into the interrupted code; without it, it does not (both shown);
# - gdb stopped in a syscall (trixie: p9_client_read_once in module 9pnet,
#   under cat of a 9p file, through the 9p and netfs modules; bookworm:
#   ksys_read):
#   with the plugin bt ends at the syscall entry with a user-mode frame, and
#   "kinspect bt --cpu" live and on a dump taken there give the same frames;
# - a corrupted stack gives "unwinding stopped: ..." and no loop.
#
# Usage: bt-live.sh SUITE   (run by make check)
set -euo pipefail

suite=${1:?usage: bt-live.sh SUITE}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=bt-live-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
gdb=${GDB:-gdb}
command -v "$gdb" >/dev/null || die "gdb not found (install the gdb package)"
[ -f "${KINSPECT_PLUGIN:-}" ] || die "the gdb plugin was not built ($KINSPECT_PLUGIN)"

if [ "$suite" = trixie ]; then
	guest_start "$suite" 9p 9pnet_virtio
	syscall_break=p9_client_read_once
else
	guest_start "$suite" dummy
	syscall_break=ksys_read
fi
work=$GUEST_WORKDIR
# One frame or header per line; a user frame's nested "user_registers"
# object is dropped first, so that the frame's fields stay on one line.
json_records() { tr -d '\n' | sed 's/"user_registers": *{[^}]*}, *//g' | tr '{' '\n'; echo; }
# Sleeps of 0.1 s keep hrtimer_wakeup firing.
guest_run '(while :; do usleep 100000; done) </dev/null >/dev/null 2>&1 &'
slide=$(kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" info | sed -n 's/^KASLR slide: \(0x[0-9a-f]*\).*/\1/p')
[ -n "$slide" ] || die "no KASLR slide from kinspect info"
if [ "$suite" = trixie ]; then
	# A module function: gdb has no module symbols without the proxy, so
	# it gets the address kinspect finds in the module's .ko.
	addr=$(kinspect -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$GUEST_GDB" sym "$syscall_break" | awk '{ print $1 }')
	[ -n "$addr" ] || die "no address for $syscall_break"
	syscall_break="*0x$addr"
fi

# gdb_bt OUT PLUGIN(yes|no) BREAK [END]: attach gdb, stop at BREAK, print the
# backtrace between BT-BEGIN and BT-END into OUT.  END is "detach" (the guest
# goes on) or "disconnect" (it stays stopped, for kinspect).
gdb_bt() {
	local out=$1 plugin=$2 where=$3 end=${4:-detach}
	local -a load=()
	[ "$plugin" = yes ] && load=(-ex "jit-reader-load $KINSPECT_PLUGIN")
	KINSPECT_VMLINUX=$GUEST_VMLINUX timeout 120 "$gdb" -nx -batch -ex 'set pagination off' "${load[@]}" \
		-ex "symbol-file -o $slide $GUEST_VMLINUX" -ex "target remote $GUEST_GDB" -ex "break $where" \
		-ex continue -ex 'echo BT-BEGIN\n' -ex bt -ex 'echo BT-END\n' -ex delete -ex "$end" \
		>"$out.all" 2>&1 || { cat "$out.all"; die "gdb failed"; }
	sed -n '/^BT-BEGIN$/,/^BT-END$/p' "$out.all" >"$out"
	grep -q '^#0 ' "$out" || { cat "$out.all"; die "gdb printed no backtrace"; }
}

# ---- interrupt context ----------------------------------------------------
gdb_bt "$work/irq-plugin" yes hrtimer_wakeup
say "gdb bt in hrtimer_wakeup WITH kinspect-unwind.so:"
cat "$work/irq-plugin"
grep -q 'Thread .* hit Breakpoint' "$work/irq-plugin.all" || die "the breakpoint was not hit"
# The interrupt entry, then at least one frame of the interrupted code.
entry=$(grep -n ' in asm_sysvec_apic_timer_interrupt \| in asm_common_interrupt ' "$work/irq-plugin" | head -1 | cut -d: -f1 || true)
[ -n "$entry" ] || die "with the plugin: no interrupt entry frame"
sed -n "$((entry + 1)),\$p" "$work/irq-plugin" | grep -q '^#[0-9]' || die "with the plugin: nothing after the interrupt entry"
! grep -q 'Backtrace stopped: Cannot access' "$work/irq-plugin" || die "with the plugin: unwinding failed"
interrupted=$(sed -n "$((entry + 1))p" "$work/irq-plugin")
say "ok: with the plugin, past the interrupt entry: $interrupted"

gdb_bt "$work/irq-plain" no hrtimer_wakeup
say "gdb bt in hrtimer_wakeup WITHOUT the plugin:"
cat "$work/irq-plain"
entry=$(grep -n ' in asm_sysvec_apic_timer_interrupt \| in asm_common_interrupt ' "$work/irq-plain" | head -1 | cut -d: -f1 || true)
if [ -n "$entry" ]; then
	! sed -n "$((entry + 1)),\$p" "$work/irq-plain" | grep -q '^#[0-9]' ||
		die "without the plugin gdb went past the interrupt entry: the test shows nothing"
fi
say "ok: without the plugin gdb stops at the interrupt entry ($(grep -c '^#' "$work/irq-plain") frames against $(grep -c '^#' "$work/irq-plugin"))"

# No setting: gdb attached through kinspect gdb-proxy, which also relocates
# the vmlinux for the slide (qOffsets); the plugin finds the proxy among
# gdb's children and takes the vmlinux from its command line.
(cd "$work" && env -u KINSPECT_VMLINUX timeout 120 "$gdb" -nx -batch \
	-ex 'set pagination off' -ex 'set remotetimeout 60' -ex "jit-reader-load $KINSPECT_PLUGIN" -ex "file $GUEST_VMLINUX" \
	-ex "target remote | $KINSPECT gdb-proxy -k $GUEST_VMLINUX -m $GUEST_MODDIR $GUEST_GDB" \
	-ex 'break hrtimer_wakeup' -ex continue -ex 'echo BT-BEGIN\n' -ex bt -ex 'echo BT-END\n' -ex delete -ex detach) \
	>"$work/irq-proxy.all" 2>&1 || { cat "$work/irq-proxy.all"; die "gdb through the proxy failed"; }
sed -n '/^BT-BEGIN$/,/^BT-END$/p' "$work/irq-proxy.all" >"$work/irq-proxy"
entry=$(grep -n ' in asm_sysvec_apic_timer_interrupt \| in asm_common_interrupt ' "$work/irq-proxy" | head -1 | cut -d: -f1 || true)
[ -n "$entry" ] && sed -n "$((entry + 1)),\$p" "$work/irq-proxy" | grep -q '^#[0-9]' ||
	{ cat "$work/irq-proxy.all"; die "through the proxy, without KINSPECT_VMLINUX: no frames past the interrupt entry"; }
say "ok: through kinspect gdb-proxy, no setting: $(grep -c '^#' "$work/irq-proxy") frames, past the interrupt entry"

# ---- a syscall ------------------------------------------------------------
if [ "$suite" = trixie ]; then
	head -c 12943 /dev/urandom >"$GUEST_SHARE/data"
	trigger='cat /mnt/data >/dev/null'
else
	trigger='cat /proc/version >/dev/null'
fi
gdb_bt "$work/sys" yes "$syscall_break" disconnect &
gdb_pid=$!
# Once the breakpoint is planted, make the guest read.
for _ in $(seq 100); do
	grep -q '^Breakpoint 1 at' "$work/sys.all" 2>/dev/null && break
	sleep 0.2
done
(guest_run "$trigger" >/dev/null 2>&1 || true) &
trigger_pid=$!
wait "$gdb_pid" || die "gdb at $syscall_break failed"
say "gdb bt at $syscall_break (a read syscall) with the plugin:"
cat "$work/sys"
entry=$(grep -n ' in entry_SYSCALL_64' "$work/sys" | head -1 | cut -d: -f1 || true)
[ -n "$entry" ] || die "no syscall entry frame"
user=$(sed -n "$((entry + 1))p" "$work/sys")
[[ $user =~ ^#[0-9]+\ +0x0*([0-9a-f]+)\ in ]] && (( 0x${BASH_REMATCH[1]} < 0x800000000000 )) ||
	die "the frame after the syscall entry is not user code: $user"
# (gdb has no module symbols here, without the proxy: module frames show
# as "??", unwound all the same.)
say "ok: bt ends at the syscall entry with the user-mode frame: $user"

# The guest is stopped at the breakpoint: kinspect live, then a dump.
cpu=$(sed -n 's/^Thread \([0-9]*\) hit Breakpoint.*/\1/p' "$work/sys.all" | head -1)
[ -n "$cpu" ] || die "which CPU hit the breakpoint?"
cpu=$((cpu - 1))
kinspect -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$GUEST_GDB" --keep-stopped bt --cpu "$cpu" >"$work/live.txt" 2>"$work/err" ||
	{ cat "$work/err"; die "kinspect bt --cpu $cpu live failed"; }
cat "$work/live.txt"
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --keep-stopped --json bt --cpu "$cpu" | json_records |
	sed -n 's/.*"ip": *"0x0*\([0-9a-f]*\)",.*"kind".*/0x\1/p' >"$work/live-ips"
# gdb's physical frames (inlined calls share their caller's address).
sed -n 's/^#[0-9]*  *\(0x[0-9a-f]*\) in .*/\1/p' "$work/sys" | grep -v '^0x0*$' | sed 's/^0x0*/0x/' >"$work/gdb-ips"
grep -q '^#0  *0x' "$work/sys" || { head -1 "$work/live-ips"; cat "$work/gdb-ips"; } >"$work/gdb-ips2"
[ -f "$work/gdb-ips2" ] && mv "$work/gdb-ips2" "$work/gdb-ips"
diff -u "$work/gdb-ips" "$work/live-ips" || die "kinspect bt --cpu $cpu differs from gdb with the plugin"
say "ok: kinspect bt --cpu $cpu live: the same $(wc -l <"$work/live-ips") frames as gdb with the plugin"
if [ "$suite" = trixie ]; then
	# Module frames, named from the .ko files.
	grep -q ' p9_[a-z0-9_]*+0x[0-9a-f]* \[9pnet\]$' "$work/live.txt" || die "no named 9pnet frame"
	grep -q ' v9fs_[a-z0-9_]*+0x[0-9a-f]* \[9p\]$' "$work/live.txt" || die "no named 9p frame"
fi

# Batched reads through the public API, live (fewer round trips than the
# same reads one by one) and, below, on the dump.
"$top_builddir/tests/vm/read-batch" "$GUEST_VMLINUX" "$GUEST_GDB" >"$work/batch.txt" 2>&1 ||
	{ cat "$work/batch.txt"; die "batched reads live"; }
say "live: $(cat "$work/batch.txt")"

dump=$work/stopped.elf
guest_dump "$dump" paging=false format=elf
"$top_builddir/tests/vm/read-batch" "$GUEST_VMLINUX" "$dump" >"$work/batch.txt" 2>&1 ||
	{ cat "$work/batch.txt"; die "batched reads on the dump"; }
say "dump: $(cat "$work/batch.txt")"
kinspect -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$dump" bt --cpu "$cpu" >"$work/dump.txt" 2>"$work/err" || { cat "$work/err"; die "bt on the dump failed"; }
diff -u "$work/live.txt" "$work/dump.txt" || die "bt --cpu $cpu differs between live and the dump"
# The same kernel through a session on callbacks (kinspect_kernel_open_ops(),
# as the plugin reads through gdb), and step by step.
"$top_builddir/tests/vm/ops-session" "$GUEST_VMLINUX" "$dump" "$cpu" >"$work/ops.txt" 2>&1 ||
	{ cat "$work/ops.txt"; die "the session on callbacks disagrees with the dump"; }
cat "$work/ops.txt"
say "$(tail -1 "$work/ops.txt")"
frames=$(grep -c '^#' "$work/dump.txt")
# Without the .ko files: the same frames, module code as [module]+offset.
kinspect -k "$GUEST_VMLINUX" -t "$dump" bt --cpu "$cpu" >"$work/noko.txt" 2>"$work/err" || { cat "$work/err"; die "bt without -m failed"; }
diff <(awk '/^#/ { print $2 }' "$work/dump.txt") <(awk '/^#/ { print $2 }' "$work/noko.txt") >/dev/null ||
	die "bt without -m unwinds differently"
if [ "$suite" = trixie ]; then
	grep -q ' \[9pnet\]+0x[0-9a-f]*$' "$work/noko.txt" || { cat "$work/noko.txt"; die "without -m: no [9pnet]+offset frame"; }
fi
# time_bt [OPTION...]: ten warm runs of the whole process; per run: wall
# clock, and CPU time (user + system: the machine may be busy).
time_bt() {
	local TIMEFORMAT='%R %U %S'
	kinspect -k "$GUEST_VMLINUX" "$@" -t "$dump" bt --cpu "$cpu" >/dev/null
	{ time for _ in 1 2 3 4 5 6 7 8 9 10; do
		kinspect -k "$GUEST_VMLINUX" "$@" -t "$dump" bt --cpu "$cpu" >/dev/null
	done; } 2>"$work/time"
	awk '{ printf "%.1f ms wall, %.1f ms CPU", $1 * 100, ($2 + $3) * 100 }' "$work/time"
}
say "speed: bt --cpu $cpu ($frames frames) on the dump, warm, per run of the whole process:" \
	"$(time_bt) without -m (module frames as [module]+offset); $(time_bt -m "$GUEST_MODDIR") with -m (module .ko symbols)"
# In one session (-x) the vmlinux, DWARF and module set-up is paid once:
# the cost of each further trace.
TIMEFORMAT='%R %U %S'
for n in 1 101; do
	for ((i = 0; i < n; i++)); do echo "bt --cpu $cpu"; done >"$work/bt-$n.x"
	{ time kinspect -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$dump" -x "$work/bt-$n.x" >"$work/bt-$n.out"; } 2>"$work/time-$n"
done
[ "$(grep -c '^#' "$work/bt-101.out")" = $((101 * frames)) ] || die "-x with 101 traces: $(grep -c '^#' "$work/bt-101.out") frames"
# (CPU time: on a busy machine the wall clock of one run varies more than
# a hundred traces cost.)
say "speed: bt --cpu $cpu in one -x session, each further trace: $(paste "$work/time-1" "$work/time-101" |
	awk '{ printf "%.2f ms CPU", (($5 + $6) - ($2 + $3)) * 10 }')"
rm -f "$dump"
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" ps >/dev/null 2>"$work/err" || { cat "$work/err"; die "ps live failed"; }
# kinspect leaves a guest it found stopped as it was: let it finish the read.
guest_resume
wait "$trigger_pid" || true
say "ok: live and dump traces equal"

# ---- a corrupted stack ----------------------------------------------------
guest_run 'sleep 100000 </dev/null >/dev/null 2>&1 &'
pid=$(kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" ps | awk '$NF == "sleep" { print $1; exit }')
[ -n "$pid" ] || die "no sleep task"
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" --json bt --task "$pid" | json_records >"$work/sleep.json"
# The return address into frame #3 lies just below frame #3's stack pointer.
slot=$(sed -n 's/.*"index": *3,.*"sp": *"\(0x[0-9a-f]*\)".*/\1/p' "$work/sleep.json")
[ -n "$slot" ] || { cat "$work/sleep.json"; die "no frame #3 in the sleep task's trace"; }
slot=$(printf '0x%x' $((slot - 8)))
# poke VALUE: write VALUE at the slot through gdb; prints the old value.
poke() {
	timeout 60 "$gdb" -nx -batch -ex "target remote $GUEST_GDB" -ex "x/gx $slot" -ex "set {unsigned long}$slot = $1" \
		-ex detach 2>&1 | sed -n 's/^0x[0-9a-f]*:[[:space:]]*\(0x[0-9a-f]*\)$/\1/p'
}
old=$(poke 0x4141414141414141)
[ -n "$old" ] || die "could not write to the guest's stack"
status=0
timeout 30 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$GUEST_GDB" bt --task "$pid" >"$work/bad.txt" 2>&1 || status=$?
poke "$old" >/dev/null
cat "$work/bad.txt"
[ "$status" = 0 ] || die "bt of a corrupted stack: status $status"
grep -q '^unwinding stopped: .*0x4141414141414141' "$work/bad.txt" || die "no 'unwinding stopped' line naming the bad address"
[ "$(grep -c '^#' "$work/bad.txt")" = 4 ] || die "expected frames #0-#3 before the stop"
say "ok: corrupted return address: $(grep '^unwinding stopped' "$work/bad.txt")"
# Point it back into the frame's own function a stack's worth lower: the
# stack would go the wrong way, or loop.
self_ip=$(sed -n 's/.*"index": *2,.*"ip": *"\(0x[0-9a-f]*\)".*/\1/p' "$work/sleep.json")
old=$(poke "$self_ip")
status=0
timeout 30 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$GUEST_GDB" bt --task "$pid" >"$work/bad.txt" 2>&1 || status=$?
poke "$old" >/dev/null
cat "$work/bad.txt"
[ "$status" = 0 ] && [ "$(grep -c '^#' "$work/bad.txt")" -lt 256 ] || die "bt of a looping stack: status $status"
grep -q '^unwinding stopped: ' "$work/bad.txt" || say "note: the rewritten frame unwound to a plausible end"
say "ok: rewritten return address: bounded, $(grep -c '^#' "$work/bad.txt") frames"

guest_stop
say "PASS"
