#!/bin/bash
# Fetch a Debian kernel with full debug info into the test cache.
#
# Usage: fetch-kernel.sh bookworm|trixie|trixie-backports
# (trixie-backports carries the newest kernel Debian builds for trixie: the
# test bed's kernel past v6.14, whose module section attributes changed.)
# Prints the cache directory on stdout.  It holds:
#   vmlinuz  vmlinux  System.map  release  modules/<name>.ko  config
# The packages come from this machine's own configured Debian mirror through
# a private apt configuration, so the system's apt state is never touched and
# no host name is written anywhere in the repository.  The directory is keyed
# by package version: a second run downloads nothing.
set -euo pipefail

suite=${1:?usage: fetch-kernel.sh bookworm|trixie|trixie-backports}
case $suite in
bookworm) flavour=cloud-amd64 ;;
trixie) flavour=amd64 ;;
trixie-backports) flavour=cloud-amd64 ;;
*) echo "fetch-kernel: unknown suite '$suite' (bookworm, trixie or trixie-backports)" >&2; exit 2 ;;
esac

# Modules the tests load in the guest; their load order is not needed here:
# guest.sh orders them by the "depends=" of each .ko.
MODULES=(netfs 9pnet 9pnet_virtio 9p dummy loop fscache qemu_fw_cfg)

log() { echo "fetch-kernel[$suite]: $*" >&2; }

# shellcheck source=debian-apt.sh
. "$(dirname "$0")/debian-apt.sh"
debian_apt_setup fetch-kernel "$suite" || exit 1

dep_of() { # the linux-image-* package a meta package depends on
	apt-cache "${apt_opts[@]}" depends "$1" | awk '/Depends: linux-image-/ { print $2; exit }'
}
image=$(dep_of "linux-image-$flavour")
[ -n "$image" ] || { log "cannot resolve linux-image-$flavour"; exit 1; }
version=$(apt-cache "${apt_opts[@]}" show "$image" | awk '/^Version:/ { print $2; exit }')
release=${image#linux-image-}
release=${release%-unsigned}
dbg=linux-image-$release-dbg

dest=$cache/$suite-$release-$version
if [ -f "$dest/.complete" ]; then
	echo "$dest"
	exit 0
fi

tmp=$(mktemp -d "$cache/.fetch-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Since 7.x Debian splits the image package: vmlinuz is in linux-binary-REL,
# config and System.map in linux-base-REL, both under /usr/lib/modules/REL.
parts=()
for p in "linux-binary-$release" "linux-base-$release"; do
	apt-cache "${apt_opts[@]}" show "$p" >/dev/null 2>&1 && parts+=("$p")
done
log "downloading $image ${parts[*]} and $dbg ($version)"
(cd "$tmp" && apt-get "${apt_opts[@]}" download "$image" "${parts[@]}" "$dbg" >&2)

# first_member DEB GLOB...: the first path in DEB matching one of the globs
# (the listing is read whole: stopping early would kill dpkg-deb mid-pipe).
first_member() {
	local deb=$1 path g listing
	shift
	listing=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
	while read -r path; do
		for g in "$@"; do
			# shellcheck disable=SC2053 # the glob is meant to match
			if [[ $path == $g ]]; then
				echo "$path"
				return 0
			fi
		done
	done <<<"$listing"
}
# extract_one NAME GLOB...: the first file matching a glob, from any of the
# downloaded image packages, as $tmp/out/NAME.
extract_one() {
	local name=$1 deb member
	shift
	for deb in "$tmp"/*.deb; do
		[[ $deb == *-dbg_* ]] && continue
		member=$(first_member "$deb" "$@")
		[ -n "$member" ] || continue
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$tmp/out/$name"
		return 0
	done
	log "no $name (${*}) in the image packages"
	exit 1
}
mkdir -p "$tmp/out/modules"
log "extracting kernel image"
extract_one vmlinuz "./boot/vmlinuz-*" "./usr/lib/modules/*/vmlinuz"
extract_one config "./boot/config-*" "./usr/lib/modules/*/config"

# Only the files needed from the debug package: it is about 1 GB on trixie.
patterns=("./usr/lib/debug/boot/vmlinux-*" "./usr/lib/debug/boot/System.map-*"
	"./usr/lib/debug/lib/modules/*/vmlinux" "./usr/lib/debug/usr/lib/modules/*/vmlinux"
	"./usr/lib/debug/lib/modules/*/System.map" "./usr/lib/debug/usr/lib/modules/*/System.map")
for m in "${MODULES[@]}"; do
	for d in lib usr/lib; do
		patterns+=("./usr/lib/debug/$d/modules/*/$m.ko" "./usr/lib/debug/$d/modules/*/${m//_/-}.ko")
	done
done
log "extracting vmlinux and ${#MODULES[@]} modules from the debug package"
dpkg-deb --fsys-tarfile "$tmp/${dbg}_"*.deb |
	tar -x -C "$tmp/out" --wildcards "${patterns[@]}" 2>/dev/null || true
dbgroot=$tmp/out/usr/lib/debug
vmlinux=$(find "$dbgroot" -name 'vmlinux*' -type f ! -name '*.ko' | head -n1)
sysmap=$(find "$dbgroot" -name 'System.map*' -type f | head -n1)
[ -n "$vmlinux" ] || { log "no vmlinux in $dbg"; exit 1; }
mv "$vmlinux" "$tmp/out/vmlinux"
if [ -n "$sysmap" ]; then
	mv "$sysmap" "$tmp/out/System.map"
else # a -dbg package without System.map: make it from the vmlinux
	nm -n "$tmp/out/vmlinux" | grep -v ' [aUw] ' >"$tmp/out/System.map"
fi
find "$dbgroot" -name '*.ko' -exec mv -t "$tmp/out/modules" {} +
rm -rf "$tmp/out/usr" "$tmp/out/boot"

missing=()
for m in "${MODULES[@]}"; do
	[ -f "$tmp/out/modules/$m.ko" ] || [ -f "$tmp/out/modules/${m//_/-}.ko" ] || missing+=("$m")
done
# Some modules are built in on some flavours; that is recorded, not fatal.
printf '%s\n' "${missing[@]}" >"$tmp/out/builtin-or-missing"
echo "$release" >"$tmp/out/release"
echo "$version" >"$tmp/out/version"

rm -rf "$dest"
mv "$tmp/out" "$dest"
touch "$dest/.complete"
log "cached in $dest"
echo "$dest"
