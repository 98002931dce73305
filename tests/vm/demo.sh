#!/bin/bash
# Boot a test guest, show what it runs, run a command against it, stop it.
#
# Usage: [KINSPECT_DEMO_CMD='...'] demo.sh [bookworm|trixie]   (default trixie)
# The guest gets every test module of the kernel (on trixie the 9p stack,
# with the host share on /mnt).  In KINSPECT_DEMO_CMD these are replaced:
#   @GDB@ gdbstub address (127.0.0.1:PORT)   @VMLINUX@ vmlinux with DWARF
#   @MODDIR@ directory of the .ko files      @SYSTEM_MAP@ System.map
#   @QMP@ QMP socket                         @SHARE@ host side of /mnt
# The command runs on the host through bash, bounded by
# KINSPECT_DEMO_TIMEOUT seconds (300).  Exit status: non-zero if booting,
# reading the guest or the command failed.
set -euo pipefail

suite=${1:-trixie}
here=$(cd "$(dirname "$0")" && pwd)
export GUEST_LOG_TAG=demo
# shellcheck source=guest.sh
. "$here/guest.sh"

guest_start "$suite"

# A short summary of the running kernel, from the guest itself.
rel=$(guest_run 'uname -r')
echo "== $suite guest: kernel $rel, booted in ${GUEST_BOOT_SECONDS} s"
echo "== modules (/proc/modules: name, size, address)"
guest_run 'cat /proc/modules' | awk '{ printf "   %-14s %8s  %s\n", $1, $2, $6 }'
rt=$(guest_run "grep -m1 ' _text\$' /proc/kallsyms" | awk '{ print $1 }')
st=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
printf '== KASLR: _text 0x%s, System.map 0x%s, slide 0x%x\n' "$rt" "$st" $((0x$rt - 0x$st))
echo "== gdbstub $GUEST_GDB, QMP $GUEST_QMP"
echo "== vmlinux $GUEST_VMLINUX"

status=0
if [ -n "${KINSPECT_DEMO_CMD:-}" ]; then
	cmd=$KINSPECT_DEMO_CMD
	cmd=${cmd//@GDB@/$GUEST_GDB}
	cmd=${cmd//@VMLINUX@/$GUEST_VMLINUX}
	cmd=${cmd//@MODDIR@/$GUEST_MODDIR}
	cmd=${cmd//@SYSTEM_MAP@/$GUEST_SYSTEM_MAP}
	cmd=${cmd//@QMP@/$GUEST_QMP}
	cmd=${cmd//@SHARE@/$GUEST_SHARE}
	echo "== running: $cmd"
	timeout "${KINSPECT_DEMO_TIMEOUT:-300}" bash -c "$cmd" </dev/null || status=$?
	echo "== exit status $status"
	[ "$status" != 124 ] || echo "== (timed out after ${KINSPECT_DEMO_TIMEOUT:-300} s)"
fi

guest_stop
exit "$status"
