# shellcheck shell=bash
# A deep kernel stack to look at: the guest stopped in the middle of
# exec'ing a binary from the 9p share, where the ELF loader's clearing of
# the bss faults in a page of the file, readahead goes through netfs and
# 9p, and the 9p request is being handed to the virtio device:
#   vp_notify <- virtqueue_kick <- p9_virtio_zc_request <- ... 9p, netfs
#   <- read_pages <- filemap_fault <- ... <- asm_exc_page_fault (pt_regs)
#   <- rep_stos_alternative <- elf_load <- load_elf_binary <- ... execve
#   <- entry_SYSCALL_64 (pt_regs, user mode)
# Source after guest.sh, target-checks.sh and break-helpers.sh; needs a
# guest with the 9p share mounted (trixie).
#
#   deep_stack_stop DIR   leave the guest stopped there; sets DEEP_CPU (the
#        vCPU that hit the last breakpoint), DEEP_FUNCTIONS (the functions the breakpoints
#        stopped in, outermost first) and DEEP_BIN (the binary's name).
# SPDX-License-Identifier: GPL-2.0-or-later

deep_stack_stop() {
	local dir=$1 f n=0 cpu
	DEEP_BIN=deep-bin
	DEEP_FUNCTIONS="load_elf_binary p9_virtio_zc_request vp_notify"
	# A static binary the guest has not read yet: its own busybox (from
	# its initramfs; the guest has no C library).  9p reads ahead only a
	# few pages (the mount's msize), so the page of the file holding the
	# start of the bss, near its end, is not in the page cache when the
	# loader clears it.
	if ! (cd "$dir" && gzip -dc "$GUEST_WORKDIR/initrd.cpio.gz" | cpio -id --quiet bin/busybox) ||
		! mv "$dir/bin/busybox" "$GUEST_SHARE/$DEEP_BIN"; then
		die "no bin/busybox in the guest's initramfs"
	fi
	rm -f "$GUEST_SHARE/go"
	# The exec must be the only one after the breakpoints are planted, and
	# every command on the console execs: a waiter started now polls for
	# a file on the share with shell builtins only, then execs.
	guest_run "mkfifo /tmp/deep-tick; (while [ ! -e /mnt/go ]; do read -t 1 x <>/tmp/deep-tick; done;
		exec /mnt/$DEEP_BIN true) </dev/null >/dev/null 2>&1 &" || die "cannot start the exec waiter"
	# Three breakpoints one after the other, each leaving the guest
	# stopped: the exec (load_elf_binary), the 9p read under it, and that
	# read's notification of the virtio device, the deepest of the path.
	for f in $DEEP_FUNCTIONS; do
		BREAK_OUT=$dir/deep-break-$n.jsonl
		BREAK_GLOBAL_OPTS=--keep-stopped break_start "$BREAK_OUT" --count 1 --wait 60 "$f"
		[ "$n" = 0 ] && touch "$GUEST_SHARE/go"
		break_wait 0
		cpu=$(sed -n 's/^{"hit":1,.*"cpu":\([0-9]*\),.*/\1/p' "$BREAK_OUT")
		[ -n "$cpu" ] || die "break $f: no hit: $(cat "$BREAK_OUT")"
		# (The task may move to the other vCPU between two hits.)
		DEEP_CPU=$cpu
		n=$((n + 1))
	done
	say "guest stopped in $f on CPU $DEEP_CPU, under the exec of /mnt/$DEEP_BIN"
}
