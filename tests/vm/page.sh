#!/bin/bash
# kinspect page/folio against the guest's own view of its pages, live and on
# a dump taken by the test:
# - an anonymous page (the stack of a sleeping process) and a file page
#   (busybox text from the initramfs), found through /proc/PID/maps and
#   /proc/PID/pagemap: flags equal /proc/kpageflags bit by bit (the KPF_*
#   bits that map one to one, table below), mapcount equals /proc/kpagecount,
#   the file page's inode number equals stat -c %i, its index the file
#   offset, the stack page's contents hold the process's environment;
# - a slab page (the kobject kernel_kobj points to): slab, kmalloc cache
#   named in /proc/slabinfo; direct-map translation equals the page walk;
# - a compound page found in /proc/kpageflags: a tail page resolves to its
#   head, the order equals the run of tail pages the guest shows;
# - a transparent huge page of a process (pagemap, KPF_THP): order 9, the
#   whole-folio mapcount, contents the process wrote;
# - examples/page-info (the public page API alone) agrees with kinspect page;
# - virt:linux_banner gives the frame /proc/iomem's "Kernel code" implies,
#   and its contents hold /proc/version;
# - wild input (a pfn beyond max_pfn, a non-canonical address, an address
#   that is no struct page) is one error line, exit status 1.
#
# Usage: page.sh bookworm|trixie|trixie-backports   (run by make check; needs $KINSPECT, jq)
set -euo pipefail

suite=${1:?usage: page.sh bookworm|trixie|trixie-backports}
here=$(cd "$(dirname "$0")" && pwd)
: "${KINSPECT:?run through make check}"
export GUEST_LOG_TAG=page-$suite
# shellcheck source=guest.sh
. "$here/guest.sh"
# shellcheck source=target-checks.sh
. "$here/target-checks.sh"
command -v jq >/dev/null || die "jq is needed (tests/bootstrap installs it)"

guest_start "$suite" none
work=$GUEST_WORKDIR

# KPF_* bit (include/uapi/linux/kernel-page-flags.h and the kernel-internal
# bits of include/linux/kernel-page-flags.h) -> what kinspect must show for
# it.  fs/proc/page.c copies these from page (6.1) or folio (6.12) flags one
# to one, or derives them from the mapping or compound state.
#   name:flag      the flag of that name in folio_flag_names (a|b: either
#                  name, as the kernel aliases the bit by the page's kind)
#   type:slab      the slab flag (until v6.10) or page type (since)
#   anon           mapping_kind anon or ksm
#   head / tail    a large folio's first page / a later one
#   mmap           mapcount > 0
KPF_MAP="0:name:locked 2:name:referenced 3:name:uptodate 4:name:dirty 5:name:lru
6:name:active 7:type:slab 8:name:writeback 9:name:reclaim 11:mmap 12:anon
13:name:swapcache 14:name:swapbacked 15:head 16:tail 18:name:unevictable
32:name:reserved 33:name:mlocked 34:name:mappedtodisk|owner_2|anon_exclusive
35:name:private 36:name:private_2 37:name:owner_priv_1|swapcache 38:name:arch_1"

# kpf PFN: /proc/kpageflags of PFN, as a hex number.
kpf() { echo "0x$(guest_run "dd if=/proc/kpageflags bs=8 skip=$1 count=1 2>/dev/null | od -An -v -tx8" | tr -d ' ')"; }
kpagecount() { echo $((0x$(guest_run "dd if=/proc/kpagecount bs=8 skip=$1 count=1 2>/dev/null | od -An -v -tx8" | tr -d ' '))); }

# kpf_compare JSON BEFORE AFTER NAMES: compare the mapped KPF bits that the
# guest showed the same before and after kinspect looked with kinspect's
# view, taking flag names from the jq expression NAMES; sets kpf_compared
# and kpf_mismatch (the first difference, empty if none).
kpf_compare() {
	local json=$1 before=$2 after=$3 entry bit kind name want got names
	names=$(jq -r "$4 | join(\" \")" "$json")
	kpf_compared=0 kpf_mismatch='' kpf_names=$names
	for entry in $KPF_MAP; do
		entry=${entry//|/ }
		bit=${entry%%:*}
		kind=${entry#*:}
		want=$(((before >> bit) & 1))
		[ "$want" = $(((after >> bit) & 1)) ] || continue
		case $kind in
		name:*)
			# NAME|ALIAS|...: the bit under whichever name the page's kind gives it.
			got=0
			for name in ${kind#name:}; do [[ " $names " == *" $name "* ]] && got=1; done ;;
		type:slab) got=0; [[ " $names " == *" slab "* ]] && got=1; [ "$(jq -r .type "$json")" = slab ] && got=1 ;;
		anon)
			# fs/proc/page.c tests bit 0 of the mapping word even on slab
			# pages, where struct slab keeps other data in it (6.12 then
			# shows KPF_ANON when the slab's word is odd): not comparable.
			[ "$(jq -r .mapping_kind "$json")" = slab ] && continue
			got=$(jq -r 'if .mapping_kind == "anon" or .mapping_kind == "ksm" then 1 else 0 end' "$json") ;;
		head) got=$(jq -r 'if .large and (.tail | not) then 1 else 0 end' "$json") ;;
		tail) got=$(jq -r 'if .tail then 1 else 0 end' "$json") ;;
		# page_mapped(): this page's own mappings or the whole folio's.
		mmap) got=$(jq -r 'if (.mapcount // 0) + (.entire_mapcount // 0) > 0 then 1 else 0 end' "$json") ;;
		esac
		if [ "$got" != "$want" ]; then
			kpf_mismatch="KPF bit $bit ($kind) is $want in /proc/kpageflags ($before), kinspect says $got"
			return
		fi
		kpf_compared=$((kpf_compared + 1))
	done
}

# check_kpf LABEL JSON BEFORE AFTER: kinspect's flags equal /proc/kpageflags
# (see kpf_compare).  For a tail page fs/proc/page.c copies the page's own
# flags word in 6.1 and the folio's since its conversion to folios (v6.9):
# a tail page agrees with one of the two.
check_kpf() {
	local label=$1 json=$2 before=$3 after=$4 which=folio
	kpf_compare "$json" "$before" "$after" '(.folio_flag_names // .flag_names)'
	if [ -n "$kpf_mismatch" ] && [ "$(jq -r .tail "$json")" = true ]; then
		local first=$kpf_mismatch
		kpf_compare "$json" "$before" "$after" '.flag_names'
		which="tail page's own"
		[ -z "$kpf_mismatch" ] || kpf_mismatch="folio's flags: $first; page's own: $kpf_mismatch"
	fi
	[ -z "$kpf_mismatch" ] || die "$label: $kpf_mismatch: $(jq -c . "$json")"
	[ "$kpf_compared" -ge 14 ] || die "$label: only $kpf_compared KPF bits were stable enough to compare"
	say "ok: $label: $kpf_compared flags agree with /proc/kpageflags $before ($which flags: $kpf_names)"
}

# page TARGET ARGS...: kinspect --json page on TARGET into $work/page.json.
page_json() {
	local target=$1
	shift
	kinspect --json -k "$GUEST_VMLINUX" -t "$target" "$@" >"$work/page.json" 2>"$work/err" ||
		{ cat "$work/err"; die "kinspect $* failed"; }
	jq -e . "$work/page.json" >/dev/null || die "kinspect $*: JSON does not parse: $(cat "$work/page.json")"
}

# A process that stays, with a pattern in its environment (on its stack).
pattern=kinspect-page-$RANDOM$RANDOM$RANDOM
pid=$(guest_run "env KINSPECT_PATTERN=$pattern sleep 100000 </dev/null >/dev/null 2>&1 & echo \$!")
guest_run "cat /proc/$pid/maps" >"$work/maps"
guest_run "tr '\\0' '\\n' </proc/$pid/environ" | grep -qx "KINSPECT_PATTERN=$pattern" || die "pattern not in the environment"

# pagemap_pfn VADDR: the frame backing VADDR in the process, from its
# pagemap (bit 63 present, bits 0-54 the pfn: the guest runs as root).
pagemap_pfn() {
	local e
	e=$(guest_run "dd if=/proc/${pid}/pagemap bs=8 skip=$(($1 / 4096)) count=1 2>/dev/null | od -An -v -tx8" | tr -d ' ')
	[ -n "$e" ] && [ $(((0x$e >> 63) & 1)) = 1 ] || return 1
	echo $((0x$e & ((1 << 55) - 1)))
}

# The top page of the stack holds the environment strings.
stack_end=$(awk '/\[stack\]/ { split($1, a, "-"); print a[2] }' "$work/maps")
[ -n "$stack_end" ] || die "no [stack] in $(cat "$work/maps")"
stack_va=$((0x$stack_end - 4096))
anon_pfn=$(pagemap_pfn "$stack_va") || die "stack page not present in pagemap"

# A present page of busybox's text, and its offset in the file.
read -r text_start text_end text_off < <(awk '/\/bin\/busybox$/ && $2 ~ /x/ { split($1, a, "-"); print a[1], a[2], $3; exit }' "$work/maps")
file_pfn='' file_va=''
for ((va = 0x$text_start; va < 0x$text_end && va < 0x$text_start + 64 * 4096; va += 4096)); do
	if file_pfn=$(pagemap_pfn "$va"); then file_va=$va; break; fi
done
[ -n "$file_va" ] || die "no present busybox text page in the first 64"
file_index=$(((0x$text_off + file_va - 0x$text_start) / 4096))
busybox_ino=$(guest_run 'stat -c %i /bin/busybox')
say "guest: pid $pid, stack page pfn $anon_pfn, busybox text page pfn $file_pfn (index $file_index, ino $busybox_ino)"

# A transparent huge page (both kernels default to THP "always"): dd waits
# for the rest of an 8 MiB block with 3 MB of 'a' read into its buffer.
thp_pid=$(guest_run '(head -c 3000000 /dev/zero | tr "\0" a; sleep 100000) </dev/null 2>/dev/null | dd bs=8M count=1 iflag=fullblock of=/dev/null 2>/dev/null & echo $!')
thp_pfn=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	guest_run "grep -q 'AnonHugePages: *[1-9]' /proc/$thp_pid/smaps" && break
	sleep 0.5
done
while read -r range perms off dev ino rest; do
	start=${range%-*} end=${range#*-}
	[ "$perms $off $dev $ino" = "rw-p 00000000 00:00 0" ] && [ -z "$rest" ] && [ $((0x$end - 0x$start)) -ge $((4 << 20)) ] || continue
	# Page 5 of the first 2 MiB-aligned block: inside the 'a's.
	thp_va=$(( ((0x$start + (2 << 20) - 1) & ~((2 << 20) - 1)) + 5 * 4096 ))
	thp_pfn=$(pid=$thp_pid pagemap_pfn "$thp_va") || thp_pfn=
	break
done < <(guest_run "cat /proc/$thp_pid/maps")
[ -n "$thp_pfn" ] && [ $((($(kpf "$thp_pfn") >> 22) & 1)) = 1 ] ||
	die "no transparent huge page in dd's buffer: $(guest_run "cat /proc/$thp_pid/maps; grep AnonHuge /proc/meminfo")"
say "guest: THP tail page pfn $thp_pfn in process $thp_pid"

# A compound page: the first head in /proc/kpageflags (KPF_COMPOUND_HEAD,
# bit 15) and how many tail pages (bit 16) follow it.
read -r head_pfn head_n < <(guest_run "od -An -v -w8 -tx8 /proc/kpageflags | awk '
	{ h = index(\"0123456789abcdef\", substr(\$1, 13, 1)) - 1; t = index(\"0123456789abcdef\", substr(\$1, 12, 1)) - 1 }
	hp != \"\" && t % 2 == 1 { n++; next }
	hp != \"\" { print hp, n; exit }
	h >= 8 { hp = NR - 1; n = 1 }'")
[ -n "$head_pfn" ] && [ "$head_n" -ge 2 ] || die "no compound page in /proc/kpageflags ($head_pfn $head_n)"
tail_pfn=$((head_pfn + head_n - 1))
want_order=0
while [ $((1 << want_order)) -lt "$head_n" ]; do want_order=$((want_order + 1)); done
[ $((1 << want_order)) = "$head_n" ] || die "compound page at pfn $head_pfn has $head_n pages, not a power of two"
say "guest: compound page at pfn $head_pfn, $head_n pages"

# linux_banner's frame from the guest's own "Kernel code" start.
code_start=$(guest_run 'grep "Kernel code" /proc/iomem' | awk '{ split($1, a, "-"); print a[1]; exit }')
map_text=$(awk '$3 == "_text" { print $1; exit }' "$GUEST_SYSTEM_MAP")
map_banner=$(awk '$3 == "linux_banner" { print $1; exit }' "$GUEST_SYSTEM_MAP")
banner_phys=$((0x$code_start + 0x$map_banner - 0x$map_text))
version_hex=$(guest_run 'cat /proc/version' | od -An -v -tx1 | tr -d ' \n')

# check_pages TARGET LABEL: everything above, against TARGET; the
# kpageflags words were read before (kpf_*_before) and are read again now.
check_pages() {
	local target=$1 label=$2 json=$work/page.json status off
	page_json "$target" page "pfn:$anon_pfn" --hexdump
	cp "$json" "$work/anon.json"
	page_json "$target" page "pfn:$file_pfn"
	cp "$json" "$work/file.json"
	page_json "$target" page "pfn:$tail_pfn"
	cp "$json" "$work/tail.json"
	local anon_after file_after tail_after head_after
	anon_after=$(kpf "$anon_pfn") file_after=$(kpf "$file_pfn") tail_after=$(kpf "$tail_pfn") head_after=$(kpf "$head_pfn")

	check_kpf "$label: stack page" "$work/anon.json" "$kpf_anon_before" "$anon_after"
	[ "$(jq -r .mapping_kind "$work/anon.json")" = anon ] || die "$label: stack page not anon"
	[ "$(jq -r .mapcount "$work/anon.json")" = "$(kpagecount "$anon_pfn")" ] || die "$label: mapcount differs from /proc/kpagecount"
	[ "$(jq -r '.refcount >= .mapcount' "$work/anon.json")" = true ] || die "$label: refcount below mapcount"
	jq -r .hexdump.hex "$work/anon.json" | grep -q "$(printf 'KINSPECT_PATTERN=%s' "$pattern" | od -An -v -tx1 | tr -d ' \n')" ||
		die "$label: the stack page's contents lack the process's environment"
	# The anon_vma is the mapping word without its PAGE_MAPPING_* bits.
	[ "$(jq -r .anon_vma "$work/anon.json")" = "$(printf '0x%x' $(($(jq -r .mapping "$work/anon.json") & ~3)))" ] ||
		die "$label: anon_vma $(jq -r .anon_vma "$work/anon.json") for mapping $(jq -r .mapping "$work/anon.json")"
	say "ok: $label: stack page: anon, mapcount $(jq -r .mapcount "$work/anon.json") = kpagecount, contents hold KINSPECT_PATTERN"

	check_kpf "$label: busybox page" "$work/file.json" "$kpf_file_before" "$file_after"
	[ "$(jq -r .mapping_kind "$work/file.json")" = file ] || die "$label: busybox page not a file page"
	[ "$(jq -r .ino "$work/file.json")" = "$busybox_ino" ] || die "$label: ino $(jq -r .ino "$work/file.json"), stat says $busybox_ino"
	[ "$(jq -r .path "$work/file.json")" = /bin/busybox ] || die "$label: path $(jq -r .path "$work/file.json")"
	[ "$(jq -r .index "$work/file.json")" = "$file_index" ] || die "$label: index $(jq -r .index "$work/file.json"), want $file_index"
	[ "$(jq -r .mapcount "$work/file.json")" -ge 1 ] || die "$label: busybox text page not mapped"
	say "ok: $label: busybox page: file ino $busybox_ino /bin/busybox on $(jq -r .fs_type "$work/file.json"), index $file_index"
	# The public page API without the CLI (examples/page-info, built next
	# to kinspect) says the same of the page and of the stack page.
	local example=${KINSPECT%/*}/examples/page-info
	if [ -x "$example" ]; then
		"$example" "$GUEST_VMLINUX" "$target" "pfn:$file_pfn" >"$work/example" 2>"$work/err" ||
			{ cat "$work/err"; die "$label: examples/page-info pfn:$file_pfn failed"; }
		grep -qx "page $(jq -r .page "$work/file.json") pfn $(printf '0x%x' "$file_pfn")" "$work/example" &&
			grep -qx "mapping file ino $busybox_ino /bin/busybox" "$work/example" ||
			die "$label: examples/page-info differs from kinspect page: $(cat "$work/example")"
		"$example" "$GUEST_VMLINUX" "$target" "$(jq -r .virt "$work/anon.json")" >"$work/example" 2>"$work/err" ||
			{ cat "$work/err"; die "$label: examples/page-info of the stack page failed"; }
		grep -qx "mapping anon" "$work/example" || die "$label: examples/page-info of the stack page: $(cat "$work/example")"
		# Flags and counts hold still only in a dump.
		if [ -f "$target" ]; then
			grep -qx "flags $(jq -r '.flag_names | if length > 0 then join("|") else "-" end' "$work/anon.json")" "$work/example" &&
				grep -qx "refcount $(jq -r .refcount "$work/anon.json") mapcount $(jq -r .mapcount "$work/anon.json")" "$work/example" ||
				die "$label: examples/page-info of the stack page: $(cat "$work/example"), kinspect: $(jq -c . "$work/anon.json")"
		fi
		say "ok: $label: examples/page-info agrees on the busybox and the stack page"
	fi

	# The compound page: head and tail bits agree, the tail leads to its head.
	check_kpf "$label: tail page" "$work/tail.json" "$kpf_tail_before" "$tail_after"
	[ "$(jq -r .folio_pfn "$work/tail.json")" = "$head_pfn" ] || die "$label: tail's folio pfn $(jq -r .folio_pfn "$work/tail.json"), want $head_pfn"
	[ "$(jq -r .nr_pages "$work/tail.json")" = "$head_n" ] || die "$label: nr_pages $(jq -r .nr_pages "$work/tail.json"), want $head_n"
	page_json "$target" folio "pfn:$tail_pfn"
	[ "$(jq -r .pfn "$json")" = "$head_pfn" ] && [ "$(jq -r .order "$json")" = "$want_order" ] &&
		[ "$(jq -r .page "$json")" = "$(jq -r .folio "$work/tail.json")" ] || die "$label: folio of the tail: $(jq -c . "$json")"
	check_kpf "$label: head page" "$json" "$kpf_head_before" "$head_after"
	# The folio by its struct page address, the same answer.
	page_json "$target" folio "$(jq -r .folio "$work/tail.json")"
	[ "$(jq -r .pfn "$json")" = "$head_pfn" ] && [ "$(jq -r .order "$json")" = "$want_order" ] || die "$label: folio ADDR: $(jq -c . "$json")"
	say "ok: $label: tail pfn $tail_pfn -> folio pfn $head_pfn, order $want_order ($(jq -r .type "$json"), $(jq -r .mapping_kind "$json"))"

	# The huge page: order 9 anon folio, mapped whole by one PMD; its
	# contents are dd's 'a's; /proc/kpagecount is page_mapcount(): the
	# page's own mappings plus the whole folio's.
	page_json "$target" page "pfn:$thp_pfn" --hexdump 64
	check_kpf "$label: THP tail page" "$json" "$kpf_thp_before" "$(kpf "$thp_pfn")"
	[ "$(jq -r '[.tail, .order, .nr_pages, .mapping_kind, .entire_mapcount] | join(" ")' "$json")" = "true 9 512 anon 1" ] ||
		die "$label: THP tail: $(jq -c . "$json")"
	[ "$(jq -r '.mapcount + .entire_mapcount' "$json")" = "$(kpagecount "$thp_pfn")" ] ||
		die "$label: THP mapcount $(jq -r '.mapcount + .entire_mapcount' "$json") differs from /proc/kpagecount"
	[ "$(jq -r .hexdump.hex "$json")" = "$(printf '61%.0s' $(seq 64))" ] || die "$label: THP contents: $(jq -r .hexdump.hex "$json")"
	page_json "$target" folio "pfn:$thp_pfn"
	[ "$(jq -r .pfn "$json")" = $((thp_pfn - 5)) ] && [ "$(jq -r .order "$json")" = 9 ] || die "$label: THP folio: $(jq -c . "$json")"
	say "ok: $label: THP tail pfn $thp_pfn: folio pfn $((thp_pfn - 5)) order 9, entire mapcount 1$(jq -r 'if .large_mapcount then ", large mapcount \(.large_mapcount)" else "" end' "$json"), contents 'a'"

	# Slab: the kobject behind kernel_kobj.
	kinspect --json -k "$GUEST_VMLINUX" -t "$target" read kernel_kobj 8 >"$json" 2>"$work/err" || { cat "$work/err"; die "$label: read kernel_kobj"; }
	local kobj
	kobj=0x$(jq -r .hex "$json" | sed 's/../& /g' | awk '{ for (i = NF; i >= 1; i--) printf "%s", $i }')
	page_json "$target" page "virt:$kobj"
	cp "$json" "$work/slab.json"
	[ "$(jq -r .translation "$json")" = "direct map" ] || die "$label: kobject $kobj not translated through the direct map"
	local slab_pfn slab_before
	slab_pfn=$(jq -r .pfn "$json")
	page_json "$target" page --walk "virt:$kobj"
	[ "$(jq -r .translation "$json")" = "page walk" ] && [ "$(jq -r .address_phys "$json")" = "$(jq -r .address_phys "$work/slab.json")" ] ||
		die "$label: page walk gives $(jq -r .address_phys "$json"), direct map $(jq -r .address_phys "$work/slab.json")"
	slab_before=$(kpf "$slab_pfn")
	[ $(((slab_before >> 7) & 1)) = 1 ] || die "$label: the guest says pfn $slab_pfn is no slab page ($slab_before)"
	check_kpf "$label: slab page" "$work/slab.json" "$slab_before" "$(kpf "$slab_pfn")"
	local cache
	cache=$(jq -r .slab_cache_name "$work/slab.json")
	[[ $cache == kmalloc* ]] && guest_run 'cat /proc/slabinfo' | awk '{ print $1 }' | grep -qx "$cache" ||
		die "$label: slab cache '$cache' is not a kmalloc cache of /proc/slabinfo"
	say "ok: $label: kernel_kobj $kobj: slab page pfn $slab_pfn of $cache, direct map = page walk"

	# The direct-map address of the stack page leads back to it.
	page_json "$target" page "virt:$(jq -r .virt "$work/anon.json")"
	[ "$(jq -r .pfn "$json")" = "$anon_pfn" ] || die "$label: virt of the stack page gives pfn $(jq -r .pfn "$json")"

	# linux_banner: by the kernel-image fast path and by page walk, both at
	# the frame the guest's iomem implies.
	page_json "$target" page --walk "virt:linux_banner"
	[ "$(jq -r .translation "$json")" = "page walk" ] || die "$label: --walk did not walk"
	[ "$(jq -r .address_phys "$json")" = "$(printf '0x%x' "$banner_phys")" ] ||
		die "$label: linux_banner walked to $(jq -r .address_phys "$json"), /proc/iomem implies $(printf '0x%x' $banner_phys)"
	page_json "$target" page "virt:linux_banner" --hexdump
	[ "$(jq -r .translation "$json")" = "kernel image" ] || die "$label: linux_banner not by the kernel-image path"
	[ "$(jq -r .address_phys "$json")" = "$(printf '0x%x' "$banner_phys")" ] ||
		die "$label: linux_banner at $(jq -r .address_phys "$json"), /proc/iomem implies $(printf '0x%x' $banner_phys)"
	off=$(((banner_phys & 4095) * 2))
	jq -r .hexdump.hex "$json" | cut -c$((off + 1))- | grep -q "^${version_hex:0:$((8192 - off < ${#version_hex} ? 8192 - off : ${#version_hex}))}" ||
		die "$label: the banner page does not hold /proc/version at offset $((off / 2))"
	say "ok: $label: virt:linux_banner -> phys $(printf '0x%x' $banner_phys) by kernel image = page walk, contents hold /proc/version"

	# Text output reads and names the same.
	kinspect -k "$GUEST_VMLINUX" -t "$target" page "pfn:$file_pfn" >"$work/out" 2>"$work/err" || { cat "$work/err"; die "$label: text"; }
	grep -q "ino $busybox_ino .*/bin/busybox" "$work/out" || die "$label: text output: $(cat "$work/out")"

	# Wild input: one error line, status 1.
	local bad
	for bad in "page pfn:0x10000000000" "page virt:0x1234567812345678" "page 0x10" "folio virt:0xffff800000000000" "page pfn:nope"; do
		status=0
		# shellcheck disable=SC2086
		timeout 60 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$target" $bad >"$work/out" 2>"$work/err" || status=$?
		[ "$status" = 1 ] && [ "$(wc -l <"$work/err")" = 1 ] && [ ! -s "$work/out" ] ||
			die "$label: '$bad': status $status: $(cat "$work/out" "$work/err")"
		say "ok: $label: $bad: $(cat "$work/err")"
	done
	grep -q "0x1234567812345678" <(timeout 60 "$KINSPECT" -k "$GUEST_VMLINUX" -t "$target" page virt:0x1234567812345678 2>&1) ||
		die "$label: the non-canonical address is not named"
}

# measure TARGET LABEL: round trips and time of one folio command.
measure() {
	local target=$1 label=$2 t0 t1 trips
	kinspect -vv -k "$GUEST_VMLINUX" -t "$target" folio "pfn:$file_pfn" >/dev/null 2>"$work/err" || { cat "$work/err"; die "$label: folio -vv"; }
	trips=$(sed -n 's/.*: \([0-9]*\) round trips (\([0-9]*\) to connect).*/\1 (\2 to connect)/p' "$work/err")
	t0=$(date +%s%N)
	for _ in 1 2 3 4 5; do
		"$KINSPECT" -k "$GUEST_VMLINUX" -t "$target" folio "pfn:$file_pfn" >/dev/null
	done
	t1=$(date +%s%N)
	say "figures: $label: one folio: ${trips:-no gdbstub} round trips, $(((t1 - t0) / 5000000)) ms (mean of 5, warm)"
}

kpf_anon_before=$(kpf "$anon_pfn") kpf_file_before=$(kpf "$file_pfn") kpf_thp_before=$(kpf "$thp_pfn")
kpf_tail_before=$(kpf "$tail_pfn") kpf_head_before=$(kpf "$head_pfn")
check_pages "$GUEST_GDB" live
measure "$GUEST_GDB" live

for paging in false true; do
	dump=$work/guest-paging-$paging.elf
	kpf_anon_before=$(kpf "$anon_pfn") kpf_file_before=$(kpf "$file_pfn") kpf_thp_before=$(kpf "$thp_pfn")
	kpf_tail_before=$(kpf "$tail_pfn") kpf_head_before=$(kpf "$head_pfn")
	guest_dump "$dump" paging=$paging format=elf
	check_pages "$dump" "paging=$paging dump"
	measure "$dump" "paging=$paging dump"
	rm -f "$dump"
done

guest_stop
say "PASS"
