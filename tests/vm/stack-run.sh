#!/bin/bash
# Run a command inside a newer stack's root (see stack-root.sh), with the
# machine's /proc, /sys, /dev, /tmp, the source tree and the test cache
# bound at the same paths, in the same working directory and environment.
# The mounts live in a private mount namespace: they vanish with the
# command, whatever ends it.  The command keeps this script's process id
# (every step execs), so a test that records a pid can signal it.
#
# Usage: stack-run.sh trixie|sid|--root DIR COMMAND [ARG...]
# SPDX-License-Identifier: GPL-2.0-or-later
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ "${1:-}" = --root ]; then
	root=${2:?usage: stack-run.sh --root DIR COMMAND...}
	shift 2
else
	root=$("$here/stack-root.sh" "${1:?usage: stack-run.sh trixie|sid COMMAND...}")
	shift
fi
[ $# -gt 0 ] || { echo "usage: stack-run.sh trixie|sid|--root DIR COMMAND [ARG...]" >&2; exit 2; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}
mkdir -p "$cache"
cwd=$PWD

# Inside the new namespace: bind, then become the command.
# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private /bin/sh -c '
	root=$1 top=$2 cache=$3 cwd=$4
	shift 4
	for d in /proc /sys /dev /tmp "$top" "$cache"; do
		mkdir -p "$root$d"
		mount --rbind "$d" "$root$d" || exit 125
	done
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || :
	exec chroot "$root" /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
' stack-run "$root" "$top" "$cache" "$cwd" "$@"
