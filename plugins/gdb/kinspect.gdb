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

# Python-free stand-ins for scripts/gdb's $lx_task_by_pid(), $lx_module()
# and $container_of(): commands that set a convenience variable and print
# it.  Each walk is bounded.  (lx-current and lx-per-cpu depend on the
# vmlinux: "kinspect gdb-script" writes them, "kinspect gdb" sources them.)

define lx-container-of
  if $argc == 3
    set $lx_container_of = ($arg1 *)((char *)($arg0) - (unsigned long)&(($arg1 *)0)->$arg2)
    print $lx_container_of
  else
    if $argc == 4
      set $lx_container_of = ($arg1 $arg2 *)((char *)($arg0) - (unsigned long)&(($arg1 $arg2 *)0)->$arg3)
      print $lx_container_of
    else
      echo usage: lx-container-of POINTER TYPE MEMBER (e.g. lx-container-of init_task.tasks.next struct task_struct tasks)\n
    end
  end
end
document lx-container-of
Set $lx_container_of to the TYPE that holds POINTER at its MEMBER and print it
(lx-container-of POINTER TYPE MEMBER): the kernel's container_of().  TYPE may
be two words ("struct task_struct").
end

define lx-task
  if $argc != 1
    echo usage: lx-task PID\n
  else
    # Each process of init_task.tasks, then its threads (signal->thread_head).
    set $lx_task = (struct task_struct *)0
    set $lx_tasks_at = (unsigned long)&((struct task_struct *)0)->tasks
    set $lx_thread_at = (unsigned long)&((struct task_struct *)0)->thread_node
    set $lx_process = &init_task
    set $lx_n = 0
    while $lx_task == 0 && $lx_n < 1000000
      set $lx_head = &$lx_process->signal->thread_head
      set $lx_node = $lx_head->next
      while $lx_task == 0 && $lx_node != $lx_head && $lx_n < 1000000
        set $lx_thread = (struct task_struct *)((char *)$lx_node - $lx_thread_at)
        if $lx_thread->pid == ($arg0)
          set $lx_task = $lx_thread
        end
        set $lx_node = $lx_node->next
        set $lx_n = $lx_n + 1
      end
      set $lx_process = (struct task_struct *)((char *)$lx_process->tasks.next - $lx_tasks_at)
      if $lx_process == &init_task
        loop_break
      end
      set $lx_n = $lx_n + 1
    end
    if $lx_task == 0 && ($arg0) == 0
      set $lx_task = &init_task
    end
    if $lx_task == 0
      echo lx-task: no task has that pid\n
    else
      print $lx_task
    end
  end
end
document lx-task
Set $lx_task to the task whose pid (a thread's own id) is PID and print it
(lx-task PID; 0 gives init_task): scripts/gdb's $lx_task_by_pid(PID).
end

define lx-module
  if $argc != 1
    echo usage: lx-module NAME\n
  else
    set $lx_module = (struct module *)0
    set $lx_want = "$arg0"
    set $lx_list_at = (unsigned long)&((struct module *)0)->list
    set $lx_node = modules.next
    set $lx_n = 0
    while $lx_module == 0 && $lx_node != &modules && $lx_n < 100000
      set $lx_m = (struct module *)((char *)$lx_node - $lx_list_at)
      set $lx_i = 0
      while $lx_i < sizeof($lx_want) && $lx_m->name[$lx_i] == $lx_want[$lx_i]
        set $lx_i = $lx_i + 1
      end
      if $lx_i == sizeof($lx_want)
        set $lx_module = $lx_m
      end
      set $lx_node = $lx_node->next
      set $lx_n = $lx_n + 1
    end
    if $lx_module == 0
      echo lx-module: no module of that name is loaded\n
    else
      print $lx_module
    end
  end
end
document lx-module
Set $lx_module to the loaded module NAME's struct module and print it
(lx-module NAME): scripts/gdb's $lx_module("NAME").
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
  kinspect-run dmesg
end
document lx-dmesg
Print the kernel's log (the printk ring buffer) as dmesg shows it:
"[seconds.microseconds] text", oldest record first.
end

define lx-cmdline
  kinspect-run cmdline
end
document lx-cmdline
Print the kernel's boot command line, as /proc/cmdline shows it (scripts/gdb's
lx-cmdline).
end

define lx-cpus
  kinspect-run cpus
end
document lx-cpus
List the kernel's possible, present, online and active CPUs, as
/sys/devices/system/cpu/ does.
end
