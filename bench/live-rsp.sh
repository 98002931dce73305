#!/bin/bash
# RSP round trips, bytes on the wire and wall time of kinspect commands on a
# live guest of each test kernel, with and without the memory cache in front
# of the gdbstub (KINSPECT_NO_MEMORY_CACHE).  Commands on the running guest
# (info, lsmod, ..., KASLR detection), a page-cache folio and page (a page
# of busybox's text, found through the guest's /proc/PID/pagemap), and
# iov_iter decodes at a breakpoint (the guest held stopped there): the
# ITER_UBUF of a block device read (filemap_read) on both kernels, and on
# 6.12 the seeds' ITER_FOLIOQ (p9_client_read_once).  The figures come from
# kinspect's own gdbstub counters (-vv).  Prints a Markdown table.
#
# Usage: bench/live-rsp.sh [BUILD_DIR]   (default _build; run tests/bootstrap setup first)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
export KINSPECT=${1:-$top/_build}/kinspect
export GUEST_LOG_TAG=bench-live-rsp
# shellcheck source=../tests/vm/guest.sh
. "$top/tests/vm/guest.sh"
# shellcheck source=lib.sh
. "$top/bench/lib.sh"
# shellcheck source=../tests/vm/break-helpers.sh
. "$top/tests/vm/break-helpers.sh"

# row EXPECT LABEL ARGS...: one table row for "kinspect ARGS" against the
# guest (EXPECT: ok, or fail for a row that times an error): one warm-up run
# (layout and symbol caches filled), $bench_runs timed runs with -vv, then
# one run without the memory cache.  The vmlinux is $vmlinux.
row() {
	local expect=$1 label=$2 err=$GUEST_WORKDIR/rsp.err i t0 st
	shift 2
	local k=("$KINSPECT" -vv -k "$vmlinux" -t "$GUEST_GDB" -m "$GUEST_MODDIR")
	st=0
	"${k[@]}" "$@" >/dev/null 2>"$err" || st=$?
	{ [ "$expect" = ok ] && [ "$st" = 0 ]; } || { [ "$expect" = fail ] && [ "$st" != 0 ]; } ||
		{ cat "$err" >&2; die "kinspect $*: exit status $st"; }
	local times=()
	for ((i = 0; i < bench_runs; i++)); do
		t0=$(date +%s%N)
		"${k[@]}" "$@" >/dev/null 2>"$err" || true
		times+=($((($(date +%s%N) - t0) / 1000000)))
	done
	local rt c s r
	read -r rt c s r < <(rsp_traffic "$err") || die "kinspect $*: no gdbstub traffic line: $(tail -n3 "$err")"
	KINSPECT_NO_MEMORY_CACHE=1 "${k[@]}" "$@" >/dev/null 2>"$err" || true
	local nrt nr
	read -r nrt _ _ nr < <(rsp_traffic "$err") || die "kinspect $* (no cache): no traffic line"
	echo "| $GUEST_SUITE | $label | $rt ($c) | $s | $r | $(printf '%s\n' "${times[@]}" | min_median) | $nrt | $nr |"
}

# pagemap_pfn PID VADDR: the frame backing VADDR in process PID (bit 63
# present, bits 0-54 the frame: the guest runs as root).
pagemap_pfn() {
	local e
	e=$(guest_run "dd if=/proc/$1/pagemap bs=8 skip=$(($2 / 4096)) count=1 2>/dev/null | od -An -v -tx8" | tr -d ' ')
	[ -n "$e" ] && [ $(((0x$e >> 63) & 1)) = 1 ] || return 1
	echo $((0x$e & ((1 << 55) - 1)))
}

# busybox_text_pfn: the frame of a present page of busybox's text (a page
# of the initramfs's tmpfs page cache), mapped by a sleeping process.
busybox_text_pfn() {
	local pid start end va pfn
	pid=$(guest_run 'sleep 100000 </dev/null >/dev/null 2>&1 & echo $!')
	read -r start end < <(guest_run "cat /proc/$pid/maps" |
		awk '/\/bin\/busybox$/ && $2 ~ /x/ { split($1, a, "-"); print a[1], a[2]; exit }')
	[ -n "$start" ] || die "no busybox text mapping in process $pid"
	for ((va = 0x$start; va < 0x$end && va < 0x$start + 64 * 4096; va += 4096)); do
		pfn=$(pagemap_pfn "$pid" "$va") && { echo "$pfn"; return 0; }
	done
	die "no present busybox text page"
}

# stop_at FUNCTION ARG TRIGGER: a break on FUNCTION that decodes its
# iov_iter argument ARG and leaves the guest stopped at its first hit, while the guest runs TRIGGER (in the background,
# a second later, so that its console command ends first); sets $hit to the
# break's JSON Lines file.
stop_at() {
	BREAK_OUT=$GUEST_WORKDIR/break-$1.jsonl
	BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 60 --do "iov-iter {$2}" "$1"
	guest_run "(sleep 1; $3) </dev/null >/dev/null 2>&1 &"
	break_wait 0
	hit=$BREAK_OUT
}

echo "| kernel | command | round trips (to connect) | bytes sent | bytes received | wall ms min / median of $bench_runs | round trips, no memory cache | bytes received, no memory cache |"
echo "|---|---|---|---|---|---|---|---|"
for suite in bookworm trixie; do
	other=$([ "$suite" = bookworm ] && echo trixie || echo bookworm)
	other_vmlinux=$(guest_kernel_dir "$other")/vmlinux
	guest_start "$suite" >&2
	vmlinux=$GUEST_VMLINUX
	nr=$(guest_run 'wc -l </proc/modules')
	echo "| $suite $GUEST_RELEASE, $nr modules | | | | | | | |"
	for cmd in "info" "lsmod" "lsmod --sections" "sym init_task" "print init_uts_ns" "page virt:linux_banner"; do
		# shellcheck disable=SC2086 # the command's words
		row ok "$cmd" $cmd
	done
	# KASLR: info finds the slide from vCPU 0's RIP (the row above); with a
	# vmlinux that is not the running kernel every 2 MiB slide below 1 GiB
	# is read and fails: the worst case of the search.
	vmlinux=$other_vmlinux row fail "KASLR, no match: info with the $other vmlinux (every slide probed)" info
	pfn=$(busybox_text_pfn)
	row ok "page pfn:N (busybox text, page cache)" page "pfn:$pfn"
	row ok "folio pfn:N (the same)" folio "pfn:$pfn"

	# A buffered read of a loop device: filemap_read gets an ITER_UBUF.
	guest_run 'dd if=/dev/zero of=/tmp/img bs=4096 count=16 2>/dev/null && losetup /dev/loop0 /tmp/img && echo ok' | grep -q ok ||
		die "cannot set up /dev/loop0"
	stop_at filemap_read iter 'dd if=/dev/loop0 of=/dev/null bs=1111 count=1'
	to=$(jq -r 'select(has("hit")) | .args[] | select(.name == "iter") | .value' "$hit")
	kind=$(jq -r 'select(has("segments")) | .type' "$hit")
	[ -n "$to" ] && [ "$kind" = ITER_UBUF ] || die "filemap_read: no ITER_UBUF iter: $(cat "$hit")"
	row ok "iov-iter ADDR, guest stopped at filemap_read ($kind)" --keep-stopped iov-iter "$to"
	guest_resume

	if [ "$suite" = trixie ]; then
		head -c 12943 /dev/urandom >"$GUEST_SHARE/seed.bin"
		stop_at p9_client_read_once to 'md5sum /mnt/seed.bin'
		to=$(jq -r 'select(has("hit")) | .args[] | select(.name == "to") | .value' "$hit")
		read -r kind nsegs folio < <(jq -r 'select(has("segments")) | "\(.type) \(.segments | length) \(.segments[0].folio)"' "$hit")
		[ "$kind" = ITER_FOLIOQ ] || die "p9_client_read_once: no ITER_FOLIOQ: $(cat "$hit")"
		row ok "iov-iter ADDR at p9_client_read_once ($kind, $nsegs folios)" --keep-stopped iov-iter "$to"
		row ok "iov-iter --folios ADDR (the same, each folio decoded)" --keep-stopped iov-iter --folios "$to"
		row ok "folio ADDR (its first folio, 9p page cache)" --keep-stopped folio "$folio"
		guest_resume
	fi
	guest_stop >&2
done
