# Checks of kinspect against the guest's own view, shared by the live and
# the dump tests: the same assertions whatever the target.  Source after
# guest.sh and guest_start.
# SPDX-License-Identifier: GPL-2.0-or-later

say() { echo "$GUEST_LOG_TAG: $*"; }
die() { say "FAIL: $*"; exit 1; }
# Every run goes through this so that "make check-valgrind" can wrap it.
kinspect() { ${KINSPECT_WRAPPER:-} "$KINSPECT" "$@"; }

TRUTH_SYMBOLS="_text linux_banner init_task modules start_kernel jiffies_64"

# symbol_truth DIR: the guest's addresses of TRUTH_SYMBOLS in DIR/want and
# its KASLR slide in $want_slide, read through its console now.
symbol_truth() {
	local pattern want_text map_text
	pattern=$(echo "$TRUTH_SYMBOLS" | sed 's/ /|/g')
	guest_run "grep -E ' ($pattern)\$' /proc/kallsyms" | awk '{ print $1, $3 }' | sort -u -k2 >"$1/want"
	[ "$(wc -l <"$1/want")" -ge 6 ] || die "guest kallsyms: $(cat "$1/want")"
	want_text=$(awk '$2 == "_text" { print $1 }' "$1/want")
	map_text=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
	want_slide=$(printf '0x%x' $((0x$want_text - 0x$map_text)))
	say "guest: _text 0x$want_text, slide $want_slide"
}

# check_symbols_and_reads TARGET DIR LABEL: sym gives the guest's runtime
# addresses (truth from symbol_truth); read finds the banner by symbol and
# names an unreadable address.
check_symbols_and_reads() {
	local target=$1 dir=$2 label=$3 status=0
	# shellcheck disable=SC2086
	kinspect -k "$GUEST_VMLINUX" -t "$target" sym $TRUTH_SYMBOLS >"$dir/out" 2>"$dir/err" ||
		{ cat "$dir/err"; die "$label: sym failed"; }
	awk '{ print $1, $3 }' "$dir/out" | sort -u -k2 >"$dir/got"
	diff -u "$dir/want" "$dir/got" || die "$label: runtime addresses differ from /proc/kallsyms"
	kinspect -k "$GUEST_VMLINUX" -t "$target" read linux_banner 32 >"$dir/out" 2>"$dir/err" ||
		{ cat "$dir/err"; die "$label: read failed"; }
	grep -q '|Linux version ' "$dir/out" || die "$label: read linux_banner: $(cat "$dir/out")"
	kinspect -k "$GUEST_VMLINUX" -t "$target" read 0x10 8 >"$dir/out" 2>"$dir/err" || status=$?
	[ "$status" = 1 ] && grep -q 'at 0x10' "$dir/err" || die "$label: read of 0x10: status $status: $(cat "$dir/err")"
	say "ok: $label: symbols equal /proc/kallsyms; read: banner by symbol, fault at 0x10 named"
}

# module_truth DIR: what the guest says, read through its console now
# (before a dump, so both describe the same moment).
module_truth() {
	guest_run 'cat /proc/modules' | awk '{ print $1, $2, $3, $6 }' | sort >"$1/modules-want"
	guest_run 'for m in $(cut -d" " -f1 /proc/modules); do for f in /sys/module/$m/sections/.* /sys/module/$m/sections/*; do [ -f "$f" ] && echo "$m ${f##*/} $(cat "$f")"; done; done' |
		sort >"$1/sections-want"
}

# check_modules TARGET DIR LABEL: lsmod and lsmod --sections on TARGET equal
# the truth saved in DIR by module_truth.
check_modules() {
	local target=$1 dir=$2 label=$3
	kinspect -k "$GUEST_VMLINUX" -t "$target" lsmod >"$dir/lsmod.out" 2>"$dir/lsmod.err" ||
		{ cat "$dir/lsmod.err"; die "$label: lsmod failed"; }
	awk 'NR > 1 && !/^ / { print $1, $3, $5, $4 }' "$dir/lsmod.out" | sort >"$dir/modules-got"
	diff -u "$dir/modules-want" "$dir/modules-got" || die "$label: lsmod differs from /proc/modules"
	kinspect -k "$GUEST_VMLINUX" -t "$target" lsmod --sections >"$dir/lsmod.out" 2>"$dir/lsmod.err" ||
		{ cat "$dir/lsmod.err"; die "$label: lsmod --sections failed"; }
	awk 'NR > 1 && !/^ / { m = $1 } /^    / { print m, $1, $2 }' "$dir/lsmod.out" | sort >"$dir/sections-got"
	diff -u "$dir/sections-want" "$dir/sections-got" || die "$label: lsmod --sections differs from /sys/module/*/sections"
	say "ok: $label: lsmod equals /proc/modules ($(wc -l <"$dir/modules-want") modules) and" \
		"/sys/module/*/sections ($(wc -l <"$dir/sections-want") sections)"
}
