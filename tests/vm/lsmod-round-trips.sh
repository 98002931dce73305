#!/bin/bash
# The round-trip budget of a live lsmod (issue 5): at most 3 round trips per
# module the guest reports, plus a constant, beyond what connecting and the
# KASLR check cost (measured with "sym", which needs nothing more).  Counts
# are deterministic where times are not.  What lsmod prints with the memory
# cache and its batched reads is what it prints reading everything one by
# one (KINSPECT_NO_MEMORY_CACHE), and agrees with the guest's own view.
#
# Usage: lsmod-round-trips.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT)
set -euo pipefail

suite=${1:?usage: lsmod-round-trips.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=lsmod-round-trips-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"

# Per module: the struct module (the list walk needs each one before the
# next); what they point to (notes, users) comes in batches for all modules.
PER_MODULE=3
# The list head, the taint table and spare for the batches.
CONSTANT=4

guest_start "$suite"
w=$GUEST_WORKDIR
nr=$(guest_run 'wc -l </proc/modules')
[ "$nr" -ge 3 ] || die "the guest reports $nr modules: too few to measure"
module_truth "$w"
module_details_truth "$w"

# trips (target-checks.sh) counts the round trips of one run.
base=$(trips "$w/sym.out" sym init_task)
budget=$((PER_MODULE * nr + CONSTANT))
for args in "lsmod" "--json lsmod" "-m $GUEST_MODDIR lsmod" "--json -m $GUEST_MODDIR lsmod"; do
	# shellcheck disable=SC2086 # the words of ARGS
	total=$(trips "$w/got.out" $args)
	own=$((total - base))
	[ "$own" -le "$budget" ] ||
		die "$args: $own round trips for $nr modules ($total in all, $base to connect and check KASLR): budget $budget"
	# shellcheck disable=SC2086
	KINSPECT_NO_MEMORY_CACHE=1 trips "$w/want.out" $args >/dev/null
	diff -u "$w/want.out" "$w/got.out" || die "$args: output with the batched reads differs from reading one by one"
	say "ok: $args: $own round trips for $nr modules (budget $PER_MODULE a module + $CONSTANT = $budget;" \
		"$total in all with $base to connect and check KASLR); same output as uncached"
done

# --sections is not in the budget: it must still agree, and stay within
# what reading the section lists one by one costs.
sections=$(trips "$w/got.out" lsmod --sections)
uncached=$(KINSPECT_NO_MEMORY_CACHE=1 trips "$w/want.out" lsmod --sections)
diff -u "$w/want.out" "$w/got.out" || die "lsmod --sections: output with the batched reads differs"
[ "$sections" -le "$uncached" ] || die "lsmod --sections: $sections round trips, more than uncached ($uncached)"
say "ok: lsmod --sections: $sections round trips ($uncached uncached), same output"

# And what it prints is the guest's own view.
check_modules "$GUEST_GDB" "$w" live
check_module_details "$GUEST_GDB" "$w" live "$GUEST_MODDIR"

guest_stop
say "PASS"
