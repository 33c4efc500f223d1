; debug.asm - single-step trap (TF), an instruction breakpoint (DR0) and a
; data write watchpoint (DR1), with DR6 checked.
;
; EXPECT-OUTPUT: TF OK
; EXPECT-OUTPUT: DR0 OK
; EXPECT-OUTPUT: DR1 OK
; EXPECT-OUTPUT: DEBUG OK
; EXPECT-EXIT: 1
;
; SDM vol.3 chapter 17:
;  * TF: a #DB trap after each instruction that starts with TF=1; POPF that
;    sets TF is not followed by a trap, the POPF that clears it is. DR6.BS
;    (bit 14) is set. The interrupt gate clears TF for the handler and
;    IRET restores it. A taken jump reports its target.
;  * DR0 with DR7.L0=1, R/W0=00 (execute), LEN0=00: a #DB fault before the
;    instruction at DR0 executes (saved EIP = DR0), DR6.B0 set. The handler
;    sets EFLAGS.RF in the frame so that the instruction runs once on
;    return; in a 3-iteration loop it hits 3 times.
;  * DR1 with DR7.L1=1, R/W1=01 (write), LEN1=11 (4 bytes), DR7.LE: a #DB
;    trap after a write that touches the 4 bytes (saved EIP = next
;    instruction, the write done), DR6.B1 set; reads and writes just
;    outside the range do not trigger.
; DR6 is sticky, so the handler clears it after each hit.

%include "lib.inc"

DR6_B0          equ 1 << 0
DR6_B1          equ 1 << 1
DR6_BS          equ 1 << 14
DR6_MASK        equ 0xF | DR6_BS        ; bits compared
MAX_HITS        equ 16

        BOOT_START
main:
        ENTER_PM32
        SET_GATE IDT_ADDR, 1, db_handler, SEL_CODE0, GATE_INT32
        xor eax, eax
        mov dr6, eax
        mov dr7, eax

        ; --- single step ----------------------------------------------------
        mov dword [hits], 0
        pushfd
        or dword [esp], EFL_TF
        popfd                                   ; TF=1 from here, no trap yet
        nop
ss1:    mov eax, 5
ss2:    add eax, eax
ss3:    jmp short ss_target
        nop                                     ; skipped
ss_target:
        pushfd
ss5:    and dword [esp], ~EFL_TF
ss6:    popfd                                   ; TF was 1: trap after it
ss7:    nop                                     ; TF=0: no more traps
        nop
        CHECK_EQ dword [hits], 7, 0x01
        CHECK_EQ dword [hit_eip + 0*4], ss1, 0x02
        CHECK_EQ dword [hit_eip + 1*4], ss2, 0x03
        CHECK_EQ dword [hit_eip + 2*4], ss3, 0x04
        CHECK_EQ dword [hit_eip + 3*4], ss_target, 0x05
        CHECK_EQ dword [hit_eip + 4*4], ss5, 0x06
        CHECK_EQ dword [hit_eip + 5*4], ss6, 0x07
        CHECK_EQ dword [hit_eip + 6*4], ss7, 0x08
        CHECK_BITS dword [hit_dr6 + 0*4], DR6_MASK, DR6_BS, 0x09
        CHECK_BITS dword [hit_dr6 + 6*4], DR6_MASK, DR6_BS, 0x0A
        CHECK_EQ eax, 10, 0x0B
        ; the pushed EFLAGS had TF set, except after the POPF that cleared
        ; it; the handler itself ran with TF clear
        CHECK_BITS dword [hit_eflags + 0*4], EFL_TF, EFL_TF, 0x0C
        CHECK_BITS dword [hit_eflags + 6*4], EFL_TF, 0, 0x0F
        CHECK_BITS dword [handler_eflags], EFL_TF, 0, 0x0D
        pushfd
        pop eax
        CHECK_BITS eax, EFL_TF, 0, 0x0E
        PRINTLN "TF OK"

        ; --- DR0: instruction breakpoint ---------------------------------------
        mov dword [hits], 0
        mov dword [set_rf], 1
        mov eax, bp_target
        mov dr0, eax
        mov eax, 1 << 0                         ; L0, R/W0=00, LEN0=00
        mov dr7, eax
        xor esi, esi
        mov ecx, 3
bp_loop:
bp_target:
        inc esi                                 ; breakpoint here
        dec ecx
        jnz bp_loop
        xor eax, eax
        mov dr7, eax
        CHECK_EQ esi, 3, 0x20                   ; executed exactly 3 times
        CHECK_EQ dword [hits], 3, 0x21
        CHECK_EQ dword [hit_eip + 0*4], bp_target, 0x22     ; fault: EIP = DR0
        CHECK_EQ dword [hit_eip + 2*4], bp_target, 0x23
        CHECK_BITS dword [hit_dr6 + 0*4], DR6_MASK, DR6_B0, 0x24
        CHECK_BITS dword [hit_dr6 + 2*4], DR6_MASK, DR6_B0, 0x25
        CHECK_BITS dword [hit_eflags + 0*4], EFL_RF, 0, 0x26 ; RF clear at a hit
        CHECK_BITS dword [hit_eflags + 2*4], EFL_RF, 0, 0x29
        mov eax, dr0
        CHECK_EQ eax, bp_target, 0x27
        ; breakpoint disabled: runs freely
        mov dword [hits], 0
        call bp_target_fn
        CHECK_EQ dword [hits], 0, 0x28
        PRINTLN "DR0 OK"

        ; --- DR1: data write watchpoint -----------------------------------------
        mov dword [hits], 0
        mov dword [set_rf], 0
        mov dword [watched], 0
        mov dword [watched + 4], 0
        mov eax, watched
        mov dr1, eax
        mov eax, (1 << 2) | (1 << 8) | (01b << 20) | (11b << 22)   ; L1, LE, write, 4 bytes
        mov dr7, eax
        mov eax, [watched]                      ; a read: no trap
        mov dword [watched + 4], 1              ; next dword: no trap
        mov byte [watched - 1], 1               ; byte before: no trap
w1:     mov dword [watched], 0x1234             ; trap after
w1_next:
        mov word [watched + 2], 0x55            ; inside the range: trap after
w2_next:
        nop
        xor eax, eax
        mov dr7, eax
        CHECK_EQ dword [hits], 2, 0x30
        CHECK_EQ dword [hit_eip + 0*4], w1_next, 0x31       ; trap: next insn
        CHECK_EQ dword [hit_eip + 1*4], w2_next, 0x32
        CHECK_BITS dword [hit_dr6 + 0*4], DR6_MASK, DR6_B1, 0x33
        CHECK_BITS dword [hit_dr6 + 1*4], DR6_MASK, DR6_B1, 0x34
        CHECK_EQ dword [hit_watched + 0*4], 0x1234, 0x35    ; write was done
        CHECK_EQ dword [watched], 0x00551234, 0x36
        mov eax, dr1
        CHECK_EQ eax, watched, 0x37
        PRINTLN "DR1 OK"
        PRINTLN "DEBUG OK"
        PASS

bp_target_fn:
        ret

; #DB handler (interrupt gate): record EIP, DR6, the pushed EFLAGS and the
; watched value; clear DR6; set RF in the frame when asked to.
db_handler:
        push eax
        push ebx
        pushfd
        pop eax
        mov [handler_eflags], eax
        mov ebx, [hits]
        cmp ebx, MAX_HITS
        jae .runaway
        mov eax, [esp + 8]                      ; EIP
        mov [hit_eip + ebx*4], eax
        mov eax, dr6
        mov [hit_dr6 + ebx*4], eax
        mov eax, [esp + 16]                     ; EFLAGS
        mov [hit_eflags + ebx*4], eax
        mov eax, [watched]
        mov [hit_watched + ebx*4], eax
        inc dword [hits]
        xor eax, eax
        mov dr6, eax
        cmp dword [set_rf], 0
        je .out
        or dword [esp + 16], EFL_RF
.out:   pop ebx
        pop eax
        iretd
.runaway:
        FAIL 0x7D

        align 8
        dd 0
watched:        dd 0                            ; 4-byte aligned
                dd 0
hits:           dd 0
set_rf:         dd 0
handler_eflags: dd 0xFFFFFFFF
hit_eip:        times MAX_HITS dd 0
hit_dr6:        times MAX_HITS dd 0
hit_eflags:     times MAX_HITS dd 0
hit_watched:    times MAX_HITS dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
