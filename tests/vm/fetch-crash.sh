#!/bin/bash
# Fetch a newer crash (the crash-utility) than the system's into the test
# cache, and print the path of a script that runs it.
#
# Debian 12's crash 8.0.2 cannot read the test guests' dumps (see
# bt-dump.sh); Debian's testing suite has crash 9.  Its binary needs a newer
# C library than the system's, so the package and its runtime libraries
# (libc6 included) are unpacked side by side into
#   ${XDG_CACHE_HOME:-~/.cache}/kinspect-tests/crash-<version>/
# and crash runs under that tree's own dynamic loader, with that tree's
# libraries: nothing is installed, the system's apt state is not touched
# (a private apt configuration, debian-apt.sh), and a second run downloads
# nothing.  binutils, which the package also depends on, is the system's.
#
# Usage: fetch-crash.sh [SUITE]   (default: forky, or $KINSPECT_CRASH_SUITE)
# Prints the path of the run script: "RUN-SCRIPT [crash arguments]".
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:-${KINSPECT_CRASH_SUITE:-forky}}
log() { echo "fetch-crash[$suite]: $*" >&2; }

# shellcheck source=debian-apt.sh
. "$(dirname "$0")/debian-apt.sh"
debian_apt_setup fetch-crash "$suite" || exit 1

version=$(apt-cache "${apt_opts[@]}" show crash 2>/dev/null | awk '/^Version:/ { print $2; exit }')
[ -n "$version" ] || { log "$suite has no crash package"; exit 1; }
dest=$cache/crash-${version//[^A-Za-z0-9.+-]/_}
run=$dest/run-crash
if [ -f "$dest/.complete" ]; then
	echo "$run"
	exit 0
fi

# crash's own dependencies but binutils (its tools run from the system),
# then everything those libraries need in turn.
direct=$(apt-cache "${apt_opts[@]}" depends crash |
	awk '$1 == "Depends:" && $2 !~ /^</ && $2 != "binutils" { print $2 }' | sort -u)
[ -n "$direct" ] || { log "cannot resolve the dependencies of crash"; exit 1; }
# shellcheck disable=SC2086 # package names are words
mapfile -t closure < <(apt-cache "${apt_opts[@]}" depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances $direct | awk '/^[a-z0-9]/ { print $1 }' | sort -u)
packages=(crash "${closure[@]}")

tmp=$(mktemp -d "$cache/.fetch-crash-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "downloading crash $version and the packages it runs with: ${packages[*]:1}"
(cd "$tmp" && timeout 600 apt-get "${apt_opts[@]}" download "${packages[@]}" >&2)
mkdir "$tmp/root"
for deb in "$tmp"/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root"
done
loader=usr/lib64/ld-linux-x86-64.so.2
[ -x "$tmp/root/usr/bin/crash" ] && [ -e "$tmp/root/$loader" ] || { log "no usr/bin/crash or $loader in the packages"; exit 1; }

# The run script finds the tree next to itself, so the cache can move.
cat >"$tmp/root/run-crash" <<'EOF'
#!/bin/sh
# crash with the C library and the libraries it was unpacked with.
root=$(dirname "$0")
exec "$root/usr/lib64/ld-linux-x86-64.so.2" \
	--library-path "$root/usr/lib/x86_64-linux-gnu:$root/lib/x86_64-linux-gnu" \
	"$root/usr/bin/crash" "$@"
EOF
chmod +x "$tmp/root/run-crash"
"$tmp/root/run-crash" --version >"$tmp/version.txt" 2>&1 || { cat "$tmp/version.txt" >&2; log "the unpacked crash does not run"; exit 1; }
log "$(grep -m1 '^crash ' "$tmp/version.txt")"

rm -rf "$dest"
mv "$tmp/root" "$dest"
echo "$version" >"$dest/version"
touch "$dest/.complete"
log "cached in $dest"
echo "$run"
