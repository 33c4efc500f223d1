; triplefault.asm - a fault with an empty IDT escalates to a triple fault.
;
; EXPECT-OUTPUT: BEFORE TRIPLE FAULT
; EXPECT-STDERR: triple fault
; EXPECT-EXIT: 0
;
; In protected mode with IDTR.limit = 0, UD2 raises #UD; its gate is past
; the IDT limit, so delivering it raises #GP, whose gate is past the limit
; too, so #DF; the #DF gate is also past the limit, which is a triple
; fault: the processor enters shutdown (SDM vol.3 6.15, interrupt 8). With
; -no-reboot the emulator reports "triple fault" on stderr and exits with
; status 0. Anything after the UD2 is a failure (exit status 3).

%include "lib.inc"

        BOOT_START
main:
        ENTER_PM32
        PRINTLN "BEFORE TRIPLE FAULT"
        lidt [empty_idtr]
        ud2
        PRINTLN "NOT REACHED"
        FAIL 0x01

        align 4
        dw 0
empty_idtr:
        dw 0                                    ; limit 0: no gate fits
        dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
