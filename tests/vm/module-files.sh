#!/bin/bash
# Module .ko files against the guest's own view, live and from a dump:
# lsmod -m shows the users (/proc/modules), taints (/sys/module/*/taint) and
# build-ids (readelf -n of each .ko) and finds every .ko with its build-id
# verified, also as .ko.xz and .ko.zst copies with '-' for '_' in nested
# directories; sym finds module symbols both ways as /proc/kallsyms has
# them; module DWARF relocated with the guest's section addresses gives
# each function the address kallsyms gives (from /sys/module section
# addresses and from guest memory; p9_client_read_once's parameters as gdb
# reads them); without -m the default directories of the vmlinux's release
# are searched (under KINSPECT_SYSROOT); a .ko of another module under the
# wanted name is refused with a build-id mismatch warning.
#
# Usage: module-files.sh bookworm|trixie|trixie-backports   (run by make check)
set -euo pipefail

suite=${1:?usage: module-files.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
query=${top_builddir:?run through make check}/tests/unit/module-dwarf-query
export GUEST_LOG_TAG=module-files-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

guest_start "$suite"
work=$GUEST_WORKDIR
module_truth "$work"
module_details_truth "$work"
say "guest: $(wc -l <"$work/usedby-want") modules, $(wc -l <"$work/modsyms-want") unique module symbols picked"

# Relocated DWARF: each picked function's DW_AT_low_pc, with the guest's
# section addresses, is its /proc/kallsyms address.
checked=0
for m in $(awk '$2 ~ /^[tT]$/ { print $4 }' "$work/modsyms-want" | sort -u); do
	awk -v m="$m" '$1 == m { print $2, $3 }' "$work/sections-want" >"$work/sections-$m"
	functions=$(awk -v m="$m" '$4 == m && $2 ~ /^[tT]$/ { print $3 }' "$work/modsyms-want")
	# shellcheck disable=SC2086
	${KINSPECT_WRAPPER:-} "$query" "$(module_file "$GUEST_MODDIR" "$m")" "$m" "$work/sections-$m" $functions \
		>"$work/dwarf.out" 2>"$work/dwarf.err" || { cat "$work/dwarf.err"; die "DWARF of module $m"; }
	awk '{ print $1, $2 }' "$work/dwarf.out" | sort >"$work/dwarf-got"
	awk -v m="$m" '$4 == m && $2 ~ /^[tT]$/ { print $3, "0x" $1 }' "$work/modsyms-want" | sort |
		diff -u - "$work/dwarf-got" || die "module $m: relocated DWARF entry addresses differ from /proc/kallsyms"
	checked=$((checked + $(wc -l <"$work/dwarf-got")))
done
[ "$checked" -ge 2 ] || die "only $checked module functions checked in DWARF"
say "ok: relocated DWARF low_pc of $checked module functions equals /proc/kallsyms (e.g. $(head -1 "$work/dwarf-got"))"

# The same through the target: section addresses read from guest memory,
# the .ko found by build-id (kinspect_module_symbols_function, what "break
# FUNCTION" uses).
check_dwarf_target() { # TARGET LABEL [MODDIR]
	local target=$1 label=$2 moddir=${3:-$GUEST_MODDIR}
	# shellcheck disable=SC2046
	${KINSPECT_WRAPPER:-} "$query" --target "$target" "$GUEST_VMLINUX" "$moddir" \
		$(awk '$2 ~ /^[tT]$/ { print $3 }' "$work/modsyms-want") >"$work/dwarf.out" 2>"$work/dwarf.err" ||
		{ cat "$work/dwarf.err"; die "$label: module functions from the target's DWARF"; }
	awk '{ print $1, $2, $4 }' "$work/dwarf.out" | sort >"$work/dwarf-got"
	awk '$2 ~ /^[tT]$/ { print $3, "0x" $1, $4 }' "$work/modsyms-want" | sort | diff -u - "$work/dwarf-got" ||
		die "$label: module function entries from guest section addresses differ from /proc/kallsyms"
	say "ok: $label: $(wc -l <"$work/dwarf-got") module functions found through the target's sections," \
		"DWARF entry equals /proc/kallsyms (e.g. $(grep -m1 ',' "$work/dwarf.out" || head -1 "$work/dwarf.out"))"
}
check_dwarf_target "$GUEST_GDB" live
# The same .ko files with compressed DWARF (objcopy, zlib: SHF_COMPRESSED
# sections that libdw inflates once kinspect has checked their headers).
gz_debug=$work/gz-debug
mkdir -p "$gz_debug"
for m in $(cut -d' ' -f1 "$work/usedby-want"); do
	objcopy --compress-debug-sections=zlib "$(module_file "$GUEST_MODDIR" "$m")" "$gz_debug/$m.ko"
done
readelf -SW "$gz_debug/loop.ko" | grep -q '\.debug_info .* C ' || die "objcopy did not compress loop.ko's DWARF"
check_dwarf_target "$GUEST_GDB" "live, compressed DWARF" "$gz_debug"

# The seed scenario's function (trixie loads 9pnet): its entry through the
# target equals kallsyms, its parameters are those gdb reads from the .ko.
if grep -q '^9pnet ' "$work/usedby-want"; then
	ko=$(module_file "$GUEST_MODDIR" 9pnet)
	want_addr=$(guest_run 'grep p9_client_read_once /proc/kallsyms' | awk '$3 == "p9_client_read_once" && $4 == "[9pnet]" { print "0x" $1 }')
	nr_params=$(timeout 120 "${GDB:-gdb}" -batch -ex 'ptype p9_client_read_once' "$ko" | sed -n 's/^type = [^(]*(//p' |
		tr ',' '\n' | wc -l)
	want_params=$(timeout 120 "${GDB:-gdb}" -batch -ex 'info scope p9_client_read_once' "$ko" |
		sed -n 's/^Symbol \([A-Za-z_0-9]*\) is .*/\1/p' | head -n "$nr_params" | paste -sd,)
	${KINSPECT_WRAPPER:-} "$query" --target "$GUEST_GDB" "$GUEST_VMLINUX" "$GUEST_MODDIR" 9pnet:p9_client_read_once \
		>"$work/out" 2>"$work/err" || { cat "$work/err"; die "p9_client_read_once through the target"; }
	[ "$(cat "$work/out")" = "9pnet:p9_client_read_once $want_addr $want_params 9pnet" ] ||
		die "p9_client_read_once: $(cat "$work/out"), want $want_addr $want_params (kallsyms, gdb)"
	say "ok: p9_client_read_once in 9pnet: entry $want_addr as kallsyms, parameters $want_params as gdb reads them"
fi

# Compressed copies, made now: .ko.xz and .ko.zst alternately, some under
# the other spelling of the name, in nested directories.
comp=$work/compressed
i=0
for m in $(cut -d' ' -f1 "$work/usedby-want"); do
	f=$(module_file "$GUEST_MODDIR" "$m")
	if [ $((i % 2)) = 0 ]; then
		mkdir -p "$comp/kernel/fs"
		xz -1 -T1 -c "$f" >"$comp/kernel/fs/${m//_/-}.ko.xz"
	else
		mkdir -p "$comp/kernel/drivers/misc"
		zstd -q -3 -c "$f" >"$comp/kernel/drivers/misc/$m.ko.zst"
	fi
	i=$((i + 1))
done

# A .ko of another module under the wanted name.
bad=$work/wrong
mkdir -p "$bad"
cp "$(module_file "$GUEST_MODDIR" dummy)" "$bad/loop.ko"
bad_id=$(readelf -n "$bad/loop.ko" | sed -n 's/^ *Build ID: *//p')
loop_id=$(awk '$1 == "loop" { print $2 }' "$work/buildid-want")
loop_sym=$(awk '$4 == "loop" { print $3; exit }' "$work/modsyms-want")
[ -n "$loop_sym" ] || die "no loop symbol picked"

check_wrong_file() {
	local target=$1 label=$2 status=0
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$bad" lsmod >"$work/out" 2>"$work/err" ||
		{ cat "$work/err"; die "$label: lsmod with a wrong .ko failed"; }
	grep -q "warning: module loop: build-id mismatch: $bad/loop.ko has build-id $bad_id, the loaded module has $loop_id" \
		"$work/err" || die "$label: no clear mismatch warning: $(cat "$work/err")"
	grep -q '^loop ' "$work/out" || die "$label: loop not listed: $(cat "$work/out")"
	awk '$1 == "loop" { getline; print }' "$work/out" | grep -q "build-id $loop_id  (no matching .ko)" ||
		die "$label: loop's line does not say the .ko is missing: $(cat "$work/out")"
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$bad" sym "loop:$loop_sym" >"$work/out" 2>"$work/err" || status=$?
	[ "$status" = 1 ] && [ ! -s "$work/out" ] && grep -q 'build-id mismatch' "$work/err" ||
		die "$label: sym with a wrong .ko: status $status: $(cat "$work/out" "$work/err")"
	say "ok: $label: a .ko of another module is refused: $(head -1 "$work/err")"
}

# A data symbol of a module as the address of read.
check_read_module_symbol() {
	local target=$1 label=$2 a n m
	read -r a _ n m < <(awk '$2 ~ /^[dDbBrR]$/' "$work/modsyms-want" | head -1)
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$GUEST_MODDIR" read "$n" 8 >"$work/out" 2>"$work/err" ||
		{ cat "$work/err"; die "$label: read $n failed"; }
	grep -q "^$a " "$work/out" || die "$label: read $n ([$m] 0x$a): $(cat "$work/out")"
	say "ok: $label: read takes module symbol $n ($m)"
}

timed() { # timed LABEL CMD...: run, print the wall time
	local t0
	t0=$(_guest_now)
	"${@:2}"
	say "time: $1: $(_guest_since "$t0") s"
}

check_modules "$GUEST_GDB" "$work" live
timed "live checks with -m $GUEST_MODDIR" check_module_details "$GUEST_GDB" "$work" live "$GUEST_MODDIR"
timed "live checks with compressed copies" check_module_details "$GUEST_GDB" "$work" "live, .ko.xz/.ko.zst" "$comp"
check_wrong_file "$GUEST_GDB" live
check_read_module_symbol "$GUEST_GDB" live
kinspect -vv -k "$GUEST_VMLINUX" -t "$GUEST_GDB" -m "$GUEST_MODDIR" lsmod >/dev/null 2>"$work/err"
say "live lsmod -m: $(sed -n 's/.*gdbstub [^:]*:[0-9]*: //p' "$work/err")"

# Without -m, the directories of the vmlinux's release: here the compressed
# copies under $KINSPECT_SYSROOT/usr/lib/debug/lib/modules/RELEASE.
sysroot=$work/sysroot
mkdir -p "$sysroot/usr/lib/debug/lib/modules/$GUEST_RELEASE"
cp -r "$comp/kernel" "$sysroot/usr/lib/debug/lib/modules/$GUEST_RELEASE/"
(export KINSPECT_SYSROOT=$sysroot; kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" lsmod) >"$work/out" 2>"$work/err" ||
	{ cat "$work/err"; die "lsmod with KINSPECT_SYSROOT failed"; }
[ ! -s "$work/err" ] || { cat "$work/err"; die "lsmod with KINSPECT_SYSROOT warned"; }
[ "$(grep -c "^  build-id [0-9a-f]*  $sysroot/usr/lib/debug/lib/modules/$GUEST_RELEASE/kernel/" "$work/out")" = \
	"$(wc -l <"$work/usedby-want")" ] || die "lsmod did not find every .ko in the default directory: $(cat "$work/out")"
(export KINSPECT_SYSROOT=$sysroot; kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" sym "$loop_sym") >"$work/out" 2>"$work/err" ||
	{ cat "$work/err"; die "sym $loop_sym with KINSPECT_SYSROOT failed"; }
grep -q " $loop_sym \[loop\]\$" "$work/out" || die "sym $loop_sym with KINSPECT_SYSROOT: $(cat "$work/out")"
say "ok: without -m, .ko files are found in /usr/lib/debug/lib/modules/$GUEST_RELEASE (under KINSPECT_SYSROOT)"

# Without -m (and no module directories of this release on the host) a
# module symbol cannot be found, and the error says how to fix it.
if [ ! -d "/lib/modules/$GUEST_RELEASE" ] && [ ! -d "/usr/lib/debug/lib/modules/$GUEST_RELEASE" ]; then
	status=0
	kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" sym "$loop_sym" >"$work/out" 2>"$work/err" || status=$?
	[ "$status" = 1 ] && grep -q 'give one with -m' "$work/err" ||
		die "sym without -m: status $status: $(cat "$work/err")"
	say "ok: without -m: $(cat "$work/err")"
fi

dump=$work/guest.elf
guest_dump "$dump" paging=false format=elf
check_modules "$dump" "$work" dump
timed "dump checks with -m $GUEST_MODDIR" check_module_details "$dump" "$work" dump "$GUEST_MODDIR"
timed "dump checks with compressed copies" check_module_details "$dump" "$work" "dump, .ko.xz/.ko.zst" "$comp"
check_wrong_file "$dump" dump
check_dwarf_target "$dump" dump

# Many commands in one session find each .ko once: 14000 lsmods of 5+
# modules once mapped a file per module per command and ran out of
# mappings (vm.max_map_count, 65530) before the script ended.
for i in $(seq 14000); do echo lsmod; done >"$work/many-lsmod.script"
t0=$(_guest_now)
kinspect -k "$GUEST_VMLINUX" -t "$dump" -m "$GUEST_MODDIR" -x "$work/many-lsmod.script" >"$work/many.out" 2>"$work/many.err" ||
	{ tail -3 "$work/many.err"; die "14000 lsmods in one script failed"; }
[ "$(grep -c '^MODULE ' "$work/many.out")" = 14000 ] || die "14000 lsmods printed $(grep -c '^MODULE ' "$work/many.out") lists"
say "ok: 14000 lsmods -m in one script ($(_guest_since "$t0") s): each .ko found and mapped once"
check_read_module_symbol "$dump" dump
rm -f "$dump"

guest_stop
say "PASS"
