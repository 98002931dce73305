# shellcheck shell=bash
# Helpers shared by the bench/ scripts: wall-clock timing, min and median
# of repeated runs, ratios, and the gdbstub traffic kinspect -vv reports.
# Source from a bench script; BENCH_RUNS (default 5) is the number of runs.

bench_runs=${BENCH_RUNS:-5}

# bench_ms CMD...: wall time of one run of CMD in milliseconds (its output
# discarded; a failing CMD still counts, as some rows time an error).
bench_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# median: the median of the numbers on stdin (the lower one of an even count).
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# min_median: "MIN / MEDIAN" of the numbers on stdin.
min_median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[1] " / " a[int((NR + 1) / 2)]; else print "n/a" }'; }

# bench_time CMD...: "MIN / MEDIAN" wall ms of $bench_runs runs of CMD.
bench_time() {
	local i
	for ((i = 0; i < bench_runs; i++)); do bench_ms "$@"; done | min_median
}

# ratio A B: A / B to two significant digits ("n/a" when either is not a
# number or B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2g\n", a / b }'
}

# rsp_traffic ERRFILE: "ROUND_TRIPS CONNECT SENT RECEIVED" from the
# "gdbstub ...: N round trips (C to connect)[, M memory reads ("m")], S bytes
# sent, R received" line kinspect -vv writes when it closes the connection
# (its last one; pipelined reads make M larger than N).
rsp_traffic() {
	sed -n 's/.*: \([0-9]*\) round trips (\([0-9]*\) to connect),\( [0-9]* memory reads ("m"),\)\{0,1\} \([0-9]*\) bytes sent, \([0-9]*\) received.*/\1 \2 \4 \5/p' "$1" |
		tail -n1
}

# first_answer PATTERN OUT CMD...: run CMD once under /usr/bin/time; print
# "FIRST TOTAL RSS_KB STATUS": ms from the start to the first stdout line
# matching the extended regex PATTERN ("n/a" if none), ms to the end, peak
# RSS, exit status.  CMD's stdout is kept in OUT, its stderr in OUT.err.
# Line-buffered output is the caller's business (stdbuf -oL, python3 -u).
first_answer() {
	local pattern=$1 out=$2 t0 first=n/a line
	shift 2
	: >"$out"
	t0=${EPOCHREALTIME/./}
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$out"
		if [ "$first" = n/a ] && [[ $line =~ $pattern ]]; then
			first=$(((${EPOCHREALTIME/./} - t0) / 1000))
		fi
	done < <(/usr/bin/time -f "%M %x" -o "$out.time" "$@" 2>"$out.err")
	wait $! 2>/dev/null || true
	local total=$(((${EPOCHREALTIME/./} - t0) / 1000)) rss st
	# /usr/bin/time writes "Command exited with non-zero status N" first.
	rss=$(awk 'END { print $1 }' "$out.time") st=$(awk 'END { print $2 }' "$out.time")
	echo "$first $total ${rss:-0} ${st:-?}"
}

# drop_page_cache: write back and drop the host's page cache (root only),
# for cold runs; returns 1 when it cannot.
drop_page_cache() {
	[ -w /proc/sys/vm/drop_caches ] || return 1
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# die MESSAGE: a benchmark that cannot measure what it should stops.
die() {
	echo "${GUEST_LOG_TAG:-bench}: FAIL: $*" >&2
	exit 1
}

# bench_program VAR: point the variable named VAR, a build tree's program,
# at the program itself.  A build tree's kinspect is libtool's wrapper
# script (it links libkinspect.so): a shell start on every run that the
# installed program does not have.  The real one is .libs/kinspect, run
# with the build's library on LD_LIBRARY_PATH (exported here).
bench_program() {
	local path=${!1} dir
	dir=$(dirname "$path")
	[ -x "$dir/.libs/$(basename "$path")" ] || return 0
	export LD_LIBRARY_PATH=$dir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	printf -v "$1" '%s' "$dir/.libs/$(basename "$path")"
}
[ -z "${KINSPECT:-}" ] || bench_program KINSPECT
