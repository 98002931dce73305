#!/bin/bash
# A long fuzzing campaign, by hand (never in the gate): every fuzz target of
# tests/fuzz/fuzz-bounded.test, or those named, for SECONDS each, one after
# another, built and seeded as the test builds and seeds them (each harness
# linked with BUILD-DIR's "make fuzz-library", one build at a time: two
# campaigns may share BUILD-DIR).  Corpora,
# logs and a summary table (executions, rate, coverage, features, corpus
# size, findings) go to DIR, for bench/FUZZING.md.
#
# Usage: bench/fuzz-campaign.sh BUILD-DIR DIR SECONDS [TARGET...]
#   e.g. bench/fuzz-campaign.sh _build /var/tmp/fuzz 3600 fuzz-files fuzz-proxy
set -uo pipefail
build=$(cd "${1:?usage: fuzz-campaign.sh BUILD-DIR DIR SECONDS [TARGET...]}" && pwd) || exit 2
mkdir -p "${2:?}"
dir=$(cd "$2" && pwd)
seconds=${3:?}
shift 3
FUZZ_CAMPAIGN_SECONDS=$seconds FUZZ_CAMPAIGN_DIR=$dir FUZZ_CAMPAIGN_TARGETS="$*" \
	make -C "$build" -s check TESTS=tests/fuzz/fuzz-bounded.test >"$dir/make.log" 2>&1 || status=$?
{
	echo "| target | execs | execs/s | cov | ft | corpus | findings |"
	echo "|---|---|---|---|---|---|---|"
	for log in "$dir"/fuzz-*.log; do
		name=$(basename "$log" .log)
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		# The last status line: "#N DONE cov: C ft: F corp: K/..." or a pulse.
		last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1)
		cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
		ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
		corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
		findings=$(ls "$build/tests/fuzz/findings/$name-"* 2>/dev/null | wc -l)
		echo "| $name | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $findings |"
	done
} | tee "$dir/summary.md"
exit "${status:-0}"
