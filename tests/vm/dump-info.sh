#!/bin/bash
# kinspect on QEMU dump-guest-memory ELF files taken by the test: paging on
# and off, with VMCOREINFO (qemu_fw_cfg loaded) or without (no modules):
# the KASLR slide equals the guest's own, runtime symbols equal
# /proc/kallsyms, lsmod equals /proc/modules and /sys/module/*/sections, and
# damaged dumps give one clear error line.
#
# Usage: dump-info.sh SUITE vmcoreinfo|no-vmcoreinfo   (run by make check)
set -euo pipefail

suite=${1:?usage: dump-info.sh SUITE vmcoreinfo|no-vmcoreinfo}
variant=${2:?usage: dump-info.sh SUITE vmcoreinfo|no-vmcoreinfo}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=dump-info-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

if [ "$variant" = vmcoreinfo ]; then
	guest_start "$suite" qemu_fw_cfg
	want_method=vmcoreinfo
else
	# Modules, but not qemu_fw_cfg: the guest never fills the vmcoreinfo device.
	guest_start "$suite" dummy loop
	want_method=rip
fi
work=$GUEST_WORKDIR
module_truth "$work"
symbol_truth "$work"

for paging in false true; do
	dump=$work/guest-paging-$paging.elf
	guest_dump "$dump" paging=$paging format=elf
	kinspect -k "$GUEST_VMLINUX" -t "$dump" info >"$work/out" 2>"$work/err" || { cat "$work/err"; die "info on the paging=$paging dump failed"; }
	cat "$work/out"
	grep -q "^KASLR slide: $want_slide (.*found by $want_method" "$work/out" ||
		die "paging=$paging: slide differs from $want_slide or not found by $want_method"
	grep -q "^target: .*$([ "$paging" = true ] && echo paging || echo 'physical memory')" "$work/out" ||
		die "paging=$paging: target line does not say so"
	check_symbols_and_reads "$dump" "$work" "paging=$paging dump"
	check_modules "$dump" "$work" "paging=$paging dump"
	say "ok: paging=$paging dump: slide $want_slide by $want_method"
	if [ "$paging" = false ]; then
		# Damaged copies: truncated in the headers and in the memory.
		for n in 0 100 4096 $(( $(stat -c %s "$dump") / 2 )); do
			head -c "$n" "$dump" >"$work/bad.elf"
			status=0
			timeout 60 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$work/bad.elf" info >"$work/out" 2>"$work/err" || status=$?
			[ "$status" = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] ||
				die "dump truncated to $n bytes: status $status: $(cat "$work/err")"
			say "ok: truncated to $n bytes: $(cat "$work/err")"
		done
		rm -f "$work/bad.elf"
	fi
	rm -f "$dump"
done
guest_stop
say "PASS"
