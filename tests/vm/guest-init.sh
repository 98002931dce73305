#!/bin/sh
# /init of the kinspect test guest (copied into the initramfs by
# build-initramfs.sh; runs as PID 1 under busybox sh, so it must never exit).
#
# Kernel command line it reads:
#   kinspect.modules=a,b,c   modules to insmod from /lib/modules, in this order
#
# Console protocol (serial console, shared with kernel messages):
#   guest -> host  KINSPECT-INSMOD-FAILED <module> <status>   an insmod failed
#                  KINSPECT-MOUNT-FAILED <status>              9p mount failed
#                  KINSPECT-GUEST-READY                        commands accepted
#   host -> guest  KINSPECT-CMD <id> <base64 of a shell command line>
#   guest -> host  KINSPECT-OUT <id>, the command's stdout,
#                  KINSPECT-ERR <id>, its stderr,
#                  KINSPECT-END <id> <exit status>
# Each output section ends with a newline (one is added if missing).  The
# console is put in raw mode without echo first, so nothing the host sends
# comes back and no line editing or CR/LF translation touches the output.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

# Directories and applet links; /dev/console does not exist until devtmpfs is
# mounted (the archive is built without root, so it holds no device nodes),
# hence the explicit redirection afterwards.
/bin/busybox mkdir -p /proc /sys /dev /mnt /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s 2>/dev/null
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "kinspect-init: $(uname -r) up"

# Real addresses in /proc/modules, /proc/kallsyms, /sys/module/*/sections.
echo 0 >/proc/sys/kernel/kptr_restrict

# The module list from the kernel command line, commas to spaces.
modules=
for arg in $(cat /proc/cmdline); do
	case $arg in
	kinspect.modules=*) modules=$(echo "${arg#*=}" | tr ',' ' ') ;;
	esac
done

# Load the modules in the given order (the host resolves dependencies).
for m in $modules; do
	if out=$(insmod "/lib/modules/$m.ko" 2>&1); then
		echo "kinspect-init: insmod $m ok"
	else
		st=$?
		echo "$out"
		echo "KINSPECT-INSMOD-FAILED $m $st"
	fi
done

# The host's virtfs share, through the netfs-based 9p client if it is there.
if [ -d /sys/module/9p ] && [ -d /sys/module/9pnet_virtio ]; then
	if mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,msize=16384 share /mnt; then
		echo "kinspect-init: 9p share mounted on /mnt"
	else
		echo "KINSPECT-MOUNT-FAILED $?"
	fi
fi

# Keep later kernel messages (warnings and below) out of command output.
dmesg -n 4
stty raw -echo
echo "KINSPECT-GUEST-READY"

# newline_end FILE: a section must end with a newline so the next marker
# starts its own line; add one when FILE is non-empty and lacks it.
newline_end() {
	[ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ] && echo
	return 0
}

# The command loop: one command per line, run in a child shell in / with no
# stdin, its output buffered in files so stdout, stderr and the markers
# never interleave.
while :; do
	if ! IFS= read -r line; then
		sleep 1
		continue
	fi
	case $line in
	"KINSPECT-CMD "*) ;;
	*) continue ;;
	esac
	set -f
	# shellcheck disable=SC2086 # split the line into its three words
	set -- $line
	set +f
	id=$2
	cmd=$(echo "$3" | base64 -d)
	(cd / && exec sh -c "$cmd") </dev/null >/tmp/.kinspect.out 2>/tmp/.kinspect.err
	st=$?
	echo "KINSPECT-OUT $id"
	cat /tmp/.kinspect.out
	newline_end /tmp/.kinspect.out
	echo "KINSPECT-ERR $id"
	cat /tmp/.kinspect.err
	newline_end /tmp/.kinspect.err
	echo "KINSPECT-END $id $st"
	rm -f /tmp/.kinspect.out /tmp/.kinspect.err
done
