# shellcheck shell=bash
# A private apt for fetching Debian packages at test time, against this
# machine's own configured Debian mirror (never a host name written in the
# repository), without touching the system's apt state.  Sourced by
# fetch-kernel.sh and fetch-crash.sh.
#
#   debian_apt_init SUITE DIR   write a private apt configuration for SUITE
#        under DIR, refresh its package index (at most once a day), and set
#        the array DEBIAN_APT_OPTS for "apt-get"/"apt-cache" calls.
#   debian_mirror_uri           the mirror URIs configured here, first one first.
#   debian_apt_setup TOOL SUITE the test cache directory in $cache, a lock on
#        SUITE's private apt state held for the rest of the process (fd 9:
#        tests run in parallel share it), then debian_apt_init; the options
#        in the array apt_opts.
# SPDX-License-Identifier: GPL-2.0-or-later

_debian_apt_log() { echo "debian-apt: $*" >&2; }

# The first Debian archive URI configured on this machine (not a security or
# third-party repository), from deb822 .sources files or one-line lists.
debian_mirror_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822: a stanza ends at a blank line; keep the URI of stanzas
		# whose suites are not only security ones.
		awk '
			function flush() { if (uri != "" && main) print uri; uri = ""; main = 0 }
			/^[ \t]*$/ { flush(); next }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-security$/) main = 1 }
			END { flush() }
		' "$f" | grep -v -- '-security' || true
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" |
			grep -v -- '-security' | grep '/debian/*$' || true
	done
}

debian_apt_init() {
	local suite=${1:?usage: debian_apt_init SUITE DIR} aptdir=${2:?usage: debian_apt_init SUITE DIR} uri stamp
	uri=$(debian_mirror_uri | head -n1)
	[ -n "$uri" ] || { _debian_apt_log "no Debian mirror found in /etc/apt sources"; return 1; }
	DEBIAN_APT_OPTS=(
		-o "Dir::Etc=$aptdir/etc"
		-o "Dir::Etc::sourcelist=$aptdir/etc/sources.list"
		-o "Dir::Etc::sourceparts=$aptdir/etc/sources.list.d"
		-o "Dir::Etc::preferencesparts=$aptdir/etc/preferences.d"
		-o "APT::Sandbox::User=root"
		-o "Dir::State=$aptdir/state"
		-o "Dir::State::status=$aptdir/state/status"
		-o "Dir::Cache=$aptdir/cache"
		-o "Debug::NoLocking=1"
		-o "APT::Architecture=amd64"
		-o "APT::Architectures::=amd64"
		-o "Acquire::Languages=none"
		-o "Acquire::Retries=3"
		-q
	)
	mkdir -p "$aptdir/etc/apt.conf.d" "$aptdir/etc/sources.list.d" "$aptdir/etc/preferences.d" \
		"$aptdir/state/lists/partial" "$aptdir/cache/archives/partial"
	touch "$aptdir/state/status"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" >"$aptdir/etc/sources.list"

	# Refresh the private index at most once a day, so that the newest
	# packages of the suite are followed without asking the mirror each run.
	stamp=$aptdir/state/updated
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
		_debian_apt_log "updating the private package index of $suite"
		if apt-get "${DEBIAN_APT_OPTS[@]}" update >&2; then
			touch "$stamp"
		elif ! ls "$aptdir/state/lists/"*Packages* >/dev/null 2>&1; then
			_debian_apt_log "apt-get update failed and no earlier index of $suite is cached"
			return 1
		fi
	fi
}

debian_apt_setup() {
	local tool=$1 suite=$2
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kinspect-tests
	mkdir -p "$cache"
	exec 9>"$cache/.lock-$suite"
	flock -w 3600 9 || { echo "$tool[$suite]: timed out waiting for another fetch from $suite" >&2; return 1; }
	debian_apt_init "$suite" "$cache/apt-$suite" || return 1
	apt_opts=("${DEBIAN_APT_OPTS[@]}")
}
