#!/bin/bash
# One renderer per record, for the commands that read a target: a guest is
# stopped where it reads a tmpfs file (a breakpoint on shmem_file_read_iter,
# left stopped there), dumped, and on the dump every value that info, sym,
# print, read, lsmod, cmdline, cpus, sys, bt, triage, xarray, iov-iter, page
# and folio show in text must be in their --json output
# (tests/cli/text-in-json.sh).  A dump, not the live guest: both runs of a
# command then see the same memory.
#
# Usage: render-agree.sh bookworm|trixie|trixie-backports   (run by make check)
set -euo pipefail

suite=${1:?usage: render-agree.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}" "${top_srcdir:?run through make check}"
export GUEST_LOG_TAG=render-agree-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
# shellcheck source=break-helpers.sh
. "$here/break-helpers.sh"
# shellcheck source=../cli/text-in-json.sh
. "$top_srcdir/tests/cli/text-in-json.sh"

guest_start "$suite"
work=$GUEST_WORKDIR
guest_run 'dd if=/dev/zero of=/tmp/f bs=4096 count=4 2>/dev/null && echo ok' | grep -q ok || die "cannot write /tmp/f in the guest"

# Stop the guest in a read of the tmpfs file, and keep it stopped there.
BREAK_OUT=$work/break.jsonl
BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 120 shmem_file_read_iter
# The guest's shell is stopped in the read: its guest_run is not waited for.
guest_run 'dd if=/tmp/f of=/dev/null bs=1111 count=1 2>/dev/null' >/dev/null 2>&1 &
reader=$!
break_wait 0
iter=$(jq -r 'select(.hit) | .args[] | select(.name == "to") | .value' "$BREAK_OUT")
task=$(jq -r 'select(.hit) | .task' "$BREAK_OUT")
cpu=$(jq -r 'select(.hit) | .cpu' "$BREAK_OUT")
[ -n "$iter" ] && [ -n "$task" ] || die "no hit: $(cat "$BREAK_OUT" "$BREAK_OUT.err")"
dump=$work/stopped.dump
guest_dump "$dump" paging=false format=elf
kill "$reader" 2>/dev/null || true
say "dumped the guest stopped in shmem_file_read_iter on CPU $cpu (task $task, iter $iter)"

out=$work/agree
mkdir -p "$out"
t=(-k "$GUEST_VMLINUX" -t "$dump" -m "$GUEST_MODDIR")
check() { agree "$out" "$@" || die "kinspect ${*:2}: text and --json disagree"; }

check cmd-info.c "${t[@]}" info

fn=$(grep -E '^[0-9a-f]+ [Tt] ' "$GUEST_SYSTEM_MAP" | awk 'NR == 1000 { print $3 }')
check cmd-sym.c "${t[@]}" sym init_task "$fn" loop:loop_configure dummy_setup
addrs=$(kinspect "${t[@]}" --json sym init_task "$fn" loop:loop_configure dummy_setup | jq -r '.[] | .address' |
	while read -r a; do printf '0x%x\n' $((a + 5)); done)
# shellcheck disable=SC2086
check cmd-sym.c "${t[@]}" sym $addrs
mod_addr=$(kinspect "${t[@]}" --json lsmod | jq -r '.[0].module')
TEXT_IN_JSON_IGNORE=$TEXT_IN_JSON_PRINT_NOTES check cmd-print.c "${t[@]}" print init_task.comm
TEXT_IN_JSON_IGNORE=$TEXT_IN_JSON_PRINT_NOTES check cmd-print.c "${t[@]}" print module "$mod_addr"
TEXT_IN_JSON_IGNORE=$TEXT_IN_JSON_PRINT_NOTES check cmd-print.c "${t[@]}" print --cpu "$cpu" runqueues.nr_running
check cmd-read.c "${t[@]}" read linux_banner 100
check cmd-read.c "${t[@]}" read --phys 0x1000 40
check cmd-lsmod.c "${t[@]}" lsmod
check cmd-lsmod.c "${t[@]}" lsmod --regions --sections
check cmd-cmdline.c "${t[@]}" cmdline
check cmd-cpus.c "${t[@]}" cpus
# sys: JSON has the load averages as numbers, which jq (the checker's
# reader) writes as 0 where /proc/loadavg and the text say 0.00; their
# values are checked against /proc/loadavg in system.sh.
TEXT_IN_JSON_IGNORE='load average: [0-9.]+, [0-9.]+, [0-9.]+' check cmd-sys.c "${t[@]}" sys
check cmd-bt.c,trace-render.c "${t[@]}" bt --all
check cmd-bt.c,trace-render.c "${t[@]}" bt --lines --task 1
check cmd-bt.c,trace-render.c "${t[@]}" bt --task "$task"
# triage: its date in words is the JSON's "time"; the log's lines are
# dmesg's (checked there).
TEXT_IN_JSON_IGNORE=' \([0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\)' \
	check cmd-triage.c,trace-render.c "${t[@]}" triage --lines 0
check cmd-xarray.c "${t[@]}" xarray worker_pool_idr
check cmd-iov-iter.c "${t[@]}" iov-iter "$iter"
# Pages: the kernel image, a page cache page, a slab of task_structs (a
# large folio: its head page, a tail and the first tail, with the order
# byte since 6.6), with contents.
head=$(printf '0x%x' $((task & ~0x7fff)))
for what in virt:init_task pfn:0x2345 "virt:$task" "virt:$(printf '0x%x' $((head + 0x1000)))" \
	"virt:$(printf '0x%x' $((head + 0x3000)))"; do
	check cmd-page.c "${t[@]}" page "$what"
	check cmd-page.c "${t[@]}" folio "$what"
done
check cmd-page.c "${t[@]}" page --hexdump 64 "virt:$task"
check cmd-page.c "${t[@]}" folio --hexdump=48 virt:init_task
sed 's/^/    /' "$out/summary"
say "ok: every value of the text is in the JSON ($(wc -l <"$out/summary") commands on the dump)"
