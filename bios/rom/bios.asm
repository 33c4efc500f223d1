; xlat BIOS: the PC firmware ROM, written from scratch for xlat.
;
; A 64 KiB real-mode ROM (segment F000) that the board maps at the top of the
; first MiB and of the 4 GiB space. The CPU starts at F000:FFF0, which jumps
; to POST: PIC, PIT, interrupt vector table, BIOS data area (0x400) and a
; 4 KiB extended BIOS data area below 640 KiB (which also holds this BIOS's
; own variables: drive table, memory sizes), memory size from CMOS, video
; (text mode 3), COM1, keyboard controller, IDE probe; then int 19h boots
; from the devices in the order CMOS bytes 0x3D/0x38 give (1 floppy, 2 hard
; disk, 3 CD-ROM; the Bochs/QEMU convention the board follows for -boot).
;
; Services, as documented for IBM-compatible BIOSes (Ralf Brown's interrupt
; list, the Phoenix BIOS reference, the EDD 3.0 and El Torito
; specifications, ACPI for E820): int 10h (video.inc), 11h, 12h, 13h
; (disk.inc, over ata.inc; floppy.inc: the FDC and El Torito floppy emulation), 15h, 16h, 1Ah, 08h/09h (services.inc), 18h, 19h
; (boot.inc). Teletype output is mirrored to COM1 so a headless run sees it.
;
; Register frame: handlers that return values in registers use ENTER/LEAVE,
; which keep every register (pushad + ds + es) on the stack; results are
; written into the frame (F_AX ...), flags into the caller's saved FLAGS.

        cpu     686
        bits    16
        org     0

%include "defs.inc"

rom_start:
        db      "xlat BIOS", 0

%include "video.inc"
%include "services.inc"
%include "ata.inc"
%include "disk.inc"
%include "floppy.inc"
%include "boot.inc"
%include "post.inc"


        times   0xFFF0 - ($ - $$) db 0xFF   ; (fails to assemble if the code is too large)
reset_vector:                           ; F000:FFF0
        jmp     0xF000:post
        db      "11/22/26", 0           ; F000:FFF5 ROM date
        times   0xFFFE - ($ - $$) db 0
        db      0xFC                    ; F000:FFFE model: AT
        db      0x00
