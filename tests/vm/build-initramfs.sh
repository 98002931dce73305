#!/bin/bash
# Build the test guest's initramfs: static busybox, guest-init.sh as /init,
# and the named modules from KERNEL_DIR/modules as /lib/modules/<name>.ko.
#
# Usage: build-initramfs.sh KERNEL_DIR OUT.cpio.gz [MODULE...]
#
# The archive (cpio newc, gzip) is cached under
# ${XDG_CACHE_HOME:-~/.cache}/kinspect-tests/initramfs/, keyed by the kernel
# directory, the module list and the contents of every input, so a repeated
# run only copies it.  No root needed: the archive has no device nodes and
# all files are owned by 0:0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
log() { echo "build-initramfs: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 2 ] || die "usage: build-initramfs.sh KERNEL_DIR OUT.cpio.gz [MODULE...]"
kdir=$(cd "$1" && pwd) || die "no kernel directory '$1'"
out=$2
shift 2
modules=("$@")
init_src=$here/guest-init.sh

# The busybox to put in the guest: it must be the static one (busybox-static),
# the guest has no C library.
find_busybox() {
	local bb
	for bb in ${KINSPECT_BUSYBOX:-} /bin/busybox /usr/bin/busybox $(command -v busybox || true); do
		[ -x "$bb" ] || continue
		if command -v ldd >/dev/null && ldd "$bb" >/dev/null 2>&1; then
			log "$bb is dynamically linked; install busybox-static"
			continue
		fi
		echo "$bb"
		return 0
	done
	return 1
}
busybox=$(find_busybox) || die "no static busybox found (install busybox-static)"

# The .ko file of module $1 in the kernel directory (dash or underscore name).
module_file() {
	local f
	for f in "$kdir/modules/$1.ko" "$kdir/modules/${1//_/-}.ko"; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}
files=()
for m in "${modules[@]}"; do
	f=$(module_file "$m") || die "module $m not in $kdir/modules"
	files+=("$f")
done

# The cache key: every input's content plus the names it gets in the guest.
cache_key() {
	{
		echo "v1 $kdir ${modules[*]}"
		sha256sum "$init_src" "$busybox" "$0" "${files[@]}"
	} | sha256sum | cut -c1-32
}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kinspect-tests/initramfs
mkdir -p "$cache"
cached=$cache/$(cache_key).cpio.gz

# Stage the tree in a temporary directory and archive it; the cached file
# appears atomically so concurrent builds never see half an archive.
build() {
	local stage tmp m i
	stage=$(mktemp -d "$cache/.stage-XXXXXX")
	tmp=$stage.cpio.gz
	trap 'rm -rf "$stage" "$tmp"' EXIT
	mkdir -p "$stage/bin" "$stage/lib/modules" "$stage/proc" "$stage/sys" \
		"$stage/dev" "$stage/mnt" "$stage/tmp"
	cp "$busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$init_src" "$stage/init"
	chmod 0755 "$stage/init" "$stage/bin/busybox"
	for i in "${!modules[@]}"; do
		cp "${files[$i]}" "$stage/lib/modules/${modules[$i]}.ko"
	done
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		"$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -6 >"$tmp"
	mv -f "$tmp" "$cached"
	rm -rf "$stage"
	trap - EXIT
}

if [ ! -s "$cached" ]; then
	log "building initramfs for $(basename "$kdir") with: ${modules[*]:-no modules}"
	build
	# Archives of older inputs pile up; drop those unused for 30 days.
	find "$cache" -maxdepth 1 -name '*.cpio.gz' -mtime +30 -delete 2>/dev/null || true
else
	touch "$cached"
fi
cp "$cached" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
