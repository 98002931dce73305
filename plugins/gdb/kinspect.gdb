# kinspect's gdb commands, Python-free: load with
#   (gdb) source /usr/share/kinspect/kinspect.gdb
# after "target remote | kinspect gdb-proxy ..." ("kinspect gdb" does).
# Each command asks the proxy through "monitor" (kinspect-run), which runs
# the kinspect command inside the proxy against the stopped guest (its
# session, its connection); arguments are gdb expressions, evaluated by gdb
# to an address.  On a dump "kinspect gdb" redefines kinspect-run to run
# kinspect on the dump file.
# SPDX-License-Identifier: GPL-2.0-or-later

define kinspect-run
  if $argc == 1
    monitor kinspect $arg0
  end
  if $argc == 2
    monitor kinspect $arg0 $arg1
  end
  if $argc == 3
    monitor kinspect $arg0 $arg1 $arg2
  end
  if $argc == 4
    monitor kinspect $arg0 $arg1 $arg2 $arg3
  end
end
document kinspect-run
Run a kinspect command (kinspect-run CMD ARGS..., up to 3 arguments) on the
stopped guest, inside kinspect gdb-proxy: as "monitor kinspect CMD ARGS...".
end

define lx-symbols
  # The proxy answers gdb's library list from the guest's module list.
  nosharedlibrary
  sharedlibrary
end
document lx-symbols
Reload the symbols of vmlinux's loaded modules (gdb-proxy).
The proxy lists the guest's modules as gdb libraries with their section
addresses; modules loaded or removed later are followed by themselves,
so this is only needed after changing the module directories.
end

define lx-lsmod
  kinspect-run lsmod
end
document lx-lsmod
List the guest's loaded modules: name, state, size, base, references.
end

define lx-kaslr
  kinspect-run info
end
document lx-kaslr
Show the running kernel, its KASLR slide and how it was found.
end

define lx-folio
  if $argc != 1
    echo usage: lx-folio EXPRESSION (a struct folio * or its address)\n
  else
    eval "kinspect-run folio 0x%lx", (unsigned long)($arg0)
  end
end
document lx-folio
Decode the struct folio at EXPRESSION (e.g. lx-folio folio).
end

define lx-page
  if $argc != 1
    echo usage: lx-page EXPRESSION (a struct page * or its address)\n
  else
    eval "kinspect-run page 0x%lx", (unsigned long)($arg0)
  end
end
document lx-page
Decode the struct page at EXPRESSION: flags, mapping, its folio.
end

define lx-iov-iter
  if $argc != 1
    echo usage: lx-iov-iter EXPRESSION (a struct iov_iter * or its address)\n
  else
    eval "kinspect-run iov-iter 0x%lx", (unsigned long)($arg0)
  end
end
document lx-iov-iter
Decode the struct iov_iter at EXPRESSION (e.g. lx-iov-iter to): its type
(ITER_FOLIOQ, ITER_BVEC, ...), count and the segments it covers.
end

define lx-dmesg
  monitor kinspect dmesg
end
document lx-dmesg
Print the kernel's log (the printk ring buffer) as dmesg shows it:
"[seconds.microseconds] text", oldest record first.
end
