#!/bin/bash
# Make (once) a Debian root of a newer stack for the test bed and print its
# path: "trixie" (QEMU 10, gdb 16, gcc 14) or "sid" (QEMU 11, gdb 18,
# gcc 16).  It is a debootstrap --variant=minbase root from this machine's
# own configured Debian mirror, kept in the test cache; tests/bootstrap,
# run inside it by stack-run.sh, installs the project's packages there as
# it does on the host.  A root is made again only when it is missing or
# incomplete; "stack-root.sh SUITE --refresh" upgrades its packages.
#
# Usage: stack-root.sh trixie|sid [--refresh]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

suite=${1:?usage: stack-root.sh trixie|sid [--refresh]}
case $suite in
trixie | sid) ;;
*) echo "stack-root: unknown stack '$suite' (trixie or sid)" >&2; exit 2 ;;
esac
log() { echo "stack-root[$suite]: $*" >&2; }

# shellcheck source=debian-apt.sh
. "$(dirname "$0")/debian-apt.sh"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kinspect-tests
root=$cache/stack-$suite
mkdir -p "$cache"
exec 8>"$cache/.lock-stack-$suite"
flock -w 3600 8 || { log "timed out waiting for another run making this root"; exit 1; }

if [ -f "$root/.complete" ] && [ "${2:-}" != --refresh ]; then
	echo "$root"
	exit 0
fi
command -v debootstrap >/dev/null || { log "debootstrap is not installed (tests/bootstrap installs it)"; exit 1; }
mirror=$(debian_mirror_uri | head -n1)
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt sources"; exit 1; }

if [ ! -f "$root/.complete" ]; then
	rm -rf "$root" "$root.tmp"
	log "debootstrap --variant=minbase $suite (a few minutes, once)"
	# The keyring of this machine verifies the mirror's Release file; sid's
	# may be past its Valid-Until date on the mirror, which debootstrap
	# does not check but apt inside the root does (configured below).
	timeout 1800 debootstrap --variant=minbase --include=ca-certificates,debian-archive-keyring \
		--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
		"$suite" "$root.tmp" "$mirror" >"$cache/stack-$suite.debootstrap.log" 2>&1 || {
		tail -n 20 "$cache/stack-$suite.debootstrap.log" >&2
		log "debootstrap failed (log: stack-$suite.debootstrap.log in the test cache)"
		exit 1
	}
	echo 'Acquire::Check-Valid-Until "false";' >"$root.tmp/etc/apt/apt.conf.d/90kinspect-valid-until"
	# Services never start inside the root (packages' postinst scripts).
	printf '#!/bin/sh\nexit 101\n' >"$root.tmp/usr/sbin/policy-rc.d"
	chmod 755 "$root.tmp/usr/sbin/policy-rc.d"
	mv "$root.tmp" "$root"
fi
log "apt-get update and upgrade"
"$(dirname "$0")/stack-run.sh" --root "$root" sh -c \
	'export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get -y -q dist-upgrade' >&2 || {
	log "apt-get in the root failed"
	exit 1
}
touch "$root/.complete"
echo "$root"
