# Shared by the script tests: the kinspect under test, assertions that say
# what they expected, and a per-test scratch directory.
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

: "${top_srcdir:?run through make check}" "${KINSPECT:?run through make check}"
test_name=$(basename "$0" .test)

# Every run of the program under test goes through this, so that
# "make check-valgrind" can put valgrind in front of it.
kinspect() {
	${KINSPECT_WRAPPER:-} "$KINSPECT" "$@"
}

say() { echo "$test_name: $*"; }
fail() { echo "$test_name: FAIL: $*" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/kinspect-$test_name.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# run_expect STATUS CMD... : run CMD, keep stdout/stderr in $scratch/out and
# $scratch/err, and fail unless it exits with STATUS.
run_expect() {
	local want=$1 got=0
	shift
	"$@" >"$scratch/out" 2>"$scratch/err" || got=$?
	if [ "$got" != "$want" ]; then
		echo "--- stdout"; cat "$scratch/out"; echo "--- stderr"; cat "$scratch/err"
		fail "'$*' exited $got, expected $want"
	fi
}

# assert_grep PATTERN FILE : FILE has a line matching the extended regex.
assert_grep() {
	grep -Eq -- "$1" "$2" || { echo "--- $2"; cat "$2"; fail "no line matching /$1/ in $(basename "$2")"; }
}

# assert_one_line FILE : FILE is exactly one line (errors must be one line).
assert_one_line() {
	local n
	n=$(wc -l <"$1")
	[ "$n" = 1 ] || { cat "$1"; fail "expected one line in $(basename "$1"), got $n"; }
}

# A Debian kernel from the test cache (fetched on first use).
kernel_dir() {
	"$top_srcdir/tests/vm/fetch-kernel.sh" "$1"
}
