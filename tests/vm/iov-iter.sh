#!/bin/bash
# "kinspect break" and "kinspect iov-iter" on a live guest: a breakpoint on
# shmem_file_read_iter (tmpfs reads) catches iov_iters of three kinds while
# the guest execs a program (ITER_KVEC: the kernel reading the ELF header),
# reads a tmpfs file with dd (ITER_UBUF, count = dd's block size) and reads a
# loop device backed by a tmpfs file (ITER_BVEC, built by the loop driver).
# Each decode is checked against what the guest did and against itself
# (segments hold exactly count bytes for a fresh iter).  Ctrl-C ends the
# break with the breakpoint removed and the guest running on.
#
# Usage: iov-iter.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT)
set -euo pipefail

suite=${1:?usage: iov-iter.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=iov-iter-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"

guest_start "$suite"
BREAK_OUT=$GUEST_WORKDIR/break.jsonl

guest_run 'dd if=/dev/zero of=/tmp/img bs=4096 count=64 2>/dev/null && losetup /dev/loop0 /tmp/img && echo ok' | grep -q ok ||
	die "cannot set up /dev/loop0 in the guest"

break_start "$BREAK_OUT" --count 1000 --wait 120 --do 'iov-iter {to}' shmem_file_read_iter
guest_run '/bin/busybox true; dd if=/tmp/img of=/dev/null bs=1111 count=1 2>/dev/null; dd if=/dev/loop0 of=/dev/null bs=4096 count=1 2>/dev/null; echo done' |
	grep -q done || die "the guest commands failed"
break_interrupt
grep -q 'interrupted after [1-9][0-9]* of 1000 hits' "$BREAK_OUT.err" || die "no interrupt message: $(tail -3 "$BREAK_OUT.err")"
jq -e . "$BREAK_OUT" >/dev/null || die "break --json output is not JSON Lines"
say "the iters seen (type, direction, count, iov_offset, segments, bytes in them):"
jq -c 'select(has("segments")) | [.type, .direction, .count, .iov_offset, (.segments | length), .left_total]' "$BREAK_OUT" |
	sort | uniq -c | sed 's/^/    /'
hits=$(jq -s '[.[] | select(has("hit"))] | length' "$BREAK_OUT")
say "ok: $hits hits of shmem_file_read_iter, ended by Ctrl-C"

# Every hit names the arguments from DWARF, and its action decoded "to".
jq -s -e '[.[] | select(has("hit"))] | all(.args[1].name == "to" and .args[1].type == "struct iov_iter *")' "$BREAK_OUT" >/dev/null ||
	die "hits do not name the argument 'to': $(head -1 "$BREAK_OUT")"
[ "$(jq -s '[.[] | select(has("segments"))] | length' "$BREAK_OUT")" = "$hits" ] || die "not every hit was decoded"
# A fresh iter (pipes aside: their count is the room in the pipe): its
# segments hold exactly count bytes.
jq -s -e '[.[] | select(has("segments") and .iov_offset == 0 and .type != "ITER_PIPE")] | all(.left_total == .count and (.warnings | length) == 0)' "$BREAK_OUT" >/dev/null ||
	die "a fresh iov_iter whose segments do not hold count: $(jq -c 'select(has("segments") and .left_total != .count)' "$BREAK_OUT" | sed -n 1,2p)"
# What the library says of the cursor (kinspect_iov_segments_cursor(),
# _left()) agrees with the segments it hands out: the bytes left are those
# of the segments not done, and the cursor's segment is the current one.
jq -s -e '[.[] | select(has("segments") and .type != "ITER_PIPE")] | all(
	.left_total == ([.segments[] | select(.state != "done") | ([.size - .done, 0] | max)] | add // 0) and
	(if has("cursor_segment") then .segments[.cursor_segment].state == "current" and
		.left_in_segment == (.segments[.cursor_segment] | [.size - .done, 0] | max)
	 else all(.segments[]; .state != "current") end))' "$BREAK_OUT" >/dev/null ||
	die "the cursor and bytes left disagree with the segments: $(jq -c 'select(has("segments"))' "$BREAK_OUT" | sed -n 1,2p)"

# UBUF: dd's read of 1111 bytes into a user buffer.
ubuf=$(jq -c 'select(.type == "ITER_UBUF" and .count == 1111)' "$BREAK_OUT" | sed -n 1p)
[ -n "$ubuf" ] || die "no ITER_UBUF iter of 1111 bytes (dd bs=1111): $(jq -c '[.type, .count]' "$BREAK_OUT" | sort | uniq -c)"
echo "$ubuf" | jq -e '.direction == "dest" and (.segments | length) == 1 and .segments[0].state == "current" and
	(.segments[0].base | ltrimstr("0x") | length) <= 12' >/dev/null || die "ITER_UBUF decode: $ubuf"
say "ok: ITER_UBUF, dest, count 1111 into a user buffer"

# KVEC: the kernel reading the ELF header of /bin/busybox into kernel memory.
kvec=$(jq -c 'select(.type == "ITER_KVEC")' "$BREAK_OUT" | sed -n 1p)
[ -n "$kvec" ] || die "no ITER_KVEC iter (exec reads the ELF header with kernel_read)"
echo "$kvec" | jq -e '.direction == "dest" and .nr_segs >= 1 and (.segments[0].base | startswith("0xffff"))' >/dev/null ||
	die "ITER_KVEC decode: $kvec"
say "ok: ITER_KVEC, dest, kernel buffer: $(echo "$kvec" | jq -c '[.count, .segments[0].base]')"

# BVEC: the loop driver reading its backing file into bio pages (a bvec may
# span several pages of a large folio, so sizes are not bounded by a page).
bvec=$(jq -c 'select(.type == "ITER_BVEC")' "$BREAK_OUT" | sed -n 1p)
[ -n "$bvec" ] || die "no ITER_BVEC iter (loop device read)"
echo "$bvec" | jq -e '.direction == "dest" and .nr_segs == (.segments | length) and .count >= 4096 and
	all(.segments[]; (.page | startswith("0xffff")) and .size > 0)' >/dev/null || die "ITER_BVEC decode: $bvec"
say "ok: ITER_BVEC, dest, $(echo "$bvec" | jq '.nr_segs') pages for $(echo "$bvec" | jq '.count') bytes"

# The breakpoint is gone and the guest runs: reading again stops nowhere.
[ "$(guest_run 'dd if=/tmp/img of=/dev/null bs=1111 count=1 2>/dev/null; echo alive')" = alive ] ||
	die "the guest does not run on after the break"

# Text output of the same decode, while the guest is stopped at a hit.
BREAK_OUT=$GUEST_WORKDIR/break.txt
BREAK_JSON= break_start "$BREAK_OUT" --count 1 --wait 60 --do 'iov-iter {to}' shmem_file_read_iter
guest_run 'dd if=/tmp/img of=/dev/null bs=2222 count=1 2>/dev/null; echo done' >/dev/null
break_wait 0
say "text output of one hit:"
sed 's/^/    /' "$BREAK_OUT"
grep -q '^hit 1/1: shmem_file_read_iter at 0x' "$BREAK_OUT" && grep -q '^  to = 0x[0-9a-f]* (struct iov_iter \*)$' "$BREAK_OUT" &&
	grep -q '^iov_iter 0x[0-9a-f]*: ITER_' "$BREAK_OUT" && grep -q '^> ' "$BREAK_OUT" || die "text output of break/iov-iter"
say "ok: break + iov-iter on $suite"
