# shellcheck shell=bash
# text_in_json TEXT JSON SOURCE...: every value the text output TEXT of a
# command shows is in its --json output JSON (src/cli/record-writer.h: one
# renderer per record).  Source this file; it needs bash, jq, awk, grep.
#
# The text is cut into words at spaces and punctuation, and each word (or
# each part of it between '-', '+', '/' and '@') must be
#   - a word of a JSON string value or a key (names, paths, flag names), or
#     a JSON true or false, or
#   - a number equal to a JSON number or address, in decimal, in hex with or
#     without 0x and leading zeros, or (a size) in MiB with one decimal, or
#   - a word of the string literals of SOURCE (the command's C files: its
#     labels, "pfn", "bytes", "unwinding stopped"), never a number.
# Hexdump lines (cli_hexdump()) must spell a JSON hex string, their first
# address a JSON address.  TEXT_IN_JSON_IGNORE, an extended regex, is
# removed from the text first (TEXT_IN_JSON_PRINT_NOTES for print).
# Prints each word that is not in JSON and returns 1 if there is one.
# SPDX-License-Identifier: GPL-2.0-or-later

# cli_hexdump(): "%016lx ", 16 bytes " %02x" (a space more before the 9th),
# "  |ascii|".
_tij_hexdump_re='^[0-9a-f]{16} ( [0-9a-f]{2}|   ){8} ( [0-9a-f]{2}|   ){8}  \|.*\|$'

# What print's text adds to a value (the value printer's p/x form): notes
# (<symbol+0x10>, <repeats N times>) and array indexes ("[2] = ").
TEXT_IN_JSON_PRINT_NOTES=' ?<[^>]*>|^ +\[[0-9]+\] = '

# Words of stdin, one a line: at spaces and punctuation; dots at the ends
# cut off.  With an argument, each word's parts as well.
_tij_words() {
	tr -s '\t\n ()[]{}<>,;:=|"*#$%&!?\\'"'"'`^' '\n' | sed -e 's/^\.*//' -e 's/\.*$//' -e '/^$/d' |
		if [ $# -gt 0 ]; then awk '{ print; n = split($0, p, /[-+\/@]/); for (i = 1; i <= n; i++) if (p[i] != "" && p[i] != $0) print p[i] }'; else cat; fi
}

text_in_json() {
	local text=$1 json=$2 w rc=0
	shift 2
	w=$(mktemp -d "${TMPDIR:-/tmp}/text-in-json.XXXXXX")
	# What JSON has: keys and scalar values, as words.
	jq -r '.. | (if type == "object" then keys[] else empty end), (scalars | select(. != null) | tostring)' \
		"$json" >"$w/values" || { rm -rf "$w"; echo "text_in_json: $json is not JSON"; return 1; }
	_tij_words parts <"$w/values" | sort -u >"$w/allowed"
	# The labels of the command's sources (words of its string literals).
	cat "$@" | grep -oE '"([^"\\]|\\.)*"' | _tij_words parts | grep -vE '^(0x)?[0-9a-f]+$|^[0-9.]+$' | sort -u >"$w/labels" || true

	# Hexdumps: each run of lines is one dump, checked whole.
	grep -nE "$_tij_hexdump_re" "$text" >"$w/dump" || true
	awk -F: -v OFS=' ' '
		function flush() { if (hex != "") print base, hex; hex = "" }
		{ line = substr($0, index($0, ":") + 1) }
		NR == 1 || $1 != last + 1 { flush(); base = substr(line, 1, 16) }
		{ b = substr(line, 18, 49); gsub(/ /, "", b); hex = hex b; last = $1 }
		END { flush() }' "$w/dump" >"$w/dumps"
	grep -vE "$_tij_hexdump_re" "$text" | sed -E "s/${TEXT_IN_JSON_IGNORE:-\$^}//g" | _tij_words >"$w/words" || true
	while read -r base hex; do
		echo "0x$base"
		grep -qx "$hex" "$w/allowed" || { echo "text_in_json: a hexdump at 0x$base of $((${#hex} / 2)) bytes is no JSON hex string"; rc=1; }
	done <"$w/dumps" >>"$w/words"

	# Decimal numbers of both sides, with their hex value, for comparing
	# them with hex (bash's 64-bit arithmetic; awk's doubles are not exact).
	{ cat "$w/allowed"; awk '{ print; n = split($0, p, /[-+\/@]/); for (i = 1; i <= n; i++) print p[i] }' "$w/words"; } |
		grep -E '^[0-9]{1,18}$' | sort -u | while read -r d; do printf '%s %x\n' "$d" "$((10#$d))"; done >"$w/hex"

	awk -v allowed="$w/allowed" -v labels="$w/labels" -v hexfile="$w/hex" '
		function norm(h) { sub(/^0x/, "", h); sub(/^0+/, "", h); return h == "" ? "0" : h }
		BEGIN {
			while ((getline d < hexfile) > 0) { split(d, f, " "); hex[f[1]] = f[2] }
			while ((getline a < allowed) > 0) {
				ok[a] = 1
				if (a ~ /^0x[0-9a-f]+$/) ok["#" norm(a)] = 1
				if (a ~ /^[0-9]+$/) {
					ok["#" hex[a]] = 1
					ok[sprintf("%.1f", a / 1048576)] = 1
				}
			}
			while ((getline l < labels) > 0) label[l] = 1
		}
		function fine(t) {
			if (t in ok || t in label) return 1
			if (t ~ /^[0-9]+$/ && ((t in hex && ("#" hex[t]) in ok) || norm(t) in ok)) return 1
			if (t ~ /^(0x)?[0-9a-f]+$/ && ("#" norm(t)) in ok) return 1
			return 0
		}
		{
			if (fine($0)) next
			n = split($0, p, /[-+\/@]/)
			for (i = 1; i <= n; i++)
				if (p[i] != "" && !fine(p[i])) { print "text_in_json: not in the JSON: " p[i] (p[i] == $0 ? "" : " (of " $0 ")"); bad = 1 }
		}
		END { exit bad }' "$w/words" || rc=1
	rm -rf "$w"
	return $rc
}

# agree DIR COMMAND_FILE ARGS...: run "kinspect ARGS" for text and with
# --json (before ARGS) into DIR, and check them with text_in_json against
# src/cli/COMMAND_FILE (and the record writer).  Needs $top_srcdir, the
# caller's kinspect function and fail (or die).  Returns text_in_json's
# status after printing what it found.
agree() {
	local dir=$1 file=$2 n files
	shift 2
	n=$(ls "$dir" | grep -c '\.text$' || true)
	kinspect "$@" >"$dir/$n.text" 2>"$dir/$n.err" || { cat "$dir/$n.err"; echo "agree: kinspect $* failed"; return 1; }
	kinspect --json "$@" >"$dir/$n.json" 2>"$dir/$n.err" || { cat "$dir/$n.err"; echo "agree: kinspect --json $* failed"; return 1; }
	[ -s "$dir/$n.text" ] || { echo "agree: kinspect $* printed nothing"; return 1; }
	# FILE: the command's source, or several, comma-separated (its
	# renderers shared with other commands: trace-render.c).
	local -a sources=()
	local f
	IFS=, read -ra files <<<"$file"
	for f in "${files[@]}"; do sources+=("$top_srcdir/src/cli/$f"); done
	text_in_json "$dir/$n.text" "$dir/$n.json" "${sources[@]}" "$top_srcdir/src/cli/record-writer.c" ||
		{ echo "agree: kinspect $*: text values missing from --json (text in $dir/$n.text)"; return 1; }
	echo "$(wc -l <"$dir/$n.text") lines, $(wc -c <"$dir/$n.json") bytes of JSON: kinspect $*" >>"$dir/summary"
}
