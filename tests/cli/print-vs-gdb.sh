#!/bin/bash
# kinspect print agrees with gdb on a real Debian vmlinux, offline (both
# read the initialised data of the file): every scalar leaf of a few
# globals (init_task with its bit-fields, enums and anonymous unions,
# init_mm, init_uts_ns's strings, ...) printed by kinspect --json is asked
# of gdb one by one and must print the same.  Text output, member paths,
# TYPE ADDR and errors are checked too.
#
# Usage: print-vs-gdb.sh SUITE   (run by make check through print-vs-gdb-SUITE.test)
suite=${1:?usage: print-vs-gdb.sh SUITE}
. "$top_srcdir/tests/cli/lib.sh"

gdb=${GDB:-gdb}
command -v "$gdb" >/dev/null 2>&1 || fail "gdb not installed (Debian package gdb)"
command -v jq >/dev/null 2>&1 || fail "jq not installed (Debian package jq)"
vmlinux=$(kernel_dir "$suite")/vmlinux
globals="init_task init_mm init_uts_ns init_nsproxy init_fs init_files jiffies_64 jiffies"

cd "$scratch"
: >leaves
for g in $globals; do
	kinspect --json -k "$vmlinux" print "$g" >"$g.json" 2>err || { cat err; fail "print $g failed"; }
	jq -r -f "$top_srcdir/tests/cli/print-leaves.jq" "$g.json" >>leaves || fail "print --json $g: not JSON"
done
n=$(wc -l <leaves)
[ "$n" -gt 1000 ] || fail "only $n leaves"

# One gdb run asks for every leaf, each behind a marker line: numbers in
# decimal (signed if kinspect says negative), pointers and big integers in
# hex, strings and enumerators as gdb writes them.
args=(-nx -batch -ex 'set print elements 4000' -ex 'set width 0')
i=0
while IFS=$'\t' read -r expr kind value; do
	i=$((i + 1))
	case $kind in
	n) [ "${value#-}" != "$value" ] && fmt=/d || fmt=/u ;;
	b) fmt=/d ;;
	s) [[ $value =~ ^0x[0-9a-f]+$ ]] && fmt=/x || fmt= ;;
	esac
	args+=(-ex "echo @@$i\\n" -ex "print$fmt $expr")
done <leaves
say "asking gdb for $n leaves of: $globals"
"$gdb" "${args[@]}" "$vmlinux" >gdb.out 2>&1 || true
# marker number -> gdb's value (text after "$N = "), or an error line
awk '/^@@[0-9]+$/ { k = substr($0, 3); next } k != "" { v = $0; sub(/^\$[0-9]+ = /, "", v); if (!(k in got)) got[k] = v } END { for (k in got) print k "\t" got[k] }' \
	gdb.out | sort -n >gdb.values

i=0 bad=0
while IFS=$'\t' read -r expr kind value; do
	i=$((i + 1))
	want=$(awk -F'\t' -v k="$i" '$1 == k { sub(/^[^\t]*\t/, ""); print; exit }' gdb.values)
	got=$value
	case $kind in
	b) [ "$value" = true ] && got=1 || got=0 ;;
	s)
		if [[ ! $value =~ ^0x[0-9a-f]+$ ]] && [ "$want" != "$value" ] && [ "$want" = "($value)" ]; then
			got=$want # a flag enumeration: gdb adds parentheses
		elif [[ ! $value =~ ^0x[0-9a-f]+$ ]] && [ "${want:0:1}" = '"' ]; then
			# A char array: gdb writes the trailing NULs as \000 or '\000' <repeats N times>.
			esc=$(printf '%s' "$value" | sed 's/\\/\\\\/g; s/"/\\"/g')
			case $want in "\"$esc\""* | "\"$esc\\000"*) got=$want ;; esac
		fi
		;;
	esac
	if [ "$got" != "$want" ]; then
		bad=$((bad + 1))
		[ "$bad" -le 10 ] && echo "$test_name: differs: $expr: kinspect '$value', gdb '$want'"
	fi
done <leaves
[ "$bad" = 0 ] || fail "$bad of $n leaves differ from gdb"
say "ok: $n leaves equal gdb's"

# Text: gdb's p/x layout, with <symbol> after pointers into the image.
kinspect -k "$vmlinux" print init_uts_ns >text || fail "print init_uts_ns (text) failed"
release=$(cat "$(kernel_dir "$suite")/release")
grep -qxF "    release = \"$release\"," text || { cat text; fail "no release $release in the text"; }
assert_grep '^  user_ns = 0xffffffff[0-9a-f]+ <init_user_ns>,$' text
kinspect -k "$vmlinux" print init_task.comm >text
assert_grep '^init_task.comm = "swapper"$' text
# TYPE ADDR and SYMBOL give the same object; "uts_namespace" is found as a struct.
kinspect --json -k "$vmlinux" print uts_namespace init_uts_ns | jq -c .value >typed
jq -c .value init_uts_ns.json >named
cmp -s typed named || fail "print uts_namespace init_uts_ns differs from print init_uts_ns"
# A member path reads only the member, and agrees with the whole.
kinspect --json -k "$vmlinux" print 'init_mm.mmap_base' | jq .value >member
[ "$(cat member)" = "$(jq .value.mmap_base init_mm.json)" ] || fail "init_mm.mmap_base: $(cat member)"
# An index on the variable itself, and into a char array.
kinspect -k "$vmlinux" print 'init_task.comm[1]' >text
assert_grep '^init_task.comm\[1\] = 0x77$' text
kinspect --json -k "$vmlinux" print '__per_cpu_offset[1]' | jq .value >member
[ "$(cat member)" = "$(kinspect --json -k "$vmlinux" print __per_cpu_offset | jq '.value[1]')" ] ||
	fail "__per_cpu_offset[1]: $(cat member)"
say "ok: text, TYPE ADDR, member paths"

# Errors: one line, exit 1.
for bad_args in "print no_such_symbol_x" "print 'struct no_such_type_x' 0x1000" "print init_task.no_such_member" \
	"print nr_threads" "print --cpu 0 runqueues" "print --cpu 0 init_task"; do
	eval "run_expect 1 kinspect -k \"\$vmlinux\" $bad_args"
	assert_one_line "$scratch/err"
	say "ok: $bad_args: $(cat "$scratch/err")"
done
run_expect 2 kinspect -k "$vmlinux" print
run_expect 2 kinspect -k "$vmlinux" print --cpu x runqueues
say "PASS"
