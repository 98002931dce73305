#!/bin/bash
# Ground-truth test of the QEMU test bed for one kernel: boots it with its
# test modules and checks, through the guest's own view, everything later
# kinspect tests rely on (module addresses and sections, KASLR slide, release,
# the 9p share, the gdbstub, memory dumps).  Exit 0 pass, 1 fail.
#
# Usage: ground-truth.sh bookworm|trixie
# The guest's ground truth is kept in ${KINSPECT_GROUND_TRUTH_DIR:-
# ./ground-truth-SUITE.d} (valid for that boot only: KASLR differs per boot).
set -euo pipefail

suite=${1:?usage: ground-truth.sh bookworm|trixie}
here=$(cd "$(dirname "$0")" && pwd)
export GUEST_LOG_TAG=ground-truth-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"

failures=0
t_start=$(_guest_now)
say() { echo "$GUEST_LOG_TAG: $*"; }
ok() { say "ok: $*"; }
fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}
# die MESSAGE: a failure after which nothing else can be checked.
die() {
	say "FAIL: $*"
	exit 1
}

# Tools the test bed runs on the host; a missing one is a setup error.
for tool in qemu-system-x86_64 socat gzip base64 md5sum od awk; do
	command -v "$tool" >/dev/null || die "'$tool' not installed (see tests/vm/guest.sh)"
done

# The modules each kernel is tested with, in load order; those the kernel
# has no .ko for (built in, or not configured) are reported and left out.
case $suite in
trixie) wanted=(netfs 9pnet 9pnet_virtio 9p dummy loop qemu_fw_cfg) ;;
bookworm) wanted=(netfs fscache dummy loop qemu_fw_cfg) ;;
*) die "unknown suite '$suite'" ;;
esac
guest_kernel_dir "$suite" >/dev/null || die "cannot fetch the $suite kernel"
kdir=$GUEST_KERNEL_DIR
modules=()
for m in "${wanted[@]}"; do
	if [ -f "$kdir/modules/$m.ko" ]; then
		modules+=("$m")
	else
		say "note: no $m.ko for this kernel (built in or not configured)"
	fi
done
[ ${#modules[@]} -gt 0 ] || die "no test module available in $kdir/modules"

say "booting $suite with: ${modules[*]}"
guest_start "$suite" "${modules[@]}" || die "guest did not start"
qemu_pid=$GUEST_PID
say "boot-to-ready ${GUEST_BOOT_SECONDS} s; gdbstub $GUEST_GDB"

gt=${KINSPECT_GROUND_TRUTH_DIR:-$PWD/ground-truth-$suite.d}
rm -rf "$gt"
guest_save_ground_truth "$gt" || die "cannot read the ground truth from the guest"
say "ground truth saved in $gt"

# x86-64 module area with 4-level paging: MODULES_VADDR (__START_KERNEL_map
# + KERNEL_IMAGE_SIZE of 1 GiB under KASLR) to MODULES_END.
mod_lo=0xffffffffc0000000
mod_hi=0xffffffffff000000
# Kernel addresses are negative as signed 64-bit numbers, and signed order
# matches unsigned order within that half, so bash arithmetic compares them.
in_range() { (($1 >= $2 && $1 < $3)); }

# /proc/modules: every module loaded, live, at a module-area address.
declare -A base size
for m in $GUEST_MODULES; do
	line=$(awk -v m="$m" '$1 == m' "$gt/proc-modules.txt")
	if [ -z "$line" ]; then
		fail "/proc/modules: $m missing"
		continue
	fi
	read -r _ sz _ _ state addr _ <<<"$line"
	if [ "$state" != Live ] || ! [[ $addr =~ ^0x[0-9a-f]+$ ]] || ((addr == 0)) ||
		! in_range "$addr" $mod_lo $mod_hi || ! ((sz > 0)); then
		fail "/proc/modules: $m: state $state, address $addr, size $sz"
		continue
	fi
	base[$m]=$addr
	size[$m]=$sz
	ok "/proc/modules: $m Live at $addr, $sz bytes"
done

# Section addresses.  Init sections (.init.*, and .symtab/.strtab, which
# hold the full symbol table only until init ends) live in the freed init
# area.  Before 6.4 (core_layout) all other sections lie in the module's
# core region [base, base+size); since 6.4 (mod->mem[]) only executable
# ones do, the rest are separate allocations inside the module area.
release=$(cat "$kdir/release")
IFS=.- read -r kmaj kmin _ <<<"$release"
contiguous=$(( kmaj < 6 || (kmaj == 6 && kmin < 4) ))
for m in $GUEST_MODULES; do
	[ -n "${base[$m]:-}" ] || continue
	f=$gt/sections/$m.txt
	b=${base[$m]} e=$(( ${base[$m]} + ${size[$m]} ))
	bad=()
	n=0
	grep -q '^\.text 0x' "$f" || bad+=(".text missing")
	while read -r name addr; do
		n=$((n + 1))
		if ! [[ $addr =~ ^0x[0-9a-f]+$ ]] || ! in_range "$addr" $mod_lo $mod_hi; then
			bad+=("$name=$addr outside the module area")
			continue
		fi
		case $name in
		.init.* | .symtab | .strtab) continue ;;
		.text | .text.* | .exit.text | .static_call.text) core=1 ;;
		*) core=$contiguous ;;
		esac
		if ((core)) && ! in_range "$addr" "$b" "$e"; then
			bad+=("$name=$addr outside [$b, $(printf '0x%x' $e))")
		fi
	done <"$f"
	if [ ${#bad[@]} -eq 0 ]; then
		ok "sections: $m: $n sections, .text at $(awk '$1 == ".text" { print $2 }' "$f")"
	else
		fail "sections: $m: ${bad[*]}"
	fi
done

# KASLR: the slide is a multiple of 2 MiB (CONFIG_PHYSICAL_ALIGN) below
# the 1 GiB kernel image area, and the same for another symbol.
rt=$(awk '{ print $1; exit }' "$gt/kallsyms-text.txt")
st=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
if ! [[ $rt =~ ^[0-9a-f]{16}$ && $st =~ ^[0-9a-f]{16}$ ]]; then
	fail "kallsyms: _text runtime '$rt', System.map '$st'"
else
	slide=$((0x$rt - 0x$st))
	it_rt=$(guest_run "grep -m1 ' init_task\$' /proc/kallsyms" | awk '{ print $1 }') || true
	it_st=$(awk '$3 == "init_task" { print $1; exit }' "$GUEST_SYSTEM_MAP")
	if ((slide % 0x200000 != 0 || slide < 0 || slide >= 0x40000000)); then
		fail "KASLR slide $(printf '0x%x' $slide) (_text 0x$rt, System.map 0x$st)"
	elif [ -z "$it_rt" ] || [ -z "$it_st" ] || ((0x$it_rt - 0x$it_st != slide)); then
		fail "KASLR slide of init_task (0x$it_rt - 0x$it_st) differs from _text's"
	else
		ok "KASLR slide $(printf '0x%x' $slide) (_text at 0x$rt)"
		((slide != 0)) || say "note: slide is 0 (KASLR found no entropy?)"
	fi
fi

# The release the guest runs is the cached kernel's.
if [ "$(cat "$gt/release.txt")" = "$release" ]; then
	ok "uname -r = $release"
else
	fail "uname -r = '$(cat "$gt/release.txt")', expected '$release'"
fi

# The 9p share: a file written on the host reads the same in the guest
# (through netfs and 9p with cache=loose and a small msize).
if [ -f "$kdir/modules/9p.ko" ]; then
	head -c 12943 /dev/urandom >"$GUEST_SHARE/ground-truth.bin"
	host_md5=$(md5sum <"$GUEST_SHARE/ground-truth.bin" | cut -d' ' -f1)
	got=$(guest_run 'grep -q "^share /mnt 9p " /proc/mounts && wc -c </mnt/ground-truth.bin && md5sum /mnt/ground-truth.bin') || true
	read -r gsize gsum _ <<<"$(echo "$got" | tr '\n' ' ')"
	if [ "${gsize:-}" = 12943 ] && [ "${gsum:-}" = "$host_md5" ]; then
		ok "9p share: 12943 bytes, md5 $host_md5"
	else
		fail "9p share: guest saw '${got//$'\n'/ }', host md5 $host_md5"
	fi
fi

# The gdbstub answers a stop-reason query; attaching stops the guest, so
# detach and make sure it runs again.
gdb_check() {
	local reply
	exec 3<>"/dev/tcp/127.0.0.1/$GUEST_GDB_PORT" || return 1
	# shellcheck disable=SC2016 # gdb remote protocol packets, not expansions
	printf '$?#3f' >&3
	IFS= read -r -t 10 -d '#' reply <&3 || { exec 3<&-; return 1; }
	# shellcheck disable=SC2016
	printf '+$D#44' >&3
	IFS= read -r -t 10 -d '#' _ <&3 || true
	exec 3<&-
	guest_resume || return 1
	[[ $reply =~ \$[ST][0-9a-f]{2} ]] || return 1
	gdb_reply=${reply#*\$}
}
gdb_reply=
if gdb_check && [ "$(guest_run 'echo alive')" = alive ]; then
	ok "gdbstub at $GUEST_GDB replies '$gdb_reply'; guest resumed after detach"
else
	fail "gdbstub at $GUEST_GDB: reply '$gdb_reply'"
fi

# Memory dumps through QMP: an ELF core of at least the guest's RAM, and a
# compressed kdump; both carry VMCOREINFO (qemu_fw_cfg and -device vmcoreinfo).
fw_cfg=0
[[ " $GUEST_MODULES " == *" qemu_fw_cfg "* ]] && fw_cfg=1
elf=$GUEST_WORKDIR/ground-truth.elf
t0=$(_guest_now)
if guest_dump "$elf" paging=false format=elf; then
	secs=$(_guest_since "$t0")
	magic=$(od -An -tx1 -N4 "$elf" | tr -d ' \n')
	etype=$(od -An -tx1 -j16 -N2 "$elf" | tr -d ' \n')
	bytes=$(stat -c %s "$elf")
	vmci=$(head -c 65536 "$elf" | grep -a -c VMCOREINFO || true)
	if [ "$magic" != 7f454c46 ] || [ "$etype" != 0400 ]; then
		fail "ELF dump: magic $magic, e_type $etype (want 7f454c46, 0400 = ET_CORE)"
	elif ((bytes < GUEST_MEM_MB * 1024 * 1024)); then
		fail "ELF dump: $bytes bytes, less than ${GUEST_MEM_MB} MiB of RAM"
	elif ((fw_cfg && vmci == 0)); then
		fail "ELF dump: no VMCOREINFO note in its headers"
	else
		ok "ELF dump (paging=false): $bytes bytes in $secs s, ET_CORE, VMCOREINFO $( ((vmci)) && echo present || echo absent)"
	fi
	[ -n "${KINSPECT_KEEP_DUMPS:-}" ] && cp "$elf" "$gt/"
	rm -f "$elf"
else
	fail "ELF dump failed"
fi

kd=$GUEST_WORKDIR/ground-truth.kdump
t0=$(_guest_now)
if guest_dump "$kd" paging=false format=kdump-zlib; then
	secs=$(_guest_since "$t0")
	bytes=$(stat -c %s "$kd")
	# Raw kdump starts with "KDUMP   "; QEMU < 8.2 writes makedumpfile's
	# flattened format: a 4096-byte "makedumpfile" header, then records of
	# (offset, size) big-endian 64-bit pairs, the first holding the header.
	sig0=$(head -c 12 "$kd")
	sig1=$(od -An -c -j 4112 -N 8 "$kd" | tr -d ' \n')
	vmci=$(grep -a -c VMCOREINFO "$kd" || true)
	if [ "${sig0:0:8}" = "KDUMP   " ]; then
		layout=raw
	elif [ "$sig0" = makedumpfile ] && [ "$sig1" = KDUMP ]; then
		layout=flattened
	else
		layout=
	fi
	if [ -z "$layout" ]; then
		fail "kdump-zlib dump: no KDUMP signature (start '$sig0')"
	elif ((fw_cfg && vmci == 0)); then
		fail "kdump-zlib dump: no VMCOREINFO"
	else
		ok "kdump-zlib dump: $bytes bytes in $secs s, $layout makedumpfile format, KDUMP signature"
	fi
	[ -n "${KINSPECT_KEEP_DUMPS:-}" ] && cp "$kd" "$gt/"
	rm -f "$kd"
else
	fail "kdump-zlib dump failed"
fi

if [ "$(guest_run 'echo alive')" = alive ]; then
	ok "guest still answers after the dumps"
else
	fail "guest does not answer after the dumps"
fi

guest_stop
if kill -0 "$qemu_pid" 2>/dev/null; then
	fail "QEMU pid $qemu_pid still running after guest_stop"
else
	ok "guest stopped, QEMU pid $qemu_pid gone"
fi

say "$failures failure(s); wall time $(_guest_since "$t_start") s"
[ "$failures" -eq 0 ]
