#!/bin/bash
# Boot a test guest, show what it runs, run a command against it, stop it.
#
# Usage: [KINSPECT_DEMO_CMD='...'] demo.sh [bookworm|trixie]   (default trixie)
#        KINSPECT=path/to/kinspect demo.sh seed
# "seed" is the seeds' scenario on the trixie guest (what tests/bootstrap
# demo shows): a 12943-byte file read over 9p, caught by kinspect break in
# p9_client_read_once (module 9pnet) with its ITER_FOLIOQ destination and
# the reading task's stack, then the module list.
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
scenario=
[ "$suite" = seed ] && scenario=seed suite=trixie
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

# The seeds' scenario: kinspect break waits in p9_client_read_once while the
# guest reads the file; at the hit the iter and the stack are shown.
demo_seed() {
	# shellcheck disable=SC2206 # the wrapper (valgrind ...) is words
	local k=(${KINSPECT_WRAPPER:-} "${KINSPECT:?demo.sh seed needs KINSPECT}" -k "$GUEST_VMLINUX" -m "$GUEST_MODDIR" -t "$GUEST_GDB")
	local out=$GUEST_WORKDIR/break.out pid i md5
	head -c 12943 /dev/urandom >"$GUEST_SHARE/seed.bin"
	echo "== kinspect info"
	"${k[@]}" info || return 1
	echo
	echo "== the guest reads a 12943-byte file over 9p; kinspect stops it in 9pnet's p9_client_read_once:"
	echo "   kinspect -k vmlinux -m MODDIR -t $GUEST_GDB break p9_client_read_once --do 'iov-iter {to}; bt --cpu {cpu}'"
	"${k[@]}" -v break p9_client_read_once --wait 60 --do 'iov-iter {to}; bt --cpu {cpu}' >"$out" 2>"$out.err" &
	pid=$!
	for i in $(seq 300); do
		grep -q 'breakpoint at ' "$out.err" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	md5=$(guest_run 'md5sum /mnt/seed.bin') || { kill "$pid" 2>/dev/null; return 1; }
	wait "$pid" || { cat "$out" "$out.err"; return 1; }
	cat "$out"
	echo "== the guest read md5 ${md5%% *}, the host file has $(md5sum <"$GUEST_SHARE/seed.bin" | cut -d' ' -f1)"
	echo
	echo "== kinspect lsmod"
	"${k[@]}" lsmod
}

status=0
if [ "$scenario" = seed ]; then
	demo_seed || status=$?
	echo "== exit status $status"
elif [ -n "${KINSPECT_DEMO_CMD:-}" ]; then
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
