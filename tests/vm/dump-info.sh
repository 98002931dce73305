#!/bin/bash
# kinspect on QEMU dump-guest-memory files taken by the test: ELF with
# paging on and off, kdump-compressed (zlib, lzo, snappy; QEMU 7.2 writes
# them flattened), with VMCOREINFO (qemu_fw_cfg loaded) or without (no modules):
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

# Every kdump format this QEMU can write (Debian's 7.2 has no LZO; QEMU 8.2+
# adds kdump-raw-*, the plain diskdump layout, beside the flattened one).
kdump_formats=$(guest_qmp '{"execute":"query-dump-guest-memory-capability"}' | grep -o '"kdump-[a-z-]*"' | tr -d '"' | sort -u)
echo "$kdump_formats" | grep -q kdump-zlib || die "QEMU offers no kdump-zlib dumps: $kdump_formats"
say "kdump formats this QEMU writes: $(echo $kdump_formats)"
for kind in elf:false elf:true $(printf '%s:false ' $kdump_formats); do
	format=${kind%:*} paging=${kind#*:}
	dump=$work/guest-$format-paging-$paging.dump
	guest_dump "$dump" paging=$paging format=$format
	kinspect -k "$GUEST_VMLINUX" -t "$dump" info >"$work/out" 2>"$work/err" || { cat "$work/err"; die "info on the $format paging=$paging dump failed"; }
	cat "$work/out"
	grep -q "^KASLR slide: $want_slide (.*found by $want_method" "$work/out" ||
		die "paging=$paging: slide differs from $want_slide or not found by $want_method"
	grep -q "^target: .*$([ "$paging" = true ] && echo paging || echo 'physical memory')" "$work/out" ||
		die "paging=$paging: target line does not say so"
	case $format in
	kdump-raw-*) grep -q "^target: .*(kdump-${format#kdump-raw-})" "$work/out" || die "$format: target line does not name it" ;;
	kdump-*) grep -q "^target: .*($format, flattened)" "$work/out" || die "$format: target line does not name it" ;;
	esac
	# Both register notes QEMU writes per vCPU (its CPU state and
	# NT_PRSTATUS) are read, one of each per vCPU, and agree.
	kinspect --json -k "$GUEST_VMLINUX" -t "$dump" info >"$work/info.json" 2>"$work/err" || { cat "$work/err"; die "info --json on the $format dump"; }
	jq -e '.target as $t | ($t.cpu_notes | length) == $t.vcpus and ($t.prstatus | length) == $t.vcpus and
		([range(0; $t.vcpus)] | all(. as $i | $t.cpu_notes[$i].rip == $t.prstatus[$i].rip and
		$t.cpu_notes[$i].rsp == $t.prstatus[$i].rsp and $t.prstatus[$i].pid == $i + 1))' "$work/info.json" >/dev/null ||
		die "$format dump: CPU notes and NT_PRSTATUS disagree: $(jq -c '.target | [.cpu_notes, .prstatus]' "$work/info.json")"
	if [ "$format:$paging" = elf:false ]; then
		# -x --json: one line per command, a failing one as
		# {command, status, error}, whether it failed before or after
		# starting its result.
		printf '%s\n' 'sym linux_banner' 'bt --task 99999' 'bt --cpu 7' 'sym nosuchsym' 'xarray 0x10' \
			'nosuchcommand' '# a comment' '' 'ps' >"$work/batch.script"
		status=0
		kinspect --json -k "$GUEST_VMLINUX" -t "$dump" -x "$work/batch.script" >"$work/batch.jsonl" 2>"$work/err" ||
			status=$?
		[ "$status" != 0 ] || die "-x with failing commands exited 0"
		jq -s -e 'length == 7 and (.[0] | type) == "array" and (.[6] | type) == "array" and
			([.[1:6][] | .command] == ["bt", "bt", "sym", "xarray", "nosuchcommand"]) and
			all(.[1:6][]; (.status | type) == "number" and .status > 0 and (.error | length) > 0)' \
			"$work/batch.jsonl" >/dev/null || die "-x --json lines: $(cat "$work/batch.jsonl")"
		say "ok: -x --json: 7 commands, 7 lines, the 5 failures as error lines: $(jq -r 'select(.error) | .error' "$work/batch.jsonl" | paste -sd'|' | cut -c1-300)"
		# A damaged CR3 in the CPU note: the error blames the dump's
		# translation, not the vmlinux ("is it the kernel that runs?").
		cr3=$(jq -r '.cr3 // empty' "$work/info.json")
		[ -n "$cr3" ] || die "no cr3 in info --json"
		python3 - "$dump" "$cr3" <<'PY' || die "cannot damage the CPU note's cr3"
import struct, sys
path, cr3 = sys.argv[1], int(sys.argv[2], 16)
with open(path, "r+b") as f:
    head = bytearray(f.read(65536))
    old, new = struct.pack("<Q", cr3), struct.pack("<Q", 0x3ffffff000)
    if head.count(old) < 1:
        sys.exit(1)
    f.seek(0)
    f.write(head.replace(old, new))
PY
		status=0
		kinspect -k "$GUEST_VMLINUX" -t "$dump" info >"$work/out" 2>"$work/err" || status=$?
		[ "$status" = 1 ] && grep -q 'linux_banner could be was readable .*: the target.s memory cannot be read at kernel addresses' "$work/err" &&
			! grep -q 'the kernel that runs' "$work/err" ||
			die "a damaged cr3: status $status: $(cat "$work/err")"
		say "ok: a damaged cr3 in the CPU note: $(cat "$work/err")"
		python3 - "$dump" "$cr3" <<'PY' || die "cannot restore the CPU note's cr3"
import struct, sys
path, cr3 = sys.argv[1], int(sys.argv[2], 16)
with open(path, "r+b") as f:
    head = bytearray(f.read(65536))
    f.seek(0)
    f.write(head.replace(struct.pack("<Q", 0x3ffffff000), struct.pack("<Q", cr3)))
PY
	fi
	check_symbols_and_reads "$dump" "$work" "$format paging=$paging dump"
	check_modules "$dump" "$work" "$format paging=$paging dump"
	say "ok: $format paging=$paging dump: slide $want_slide by $want_method"
	if [ "$paging" = false ] && [ "$format" != kdump-lzo ] && [ "$format" != kdump-snappy ] && [ "$format" != kdump-raw-zlib ]; then
		# Damaged copies: truncated in the headers and in the memory.
		for n in 0 100 4096 $(( $(stat -c %s "$dump") / 2 )); do
			head -c "$n" "$dump" >"$work/bad.dump"
			status=0
			timeout 60 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$work/bad.dump" info >"$work/out" 2>"$work/err" || status=$?
			[ "$status" = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] ||
				die "$format dump truncated to $n bytes: status $status: $(cat "$work/err")"
			say "ok: $format truncated to $n bytes: $(cat "$work/err")"
		done
		rm -f "$work/bad.dump"
	fi
	rm -f "$dump"
done
guest_stop
say "PASS"
