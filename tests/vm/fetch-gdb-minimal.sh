#!/bin/bash
# Fetch Debian's gdb-minimal (gdb without Python) into the test cache and
# print the path of its gdb.  It conflicts with the gdb package, so it is
# never installed: "apt-get download" plus "dpkg -x" into a folder keyed by
# version, so a second run downloads nothing.
# Exit status 1: it could not be fetched; 3: this distribution has no real
# gdb-minimal (none at all, or, as in Debian 13 and sid, only a transitional
# package that depends on gdb and holds no gdb of its own).
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

cache=${XDG_CACHE_HOME:-$HOME/.cache}/kinspect-tests
log() { echo "fetch-gdb-minimal: $*" >&2; }

version=$(apt-cache policy gdb-minimal 2>/dev/null | awk '/Candidate:/ { print $2; exit }')
if [ -z "$version" ] || [ "$version" = "(none)" ]; then
	log "apt knows no gdb-minimal package"
	exit 3
fi
dir=$cache/gdb-minimal-${version//[^A-Za-z0-9.+-]/_}
if [ ! -x "$dir/usr/bin/gdb" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/gdb-minimal.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && timeout 300 apt-get download "gdb-minimal=$version" >/dev/null 2>&1) || {
		log "apt-get download gdb-minimal=$version failed"
		exit 1
	}
	dpkg -x "$tmp"/gdb-minimal_*.deb "$tmp/root"
	if [ ! -x "$tmp/root/usr/bin/gdb" ]; then
		log "gdb-minimal $version holds no usr/bin/gdb (a transitional package)"
		exit 3
	fi
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
fi
[ -x "$dir/usr/bin/gdb" ] || { log "no usr/bin/gdb in the package"; exit 1; }
echo "$dir/usr/bin/gdb"
