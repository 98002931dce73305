#!/bin/bash
# The seeds' scenario (see DESIGN.md): a 9p read through netfs on Debian's
# 6.12 kernel, caught at p9_client_read_once in module 9pnet, its iov_iter
# decoded live and from a dump taken at the breakpoint.
#
# Checked against the guest and the host: the iter is ITER_FOLIOQ and a
# destination; every folio's size is PAGE_SIZE << its order; the cursor is
# inside its segment (or flagged at its end); the bytes asked for cover the
# file; the bytes the guest read equal the host file; the dump decodes the
# same iter as the live target; batch mode runs several commands on the dump.
#
# Usage: seed-9p.sh   (trixie: the kernel with 9p on netfs; needs $KINSPECT)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=seed-9p
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"

guest_start trixie
guest_run 'grep -q "^share /mnt 9p " /proc/mounts && echo mounted' | grep -q mounted || die "no 9p share in the guest"
size=12943
head -c "$size" /dev/urandom >"$GUEST_SHARE/seed.bin"
host_md5=$(md5sum <"$GUEST_SHARE/seed.bin" | cut -d' ' -f1)

# --- live: two reads of the file, each decoded at the breakpoint ------------
BREAK_OUT=$GUEST_WORKDIR/live.jsonl
# In the README's order (options after FUNCTION); the dump run below puts
# them first.
break_start "$BREAK_OUT" p9_client_read_once --count 2 --do 'iov-iter {to}' --wait 60
guest_md5=$(guest_run 'md5sum /mnt/seed.bin' | cut -d' ' -f1)
break_wait 0
[ "$guest_md5" = "$host_md5" ] || die "the guest read other bytes: md5 $guest_md5, host $host_md5"
say "ok: the guest read the host's $size bytes (md5 $host_md5)"
say "the hits (type, direction, count, iov_offset, folioq_slot, folio sizes and orders, warnings):"
jq -c 'select(has("segments")) | [.type, .direction, .count, .iov_offset, .folioq_slot,
	[.segments[] | [.size, .order]], .warnings]' "$BREAK_OUT" | sed 's/^/    /'
[ "$(jq -s '[.[] | select(has("hit"))] | length' "$BREAK_OUT")" = 2 ] || die "not two hits"
jq -s -e '[.[] | select(has("hit"))] | all(.args[2].name == "to" and .args[2].type == "struct iov_iter *")' \
	"$BREAK_OUT" >/dev/null || die "p9_client_read_once's arguments not named from the module's DWARF"
jq -s -e '[.[] | select(has("segments"))] | length == 2 and all(.type == "ITER_FOLIOQ" and .direction == "dest")' \
	"$BREAK_OUT" >/dev/null || die "not two ITER_FOLIOQ destination iters"
# Every folio is PAGE_SIZE << order; the cursor lies inside its segment,
# or a warning names it; nothing the segments cannot hold is asked for.
jq -s -e '[.[] | select(has("segments"))] | all(
	all(.segments[]; .size == (4096 * pow(2; .order)) and (.folio | startswith("0xffff"))) and
	(.count <= .left_total) and
	(.left_in_segment > 0 or (.warnings | any(test("cursor at the end")))))' "$BREAK_OUT" >/dev/null ||
	die "a FOLIOQ decode is inconsistent"
# The reads ask for the whole file: page-rounded, as netfs reads folios.
asked=$(jq -s '[.[] | select(has("segments")) | .count] | add' "$BREAK_OUT")
rounded=$(( (size + 4095) / 4096 * 4096 ))
[ "$asked" -ge "$size" ] && [ "$asked" -le "$rounded" ] ||
	die "the two reads ask for $asked bytes, not the file's $size (page-rounded $rounded)"
say "ok: two ITER_FOLIOQ reads asking for $asked bytes of the $size-byte file, folios of PAGE_SIZE << order"
# The folios are the file's page cache: its inode, its page indexes in order.
ino=$(guest_run 'stat -c %i /mnt/seed.bin')
jq -s -e --argjson ino "$ino" '[.[] | select(has("segments")) | .segments[].folio_info] |
	all(.mapping_kind == "file" and .ino == $ino) and ([.[].index] == [range(0; length)])' "$BREAK_OUT" >/dev/null ||
	die "the folios are not the page cache of inode $ino in order: $(jq -c '[.segments[]?.folio_info | [.ino, .index]]' "$BREAK_OUT")"
say "ok: every folio is in the page cache of /mnt/seed.bin (inode $ino), indexes in order"

# corrupt_and_check: while the guest is held at the breakpoint, damage the
# iter and its folio_queue through the gdbstub (offsets from gdb, the
# reference), check that kinspect names what is wrong, and restore the bytes
# before the guest runs again.
probe=$top_builddir/tests/target/gdbstub-probe
# gdb_values EXPR...: gdb's value of each expression on the vmlinux, one a line.
gdb_values() {
	local args=() e
	for e in "$@"; do args+=(-ex "p/d $e"); done
	"${GDB:-gdb}" -nx -batch "${args[@]}" "$GUEST_VMLINUX" 2>/dev/null | sed -n 's/^\$[0-9]* = //p'
}
le64() { local v=$1 i; for i in 0 1 2 3 4 5 6 7; do printf '%02x' $(( (v >> (8 * i)) & 255 )); done; }
# peek8 ADDR: the 8 bytes at ADDR as hex, in memory order (poke's form).
peek8() {
	local v
	v=$("$probe" --keep-stopped "$GUEST_GDB" "read:$(printf '0x%x' "$1"):8" | sed -n 's/^read\.0x[0-9a-f]*=//p')
	[ ${#v} = 16 ] || die "cannot read 8 bytes at $(printf '0x%x' "$1")"
	echo "$v"
}
poke() {
	local addr out
	addr=$(printf '0x%x' "$1")
	out=$("$probe" --keep-stopped "$GUEST_GDB" "write:$addr:$2" 2>&1) || true
	[[ $out == *"=ok"* ]] || die "cannot write at $addr: $out"
}
expect_iov_error() {
	local want=$1 status=0
	kinspect -k "$GUEST_VMLINUX" -t "$GUEST_GDB" -m "$GUEST_MODDIR" iov-iter "$to" >"$GUEST_WORKDIR/bad.out" 2>"$GUEST_WORKDIR/bad.err" || status=$?
	grep -q "$want" "$GUEST_WORKDIR/bad.out" "$GUEST_WORKDIR/bad.err" ||
		die "corrupted iter: no '$want' (status $status): $(cat "$GUEST_WORKDIR/bad.out" "$GUEST_WORKDIR/bad.err")"
	say "ok: corrupted: status $status, $(grep -h "$want" "$GUEST_WORKDIR/bad.out" "$GUEST_WORKDIR/bad.err" | sed -n 1p)"
}
corrupt_and_check() {
	local folioq next_off slot_off fq_off type_off xs_off ipages_off iter_xarray saved mapping
	folioq=$(echo "$live" | jq -r .pointer)
	read -r next_off slot_off fq_off type_off xs_off ipages_off iter_xarray < <(gdb_values \
		'&((struct folio_queue *)0)->next' '&((struct iov_iter *)0)->folioq_slot' \
		'&((struct iov_iter *)0)->folioq' '&((struct iov_iter *)0)->iter_type' \
		'&((struct iov_iter *)0)->xarray_start' '&((struct address_space *)0)->i_pages' ITER_XARRAY | tr '\n' ' '; echo)
	[ -n "$iter_xarray" ] || die "gdb gave no offsets"
	# A folio_queue whose next points back at itself: a cycle.  Its next
	# is put back as it was: netfs may have chained the queue of the
	# file's next read to it already (a guest restored with a cut chain
	# hangs in the read that follows).
	local saved_next
	saved_next=$(peek8 $((folioq + next_off)))
	poke $((folioq + next_off)) "$(le64 $((folioq)))"
	expect_iov_error "loops back to $folioq"
	poke $((folioq + next_off)) "$saved_next"
	# A slot past the folios of the queue.
	poke $((to + slot_off)) 09
	expect_iov_error "folioq_slot 9 is past the 3 folios"
	poke $((to + slot_off)) "$(printf '%02x' "$(echo "$live" | jq .folioq_slot)")"
	# A wild folio_queue pointer.
	poke $((to + fq_off)) "$(le64 0x0000dead00000000)"
	expect_iov_error "cannot read struct folio_queue at 0xdead00000000"
	poke $((to + fq_off)) "$(le64 $((folioq)))"
	# The same bytes seen as an ITER_XARRAY over the file's page cache
	# (its address_space's i_pages), from byte 0: the same folios.
	mapping=$(echo "$live" | jq -r '.segments[0].folio_info.mapping')
	saved=$(peek8 $((to + xs_off)))
	poke $((to + type_off)) "$(printf '%02x' "$iter_xarray")"
	poke $((to + fq_off)) "$(le64 $((mapping + ipages_off)))"
	poke $((to + xs_off)) "$(le64 0)"
	kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" iov-iter "$to" >"$GUEST_WORKDIR/xarray.json" ||
		die "iov-iter as ITER_XARRAY failed: $(cat "$GUEST_WORKDIR/xarray.json")"
	jq -e --argjson live "$live" '.type == "ITER_XARRAY" and ([.segments[].folio] == [$live.segments[].folio]) and
		([.segments[].index] == [range(0; .segments | length)]) and .left_total == .count and (.warnings | length) == 0' \
		"$GUEST_WORKDIR/xarray.json" >/dev/null || die "ITER_XARRAY over the page cache: $(cat "$GUEST_WORKDIR/xarray.json")"
	kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" xarray "$(printf '0x%x' $((mapping + ipages_off)))" 0 2 \
		>"$GUEST_WORKDIR/pagecache.json" || die "xarray of the page cache failed: $(cat "$GUEST_WORKDIR/pagecache.json")"
	jq -e --argjson live "$live" '[.entries[].entry] == [$live.segments[].folio]' "$GUEST_WORKDIR/pagecache.json" >/dev/null ||
		die "xarray of the page cache differs from the folio_queue's folios: $(cat "$GUEST_WORKDIR/pagecache.json")"
	say "ok: the page cache as ITER_XARRAY and through 'xarray': the folio_queue's folios at indexes 0-2"
	poke $((to + type_off)) "$(printf '%02x' "$(echo "$live" | jq .type_value)")"
	poke $((to + fq_off)) "$(le64 $((folioq)))"
	poke $((to + xs_off)) "$saved"
	# Restored: the same decode as before.
	kinspect --json -k "$GUEST_VMLINUX" -t "$GUEST_GDB" iov-iter "$to" | jq -S . >"$GUEST_WORKDIR/restored.json"
	echo "$live" | jq -S . >"$GUEST_WORKDIR/live.json"
	diff -u "$GUEST_WORKDIR/live.json" "$GUEST_WORKDIR/restored.json" || die "the restored iter decodes differently"
}

# --- a dump taken at the breakpoint ------------------------------------------
guest_run 'echo 3 >/proc/sys/vm/drop_caches; echo dropped' | grep -q dropped || die "cannot drop the page cache"
BREAK_OUT=$GUEST_WORKDIR/stop.jsonl
BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 60 --do 'iov-iter {to}' p9_client_read_once
# In the background, a second later (so this console command ends before
# the guest stops at the breakpoint mid-read).
guest_run '(sleep 1; md5sum /mnt/seed.bin >/tmp/seed.md5.tmp && mv /tmp/seed.md5.tmp /tmp/seed.md5) </dev/null >/dev/null 2>&1 &'
break_wait 0
to=$(jq -r 'select(has("hit")) | .args[2].value' "$BREAK_OUT")
live=$(jq -c 'select(has("segments"))' "$BREAK_OUT")
dump=$GUEST_WORKDIR/at-break.elf
guest_dump "$dump" || die "dump-guest-memory failed"
corrupt_and_check
guest_resume || die "cannot resume the guest"
for _ in $(seq 100); do
	got=$(guest_run 'cat /tmp/seed.md5 2>/dev/null' | cut -d' ' -f1)
	[ -n "$got" ] && break
	sleep 0.3
done
[ "$got" = "$host_md5" ] || die "after the dump, the guest read md5 '$got', host $host_md5"
say "ok: the guest stopped at the breakpoint, was dumped, resumed and read the file right"

printf 'info\niov-iter %s\nlsmod\nread 0x10 8\n' "$to" >"$GUEST_WORKDIR/script"
status=0
kinspect --json -k "$GUEST_VMLINUX" -t "$dump" -x "$GUEST_WORKDIR/script" >"$GUEST_WORKDIR/batch.jsonl" 2>"$GUEST_WORKDIR/batch.err" || status=$?
[ "$status" = 1 ] || die "batch with a failing command: status $status, not 1"
[ "$(wc -l <"$GUEST_WORKDIR/batch.jsonl")" = 4 ] || die "batch: not one line per command: $(cat "$GUEST_WORKDIR/batch.jsonl")"
jq -e . "$GUEST_WORKDIR/batch.jsonl" >/dev/null || die "batch output is not JSON Lines"
from_dump=$(sed -n 2p "$GUEST_WORKDIR/batch.jsonl")
[ "$(echo "$from_dump" | jq -S .)" = "$(echo "$live" | jq -S .)" ] ||
	die "the dump decodes another iter: $from_dump; live: $live"
sed -n 4p "$GUEST_WORKDIR/batch.jsonl" | jq -e '.command == "read" and .status == 1 and (.error | test("0x10"))' >/dev/null ||
	die "the failing command's line: $(sed -n 4p "$GUEST_WORKDIR/batch.jsonl")"
say "ok: batch mode on the dump: the iter at the breakpoint decodes as live: $(echo "$live" | jq -c '[.type, .count, .iov_offset, .folioq_slot]')"
kinspect -k "$GUEST_VMLINUX" -t "$dump" iov-iter "$to" | sed 's/^/    /'
# --folios: the iter, then each folio's full decode, agreeing with the summaries.
kinspect --json -k "$GUEST_VMLINUX" -t "$dump" iov-iter --folios "$to" | jq -s -e '
	.[0] as $it | length == 1 + ($it.segments | length) and
	([.[1:][] | .folio_pfn] == [$it.segments[].folio_info.pfn])' >/dev/null || die "iov-iter --folios on the dump"
say "ok: iov-iter --folios prints each folio's decode"

say "ok: the seeds' scenario"
