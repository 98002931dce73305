# shellcheck shell=bash
# The gdbs a gdb test runs, and waiting for gdb's output; source after
# target-checks.sh (say, die).
#   gdb_pick     GDB_FULL (Debian's gdb: $GDB or gdb on PATH) and
#                GDB_MINIMAL (gdb without Python, fetched into the test
#                cache; empty where the distribution has no real one), said
#   wait_for FILE TEXT SECONDS   until FILE holds TEXT; false on timeout
# SPDX-License-Identifier: GPL-2.0-or-later

gdb_pick() {
	local status=0
	GDB_FULL=${GDB:-gdb}
	command -v "$GDB_FULL" >/dev/null || die "no gdb"
	GDB_MINIMAL=$("$here/fetch-gdb-minimal.sh") || status=$?
	case $status in
	0) ;;
	3) GDB_MINIMAL= ;;
	*) die "cannot fetch gdb-minimal" ;;
	esac
	say "gdb: $("$GDB_FULL" --version | head -n1)"
	if [ -n "$GDB_MINIMAL" ]; then
		say "gdb-minimal: $("$GDB_MINIMAL" --version | head -n1)"
	else
		say "gdb-minimal: none in this distribution (no real gdb-minimal package): its leg is skipped"
	fi
}

wait_for() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
