#!/bin/bash
# kinspect dmesg against the guest's own log, live and on dumps taken by
# the test:
# - lines written into the guest's log first: an err line of the kind
#   "echo '<3>...' >/dev/kmsg" gives (level 3, facility user, the writing
#   shell's pid, on 7.x kernels its name and CPU too) and a multi-line one;
# - every record /dev/kmsg shows up to a marker equals kinspect --json's,
#   field by field in /dev/kmsg's own format: priority, sequence number,
#   timestamp in microseconds, the continuation flag, the text escaped as
#   the kernel escapes it, SUBSYSTEM= and DEVICE= of dev_printk records;
# - kinspect dmesg equals the guest's dmesg line by line (a multi-line
#   record is as many lines, each with its prefix), --raw equals dmesg -r
#   (priority, the timestamp in nanoseconds), --level and --since select
#   what they should;
# - a ring that wrapped: thousands of lines logged, the oldest records are
#   gone (the first sequence number kinspect shows is the first /dev/kmsg
#   shows, not 0; the lines written first are no longer there), and all
#   the rest agrees again, live and on a second dump;
# - lx-dmesg of kinspect.gdb, in gdb through kinspect gdb-proxy, prints it;
# - a dump taken after a panic (sysrq c) shows the panic lines the guest
#   printed on its console last;
# - crash's "log" on the same dump, when a crash 9 is in the test cache
#   (tests/vm/fetch-crash.sh put it there), has the same lines.
# With KERNEL-ARGS (log_buf_len=256k) the kernel moves its log to a ring
# allocated at boot (printk_rb_dynamic): prb points there, not to the
# static ring in the kernel image.
#
# Usage: dmesg.sh bookworm|trixie|trixie-backports [KERNEL-ARGS...]
#   (run by make check; needs $KINSPECT, jq)
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: dmesg.sh bookworm|trixie|trixie-backports [KERNEL-ARGS...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=dmesg-$suite
# panic=0: a panicked guest waits (for its dump) instead of rebooting.
export GUEST_APPEND="panic=0${*:+ $*}"
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=crash-compare.sh
. "$here/crash-compare.sh"
command -v jq >/dev/null || die "jq is needed (tests/bootstrap installs it)"

# A crash 9 fetched earlier by the crash tests, without fetching it here.
crash_run=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/kinspect-tests/crash-*/run-crash 2>/dev/null | tail -n1) || true
[ -n "$crash_run" ] && [ -f "$(dirname "$crash_run")/.complete" ] || crash_run=

guest_start "$suite" none
w=$GUEST_WORKDIR
export XDG_CACHE_HOME=$w/cache
guest_run 'cat /proc/cmdline' | grep -qw -- "$GUEST_APPEND" || die "the kernel command line lacks $GUEST_APPEND"
# No console output while the test reads the guest's answers.
guest_run 'dmesg -n 1'

tag=kinspect-test-$RANDOM$RANDOM
writer=$(guest_run "echo \$\$; echo '<3>$tag: hello' >/dev/kmsg")
guest_run "printf '<12>$tag: one\\ntwo\\n' >/dev/kmsg"
guest_run "echo '<6>$tag: end-1' >/dev/kmsg"

# kmsg_truth MARKER FILE: /dev/kmsg up to the line of MARKER (its records
# with their SUBSYSTEM=/DEVICE= lines), read now.  awk, not sed: busybox's
# sed reads a line ahead, and /dev/kmsg blocks after its last record.
kmsg_truth() {
	GUEST_RUN_TIMEOUT=300 guest_run "awk '{ print } /;$1\$/ { exit }' /dev/kmsg" | tr -d '\r' >"$2"
	tail -n1 "$2" | grep -q ";$1\$" || die "/dev/kmsg has no '$1': $(tail -n3 "$2")"
}

# dmesg_truth FILE: the guest's dmesg and dmesg -r (FILE.raw), all of it.
dmesg_truth() {
	GUEST_RUN_TIMEOUT=300 guest_run 'dmesg -s 8388608' | tr -d '\r' >"$1"
	GUEST_RUN_TIMEOUT=300 guest_run 'dmesg -r -s 8388608' | tr -d '\r' >"$1.raw"
}

# kinspect_dmesg TARGET OUT [--json] ARGS...: kinspect [--json] dmesg ARGS
# on TARGET into OUT.
kinspect_dmesg() {
	local target=$1 out=$2 json=
	shift 2
	[ "${1:-}" = --json ] && { json=--json; shift; }
	kinspect -k "$GUEST_VMLINUX" -t "$target" $json dmesg "$@" >"$out" 2>"$out.err" ||
		{ cat "$out.err"; die "kinspect $json dmesg $* on $target failed"; }
}

# The records of kinspect --json in /dev/kmsg's format (printk.c's
# info_print_ext_header() and msg_add_ext_text(): bytes below 0x20, from
# 0x7f on and the backslash as \xNN; the JSON writer gives each byte from
# 0x80 on as its own \u00NN), up to sequence number $2.
KMSG_JQ='
def hex2: [(. / 16 | floor), (. % 16)] | map("0123456789abcdef"[.:. + 1]) | add;
def kmsg: explode | map(if . < 32 or . >= 127 or . == 92 then "\\x" + hex2 else [.] | implode end) | add // "";
.[] | select(.seq <= $last) |
"\(.facility * 8 + .level),\(.seq),\(.timestamp_ns / 1000 | floor),\(if (.flags | index("cont")) then "c" else "-" end);\(.text | kmsg)",
(if .subsystem then " SUBSYSTEM=\(.subsystem | kmsg)" else empty end),
(if .device then " DEVICE=\(.device | kmsg)" else empty end)'
kmsg_of() { jq -r --argjson last "$2" "$KMSG_JQ" "$1"; }

# The guest's dmesg (or dmesg -r: RAW=1) up to the first line with MARKER.
upto() { awk -v m="$2" '{ print } index($0, m) { exit }' "$1"; }

# kinspect --raw's nanoseconds as dmesg -r's [seconds.microseconds].
raw_as_dmesg() {
	awk '{
		if (!match($0, /^<[0-9]+>\[[0-9]+\] /)) { print "unparsed: " $0; next }
		head = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
		split(head, f, /[<>\[\]]/)
		printf "<%s>[%5d.%06d] %s\n", f[2], int(f[4] / 1000000000), int((f[4] % 1000000000) / 1000), rest
	}' "$1"
}

# check_target TARGET LABEL MARKER KMSG DMESG: kinspect on TARGET against
# the guest's /dev/kmsg (KMSG, up to MARKER) and dmesg (DMESG, DMESG.raw).
check_target() {
	local target=$1 label=$2 marker=$3 kmsg=$4 dmesg=$5 last n
	last=$(awk -F'[,;]' '/^[0-9]/ { s = $2 } END { print s }' "$kmsg")
	kinspect_dmesg "$target" "$w/$label.json" --json
	jq -e 'type == "array" and length > 0' "$w/$label.json" >/dev/null || die "$label: not a JSON array of records"
	kmsg_of "$w/$label.json" "$last" >"$w/$label.kmsg"
	diff -u "$kmsg" "$w/$label.kmsg" >"$w/$label.diff" ||
		{ head -40 "$w/$label.diff"; die "$label: kinspect's records differ from /dev/kmsg's"; }
	n=$(grep -c '^[0-9]' "$kmsg")
	kinspect_dmesg "$target" "$w/$label.txt"
	upto "$w/$label.txt" "$marker" >"$w/$label.txt.cut"
	upto "$dmesg" "$marker" >"$w/$label.dmesg.cut"
	diff -u "$w/$label.dmesg.cut" "$w/$label.txt.cut" >"$w/$label.diff" ||
		{ head -40 "$w/$label.diff"; die "$label: kinspect dmesg differs from the guest's dmesg"; }
	kinspect_dmesg "$target" "$w/$label.raw" --raw
	raw_as_dmesg "$w/$label.raw" | upto /dev/stdin "$marker" >"$w/$label.raw.cut"
	upto "$dmesg.raw" "$marker" >"$w/$label.dmesg.raw.cut"
	diff -u "$w/$label.dmesg.raw.cut" "$w/$label.raw.cut" >"$w/$label.diff" ||
		{ head -40 "$w/$label.diff"; die "$label: kinspect dmesg --raw differs from the guest's dmesg -r"; }
	say "ok: $label: $n records (sequence numbers $(jq '.[0].seq' "$w/$label.json")..$last) equal /dev/kmsg's;" \
		"$(wc -l <"$w/$label.txt.cut") lines equal dmesg, dmesg -r"
}

# The lines written first, in kinspect's records of $1.
check_written() {
	local json=$1 label=$2 hello
	hello=$(jq -c --arg t "$tag: hello" '[.[] | select(.text == $t)]' "$json")
	[ "$(jq length <<<"$hello")" = 1 ] || die "$label: '$tag: hello' is not there once: $hello"
	jq -e --argjson pid "$writer" '.[0] | .level == 3 and .level_name == "err" and .facility == 1 and
		.facility_name == "user" and .pid == $pid and (.flags | index("newline")) != null and
		(if has("comm") then .comm == "sh" and .cpu != null else true end)' <<<"$hello" >/dev/null ||
		die "$label: '$tag: hello' should be err, user, from pid $writer: $hello"
	jq -e --arg t "$tag: one"$'\n'"two" '[.[] | select(.text == $t and .level == 4 and .facility == 1)] | length == 1' \
		"$json" >/dev/null || die "$label: the two-line record is not there"
	grep -q '"subsystem"' "$json" || die "$label: no dev_printk record with a subsystem in the log"
	say "ok: $label: '$tag: hello' is err, user, pid $writer$(jq -r '.[0] | if has("comm") then ", comm \(.comm), CPU \(.cpu)" else "" end' <<<"$hello"); the two-line record is one"
}

# ---- the log as booted, live and on a dump -------------------------------
kmsg_truth "$tag: end-1" "$w/kmsg1"
dmesg_truth "$w/dmesg1"
grep -q "^\[ *[0-9.]*\] $tag: one\$" "$w/dmesg1" && grep -Eq '^\[ *[0-9.]*\] two$' "$w/dmesg1" ||
	die "the guest's dmesg shows the two-line record otherwise than expected"
check_target "$GUEST_GDB" live "$tag: end-1" "$w/kmsg1" "$w/dmesg1"
check_written "$w/live.json" live
guest_dump "$w/dump1.elf"
check_target "$w/dump1.elf" dump "$tag: end-1" "$w/kmsg1" "$w/dmesg1"
check_written "$w/dump.json" dump

# Where prb points: the static ring in the kernel image, or with
# log_buf_len= the one setup_log_buf() filled with memory allocated at boot.
ring=printk_rb_static
[[ " $GUEST_APPEND " == *" log_buf_len="* ]] && ring=printk_rb_dynamic
kinspect -k "$GUEST_VMLINUX" -t "$w/dump1.elf" print prb >"$w/prb" 2>&1 || { cat "$w/prb"; die "print prb failed"; }
grep -q "<$ring>" "$w/prb" || die "prb should point to $ring: $(cat "$w/prb")"
say "ok: prb points to $ring"

# --level and --since on the dump, against its own records.
kinspect_dmesg "$w/dump1.elf" "$w/err.json" --json --level err,4
want=$(jq '[.[] | select(.level == 3 or .level == 4)] | length' "$w/dump.json")
[ "$(jq 'length' "$w/err.json")" = "$want" ] && [ "$want" -gt 0 ] &&
	jq -e 'all(.[]; .level == 3 or .level == 4)' "$w/err.json" >/dev/null ||
	die "--level err,4: $(jq length "$w/err.json") records, want the dump's $want of levels 3 and 4"
since=$(jq --arg t "$tag: hello" '.[] | select(.text == $t) | .seq' "$w/dump.json")
kinspect_dmesg "$w/dump1.elf" "$w/since.json" --json --since "$since"
jq -e --argjson s "$since" --arg t "$tag: hello" '.[0].seq == $s and .[0].text == $t' "$w/since.json" >/dev/null &&
	[ "$(jq length "$w/since.json")" = "$(jq --argjson s "$since" '[.[] | select(.seq >= $s)] | length' "$w/dump.json")" ] ||
	die "--since $since does not start at '$tag: hello'"
status=0
kinspect -k "$GUEST_VMLINUX" -t "$w/dump1.elf" dmesg --level loud >/dev/null 2>"$w/err" || status=$?
[ "$status" = 2 ] && grep -q 'a list of levels' "$w/err" || die "--level loud: status $status: $(cat "$w/err")"
say "ok: --level err,4 gives the $want records of those levels, --since $since starts at the line written first"

# ---- crash's log on the same dump ------------------------------------------
CRASH=$crash_run
if [ -n "$crash_run" ] && crash_run_or_explain "$GUEST_VMLINUX" "$w/dump1.elf" "$w/crash.log" log; then
	# crash indents a multi-line record's later lines where kinspect, as
	# the kernel's syslog, repeats the record's prefix: crash's made alike.
	awk '/^\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] / { p = substr($0, 1, index($0, "] ") + 1); print; next }
		p != "" && substr($0, 1, length(p)) ~ /^ +$/ { print p substr($0, length(p) + 1) }' \
		"$w/crash.log" >"$w/crash.lines"
	upto "$w/crash.lines" "$tag: end-1" >"$w/crash.cut"
	diff -u "$w/crash.cut" "$w/dump.txt.cut" >"$w/crash.diff" ||
		{ head -40 "$w/crash.diff"; die "crash's log differs from kinspect dmesg on the dump"; }
	say "ok: crash's log on the dump: the same $(wc -l <"$w/crash.cut") lines"
elif [ -z "$crash_run" ]; then
	say "skipped: crash's log (no crash 9 in the test cache: tests/vm/fetch-crash.sh fetches it)"
fi

# ---- a ring that wrapped ---------------------------------------------------
# Thousands of 80-byte lines, each its own write (and so its own record:
# printk_devkmsg=on lifts /dev/kmsg's rate limit): more text than the data
# ring holds, several times over, and (128 KiB ring) more records than it
# has descriptors.
guest_run 'echo on >/proc/sys/kernel/printk_devkmsg'
GUEST_RUN_TIMEOUT=600 guest_run "i=0; while [ \$i -lt 6000 ]; do echo \"<14>$tag: wrap \$i ........................................................\"; i=\$((i + 1)); done >/dev/kmsg; echo '<6>$tag: end-2' >/dev/kmsg"
kmsg_truth "$tag: end-2" "$w/kmsg2"
dmesg_truth "$w/dmesg2"
first=$(awk -F'[,;]' '/^[0-9]/ { print $2; exit }' "$w/kmsg2")
[ "$first" -gt "$since" ] || die "the ring did not wrap: /dev/kmsg still starts at $first"
! grep -q ";$tag: hello\$" "$w/kmsg2" || die "'$tag: hello' is still in /dev/kmsg"
check_target "$GUEST_GDB" wrapped-live "$tag: end-2" "$w/kmsg2" "$w/dmesg2"
# Live, the ring's arrays come in large batched reads: a few dozen round
# trips for all of it (one a record would be thousands).
kinspect -vv -k "$GUEST_VMLINUX" -t "$GUEST_GDB" dmesg 2>"$w/rt.err" >/dev/null || { cat "$w/rt.err"; die "kinspect -vv dmesg failed"; }
read -r rt rt_connect < <(sed -n 's/.* \([0-9]*\) round trips (\([0-9]*\) to connect).*/\1 \2/p' "$w/rt.err" | tail -n1)
[ -n "${rt:-}" ] || { cat "$w/rt.err"; die "kinspect -vv did not count round trips"; }
[ $((rt - rt_connect)) -le 64 ] ||
	die "live dmesg of the wrapped ring took $((rt - rt_connect)) round trips after connecting, more than 64"
say "ok: live, the wrapped ring in $((rt - rt_connect)) round trips after connecting ($rt_connect to connect)"
guest_dump "$w/dump2.elf" paging=true
check_target "$w/dump2.elf" wrapped-dump "$tag: end-2" "$w/kmsg2" "$w/dmesg2"
for label in wrapped-live wrapped-dump; do
	[ "$(jq '.[0].seq' "$w/$label.json")" = "$first" ] ||
		die "$label: kinspect starts at $(jq '.[0].seq' "$w/$label.json"), /dev/kmsg at $first"
	! jq -e --arg t "$tag: hello" 'any(.[]; .text == $t)' "$w/$label.json" >/dev/null ||
		die "$label: '$tag: hello' is still shown"
done
say "ok: wrapped: the oldest records are gone (the log starts at $first, past '$tag: hello' at $since)," \
	"the rest agrees; $(kinspect -v -k "$GUEST_VMLINUX" -t "$w/dump2.elf" dmesg 2>&1 >/dev/null | grep -o '[0-9]* records, [0-9]* skipped' || echo '?')"

# ---- lx-dmesg in gdb, through the proxy -------------------------------------
cat >"$w/proxy" <<EOF
#!/bin/sh
exec ${KINSPECT_WRAPPER:-} "$KINSPECT" "\$@"
EOF
chmod +x "$w/proxy"
timeout 600 "${GDB:-gdb}" -nx -batch -iex 'set pagination off' -iex 'set confirm off' -iex 'set remotetimeout 60' \
	-ex "target remote | $w/proxy gdb-proxy -k $GUEST_VMLINUX $GUEST_GDB" \
	-ex "source $top_srcdir/plugins/gdb/kinspect.gdb" -ex 'lx-dmesg' -ex 'detach' "$GUEST_VMLINUX" \
	>"$w/gdb.out" 2>&1 || { tail -20 "$w/gdb.out"; die "gdb with lx-dmesg failed"; }
grep -q "^\[ *[0-9.]*\] $tag: end-2\$" "$w/gdb.out" && grep -q "^\[ *[0-9.]*\] $tag: wrap 5999 " "$w/gdb.out" ||
	{ tail -20 "$w/gdb.out"; die "lx-dmesg does not show the last lines written"; }
say "ok: lx-dmesg through kinspect gdb-proxy: $(grep -c '^\[ *[0-9.]*\] ' "$w/gdb.out") lines, the last ones written among them"

# ---- a panic -----------------------------------------------------------------
# The last lines of a kernel that panicked, in a dump taken after: what its
# console printed (its lines have the prefix kinspect gives them).
GUEST_RUN_TIMEOUT=5 guest_run 'echo c >/proc/sysrq-trigger' >/dev/null 2>&1 || true
for ((i = 0; i < 600; i++)); do
	grep -aq 'end Kernel panic - not syncing' "$GUEST_CONSOLE_LOG" && break
	sleep 0.1
done
panic=$(grep -a -m1 '\] Kernel panic - not syncing: ' "$GUEST_CONSOLE_LOG" | tr -d '\r') || true
[ -n "$panic" ] || { _guest_console_tail 30; die "the guest did not panic"; }
guest_dump "$w/panic.elf"
kinspect_dmesg "$w/panic.elf" "$w/panic.txt"
grep -qxF -- "$panic" "$w/panic.txt" || { tail -5 "$w/panic.txt"; die "the dump after the panic lacks '$panic'"; }
sysrq=$(grep -a -m1 '\] sysrq: Trigger a crash' "$GUEST_CONSOLE_LOG" | tr -d '\r') || true
[ -z "$sysrq" ] || grep -qxF -- "$sysrq" "$w/panic.txt" || die "the dump after the panic lacks '$sysrq'"
say "ok: the dump after a panic shows '$panic'"
