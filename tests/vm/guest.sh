# shellcheck shell=bash
# A QEMU test guest for kinspect's tests; source this file from bash.
#
#   guest_start SUITE [MODULE...|none]   boot bookworm|trixie (fetched if
#        needed) with these modules insmodded (default: every module the
#        kernel directory has; "none": no module; dependencies present in
#        the directory are added and ordered first).  Waits for the guest's
#        ready marker, installs EXIT/INT/TERM/HUP traps that stop the guest.
#   guest_run 'CMD'          run a shell command line in the guest; its stdout
#        on stdout, its stderr on stderr, returns its exit status (124 and a
#        message on timeout, 125 if the guest is gone).
#   guest_qmp 'JSON'         one QMP command; prints the reply line.
#   guest_dump FILE [paging=false|true] [format=elf|kdump-zlib|...]
#        dump-guest-memory into FILE (synchronous); fails on an error reply
#        or an empty file.  Debian 12's QEMU 7.2 has only elf and kdump-zlib
#        (lzo/snappy "not available"), writes kdump in makedumpfile's
#        flattened format, and refuses paging=true with kdump.
#   guest_save_ground_truth DIR   proc-modules.txt, sections/<module>.txt,
#        kallsyms-text.txt, release.txt, kaslr-slide.txt read from the guest.
#   guest_kernel_dir SUITE   set GUEST_KERNEL_DIR to the kernel cache dir, print it.
#   guest_modules KERNEL_DIR [MODULE...|none]   the load order guest_start uses.
#   guest_resume             continue the guest if paused (gdbstub attach pauses it).
#   guest_stop               kill the QEMU this shell started (TERM, then KILL),
#        remove its work directory (kept when GUEST_KEEP_WORKDIR=1).
#
# After guest_start these are exported:
#   GUEST_SUITE GUEST_DIR (kernel cache dir) GUEST_VMLINUX GUEST_SYSTEM_MAP
#   GUEST_MODDIR GUEST_RELEASE GUEST_MODULES (loaded, in order)
#   GUEST_GDB_PORT GUEST_GDB (127.0.0.1:PORT) GUEST_QMP (unix socket)
#   GUEST_SHARE (host dir mounted on /mnt in the guest when 9p is loaded)
#   GUEST_WORKDIR GUEST_CONSOLE_LOG GUEST_PID GUEST_MEM_MB GUEST_BOOT_SECONDS
#
# Settings (environment): GUEST_BOOT_TIMEOUT (120 s), GUEST_RUN_TIMEOUT (60 s),
# GUEST_QMP_TIMEOUT (600 s), GUEST_STOP_TIMEOUT (10 s), GUEST_MEM_MB (1024),
# GUEST_SMP (2), GUEST_TCG_THREAD (single; multi = MTTCG, see _guest_launch), GUEST_READY_MARKER (tests of the timeout), GUEST_KEEP_WORKDIR,
# GUEST_LOG_TAG (prefix of progress lines), GUEST_NO_TRAP (no traps set),
# GUEST_GDB_PORT_PICK=random (skip port 0 + QMP query-chardev).
# GUEST_APPEND (more words for the kernel command line, e.g. log_buf_len=256k).
#
# Host needs: bash, coreutils, awk, grep, sed, gzip, socat, busybox-static,
# qemu-system-x86 (plus apt, dpkg, util-linux for fetch-kernel.sh).
# The console protocol is described in guest-init.sh.
#
# Call guest_start in the test's main shell (not in $(...)): the QEMU pid is
# recorded there.  One guest per shell; run tests in separate processes to
# have several guests at once (ports and paths never collide).  A test that
# needs its own EXIT trap must set it after guest_start and call guest_stop.

_GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_GUEST_PID=
_GUEST_READER_PID=
_GUEST_GUARD_PID=
_GUEST_IN_FD=

# Progress and error lines go to stderr, tagged with the test's name.
_guest_log() { echo "${GUEST_LOG_TAG:-${0##*/}}: $*" >&2; }

# Seconds (with fractions) since the epoch, for deadlines and timings.
_guest_now() { echo "${EPOCHREALTIME:-$(date +%s.%N)}"; }

# Whether the time $1 (from _guest_now) has passed; awk does the float math.
_guest_past() { awk -v d="$1" -v n="$(_guest_now)" 'BEGIN { exit !(n >= d) }'; }

# Time $1 plus $2 seconds.
_guest_plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", a + b }'; }

# The time elapsed since $1, in seconds with one decimal.
_guest_since() { awk -v a="$1" -v n="$(_guest_now)" 'BEGIN { printf "%.1f\n", n - a }'; }

# The last console lines, carriage returns removed, for failure reports.
_guest_console_tail() {
	[ -f "${GUEST_CONSOLE_LOG:-}" ] || return 0
	_guest_log "---- last ${1:-40} console lines ($GUEST_CONSOLE_LOG) ----"
	tail -n "${1:-40}" "$GUEST_CONSOLE_LOG" | tr -d '\r' | sed 's/^/  | /' >&2
	if [ -s "$GUEST_WORKDIR/qemu.log" ]; then
		_guest_log "---- qemu output ----"
		sed 's/^/  | /' "$GUEST_WORKDIR/qemu.log" >&2
	fi
}

# _guest_stuck_report: after a console command timed out, what QEMU says of
# the VM (paused, running, debug) and where each vCPU is, so that a guest
# left stopped tells apart from one hung inside the kernel.  The stacks come
# from kinspect ($KINSPECT, when the test has one) with --qmp, which leaves
# the VM in the run state it found.
_guest_stuck_report() {
	_guest_log "run state: $(guest_qmp '{"execute":"query-status"}' 2>&1 | tr -d '\n')"
	[ -x "${KINSPECT:-}" ] && [ -n "${GUEST_VMLINUX:-}" ] || return 0
	_guest_log "---- kinspect bt --all ----"
	timeout 60 "$KINSPECT" --qmp "$GUEST_QMP" -k "$GUEST_VMLINUX" -t "$GUEST_GDB" bt --all 2>&1 | sed 's/^/  | /' >&2
}

# Whether the QEMU this shell started still runs.
_guest_alive() { [ -n "$_GUEST_PID" ] && kill -0 "$_GUEST_PID" 2>/dev/null; }

# The module names a .ko file depends on (its .modinfo "depends=" entry).
_guest_ko_depends() {
	tr '\0' '\n' <"$1" | grep -a '^depends=' | sed -n '1s/^depends=//p' | tr ',' ' '
}

# guest_modules KERNEL_DIR [MODULE...|none]: the modules to load, in load
# order: the given ones (every .ko of the directory when none is given) plus
# their dependencies found in the directory, each after what it needs.
guest_modules() {
	local kdir=$1 m f
	shift
	local -a want=("$@") order=()
	local -A seen=()
	if [ ${#want[@]} -eq 0 ]; then
		for f in "$kdir"/modules/*.ko; do
			[ -f "$f" ] && f=${f##*/} && want+=("${f%.ko}")
		done
	elif [ "${want[*]}" = none ]; then
		return 0
	fi
	_guest_visit() {
		local m=${1//-/_} f d
		[ -z "${seen[$m]:-}" ] || return 0
		seen[$m]=1
		f=$kdir/modules/$m.ko
		[ -f "$f" ] || f=$kdir/modules/${m//_/-}.ko
		if [ -f "$f" ]; then
			for d in $(_guest_ko_depends "$f"); do _guest_visit "$d"; done
		fi
		order+=("$m")
	}
	for m in "${want[@]}"; do _guest_visit "$m"; done
	echo "${order[*]}"
}

# _guest_gdb_port: the port the gdbstub listens on, from QMP query-chardev
# (QEMU was told port 0, so the kernel picked a free one, race-free).
_guest_gdb_port() {
	local reply
	reply=$(guest_qmp '{"execute":"query-chardev"}') || return 1
	# One object per line; the "gdb" chardev names its bound address.
	echo "$reply" | tr '}' '\n' | awk '/"label": *"gdb"/ && match($0, /tcp:127\.0\.0\.1:[0-9]+/) && !n++ {
		print substr($0, RSTART + 14, RLENGTH - 14) }'
}

# _guest_launch PORT: start QEMU (gdbstub on PORT, 0 = any free one) and the
# console reader in the work directory; wait (bounded) for the QMP socket.
# Returns 2 when the gdb port was taken, so the caller can retry.
_guest_launch() {
	local port=$1 w=$GUEST_WORKDIR deadline
	rm -f "$w/console.in" "$w/console.out" "$w/qmp.sock"
	mkfifo "$w/console.in" "$w/console.out"
	: >"$GUEST_CONSOLE_LOG"
	# The reader copies the console to the log; it ends when QEMU closes it.
	cat "$w/console.out" >>"$GUEST_CONSOLE_LOG" 2>/dev/null </dev/null &
	_GUEST_READER_PID=$!
	# Single-threaded TCG: with one host thread per vCPU (MTTCG) the kernel's
	# cross-CPU code patching (static keys, text_poke_bp) races with stale
	# translations and oopses at boot now and then ("Oops: int3" at
	# sched_clock_cpu, about 1 boot in 15 on trixie).
	qemu-system-x86_64 -accel "tcg,thread=${GUEST_TCG_THREAD:-single}" -m "$GUEST_MEM_MB" -smp "${GUEST_SMP:-2}" \
		-nographic -monitor none -nic none -no-reboot \
		-kernel "$GUEST_DIR/vmlinuz" -initrd "$w/initrd.cpio.gz" \
		-append "console=ttyS0 panic=-1 kinspect.modules=${GUEST_MODULES// /,}${GUEST_APPEND:+ $GUEST_APPEND}" \
		-serial "pipe:$w/console" \
		-gdb "tcp:127.0.0.1:$port" \
		-qmp "unix:$GUEST_QMP,server=on,wait=off" \
		-device vmcoreinfo \
		-virtfs "local,path=$GUEST_SHARE,security_model=none,mount_tag=share" \
		</dev/null >"$w/qemu.log" 2>&1 &
	_GUEST_PID=$!
	GUEST_PID=$_GUEST_PID
	deadline=$(_guest_plus "$(_guest_now)" 30)
	until [ -S "$GUEST_QMP" ]; do
		if ! _guest_alive; then
			wait "$_GUEST_PID" 2>/dev/null || true
			_GUEST_PID=
			kill "$_GUEST_READER_PID" 2>/dev/null || true
			wait "$_GUEST_READER_PID" 2>/dev/null || true
			_GUEST_READER_PID=
			grep -qiE 'address already in use|failed to bind' "$w/qemu.log" && return 2
			_guest_log "QEMU exited at start:"
			sed 's/^/  | /' "$w/qemu.log" >&2
			return 1
		fi
		if _guest_past "$deadline"; then
			_guest_log "QEMU did not create its QMP socket within 30 s"
			return 1
		fi
		sleep 0.05
	done
	return 0
}

# _guest_guard PARENT: a watchdog that kills QEMU and removes the work
# directory if the test shell dies without running its traps (SIGKILL).
_guest_guard() {
	local parent=$1 qpid=$_GUEST_PID w=$GUEST_WORKDIR
	(
		set +e
		exec </dev/null >/dev/null 2>&1
		while kill -0 "$parent" && kill -0 "$qpid"; do sleep 1; done
		if kill -0 "$qpid"; then
			kill -TERM "$qpid"
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" || break; sleep 1; done
			kill -KILL "$qpid"
			rm -rf "$w"
		fi
	) &
	_GUEST_GUARD_PID=$!
}

# _guest_wait_ready: wait (bounded) for the ready marker; fail early on a
# failed insmod or mount, or when QEMU dies.
_guest_wait_ready() {
	local marker=${GUEST_READY_MARKER:-KINSPECT-GUEST-READY}
	local timeout=${GUEST_BOOT_TIMEOUT:-120} start deadline bad
	start=$(_guest_now)
	deadline=$(_guest_plus "$start" "$timeout")
	while :; do
		bad=$(grep -a -m1 -E 'KINSPECT-(INSMOD|MOUNT)-FAILED' "$GUEST_CONSOLE_LOG" | tr -d '\r') || true
		if [ -n "$bad" ]; then
			_guest_console_tail 30
			_guest_log "guest setup failed: $bad"
			return 1
		fi
		if grep -aq -- "$marker" "$GUEST_CONSOLE_LOG"; then
			GUEST_BOOT_SECONDS=$(_guest_since "$start")
			return 0
		fi
		if ! _guest_alive; then
			_guest_console_tail 40
			_guest_log "QEMU exited before the guest was ready"
			return 1
		fi
		if _guest_past "$deadline"; then
			_guest_console_tail 40
			_guest_log "timeout: no '$marker' on the console after ${timeout} s (GUEST_BOOT_TIMEOUT)"
			return 1
		fi
		sleep 0.1
	done
}

# Traps: any exit of the test shell stops the guest it started.
_guest_on_exit() {
	local st=$?
	guest_stop || true
	exit "$st"
}
_guest_install_traps() {
	trap _guest_on_exit EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# guest_kernel_dir SUITE: set GUEST_KERNEL_DIR to the kernel cache directory
# of SUITE (fetched if needed) and print it.  fetch-kernel.sh asks apt each
# time (about 2 s), so the answer is remembered when called outside $(...).
declare -gA _GUEST_KDIRS=()
guest_kernel_dir() {
	local suite=${1:?usage: guest_kernel_dir SUITE} kdir
	if [ -z "${_GUEST_KDIRS[$suite]:-}" ]; then
		if ! kdir=$("$_GUEST_LIB_DIR/fetch-kernel.sh" "$suite") || [ ! -f "$kdir/vmlinuz" ]; then
			_guest_log "cannot fetch the $suite kernel"
			return 1
		fi
		_GUEST_KDIRS[$suite]=$kdir
	fi
	GUEST_KERNEL_DIR=${_GUEST_KDIRS[$suite]}
	echo "$GUEST_KERNEL_DIR"
}

# guest_start SUITE [MODULE...|none]: see the top of this file.
guest_start() {
	local suite=${1:?usage: guest_start SUITE [MODULE...|none]} kdir attempt port rc
	shift
	if [ -n "$_GUEST_PID" ]; then
		_guest_log "guest_start: a guest is already running (pid $_GUEST_PID)"
		return 1
	fi
	local t0
	t0=$(_guest_now)
	guest_kernel_dir "$suite" >/dev/null || return 1
	kdir=$GUEST_KERNEL_DIR
	export GUEST_SUITE=$suite GUEST_DIR=$kdir
	export GUEST_VMLINUX=$kdir/vmlinux GUEST_SYSTEM_MAP=$kdir/System.map
	export GUEST_MODDIR=$kdir/modules GUEST_RELEASE
	GUEST_RELEASE=$(cat "$kdir/release")
	export GUEST_MEM_MB=${GUEST_MEM_MB:-1024}
	export GUEST_MODULES
	GUEST_MODULES=$(guest_modules "$kdir" "$@")
	export GUEST_WORKDIR
	# The QMP socket path must fit a sockaddr_un (108 bytes).
	local tmp=${TMPDIR:-/tmp}
	[ ${#tmp} -le 64 ] || tmp=/tmp
	GUEST_WORKDIR=$(mktemp -d "$tmp/kinspect-guest.XXXXXX")
	export GUEST_SHARE=$GUEST_WORKDIR/share GUEST_QMP=$GUEST_WORKDIR/qmp.sock
	export GUEST_CONSOLE_LOG=$GUEST_WORKDIR/console.log
	export GUEST_PID GUEST_GDB_PORT GUEST_GDB GUEST_BOOT_SECONDS
	mkdir -p "$GUEST_SHARE"
	[ -z "${GUEST_NO_TRAP:-}" ] && _guest_install_traps

	# shellcheck disable=SC2086 # the module names are words
	"$_GUEST_LIB_DIR/build-initramfs.sh" "$kdir" "$GUEST_WORKDIR/initrd.cpio.gz" $GUEST_MODULES || {
		_guest_log "cannot build the initramfs"
		return 1
	}
	# Port 0 first (QEMU binds a free port and QMP tells which); should that
	# not be readable, random ports, retried while QEMU reports them taken.
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		if [ "$attempt" = 1 ] && [ "${GUEST_GDB_PORT_PICK:-auto}" = auto ]; then
			port=0
		else
			port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		fi
		rc=0
		_guest_launch "$port" || rc=$?
		[ "$rc" = 2 ] && { _guest_log "gdb port $port taken, retrying"; continue; }
		[ "$rc" = 0 ] || { guest_stop; return 1; }
		[ "$port" = 0 ] && port=$(_guest_gdb_port)
		[ -n "$port" ] && [ "$port" != 0 ] && break
		_guest_log "cannot read the gdbstub port from QMP; retrying with a chosen port"
		guest_stop --keep-workdir
		port=
	done
	if [ -z "$port" ] || ! _guest_alive; then
		_guest_log "could not start QEMU with a gdbstub port"
		guest_stop
		return 1
	fi
	GUEST_GDB_PORT=$port
	GUEST_GDB=127.0.0.1:$port
	# A read-write open of a FIFO never blocks; QEMU reads the other end.
	exec {_GUEST_IN_FD}<>"$GUEST_WORKDIR/console.in"
	_guest_guard "$BASHPID"
	_guest_log "booting $suite $GUEST_RELEASE (modules: ${GUEST_MODULES:-none}; qemu pid $_GUEST_PID, gdb $GUEST_GDB, work dir $GUEST_WORKDIR)"
	if ! _guest_wait_ready; then
		guest_stop
		return 1
	fi
	_guest_log "guest ready: boot ${GUEST_BOOT_SECONDS} s, total start $(_guest_since "$t0") s"
}

# guest_run 'CMD': see the top of this file.  Each command carries a unique
# id so only its own end marker counts, even after an earlier timeout.
guest_run() {
	local cmd=$1 timeout=${GUEST_RUN_TIMEOUT:-60}
	local id off deadline pause=0.02 st
	if ! _guest_alive; then
		_guest_log "guest_run: no guest running"
		return 125
	fi
	id=${EPOCHREALTIME/./}-$BASHPID-$RANDOM
	off=$(stat -c %s "$GUEST_CONSOLE_LOG")
	printf 'KINSPECT-CMD %s %s\n' "$id" "$(printf '%s' "$cmd" | base64 -w0)" >&"$_GUEST_IN_FD"
	deadline=$(_guest_plus "$(_guest_now)" "$timeout")
	until tail -c +"$((off + 1))" "$GUEST_CONSOLE_LOG" | grep -a "^KINSPECT-END $id " >/dev/null; do
		if ! _guest_alive; then
			_guest_console_tail 30
			_guest_log "guest_run: QEMU exited while running: $cmd"
			return 125
		fi
		if _guest_past "$deadline"; then
			_guest_console_tail 20
			_guest_log "guest_run: timeout after ${timeout} s (GUEST_RUN_TIMEOUT): $cmd"
			_guest_stuck_report
			return 124
		fi
		sleep "$pause"
		[ "$pause" = 0.2 ] || pause=$(awk -v p="$pause" 'BEGIN { p *= 2; print (p > 0.2 ? 0.2 : p) }')
	done
	# Split the captured block into stdout, stderr and the status.
	_guest_section() {
		tail -c +"$((off + 1))" "$GUEST_CONSOLE_LOG" | LC_ALL=C awk -v id="$id" -v want="$1" '
			$0 == "KINSPECT-OUT " id { s = "out"; next }
			$0 == "KINSPECT-ERR " id { s = "err"; next }
			index($0, "KINSPECT-END " id " ") == 1 { if (want == "st") print $3; s = "done"; next }
			s == want { print }'
	}
	_guest_section out
	_guest_section err >&2
	st=$(_guest_section st)
	return "${st:-125}"
}

# guest_qmp 'JSON': one QMP command on a fresh connection (capabilities
# negotiated first); prints the reply, skipping asynchronous events.
guest_qmp() {
	local cmd=$1 timeout=${GUEST_QMP_TIMEOUT:-600} line reply='' rc=0 qin qout qpid
	[ -S "${GUEST_QMP:-}" ] || { _guest_log "guest_qmp: no QMP socket"; return 1; }
	coproc _GUEST_QMP_CO { exec socat - "UNIX-CONNECT:$GUEST_QMP" 2>/dev/null; }
	qout=${_GUEST_QMP_CO[0]} qin=${_GUEST_QMP_CO[1]} qpid=$_GUEST_QMP_CO_PID
	# _guest_qmp_reply SECONDS: read lines until a return or error reply.
	_guest_qmp_reply() {
		local deadline left
		deadline=$(( ${EPOCHSECONDS:-$(date +%s)} + $1 ))
		while :; do
			left=$((deadline - ${EPOCHSECONDS:-$(date +%s)}))
			[ "$left" -gt 0 ] || return 1
			IFS= read -r -t "$left" -u "$qout" line || return 1
			case $line in
			*'"return"'* | *'"error"'*) reply=$line; return 0 ;;
			esac
		done
	}
	if ! IFS= read -r -t 10 -u "$qout" line || [[ $line != *'"QMP"'* ]]; then
		_guest_log "guest_qmp: no QMP greeting"
		rc=1
	else
		echo '{"execute":"qmp_capabilities"}' >&"$qin"
		if ! _guest_qmp_reply 10 || [[ $reply == *'"error"'* ]]; then
			_guest_log "guest_qmp: qmp_capabilities failed: $reply"
			rc=1
		else
			echo "$cmd" >&"$qin"
			if _guest_qmp_reply "$timeout"; then
				echo "$reply"
				[[ $reply == *'"error"'* ]] && rc=1
			else
				_guest_log "guest_qmp: no reply within ${timeout} s to: $cmd"
				rc=1
			fi
		fi
	fi
	exec {qin}>&- {qout}<&-
	kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	return $rc
}

# guest_dump FILE [paging=BOOL] [format=FMT]: see the top of this file.
guest_dump() {
	local file=${1:?usage: guest_dump FILE [paging=true|false] [format=FORMAT]} paging=false format=elf a t0 reply
	shift
	for a in "$@"; do
		case $a in
		paging=true | paging=false) paging=${a#*=} ;;
		# elf, kdump-zlib, kdump-lzo, kdump-snappy; QEMU >= 8.2 also has
		# kdump-raw-*: QEMU 7.2 writes kdump-* in makedumpfile's flattened
		# format (header "makedumpfile", then offset/size records).
		format=elf | format=kdump-[a-z]*) format=${a#*=} ;;
		*) _guest_log "guest_dump: bad argument '$a'"; return 1 ;;
		esac
	done
	[[ $format == *[!a-z-]* ]] && { _guest_log "guest_dump: bad format '$format'"; return 1; }
	case $file in /*) ;; *) file=$PWD/$file ;; esac
	if [[ $file == *[!A-Za-z0-9/._+-]* ]]; then
		_guest_log "guest_dump: unsupported characters in path '$file'"
		return 1
	fi
	rm -f "$file"
	t0=$(_guest_now)
	reply=$(guest_qmp "{\"execute\":\"dump-guest-memory\",\"arguments\":{\"paging\":$paging,\"protocol\":\"file:$file\",\"format\":\"$format\"}}") || {
		_guest_log "guest_dump: dump-guest-memory failed: $reply"
		return 1
	}
	if [ ! -s "$file" ]; then
		_guest_log "guest_dump: $file missing or empty after dump-guest-memory"
		return 1
	fi
	_guest_log "dump $format paging=$paging: $(stat -c %s "$file") bytes in $(_guest_since "$t0") s"
}

# guest_save_ground_truth DIR: what the guest itself reports about its
# modules and its KASLR slide, for later tests to compare kinspect against.
#   proc-modules.txt      /proc/modules
#   sections/<m>.txt      "<section> <address>" from /sys/module/<m>/sections
#   kallsyms-text.txt     the _text line of /proc/kallsyms
#   release.txt           uname -r
#   kaslr-slide.txt       runtime _text minus System.map's _text, hex
guest_save_ground_truth() {
	local dir=${1:?usage: guest_save_ground_truth DIR} m rt st
	mkdir -p "$dir/sections"
	guest_run 'cat /proc/modules' >"$dir/proc-modules.txt" || return 1
	for m in $(cut -d' ' -f1 "$dir/proc-modules.txt"); do
		guest_run "cd /sys/module/$m/sections && for f in .* *; do [ -f \"\$f\" ] && echo \"\$f \$(cat \"\$f\")\"; done" \
			>"$dir/sections/$m.txt" || return 1
	done
	guest_run "grep -m1 ' _text\$' /proc/kallsyms" >"$dir/kallsyms-text.txt" || return 1
	guest_run 'uname -r' >"$dir/release.txt" || return 1
	rt=$(cut -d' ' -f1 "$dir/kallsyms-text.txt")
	st=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
	[ -n "$rt" ] && [ -n "$st" ] || return 1
	printf '0x%x\n' $((0x$rt - 0x$st)) >"$dir/kaslr-slide.txt"
}

# guest_stop [--keep-workdir]: see the top of this file.  Safe to call twice.
guest_stop() {
	local keep=${GUEST_KEEP_WORKDIR:-} i
	[ "${1:-}" = --keep-workdir ] && keep=1
	if [ -n "$_GUEST_GUARD_PID" ]; then
		kill "$_GUEST_GUARD_PID" 2>/dev/null || true
		wait "$_GUEST_GUARD_PID" 2>/dev/null || true
		_GUEST_GUARD_PID=
	fi
	if [ -n "$_GUEST_PID" ]; then
		kill -TERM "$_GUEST_PID" 2>/dev/null || true
		for ((i = 0; i < ${GUEST_STOP_TIMEOUT:-10} * 10; i++)); do
			_guest_alive || break
			sleep 0.1
		done
		if _guest_alive; then
			_guest_log "QEMU pid $_GUEST_PID ignored SIGTERM; killing it"
			kill -KILL "$_GUEST_PID" 2>/dev/null || true
		fi
		wait "$_GUEST_PID" 2>/dev/null || true
		_GUEST_PID=
	fi
	if [ -n "$_GUEST_READER_PID" ]; then
		kill "$_GUEST_READER_PID" 2>/dev/null || true
		wait "$_GUEST_READER_PID" 2>/dev/null || true
		_GUEST_READER_PID=
	fi
	if [ -n "$_GUEST_IN_FD" ]; then
		exec {_GUEST_IN_FD}>&-
		_GUEST_IN_FD=
	fi
	if [ -n "${GUEST_WORKDIR:-}" ] && [ -d "$GUEST_WORKDIR" ]; then
		if [ -n "$keep" ]; then
			[ "${1:-}" = --keep-workdir ] || _guest_log "kept $GUEST_WORKDIR"
		else
			rm -rf "$GUEST_WORKDIR"
		fi
	fi
	return 0
}

# guest_resume: continue the guest if it is paused (a gdbstub connection
# stops it; a 'D' detach or this restarts it).
guest_resume() {
	local st
	st=$(guest_qmp '{"execute":"query-status"}') || return 1
	[[ $st == *'"running": true'* ]] && return 0
	guest_qmp '{"execute":"cont"}' >/dev/null
}
