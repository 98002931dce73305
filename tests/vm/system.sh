#!/bin/bash
# kinspect cmdline and cpus against the guest's own /proc/cmdline and
# /sys/devices/system/cpu/{possible,present,online}, live and on a dump,
# text and --json, and lx-cmdline / lx-cpus in gdb through the proxy, with
# gdb-script's lx-per-cpu.  The guest has 3 vCPUs and its CPU 1 is taken
# offline, so that online ("0,2") is not possible or present ("0-2") and
# a mask read from the wrong symbol cannot pass.  sysfs has no file for
# the active CPUs: once the offlining is done they are the online ones.
# (QEMU's -smp maxcpus= would make a possible CPU that is not present, but
# Linux 6.x does not count MADT entries without the online-capable flag,
# which QEMU's lack, as possible CPUs.)
#
# Usage: system.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT, jq)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: system.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=system-$suite GUEST_SMP=3
# A word of the test's own on the command line, so that it is not only
# what every guest boots with.
export GUEST_APPEND="kinspect.test=cmdline-$RANDOM"
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
command -v jq >/dev/null || die "jq is needed (tests/bootstrap installs it)"

guest_start "$suite" none
w=$GUEST_WORKDIR
export XDG_CACHE_HOME=$w/cache
sets="possible present online"

guest_run 'echo 0 >/sys/devices/system/cpu/cpu1/online'
guest_run 'cat /proc/cmdline' >"$w/cmdline"
grep -qw -- "$GUEST_APPEND" "$w/cmdline" || die "the guest's command line lacks $GUEST_APPEND: $(cat "$w/cmdline")"
for s in $sets; do
	echo "$s $(guest_run "cat /sys/devices/system/cpu/$s")"
done >"$w/cpus"
# The sets this guest must have: otherwise the comparison proves little.
[ "$(awk '{ print $2 }' "$w/cpus" | tr '\n' ' ')" = "0-2 0-2 0,2 " ] ||
	die "the guest's CPU sets are not possible 0-2, present 0-2, online 0,2: $(cat "$w/cpus")"
echo "active $(awk '$1 == "online" { print $2 }' "$w/cpus")" >>"$w/cpus"

# count LIST: how many CPUs "0-2,5" names.
count() {
	local n=0 part
	local -a parts
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then n=$((n + ${part#*-} - ${part%-*} + 1)); else n=$((n + 1)); fi
	done
	echo "$n"
}

# check TARGET LABEL: text and JSON equal the guest's files.
check() {
	local target=$1 label=$2 s want
	kinspect -k "$GUEST_VMLINUX" -t "$target" cmdline >"$w/got-cmdline" || die "$label: kinspect cmdline failed"
	diff -u "$w/cmdline" "$w/got-cmdline" || die "$label: kinspect cmdline is not /proc/cmdline"
	[ "$(kinspect -k "$GUEST_VMLINUX" -t "$target" --json cmdline | jq -r .cmdline)" = "$(cat "$w/cmdline")" ] ||
		die "$label: kinspect --json cmdline is not /proc/cmdline"
	kinspect -k "$GUEST_VMLINUX" -t "$target" cpus >"$w/got-cpus" || die "$label: kinspect cpus failed"
	kinspect -k "$GUEST_VMLINUX" -t "$target" --json cpus >"$w/got-cpus.json" || die "$label: kinspect --json cpus failed"
	while read -r s want; do
		grep -Eqx "$s: +$want \($(count "$want")\)" "$w/got-cpus" ||
			{ cat "$w/got-cpus"; die "$label: kinspect cpus: $s is not /sys's $want"; }
		[ "$(jq -r --arg s "$s" '.[$s].cpus + " " + (.[$s].count | tostring)' "$w/got-cpus.json")" = "$want $(count "$want")" ] ||
			{ cat "$w/got-cpus.json"; die "$label: kinspect --json cpus: $s is not /sys's $want"; }
	done <"$w/cpus"
	say "ok: $label: cmdline is /proc/cmdline ($(wc -c <"$w/cmdline") bytes), cpus: $(tr '\n' ' ' <"$w/cpus")as /sys says, text and JSON"
}

# ---- sys: uname, clocks, load average, memory -------------------------------------
# A CPU kept busy, so that the load averages are not 0.00 (which a wrong
# fixed-point shift would also give).
guest_run '(dd if=/dev/zero of=/dev/null bs=1M </dev/null >/dev/null 2>&1 &)'
# A taint of the kernel's own letter O (TAINT_OOT_MODULE, bit 12):
# writing a mask to /proc/sys/kernel/tainted adds its bits.
guest_run 'echo 4096 >/proc/sys/kernel/tainted'
tainted=$(guest_run 'cat /proc/sys/kernel/tainted')
[ $((tainted & 4096)) = 4096 ] || die "the guest did not take the taint: tainted $tainted"
for s in sysname nodename release version machine; do
	echo "$s $(guest_run "uname -$(case $s in sysname) echo s ;; nodename) echo n ;; release) echo r ;; version) echo v ;; machine) echo m ;; esac)")"
done >"$w/uname"
memtotal_kb=$(guest_run "awk '\$1 == \"MemTotal:\" { print \$2 }' /proc/meminfo")
# readings FILE: the guest's uptime, Unix time and load averages, now.
readings() { guest_run 'read up idle </proc/uptime; read l1 l5 l15 rest </proc/loadavg; echo "${up%.*} $(date +%s) $l1 $l5 $l15"' >"$1"; }
for ((i = 0; i < 120; i++)); do
	readings "$w/now"
	awk '{ exit !($3 >= 0.10) }' "$w/now" && break
	sleep 1
done
awk '{ exit !($3 >= 0.10) }' "$w/now" || die "the busy guest's load average stays below 0.10: $(cat "$w/now")"

# check_sys TARGET LABEL BEFORE [AFTER]: kinspect sys between two readings
# of the guest's own (the same values for what does not move); without
# AFTER, the guest is read after kinspect.
check_sys() {
	local target=$1 label=$2 before after j=$w/sys-$2.json f want i
	kinspect -k "$GUEST_VMLINUX" -t "$target" --json sys >"$j" || die "$label: kinspect --json sys failed"
	kinspect -k "$GUEST_VMLINUX" -t "$target" sys >"$w/sys-$label.txt" || die "$label: kinspect sys failed"
	[ -n "${4:-}" ] || { set -- "$1" "$2" "$3" "$w/after-$label"; readings "$4"; }
	read -ra before <"$3"
	read -ra after <"$4"
	while read -r f want; do
		[ "$f" = sysname ] && continue
		[ "$(jq -r --arg f "$f" '.[$f]' "$j")" = "$want" ] || { cat "$j"; die "$label: sys: $f is not uname's '$want'"; }
		grep -qxF "$(printf '%-14s%s' "$f:" "$want")" "$w/sys-$label.txt" || { cat "$w/sys-$label.txt"; die "$label: sys text: $f"; }
	done <"$w/uname"
	[ "$(jq .memory_bytes "$j")" = "$((memtotal_kb * 1024))" ] || die "$label: sys: memory $(jq .memory_bytes "$j") bytes, MemTotal is $memtotal_kb kB"
	[ "$(jq -r '.cpus_online, .online' "$j" | tr '\n' ' ')" = "2 0,2 " ] || die "$label: sys: online CPUs $(jq -c '[.cpus_online, .online]' "$j")"
	[ "$(jq .taint_mask "$j")" = "$tainted" ] && jq -e '.taints | test("O")' "$j" >/dev/null &&
		[ "$(jq .panic_cpu "$j")" = null ] ||
		die "$label: sys: taints $(jq -c '[.taint_mask, .taints, .panic_cpu]' "$j"), the guest's tainted is $tainted (O), no panic"
	jq -e --argjson lo "${before[0]}" --argjson hi "$((after[0] + 1))" '.uptime_s >= $lo and .uptime_s <= $hi' "$j" >/dev/null ||
		die "$label: sys: uptime $(jq .uptime_s "$j") s, the guest said ${before[0]} s before and ${after[0]} s after"
	jq -e --argjson lo "$((before[1] - 1))" --argjson hi "$((after[1] + 1))" '.realtime_s >= $lo and .realtime_s <= $hi' "$j" >/dev/null ||
		die "$label: sys: time $(jq .realtime_s "$j"), the guest's date said ${before[1]} before and ${after[1]} after"
	# Each load average between the two readings (0.02 either side: one
	# more 5 s sample may fall between a reading and the stop).
	for i in 0 1 2; do
		jq -e --argjson a "${before[$((i + 2))]}" --argjson b "${after[$((i + 2))]}" --argjson i "$i" \
			'.load_average[$i] as $v | ([$a, $b] | min) - 0.02 <= $v and $v <= ([$a, $b] | max) + 0.02' "$j" >/dev/null ||
			die "$label: sys: load average $(jq -c .load_average "$j"), the guest's /proc/loadavg said" \
				"${before[*]:2} before and ${after[*]:2} after"
	done
	say "ok: $label: sys: uname, MemTotal $memtotal_kb kB, online CPUs, taints $(jq -r .taints "$j") ($tainted), uptime $(jq .uptime_s "$j") s, load" \
		"$(jq -c .load_average "$j") between the guest's readings (${before[*]:2} / ${after[*]:2})"
}

check "$GUEST_GDB" live
readings "$w/before"
check_sys "$GUEST_GDB" live "$w/before"
readings "$w/before"
guest_dump "$w/guest.elf"
readings "$w/after"
check "$w/guest.elf" dump
check_sys "$w/guest.elf" dump "$w/before" "$w/after"
guest_dump "$w/guest.kdump" format=kdump-zlib
check "$w/guest.kdump" kdump

# ---- lx-cmdline and lx-cpus in gdb, through the proxy ---------------------------
cat >"$w/proxy" <<EOF
#!/bin/sh
exec ${KINSPECT_WRAPPER:-} "$KINSPECT" "\$@"
EOF
chmod +x "$w/proxy"
# With the vmlinux's own commands (gdb-script): CPU 2's copy of a per-CPU
# variable (sched_init() sets every possible CPU's runqueues.cpu); on 7.x
# the per-CPU area moves with the slide, before it did not.
kinspect -k "$GUEST_VMLINUX" gdb-script >"$w/lx.gdb" || die "kinspect gdb-script failed"
timeout 600 "${GDB:-gdb}" -nx -batch -iex 'set pagination off' -iex 'set confirm off' -iex 'set remotetimeout 60' \
	-ex "target remote | $w/proxy gdb-proxy -k $GUEST_VMLINUX $GUEST_GDB" \
	-ex "source $top_srcdir/plugins/gdb/kinspect.gdb" -ex 'lx-cmdline' -ex 'lx-cpus' \
	-ex "source $w/lx.gdb" -ex 'echo PERCPU2:' -ex 'lx-per-cpu runqueues.cpu 2' -ex 'detach' "$GUEST_VMLINUX" \
	>"$w/gdb.out" 2>&1 || { tail -20 "$w/gdb.out"; die "gdb with lx-cmdline and lx-cpus failed"; }
grep -qxF "$(cat "$w/cmdline")" "$w/gdb.out" || { tail -20 "$w/gdb.out"; die "lx-cmdline is not /proc/cmdline"; }
while read -r s want; do
	grep -Eqx "$s: +$want \($(count "$want")\)" "$w/gdb.out" || { tail -20 "$w/gdb.out"; die "lx-cpus: $s is not $want"; }
done <"$w/cpus"
grep -Eqx 'PERCPU2:\$[0-9]+ = 2' "$w/gdb.out" || { tail -20 "$w/gdb.out"; die "gdb-script's lx-per-cpu runqueues.cpu 2 is not 2"; }
say "ok: lx-cmdline and lx-cpus through kinspect gdb-proxy say the same; gdb-script's lx-per-cpu runqueues.cpu 2 is 2"
guest_stop
say "PASS"
