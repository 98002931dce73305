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

# module_file DIR NAME: the .ko of module NAME in DIR (either spelling).
module_file() {
	local f
	for f in "$1/$2.ko" "$1/${2//_/-}.ko" "$1/${2//-/_}.ko"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# module_details_truth DIR: what the guest says about each module's users
# and taints, the build-id of each .ko it loaded (readelf -n of the file in
# $GUEST_MODDIR), and a few module symbols from /proc/kallsyms whose name
# and address are unique there: per module up to two functions and two data
# objects, "ADDRESS TYPE NAME MODULE" in DIR/modsyms-want.  Read now, with
# the module list, so that a dump taken next describes the same moment.
module_details_truth() {
	local dir=$1 m f
	guest_run 'cat /proc/modules' | awk '{ u = $4; sub(/,$/, "", u); print $1, u }' | sort >"$dir/usedby-want"
	guest_run 'for m in $(cut -d" " -f1 /proc/modules); do t=$(cat /sys/module/$m/taint); echo "$m ${t:--}"; done' |
		sort >"$dir/taints-want"
	: >"$dir/buildid-want"
	for m in $(cut -d' ' -f1 "$dir/usedby-want"); do
		f=$(module_file "$GUEST_MODDIR" "$m") || die "no .ko of loaded module $m in $GUEST_MODDIR"
		echo "$m $(readelf -n "$f" | sed -n 's/^ *Build ID: *//p')" >>"$dir/buildid-want"
	done
	# Two passes over kallsyms: first count names and addresses, then pick.
	guest_run "awk 'NR == FNR { n[\$3]++; a[\$1]++; next }
		\$4 ~ /^\\[/ && n[\$3] == 1 && a[\$1] == 1 && \$3 !~ /[.]/ {
			k = (\$2 ~ /^[tT]\$/) ? \"f\" : (\$2 ~ /^[dDbBrR]\$/) ? \"d\" : \"\"
			if (k != \"\" && c[\$4 k]++ < 2) { m = \$4; gsub(/[][]/, \"\", m); print \$1, \$2, \$3, m }
		}' /proc/kallsyms /proc/kallsyms" | sort -k4,4 -k3,3 >"$dir/modsyms-want"
	[ "$(wc -l <"$dir/modsyms-want")" -ge 4 ] || die "few unique module symbols in kallsyms: $(cat "$dir/modsyms-want")"
}

# check_module_details TARGET DIR LABEL MODDIR: lsmod -m MODDIR shows the
# guest's users, taints and build-ids, finds every .ko under MODDIR with the
# build-id verified, and sym finds module symbols both ways as kallsyms
# has them (truth from module_details_truth).
check_module_details() {
	local target=$1 dir=$2 label=$3 moddir=$4 names addrs
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$moddir" lsmod >"$dir/lsmod.out" 2>"$dir/lsmod.err" ||
		{ cat "$dir/lsmod.err"; die "$label: lsmod -m failed"; }
	[ ! -s "$dir/lsmod.err" ] || { cat "$dir/lsmod.err"; die "$label: lsmod -m warned"; }
	awk 'NR > 1 && !/^ / { print $1, $8 }' "$dir/lsmod.out" | sort >"$dir/usedby-got"
	diff -u "$dir/usedby-want" "$dir/usedby-got" || die "$label: lsmod's USED BY differs from /proc/modules"
	awk 'NR > 1 && !/^ / { print $1, $7 }' "$dir/lsmod.out" | sort >"$dir/taints-got"
	diff -u "$dir/taints-want" "$dir/taints-got" || die "$label: lsmod's TAINTS differ from /sys/module/*/taint"
	awk 'NR > 1 && !/^ / { m = $1 } /^  build-id / { print m, $2 }' "$dir/lsmod.out" | sort >"$dir/buildid-got"
	sort "$dir/buildid-want" | diff -u - "$dir/buildid-got" || die "$label: build-ids differ from readelf -n"
	awk 'NR > 1 && !/^ / { m = $1 } /^  build-id / { print m, $3 }' "$dir/lsmod.out" >"$dir/files-got"
	# With --sections the build-id comes from the section list, not the notes.
	kinspect -k "$GUEST_VMLINUX" -t "$target" lsmod --sections >"$dir/lsmod-s.out" 2>"$dir/lsmod.err" ||
		{ cat "$dir/lsmod.err"; die "$label: lsmod --sections failed"; }
	awk 'NR > 1 && !/^ / { m = $1 } /^  build-id / { print m, $2 }' "$dir/lsmod-s.out" | sort |
		diff -u "$dir/buildid-got" - || die "$label: build-ids from the section list differ from the notes'"
	while read -r m f; do
		case $f in "$moddir"/*) ;; *) die "$label: module $m: no file under $moddir: $f" ;; esac
	done <"$dir/files-got"
	kinspect --json -k "$GUEST_VMLINUX" -t "$target" -m "$moddir" lsmod >"$dir/lsmod.json" 2>"$dir/lsmod.err" ||
		{ cat "$dir/lsmod.err"; die "$label: lsmod --json -m failed"; }
	[ "$(grep -c '"file_verified": true' "$dir/lsmod.json")" = "$(wc -l <"$dir/usedby-want")" ] ||
		die "$label: lsmod --json does not verify every file: $(cat "$dir/lsmod.json")"

	# Names to addresses, then addresses (and address + 1 for functions) back.
	names=$(awk '{ print $3 }' "$dir/modsyms-want")
	# shellcheck disable=SC2086
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$moddir" sym $names >"$dir/sym.out" 2>"$dir/sym.err" ||
		{ cat "$dir/sym.err"; die "$label: sym of module symbols failed"; }
	awk '{ print $1, $3, $4 }' "$dir/sym.out" | sort >"$dir/sym-got"
	awk '{ print $1, $3, "[" $4 "]" }' "$dir/modsyms-want" | sort | diff -u - "$dir/sym-got" ||
		die "$label: module symbol addresses differ from /proc/kallsyms"
	: >"$dir/addr-want"
	addrs=
	while read -r a t n m; do
		addrs="$addrs 0x$a"
		echo "$a $n+0x0 [$m]" >>"$dir/addr-want"
		case $t in
		[tT])
			addrs="$addrs $(printf '0x%x' $((0x$a + 1)))"
			echo "$(printf '%016x' $((0x$a + 1))) $n+0x1 [$m]" >>"$dir/addr-want"
			;;
		esac
	done <"$dir/modsyms-want"
	# shellcheck disable=SC2086
	kinspect -k "$GUEST_VMLINUX" -t "$target" -m "$moddir" sym $addrs >"$dir/sym.out" 2>"$dir/sym.err" ||
		{ cat "$dir/sym.err"; die "$label: sym of module addresses failed"; }
	awk '{ print $1, $2, $3 }' "$dir/sym.out" | sort >"$dir/addr-got"
	sort "$dir/addr-want" | diff -u - "$dir/addr-got" ||
		die "$label: module addresses symbolize differently from /proc/kallsyms"
	say "ok: $label: lsmod -m ($moddir) equals /proc/modules users, /sys/module/*/taint and readelf build-ids;" \
		"$(wc -l <"$dir/modsyms-want") module symbols equal /proc/kallsyms both ways"
}

# trips OUT ARGS...: the gdbstub round trips of one "kinspect -vv ARGS" run
# against the guest (its output in OUT, its stderr in OUT.err).
trips() {
	local out=$1 n
	shift
	kinspect -vv -k "$GUEST_VMLINUX" -t "$GUEST_GDB" "$@" >"$out" 2>"$out.err" ||
		{ cat "$out.err"; die "kinspect $* failed"; }
	n=$(sed -n 's/.*: \([0-9]*\) round trips (.*/\1/p' "$out.err" | tail -n1)
	[ -n "$n" ] || die "kinspect $*: no round-trip count in: $(cat "$out.err")"
	echo "$n"
}

# comm_matches GOT WANT: whether task->comm GOT is what the guest's
# /proc/PID/comm says, WANT: task->comm holds 15 characters, and /proc shows
# a kernel thread's full name and a workqueue worker's "-queue"/"+work".
comm_matches() {
	case $2 in
	"$1") return 0 ;;
	"$1"*) [ ${#1} = 15 ] || [[ $2 == "$1"[-+]* ]] ;;
	*) return 1 ;;
	esac
}

# state_agrees PID GOT WANT: whether kinspect's state letter GOT for PID
# agrees with the one the guest listed a moment before, WANT: pid 1 waits
# for the command shell then, reads the console now; a task running (R)
# then may sleep since, or the other way round.
state_agrees() {
	[ "$1" = 1 ] || [ "$2" = "$3" ] || [ "$2" = R ] || [ "$3" = R ]
}
