/* A GDB remote serial protocol client for QEMU's gdbstub: memory (virtual
 * and physical), registers by name per vCPU, stop and resume.  Every wait is
 * bounded by the connection's timeout; a dead stub is an error, never a hang.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * QEMU behaviours this client is built around (QEMU 7.2, checked live):
 * - One client at a time.  A second TCP connection is accepted by the kernel
 *   but QEMU does not read it until the first client leaves, so the second
 *   client sees silence: connecting fails with a timeout that says so.  The
 *   abandoned connection stays in QEMU's accept queue: when the first client
 *   leaves, QEMU accepts it, which stops the VM, and (as on any disconnect)
 *   does not resume it.  Nothing on the client side prevents that.
 * - Connecting stops the VM.  If it was running, QEMU up to 8.0 sends an
 *   unsolicited stop reply ("T02thread:p01.01;") before anything else;
 *   QEMU 8.1 and later (commit "gdbstub: only send stop-reply packets when
 *   allowed to") stop it just the same and send nothing (checked on 11.1.3).
 *   See kinspect_gdbstub_find_run_state().
 * - "D" removes all breakpoints and resumes the VM, even one started with -S
 *   (prelaunch).  Closing the socket without "D" leaves the VM
 *   stopped.  No QStartNoAckMode: every packet is acknowledged.
 * - PacketSize=1000 (4096); "m" accepts at most 0x800 bytes (E22 above) and
 *   replies E14 when any page of the range is unmapped.  Physical reads
 *   (Qqemu.PhyMemMode:1) never fault.  The mode is global to QEMU and
 *   outlives connections.
 * - Multiprocess thread ids "pPID.TID" (one thread per vCPU, TID = vCPU
 *   index + 1), also once any earlier client asked for multiprocess; "D"
 *   then needs ";PID".  This client always asks for multiprocess.
 * - Commands sent back to back are answered one by one, in order: QEMU
 *   acknowledges each, answers at once without waiting for the client's
 *   '+' (system mode), and takes a new '$' as that '+' (gdb_read_byte()).
 *   kinspect_gdbstub_read_memory_batch() pipelines reads on that.
 * - "p" answers empty until the target XML was read (connect reads it);
 *   then with the XML's widths (64-bit registers even in real mode). */
#ifndef KINSPECT_GDBSTUB_H
#define KINSPECT_GDBSTUB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kinspect/error.h>

struct kinspect_gdbstub;

/* Counters of the traffic so far, for tests and benchmarks. */
struct kinspect_gdbstub_stats {
	/* Waits for the stub: one per command (retransmissions included in
	 * the same round trip), one per batch of pipelined reads (see
	 * kinspect_gdbstub_read_memory_batch()). */
	uint64_t round_trips;
	/* Packets, including retransmissions and stop notifications. */
	uint64_t packets_sent;
	uint64_t packets_received;
	/* Every byte on the wire, acks and framing included. */
	uint64_t bytes_sent;
	uint64_t bytes_received;
	/* Packets re-sent after the stub answered '-'. */
	uint64_t retransmissions;
	/* Received packets this client answered with '-'. */
	uint64_t bad_packets;
	/* "m" packets sent and the bytes of target memory they returned. */
	uint64_t memory_packets;
	uint64_t memory_bytes;
	/* Time spent waiting between sending a command and its answer. */
	uint64_t wait_ns;
};

/* Connect to the gdbstub at SPEC: "HOST:PORT" (IPv6 as "[ADDR]:PORT") or
 * "unix:PATH".  TIMEOUT_MS (> 0) bounds connecting and every later wait for
 * an answer.  Asks for the stub's features (qSupported), reads the target
 * description (qXfer:features:read, following xi:include) and lists the
 * threads (one per vCPU for QEMU).  QEMU stops the VM when a client
 * connects.  On success *RET is a new client the caller destroys. */
struct kinspect_error *kinspect_gdbstub_connect(const char *spec, int timeout_ms, struct kinspect_gdbstub **ret);

/* Close the connection and free GS (NULL is accepted).  Unless
 * kinspect_gdbstub_set_keep_stopped() said otherwise, a stopped VM is
 * detached with "D", which makes QEMU resume it; a running one is left
 * running.  The physical-memory mode found at connect is restored first.
 * A broken connection is just closed. */
void kinspect_gdbstub_destroy(struct kinspect_gdbstub *gs);

/* While *FLAG (set by a signal handler; NULL: none) is non-zero, every new
 * exchange fails with "interrupted by a signal", so that a command ends
 * soon after SIGINT/SIGTERM/SIGHUP; destroy still detaches or resumes as
 * it would. */
void kinspect_gdbstub_set_cancel(struct kinspect_gdbstub *gs, const volatile sig_atomic_t *flag);

/* Whether destroy leaves the VM stopped (stopping it if it runs) instead of
 * detaching.  Default: false. */
void kinspect_gdbstub_set_keep_stopped(struct kinspect_gdbstub *gs, bool keep_stopped);

/* Whether physical reads leave QEMU in physical mode (Qqemu.PhyMemMode:1)
 * until a virtual read needs the other mode, instead of switching back after
 * each call: two round trips fewer per physical read, for a caller that is
 * the stub's only user.  destroy restores the mode found at connect either
 * way.  Default: false. */
void kinspect_gdbstub_set_lazy_phymem(struct kinspect_gdbstub *gs, bool lazy);

/* The wait bound for later operations. */
void kinspect_gdbstub_set_timeout(struct kinspect_gdbstub *gs, int timeout_ms);

/* The SPEC given to connect, for messages.  Owned by GS. */
const char *kinspect_gdbstub_spec(const struct kinspect_gdbstub *gs);

/* ---- features ---------------------------------------------------------- */

/* The value of FEATURE in the stub's qSupported reply: "1000" for
 * "PacketSize=1000", "+" or "-" for "name+"/"name-", NULL if absent.
 * Owned by GS. */
const char *kinspect_gdbstub_feature(const struct kinspect_gdbstub *gs, const char *feature);

/* The stub's PacketSize (400 hex, gdb's default, if it does not say). */
size_t kinspect_gdbstub_packet_size(const struct kinspect_gdbstub *gs);

/* The most bytes one "m" packet asks for. */
size_t kinspect_gdbstub_max_read(const struct kinspect_gdbstub *gs);

/* Whether QEMU reported that connecting stopped a running VM (only QEMU
 * up to 8.0 does; false says nothing on later ones). */
bool kinspect_gdbstub_stopped_on_connect(const struct kinspect_gdbstub *gs);

/* ---- the run state found at connect ------------------------------------ */

/* Whether the VM ran before this client connected (connecting stopped it
 * either way): what a front end must leave behind. */
enum kinspect_gdbstub_was_running {
	/* It was stopped before (a breakpoint, the monitor's "stop", -S):
	 * leave it stopped. */
	KINSPECT_GDBSTUB_WAS_RUNNING_NO,
	/* It ran: resume it when done. */
	KINSPECT_GDBSTUB_WAS_RUNNING_YES,
	/* It ran or someone had paused it, and nothing here tells which: taken
	 * as running (resumed when done), so that a guest is never left paused
	 * for good by looking at it.  Only QMP tells the two apart. */
	KINSPECT_GDBSTUB_WAS_RUNNING_ASSUMED,
};

/* Where the answer came from. */
enum kinspect_gdbstub_run_state_source {
	/* QEMU's stop reply before the first answer (QEMU up to 8.0). */
	KINSPECT_GDBSTUB_RUN_STATE_STOP_REPLY,
	/* QMP query-status, asked before connecting (set by the caller). */
	KINSPECT_GDBSTUB_RUN_STATE_QMP,
	/* The HMP monitor through the stub: qRcmd "info status". */
	KINSPECT_GDBSTUB_RUN_STATE_MONITOR,
	/* Nothing: no stop reply and no monitor (qRcmd unsupported). */
	KINSPECT_GDBSTUB_RUN_STATE_NONE,
};

struct kinspect_gdbstub_run_state {
	enum kinspect_gdbstub_was_running was_running;
	enum kinspect_gdbstub_run_state_source source;
	/* QEMU's run state (QMP's RunState names: "running", "paused",
	 * "debug", "prelaunch", ...) as the source saw it, "" if it named
	 * none.  Seen through the stub it is the state after connecting:
	 * "paused" for a VM that ran. */
	char status[32];
	/* One line for people: what was seen and what it means. */
	char how[192];
};

/* Find out, once, whether the VM ran before this client connected, unless
 * kinspect_gdbstub_set_run_state() told it already.  A stop reply at
 * connect means it ran.  Otherwise the monitor is asked ("info status"):
 * "paused (STATE)" (debug, prelaunch, suspended, ...) means it was stopped
 * before, since connecting stops only a running VM and then leaves plain
 * "paused"; plain "paused" is a VM that was stopped before on QEMU up to
 * 8.0 ("info version" says which; those would have sent a stop reply), and
 * ambiguous on later ones: ASSUMED.  No monitor: ASSUMED.  Errors are link
 * failures only.  *RET is owned by GS.  The VM must be stopped. */
struct kinspect_error *kinspect_gdbstub_find_run_state(struct kinspect_gdbstub *gs,
						       const struct kinspect_gdbstub_run_state **ret);

/* Take STATE (copied) as the answer: a caller that asked QMP before
 * connecting knows better than anything the stub can say. */
void kinspect_gdbstub_set_run_state(struct kinspect_gdbstub *gs, const struct kinspect_gdbstub_run_state *state);

/* The answer found or set so far, or NULL. */
const struct kinspect_gdbstub_run_state *kinspect_gdbstub_run_state(const struct kinspect_gdbstub *gs);

/* "yes", "no", "assumed"; "stop-reply", "qmp", "monitor", "none". */
const char *kinspect_gdbstub_was_running_name(enum kinspect_gdbstub_was_running was_running);
const char *kinspect_gdbstub_run_state_source_name(enum kinspect_gdbstub_run_state_source source);

/* ---- threads (vCPUs) --------------------------------------------------- */

size_t kinspect_gdbstub_nr_threads(const struct kinspect_gdbstub *gs);

/* The stub's id of thread INDEX (< nr_threads), as it sent it ("p01.02").
 * Owned by GS. */
const char *kinspect_gdbstub_thread_id(const struct kinspect_gdbstub *gs, size_t index);

/* ---- registers --------------------------------------------------------- */

struct kinspect_gdbstub_register {
	const char *name; /* as in the target XML */
	uint32_t regnum;  /* the number in "p" packets */
	uint32_t bitsize;
	/* Byte offset in the "g" reply (registers in regnum order). */
	size_t g_offset;
};

size_t kinspect_gdbstub_nr_registers(const struct kinspect_gdbstub *gs);

/* Register INDEX (< nr_registers) of the target description, in regnum
 * order.  Owned by GS. */
const struct kinspect_gdbstub_register *kinspect_gdbstub_register_at(const struct kinspect_gdbstub *gs,
								      size_t index);

/* The register called NAME in the target description, or NULL. */
const struct kinspect_gdbstub_register *kinspect_gdbstub_find_register(const struct kinspect_gdbstub *gs,
									const char *name);

/* Read the register called NAME of thread THREAD_INDEX into *RET.  The value
 * has the width the stub sends (the XML's for QEMU; other stubs may send
 * fewer bytes).  Registers wider than 64 bits: see
 * kinspect_gdbstub_read_register_raw().  The VM must be stopped. */
struct kinspect_error *kinspect_gdbstub_read_register(struct kinspect_gdbstub *gs, size_t thread_index,
						      const char *name, uint64_t *ret);

/* Read the register called NAME of thread THREAD_INDEX as target bytes into
 * BUF (SIZE bytes); *RET_LEN is the number of bytes the stub sent. */
struct kinspect_error *kinspect_gdbstub_read_register_raw(struct kinspect_gdbstub *gs, size_t thread_index,
							  const char *name, void *buf, size_t size,
							  size_t *ret_len);

/* The "g" reply of thread THREAD_INDEX, decoded: *RET is malloc()ed and
 * freed by the caller, *RET_LEN its size. */
struct kinspect_error *kinspect_gdbstub_read_registers(struct kinspect_gdbstub *gs, size_t thread_index,
						       uint8_t **ret, size_t *ret_len);

/* ---- memory ------------------------------------------------------------ */

/* Read LEN bytes at ADDR into BUF, in "m" packets of at most max_read bytes:
 * virtual (through the page tables of the memory thread, see below) or
 * PHYSICAL.  A fault (the stub's "E.." answer) is a KINSPECT_ERROR_FAULT
 * error whose address is the first unreadable byte (page granular); BUF
 * holds what was read before it.  Physical reads switch Qqemu.PhyMemMode
 * and switch back afterwards (see kinspect_gdbstub_set_lazy_phymem()).  The
 * VM must be stopped. */
struct kinspect_error *kinspect_gdbstub_read_memory(struct kinspect_gdbstub *gs, uint64_t addr, void *buf,
						    size_t len, bool physical);

/* Translate virtual addresses with the page tables of thread THREAD_INDEX
 * (QEMU uses the vCPU last selected with "Hg"; this client selects this one
 * again before virtual reads).  Default: thread 0. */
struct kinspect_error *kinspect_gdbstub_set_memory_thread(struct kinspect_gdbstub *gs, size_t thread_index);

/* Several reads in one call: adjacent entries (one's end is the next one's
 * address) share "m" packets.  Stops at the first fault. */
struct kinspect_gdbstub_read {
	uint64_t addr;
	void *buf;
	size_t len;
};
struct kinspect_error *kinspect_gdbstub_read_memory_v(struct kinspect_gdbstub *gs,
						      const struct kinspect_gdbstub_read *reads, size_t nr,
						      bool physical);

/* Reads that do not depend on each other, each of 1 to max_read bytes of
 * virtual memory, with their "m" commands sent back to back (pipelined, as
 * QEMU's gdbstub allows: it answers each command in order without waiting
 * for the client): one round trip per 32 of them.  An entry that faults
 * gets OK false and is no error (a caller that needs the bytes reads them
 * again on its own, to get the fault's exact address); errors are link or
 * protocol failures.  For caches filling ahead of use. */
struct kinspect_gdbstub_batch_read {
	uint64_t addr;
	void *buf;
	size_t len;
	bool ok; /* set by the call */
};
struct kinspect_error *kinspect_gdbstub_read_memory_batch(struct kinspect_gdbstub *gs,
							  struct kinspect_gdbstub_batch_read *reads, size_t nr);

/* ---- execution --------------------------------------------------------- */

/* Whether the VM runs (as far as this client knows: it was resumed and no
 * stop reply has been seen). */
bool kinspect_gdbstub_is_running(const struct kinspect_gdbstub *gs);

/* Stop a running VM: send an interrupt (0x03) and wait for the stop reply.
 * Does nothing when the VM is already stopped. */
struct kinspect_error *kinspect_gdbstub_stop(struct kinspect_gdbstub *gs);

/* Resume the VM ("c"); returns once the stub acknowledged.  Does nothing
 * when it already runs. */
struct kinspect_error *kinspect_gdbstub_resume(struct kinspect_gdbstub *gs);

/* ---- relaying another client (the gdb proxy) --------------------------- */

/* The socket, for poll() while the VM runs. */
int kinspect_gdbstub_fd(const struct kinspect_gdbstub *gs);

/* Whether bytes from the stub wait in the client's buffer (poll() on the
 * socket does not see them). */
bool kinspect_gdbstub_has_input(const struct kinspect_gdbstub *gs);

/* Send PAYLOAD (LEN bytes, any packet of another client) as it is and
 * return the stub's answer in *RET / *RET_LEN (valid until the next
 * exchange).  ON_OUTPUT, if given, receives the 'O' console packets
 * that come before the answer (QEMU's monitor output for qRcmd); without
 * it, an 'O...' packet is the answer.  The client's view of the stub
 * follows what the packet changed: the thread "Hg" selected, the
 * physical-memory mode, and "D" (QEMU resumes the VM).  The VM must be
 * stopped. */
struct kinspect_error *kinspect_gdbstub_exchange(struct kinspect_gdbstub *gs, const char *payload, size_t len,
						 void (*on_output)(const char *packet, size_t len, void *arg),
						 void *arg, const char **ret, size_t *ret_len);

/* Send a packet that resumes the VM ("c", "s", "vCont;..." or "k") as it
 * is and return once the stub acknowledged it: the VM runs until a stop
 * reply comes (kinspect_gdbstub_wait_packet()). */
struct kinspect_error *kinspect_gdbstub_send_resume(struct kinspect_gdbstub *gs, const char *payload, size_t len);

/* Ask a running VM to stop (0x03) without waiting: the stop reply comes
 * through kinspect_gdbstub_wait_packet(). */
struct kinspect_error *kinspect_gdbstub_send_interrupt(struct kinspect_gdbstub *gs);

/* Wait at most TIMEOUT_MS (0: take only what already arrived) for the next
 * packet of a running VM: a stop reply (acknowledged at once; the VM then
 * counts as stopped) or console output.  *RET is NULL when nothing came in
 * time.  The packet lives until the next call on GS. */
struct kinspect_error *kinspect_gdbstub_wait_packet(struct kinspect_gdbstub *gs, int timeout_ms, const char **ret,
						  size_t *ret_len);

/* ---- statistics -------------------------------------------------------- */

/* The counters since connect (connect's own traffic included). */
void kinspect_gdbstub_stats(const struct kinspect_gdbstub *gs, struct kinspect_gdbstub_stats *ret);

/* Insert (or remove) a breakpoint at virtual address ADDR.  QEMU keeps
 * breakpoints itself; connecting a new client ("?") drops them all. */
struct kinspect_error *kinspect_gdbstub_breakpoint(struct kinspect_gdbstub *gs, uint64_t addr, bool insert);

/* Wait until the running VM stops (a breakpoint hit, usually): at most
 * TIMEOUT_MS (0: no limit), returning early with an error when *CANCEL
 * becomes non-zero (set by a signal handler).  A timeout or cancel leaves
 * the VM running and the connection usable (kinspect_gdbstub_stop() then
 * interrupts it).  *THREAD_INDEX is the vCPU that stopped. */
struct kinspect_error *kinspect_gdbstub_wait_stop(struct kinspect_gdbstub *gs, int timeout_ms,
						  const volatile sig_atomic_t *cancel, size_t *thread_index);

/* Execute one instruction on vCPU THREAD_INDEX (the stopped VM stays
 * stopped afterwards).  QEMU stops again at a breakpoint at the current
 * pc, so a debugger steps over its breakpoint with it removed. */
struct kinspect_error *kinspect_gdbstub_step(struct kinspect_gdbstub *gs, size_t thread_index);

/* Write LEN bytes of BUF at virtual address ADDR of the stopped VM (tests
 * corrupt kernel structures with it). */
struct kinspect_error *kinspect_gdbstub_write_memory(struct kinspect_gdbstub *gs, uint64_t addr, const void *buf,
						     size_t len);

/* A number that changes whenever memory as reads see it may have changed:
 * the VM ran, memory was written, another vCPU's page tables were chosen.
 * Caches compare it. */
uint64_t kinspect_gdbstub_generation(const struct kinspect_gdbstub *gs);

#endif /* KINSPECT_GDBSTUB_H */
