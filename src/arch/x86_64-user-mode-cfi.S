/* kinspect-user-mode-cfi.o: DWARF call frame information that ends a
 * backtrace at a user-mode frame of an x86-64 guest, for gdb ("kinspect
 * gdb" loads it with add-symbol-file at address 0).  gdb's JIT-reader
 * interface, through which kinspect-unwind.so unwinds entry code, cannot
 * mark a frame as the outermost one; DWARF can: one FDE covers every
 * user-space address, 4- or 5-level paging alike, and says the return
 * address is undefined.  gdb's DWARF unwinder then shows the user-mode
 * frame (its registers as the entry saved them) and stops, with no frame
 * of pc 0 after it and no "corrupt stack?".  No code: its one symbol (gdb
 * warns about a symbol file without any) is in an empty .text, so that no
 * address, NULL included, prints as its name.
 * SPDX-License-Identifier: GPL-2.0-or-later */
	.text
	.globl kinspect_user_mode_cfi
kinspect_user_mode_cfi:
	.section .debug_frame,"",@progbits
.Lcie:
	.long .Lcie_end - .Lcie_start	/* length */
.Lcie_start:
	.long 0xffffffff		/* a CIE */
	.byte 1				/* version */
	.asciz ""			/* augmentation */
	.uleb128 1			/* code alignment factor */
	.sleb128 -8			/* data alignment factor */
	.byte 16			/* return address column: rip */
	.byte 0x0c, 7, 8		/* DW_CFA_def_cfa: rsp + 8 */
	.byte 0x07, 16			/* DW_CFA_undefined: rip */
	.balign 8, 0
.Lcie_end:
	.long .Lfde_end - .Lfde_start	/* length */
.Lfde_start:
	.long 0				/* the CIE above (offset in .debug_frame) */
	.quad 0x1000			/* initial location: past the NULL page */
	.quad 0x00ffffffffffe000	/* address range: up to 2^56 - 4 KiB */
	.balign 8, 0
.Lfde_end:
	.section .note.GNU-stack,"",@progbits
