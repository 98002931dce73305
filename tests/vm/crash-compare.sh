# shellcheck shell=bash
# kinspect's stack traces against crash's "bt" on the same dump and vmlinux,
# frame by frame.  Source after guest.sh and target-checks.sh.
#
#   crash_setup                 CRASH: the crash 9 run script (fetch-crash.sh)
#   crash_run VMLINUX DUMP OUT CMD...   crash in batch mode, one session
#   crash_frames OUT NR_CPUS cpu|pid KEY   the frames crash printed for CPU
#        KEY (of "bt -a", whose NR_CPUS sections come first) or for task
#        KEY (of a later "bt PID"): "function address slot" lines, outermost
#        last (slot: the stack address of the return address, "-" for a
#        frame from registers)
#   kinspect_frames JSON        "function address sp" from "kinspect --json bt"
#   compare_with_crash LABEL CRASH_FRAMES KINSPECT_FRAMES   equal, but for
#        the two explained differences below; says how many frames matched
#   compare_cpu_with_crash LABEL CRASH_OUT NR_CPUS CPU KINSPECT_JSON TMP DUMP
#        CPU's trace from "bt -a" against kinspect's "--json bt --cpu CPU",
#        a CPU caught in user mode included (see there); frames crash skips
#        are confirmed with gdb on DUMP (CRASH_GDB_SLIDE: the KASLR slide,
#        CRASH_GDB_MODULES: an optional gdb script loading the modules)
# SPDX-License-Identifier: GPL-2.0-or-later

_CRASH_COMPARE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

crash_setup() {
	CRASH=$("$_CRASH_COMPARE_DIR/fetch-crash.sh") || die "cannot fetch crash 9 (tests/vm/fetch-crash.sh)"
	say "crash: $("$CRASH" --version 2>/dev/null | grep -m1 '^crash ')"
}

crash_run() {
	crash_run_or_explain "$@" || die "crash cannot read $2"
}

# crash_run_or_explain VMLINUX DUMP OUT CMD...: crash_run, except that for a
# kernel crash 9 is known not to read it returns 1 after saying why, the
# reason checked in the kernel's own DWARF.  crash 9.0.2 requires struct
# module's num_gpl_syms, which the Linux 7.3 of the test bed no longer has;
# it stops at "invalid structure member offset: module_num_gpl_syms" before
# any command.
crash_run_or_explain() {
	local vmlinux=$1 dump=$2 out=$3
	shift 3
	# -s: no banner; --no_crashrc: no user's .crashrc changes the output.
	{ printf '%s\n' "$@"; echo q; } |
		timeout 900 "$CRASH" -s --no_crashrc "$vmlinux" "$dump" >"$out" 2>&1 && return 0
	if grep -q 'invalid structure member offset: module_num_gpl_syms' "$out" &&
		! timeout 600 "${GDB:-gdb}" -nx -batch -ex 'ptype struct module' "$vmlinux" 2>/dev/null |
		grep -qw num_gpl_syms; then
		say "crash: $("$CRASH" --version 2>/dev/null | grep -m1 '^crash ') cannot read this kernel: it needs" \
			"struct module.num_gpl_syms, which this kernel's DWARF does not have; crash not compared here"
		return 1
	fi
	tail -20 "$out"
	die "crash failed or timed out on $dump"
}

# crash prints a frame in two ways:
#   " #3 [ffffd15640443ae0] fifo_open at ffffffff9a851a04 [module]": a
#      return address found on the stack;
#   "    [exception RIP: vp_notify+11]" then "    RIP: ffffffff9b10356f ...":
#      the registers the trace starts from (the dump's CPU state for a CPU)
#      or a pt_regs frame's (interrupt, exception), which kinspect lists as
#      an ordinary frame.
# The user-mode registers at the end of a syscall's trace (no "exception
# RIP" line) are not a frame here, as kinspect's "(user mode)" frame is not.
crash_frames() {
	local out=$1 nr_cpus=$2 kind=$3 key=$4
	awk -v ncpu="$nr_cpus" -v kind="$kind" -v key="$key" '
		/^PID: / {
			section++
			pid = $2
			cpu = ""
			for (i = 1; i < NF; i++) if ($i == "CPU:") cpu = $(i + 1)
			on = (kind == "cpu" && section <= ncpu && cpu == key) ||
			     (kind == "pid" && section > ncpu && pid == key)
			pending = ""
			next
		}
		!on { next }
		/^ *\[exception RIP: / {
			name = $0
			sub(/^ *\[exception RIP: /, "", name)
			sub(/[]+].*/, "", name)
			pending = name
			next
		}
		/^ *RIP: [0-9a-f]+ / && pending != "" { ip = $2; sub(/^0+/, "", ip); print pending, "0x" ip, "-"; pending = ""; next }
		/^ *#[0-9]+ \[[0-9a-f]+\] [^ ]+ at [0-9a-f]+/ {
			ip = $5; sub(/^0+/, "", ip)
			slot = $2; gsub(/[][]/, "", slot); sub(/^0+/, "", slot)
			print $3, "0x" ip, "0x" slot
		}
	' "$out"
}

kinspect_frames() {
	tr -d '\n' <"$1" | tr '{' '\n' |
		sed -n 's/.*"ip": *"0x0*\([0-9a-f]*\)", *"sp": *"0x0*\([0-9a-f]*\)",.*"symbol": *"\([^"+]*\)+0x[0-9a-f]*\( \[[^]"]*\]\)\{0,1\}",.*"kind".*/\3 0x\1 0x\2/p;
			s/.*"ip": *"0x0*\([0-9a-f]*\)", *"sp": *"0x0*\([0-9a-f]*\)",.*"symbol": *"\([^"+]*\)",.*"kind".*"user_mode": *false.*/\3 0x\1 0x\2/p' |
		grep -v '^(user mode) ' || true
}

# Two differences are allowed, both explained:
# 1. Names: crash cuts the name of gcc's clones at ".isra.", ".part." and
#    ".llvm." (strip_symbol_end() in crash's symbols.c; "--no_strip" turns
#    it off), so "finish_task_switch.isra.0" prints as "finish_task_switch".
#    kinspect prints the ELF symbol as it is, as the kernel's own kallsyms,
#    /proc/PID/stack and gdb do: both name the same function, kinspect
#    exactly.  Other clones (".constprop.N", ".cold") keep their names in
#    crash too, and must be equal.  Addresses must be equal.
#    Where a zero-size label (a linker marker such as
#    __softirqentry_text_end) has the address of the function that
#    follows it, crash may print the label; kinspect prints the function
#    (among aliases it prefers the sized symbol), the code that runs
#    there.  Accepted only when the vmlinux's symbol table has both at
#    that address, crash's with size 0 (crash_label_alias).
# 2. Stale return addresses: on the stack of a CPU's running task crash
#    may list, between two of kinspect's frames K and K+1, a text address
#    it found in a stack slot lying inside frame K: at or above K's stack
#    pointer and below the slot K returns through, the frame size the
#    kernel's ORC data gives for K's instruction pointer.  Such a word is
#    left over from a call K made earlier and that returned (a local or a
#    saved register area since); no return goes through it.  kinspect,
#    which follows the ORC data (and gdb, which follows the DWARF CFI: the
#    gdb comparisons show it), is right; crash's frame is accepted only
#    where its slot lies inside frame K.
# 3. Frames crash skips on a CPU's stack: after a stale frame (crash goes
#    on unwinding from the stale word, with the frame size of the function
#    it names, and lands past the slot of kinspect's next frame), or at
#    the frame the CPU's registers start from (seen with a CPU spinning in
#    native_queued_spin_lock_slowpath: crash leaves out _raw_spin_lock,
#    which called it), sometimes with a stale word of the skipped frame
#    in its place.  Accepted for a frame of kinspect's that is nowhere in
#    crash's trace, and only in compare_cpu_with_crash, which confirms every
#    skipped frame (array "skipped") with an unwinder that shares nothing
#    with kinspect, gdb's DWARF CFI: a frame gdb has too is real, and
#    kinspect right to show it.
compare_with_crash() {
	local label=$1 want=$2 got=$3 renamed=0 stale=0 stale_list='' skipped_list='' aliases='' i=0 j=0 n m
	local -a wn=() wi=() ws=() gn=() gi=() gs=()
	skipped=()
	while read -r a b c; do wn+=("$a") wi+=("$b") ws+=("$c"); done <"$want"
	while read -r a b c; do gn+=("$a") gi+=("$b") gs+=("$c"); done <"$got"
	n=${#wn[@]} m=${#gn[@]}
	[ "$n" -gt 0 ] || die "$label: crash printed no frames"
	while [ "$i" -lt "$n" ] || [ "$j" -lt "$m" ]; do
		if [ "$i" -lt "$n" ] && [ "$j" -lt "$m" ] && [ "${wi[i]}" = "${gi[j]}" ]; then
			local w=${wn[i]} g=${gn[j]} cut
			if [ "$w" != "$g" ]; then
				cut=${g%%.isra.*}
				cut=${cut%%.part.*}
				cut=${cut%%.llvm.*}
				if [ "$w" = "$cut" ]; then
					renamed=$((renamed + 1))
				elif crash_label_alias "$w" "$g"; then
					aliases+=" $w=$g"
				else
					paste "$want" "$got"
					die "$label: at ${wi[i]} crash says $w, kinspect $g"
				fi
			fi
			i=$((i + 1)) j=$((j + 1))
			continue
		fi
		# Difference 2: a crash frame whose slot lies inside kinspect's
		# frame j-1 (from its sp to below the slot frame j returns to).
		if [ "$i" -lt "$n" ] && [ "$j" -gt 0 ] && [ "$j" -lt "$m" ] && [ "${ws[i]}" != - ] &&
			((ws[i] >= gs[j - 1] && ws[i] < gs[j] - 8)); then
			stale=$((stale + 1))
			stale_list+=" ${wn[i]}@${ws[i]}"
			i=$((i + 1))
			continue
		fi
		# Difference 3: kinspect's frame j is nowhere in the rest of
		# crash's trace: crash skipped it.
		if [ "${_crash_confirm_skipped:-0}" = 1 ] && [ "$j" -lt "$m" ] && [ $((j + 1)) -lt "$m" ]; then
			local k found=0
			for ((k = i; k < n; k++)); do [ "${wi[k]}" = "${gi[j]}" ] && found=1 && break; done
			if [ "$found" = 0 ]; then
				skipped+=("${gi[j]}")
				skipped_list+=" ${gn[j]}@${gi[j]}"
				j=$((j + 1))
				continue
			fi
		fi
		paste "$want" "$got"
		die "$label: crash's frames differ from kinspect's at crash's #$i (${wn[i]:-none} ${wi[i]:-}), kinspect's #$j (${gn[j]:-none} ${gi[j]:-})"
	done
	say "ok: $label: kinspect's $m frames agree with crash's bt (functions and addresses; $renamed gcc clone names crash shortens)"
	[ -z "$aliases" ] ||
		say "   where a zero-size label shares a function's address crash names the label, kinspect the function:$aliases"
	[ "$stale" = 0 ] ||
		say "   crash also lists $stale stale return addresses inside kinspect's frames, from calls that returned:$stale_list"
	[ ${#skipped[@]} = 0 ] ||
		say "   crash skips ${#skipped[@]} of kinspect's frames:$skipped_list (checked with gdb below)"
}

# crash_section OUT NR_CPUS CPU: the lines of CPU's section of "bt -a".
crash_section() {
	awk -v ncpu="$2" -v key="$3" '
		/^PID: / { section++; cpu = ""; for (i = 1; i < NF; i++) if ($i == "CPU:") cpu = $(i + 1)
			on = section <= ncpu && cpu == key }
		on' "$1"
}

# A CPU caught in user mode (the dump's registers have a user code
# segment): kinspect prints no kernel frame, only "runs in user mode at
# RIP": the CPU runs no kernel code.  crash prints that task's kernel
# stack anyway: what its last kernel entry left there (an interrupt or a
# syscall that has since returned to user mode), down to that entry's
# user-mode register block, whose RIP is where user mode was then, not
# necessarily now.  Those frames are history, not the CPU's state: kinspect
# is right.  Accepted only when crash's trace ends in a user-mode register
# block (CS 0033).
compare_cpu_with_crash() {
	local label=$1 out=$2 nr_cpus=$3 cpu=$4 json=$5 tmp=$6 dump=$7 ip cs
	ip=$(tr -d ' \n' <"$json" | sed -n 's/.*"user_mode":true,"ip":"\(0x[0-9a-f]*\)","frames":\[\].*/\1/p')
	if [ -n "$ip" ]; then
		crash_section "$out" "$nr_cpus" "$cpu" >"$tmp.section"
		cs=$(sed -n 's/.* CS: \([0-9a-f]*\) .*/\1/p; s/.* CS: \([0-9a-f]*\)$/\1/p' "$tmp.section" | tail -1)
		[ "$cs" = 0033 ] || { cat "$tmp.section"; die "$label: kinspect says the CPU runs in user mode at $ip, crash's trace does not end in user mode"; }
		say "ok: $label: the CPU runs in user mode at $ip (kinspect); crash lists the $(grep -c '^ *#[0-9]' "$tmp.section") stale frames of the task's last kernel entry"
		return 0
	fi
	crash_frames "$out" "$nr_cpus" cpu "$cpu" >"$tmp.crash"
	kinspect_frames "$json" >"$tmp.kinspect"
	# A CPU caught inside a context switch: the scheduler has made the
	# next task current, but the CPU still runs __schedule on the previous
	# task's stack.  crash then does not start from the CPU's registers (no
	# "exception RIP" line): it prints the current task's saved context,
	# where that task will resume, on another stack.  kinspect unwinds the
	# CPU's registers, what the CPU is executing, as gdb does: kinspect is
	# right about the CPU.  Accepted only when crash's first frame lies on
	# another stack than the CPU's stack pointer and gdb, from the CPU's
	# registers, has kinspect's frames.
	if ! crash_section "$out" "$nr_cpus" "$cpu" | sed -n 2p | grep -q 'exception RIP'; then
		local slot sp0 dist=0 next=()
		slot=$(awk 'NR == 1 { print $3 }' "$tmp.crash")
		sp0=$(awk 'NR == 1 { print $3 }' "$tmp.kinspect")
		[[ $slot == 0x* && $sp0 == 0x* ]] && dist=$((slot > sp0 ? slot - sp0 : sp0 - slot))
		[ "$dist" -ge 16384 ] ||
			{ paste "$tmp.crash" "$tmp.kinspect"; cat "$json"; die "$label: crash does not start from the CPU's registers, on the same stack"; }
		mapfile -t next < <(awk 'NR > 1 && NR <= 4 { print $2 }' "$tmp.kinspect")
		gdb_has_frames "$dump" "$cpu" "$tmp" "${next[@]}"
		say "ok: $label: caught in a context switch: the CPU runs $(awk 'NR == 1 { print $1 }' "$tmp.kinspect") on the stack at $sp0 (kinspect, and gdb); crash shows the next task's saved context ($(awk 'NR == 1 { print $1 }' "$tmp.crash") at $slot)"
		return 0
	fi
	# (Seen by compare_with_crash: skipped frames are confirmed below.)
	local _crash_confirm_skipped=1
	compare_with_crash "$label" "$tmp.crash" "$tmp.kinspect"
	[ ${#skipped[@]} = 0 ] && return 0
	gdb_has_frames "$dump" "$cpu" "$tmp" "${skipped[@]}"
	say "   gdb's unwind (DWARF CFI) has the frames crash skipped, at the same addresses: kinspect is right"
}

# gdb_has_frames DUMP CPU TMP ADDRESS...: gdb's trace of CPU (from its
# registers in DUMP) has a frame at each ADDRESS, or the test fails.
gdb_has_frames() {
	local dump=$1 cpu=$2 tmp=$3 modules=() a
	shift 3
	[ -n "${CRASH_GDB_MODULES:-}" ] && modules=(-ex "source $CRASH_GDB_MODULES")
	timeout 300 "${GDB:-gdb}" -nx -batch -ex "symbol-file -o ${CRASH_GDB_SLIDE:?} $GUEST_VMLINUX" "${modules[@]}" \
		-ex "core-file $dump" -ex "thread $((cpu + 1))" -ex bt >"$tmp.gdb" 2>&1 || true
	for a in "$@"; do
		grep -q "^#[0-9]*  *$a in " "$tmp.gdb" ||
			{ grep '^#' "$tmp.gdb"; die "gdb's trace of CPU $cpu has no frame at $a"; }
	done
}

# crash_label_alias LABEL FUNCTION: whether the vmlinux's symbol table has
# LABEL with size 0 at the address of FUNCTION, a sized symbol.
crash_label_alias() {
	readelf -sW "$GUEST_VMLINUX" | awk -v l="$1" -v f="$2" '
		$8 == l && $3 == 0 { la[$2] = 1 }
		$8 == f && $3 > 0 { fa[$2] = 1 }
		END { for (a in la) if (a in fa) found = 1; exit !found }'
}
