#!/bin/bash
# kinspect against a live guest through QEMU's gdbstub: the KASLR slide and
# runtime symbol addresses it reports equal what the guest itself says in
# /proc/kallsyms, the guest runs on afterwards, and a vmlinux that is not the
# running kernel is refused instead of giving wrong addresses.
#
# Usage: live-info.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT)
set -euo pipefail

suite=${1:?usage: live-info.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=live-info-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

guest_start "$suite"
out=$GUEST_WORKDIR/kinspect.out
err=$GUEST_WORKDIR/kinspect.err

# The guest's own view, read before kinspect connects.
symbol_truth "$GUEST_WORKDIR"

kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" info >"$out" 2>"$err" || { cat "$err"; die "kinspect info failed"; }
cat "$out"
grep -q "^KASLR slide: $want_slide " "$out" || die "slide differs from the guest's ($want_slide)"
grep -q "^kernel: *$GUEST_RELEASE " "$out" || die "release differs from the guest's ($GUEST_RELEASE)"
grep -Eq '^paging: +[45]-level, cr3 0x[0-9a-f]+000$' "$out" || die "bad paging line"
say "ok: info reports the guest's slide and release"

kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" info >"$out" 2>"$err" || { cat "$err"; die "info --json failed"; }
grep -q "\"kaslr_slide\": \"$want_slide\"" "$out" || die "JSON slide differs: $(cat "$out")"
probes=$(sed -n 's/.*"kaslr_probes": \([0-9]*\).*/\1/p' "$out")
trips=$(sed -n 's/.*"round_trips": \([0-9]*\).*/\1/p' "$out")
say "ok: JSON agrees; slide found with $probes banner reads, $trips round trips in all"

check_symbols_and_reads "$GUEST_GDB" "$GUEST_WORKDIR" live
sk=$(awk '$2 == "start_kernel" { print $1 }' "$GUEST_WORKDIR/want")
kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" sym "$(printf '0x%x' $((0x$sk + 0x10)))" >"$out" 2>"$err" || { cat "$err"; die "sym ADDR failed"; }
grep -q ' start_kernel+0x10$' "$out" || die "sym of start_kernel+0x10 at runtime: $(cat "$out")"
say "ok: a runtime address is symbolized: $(cat "$out")"

# Physical reads, live.
kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" read --phys 0x1000 16 >"$out" 2>"$err" || { cat "$err"; die "read --phys failed"; }
grep -q '"physical": true' "$out" || die "read --phys JSON: $(cat "$out")"
say "ok: physical read"

# lsmod agrees with /proc/modules and /sys/module/*/sections.
module_truth "$GUEST_WORKDIR"
[ -s "$GUEST_WORKDIR/modules-want" ] || die "the guest lists no modules"
[ "$(wc -l <"$GUEST_WORKDIR/sections-want")" -gt 20 ] || die "the guest shows few sections"
check_modules "$GUEST_GDB" "$GUEST_WORKDIR" live
kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" lsmod >"$out" 2>"$err" || { cat "$err"; die "lsmod --json failed"; }
[ "$(grep -c '"state": "live"' "$out")" = "$(wc -l <"$GUEST_WORKDIR/modules-want")" ] || die "lsmod --json: $(cat "$out")"

# Detaching resumed the guest: it still answers on its console.
[ "$(guest_run 'echo alive')" = alive ] || die "the guest did not resume after kinspect detached"
say "ok: the guest runs on after kinspect detached"

# The other suite's vmlinux is not this kernel: a clear error, no slide.
other=bookworm
[ "$suite" = bookworm ] && other=trixie
other_vmlinux=$("$here/fetch-kernel.sh" "$other")/vmlinux
status=0
kinspect -k "$other_vmlinux" -t "$GUEST_GDB" info >"$out" 2>"$err" || status=$?
[ "$status" = 1 ] || die "a wrong vmlinux gave exit status $status: $(cat "$out" "$err")"
grep -q "does not hold this vmlinux's linux_banner" "$err" || die "unclear error: $(cat "$err")"
say "ok: a vmlinux of another kernel is refused: $(cat "$err")"

# Nothing listens on a closed port: an error, quickly.
status=0
kinspect -k "$GUEST_VMLINUX" -t 127.0.0.1:1 --timeout 5 info >"$out" 2>"$err" || status=$?
[ "$status" = 1 ] && [ "$(wc -l <"$err")" = 1 ] || die "closed port: status $status: $(cat "$err")"
say "ok: a closed port is one error line: $(cat "$err")"

guest_stop
say "PASS"
