; ring3int.asm - ring 3 -> ring 0 through interrupt/trap gates and back.
;
; EXPECT-OUTPUT: IN RING 3
; EXPECT-OUTPUT: INT GATE OK
; EXPECT-OUTPUT: TRAP GATE OK
; EXPECT-OUTPUT: GATE DPL OK
; EXPECT-OUTPUT: RING3 OK
; EXPECT-EXIT: 1
;
; Ring 3 is entered with IRET (IOPL 3 so that it may print, IF=1 with both
; 8259s masked). Checks (SDM vol.3 6.12.1, IRET pseudo-code):
;  * after the IRET to ring 3, DS/ES/FS/GS that held ring-0 data selectors
;    read as null;
;  * INT 0x80 (32-bit interrupt gate, DPL 3) from ring 3 switches to the
;    stack from TSS.SS0:ESP0 and pushes SS, ESP, EFLAGS, CS, EIP of ring 3
;    (ESP = ESP0 - 20); in the handler CS/SS are the ring-0 selectors and
;    IF is clear; the handler changes EAX and the saved CF, and IRET
;    returns to ring 3 with those, with ring-3 CS/SS/ESP restored;
;  * INT 0x82 (trap gate, DPL 3): same frame, IF stays set;
;  * INT 0x81 through a DPL-0 gate from ring 3 raises #GP with error code
;    vector*8 + 2 (IDT bit) and the EIP of the INT instruction.
; Ring 3 then asks ring 0 to finish through INT 0x80 with EDX = 1.

%include "lib.inc"

        BOOT_START
main:
        MASK_PICS
        ENTER_PM32
        call tss0_setup
        ; LTR marks the TSS descriptor busy.
        movzx eax, byte [gdt + SEL_TSS0 + 5]
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x01
        SET_GATE IDT_ADDR, 0x80, int80, SEL_CODE0, GATE_INT32 | ACC_DPL3
        SET_GATE IDT_ADDR, 0x81, int80, SEL_CODE0, GATE_INT32   ; DPL 0
        SET_GATE IDT_ADDR, 0x82, int82, SEL_CODE0, GATE_TRAP32 | ACC_DPL3
        SET_GATE IDT_ADDR, 13, gp_handler, SEL_CODE0, GATE_INT32

        push dword SEL_DATA3 | 3                ; SS
        push dword STACK3_TOP                   ; ESP
        push dword EFL_BIT1 | EFL_IOPL3 | EFL_IF ; EFLAGS
        push dword SEL_CODE3 | 3                ; CS
        push dword ring3                        ; EIP
        iretd

ring3:
        ; The data segment registers held SEL_DATA0 (DPL 0 < CPL 3): nulled.
        mov bx, ds
        mov cx, es
        mov dx, fs
        mov si, gs
        mov ax, SEL_DATA3 | 3
        mov ds, ax
        mov es, ax
        movzx ebx, bx
        CHECK_EQ ebx, 0, 0x02
        movzx ecx, cx
        CHECK_EQ ecx, 0, 0x03
        movzx edx, dx
        CHECK_EQ edx, 0, 0x04
        movzx esi, si
        CHECK_EQ esi, 0, 0x05
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE3 | 3, 0x06
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA3 | 3, 0x07
        CHECK_EQ esp, STACK3_TOP, 0x08
        PRINTLN "IN RING 3"

        ; --- INT 0x80: interrupt gate ----------------------------------------
        mov [r3_esp], esp
        xor edx, edx                            ; function 0: probe
        mov eax, 0x11111111
        stc                                     ; CF=1, the handler clears it
int80_insn:
        int 0x80
after_int80:
        jc cf_still_set
        CHECK_EQ eax, 0xC0DE0080, 0x09
        CHECK_EQ esp, [r3_esp], 0x0A
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE3 | 3, 0x0B
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA3 | 3, 0x0C
        pushfd
        pop eax
        CHECK_BITS eax, EFL_IF | EFL_IOPL3, EFL_IF | EFL_IOPL3, 0x0D
        ; what the handler saw
        CHECK_EQ dword [h_esp], STACK0_TOP - 20, 0x10
        CHECK_EQ dword [h_ss], SEL_DATA0, 0x11
        CHECK_EQ dword [h_cs], SEL_CODE0, 0x12
        CHECK_BITS dword [h_eflags], EFL_IF, 0, 0x13        ; gate cleared IF
        CHECK_EQ dword [h_frame + 0], after_int80, 0x14     ; EIP
        CHECK_EQ dword [h_frame + 4], SEL_CODE3 | 3, 0x15   ; CS
        CHECK_BITS dword [h_frame + 8], EFL_CF | EFL_IF | EFL_IOPL3 | EFL_BIT1, EFL_CF | EFL_IF | EFL_IOPL3 | EFL_BIT1, 0x16
        mov eax, [r3_esp]
        CHECK_EQ dword [h_frame + 12], eax, 0x17             ; ESP
        CHECK_EQ dword [h_frame + 16], SEL_DATA3 | 3, 0x18   ; SS
        PRINTLN "INT GATE OK"

        ; --- INT 0x82: trap gate ---------------------------------------------
        mov [r3_esp], esp
        mov eax, 0x22222222
        int 0x82
after_int82:
        CHECK_EQ eax, 0xC0DE0082, 0x20
        CHECK_EQ esp, [r3_esp], 0x21
        CHECK_EQ dword [h_esp], STACK0_TOP - 20, 0x22
        CHECK_BITS dword [h_eflags], EFL_IF, EFL_IF, 0x23    ; IF kept
        CHECK_EQ dword [h_frame + 0], after_int82, 0x24
        CHECK_EQ dword [h_frame + 4], SEL_CODE3 | 3, 0x25
        mov eax, [r3_esp]
        CHECK_EQ dword [h_frame + 12], eax, 0x26
        CHECK_EQ dword [h_frame + 16], SEL_DATA3 | 3, 0x27
        PRINTLN "TRAP GATE OK"

        ; --- INT 0x81: gate DPL 0 < CPL 3 -> #GP(0x81*8+2) -------------------
        mov dword [gp_count], 0
int81_insn:
        int 0x81                                ; skipped by the #GP handler
        CHECK_EQ dword [gp_count], 1, 0x30
        CHECK_EQ dword [gp_err], 0x81*8 + 2, 0x31
        CHECK_EQ dword [gp_eip], int81_insn, 0x32
        CHECK_EQ dword [gp_cs], SEL_CODE3 | 3, 0x33
        PRINTLN "GATE DPL OK"

        ; --- finish in ring 0 ------------------------------------------------
        mov edx, 1
        int 0x80
        FAIL 0x3F                               ; not reached
cf_still_set:
        FAIL 0x0E

; INT 0x80 / 0x81 handler (interrupt gate, ring 0)
int80:
        ; Record the state before touching anything. DS is still the ring-3
        ; data selector (flat, DPL 3), which ring 0 may use.
        mov [h_esp], esp
        push eax
        mov ax, ss
        movzx eax, ax
        mov [h_ss], eax
        mov ax, cs
        movzx eax, ax
        mov [h_cs], eax
        pushfd
        pop eax
        mov [h_eflags], eax
        call copy_frame
        pop eax
        cmp edx, 1
        je finish
        and dword [esp + 8], ~EFL_CF            ; returned EFLAGS: CF=0
        mov eax, 0xC0DE0080
        iretd

int82:
        mov [h_esp], esp
        push eax
        pushfd
        pop eax
        mov [h_eflags], eax
        call copy_frame
        pop eax
        mov eax, 0xC0DE0082
        iretd

; copy the 5-dword frame at h_esp to h_frame (low 16 bits of CS and SS)
copy_frame:
        push esi
        mov esi, [h_esp]
        mov eax, [esi]
        mov [h_frame], eax
        movzx eax, word [esi + 4]
        mov [h_frame + 4], eax
        mov eax, [esi + 8]
        mov [h_frame + 8], eax
        mov eax, [esi + 12]
        mov [h_frame + 12], eax
        movzx eax, word [esi + 16]
        mov [h_frame + 16], eax
        pop esi
        ret

finish:
        mov ax, SEL_DATA0
        mov ds, ax
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE0, 0x40
        PRINTLN "RING3 OK"
        PASS

; #GP handler: record and skip the 2-byte INT instruction.
gp_handler:
        push eax
        inc dword [gp_count]
        mov eax, [esp + 4]
        mov [gp_err], eax
        mov eax, [esp + 8]
        mov [gp_eip], eax
        movzx eax, word [esp + 12]
        mov [gp_cs], eax
        cmp dword [gp_count], 1
        jne .bad
        pop eax
        add esp, 4                              ; error code
        add dword [esp], 2                      ; skip INT imm8
        iretd
.bad:   FAIL 0x7D

        align 4
r3_esp:         dd 0
h_esp:          dd 0
h_ss:           dd 0
h_cs:           dd 0
h_eflags:       dd 0
h_frame:        times 5 dd 0
gp_count:       dd 0
gp_err:         dd 0
gp_eip:         dd 0
gp_cs:          dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
