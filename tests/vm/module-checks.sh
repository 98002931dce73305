# Checks of kinspect's module listing against the guest's own view, shared
# by the live and the dump tests.  Source after guest.sh; the caller defines
# say, die and kinspect.
# SPDX-License-Identifier: GPL-2.0-or-later

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
