; callgate.asm - far CALL from ring 3 through call gates, far RET back.
;
; EXPECT-OUTPUT: IN RING 3
; EXPECT-OUTPUT: CALL GATE NONCONFORMING OK
; EXPECT-OUTPUT: CALL GATE CONFORMING OK
; EXPECT-OUTPUT: CALL GATE DPL OK
; EXPECT-OUTPUT: CALLGATE OK
; EXPECT-EXIT: 1
;
; GDT additions:
;   SEL_CONF  conforming 32-bit code segment, DPL 0
;   GATE_A    32-bit call gate, DPL 3 -> SEL_CODE0:gate_a, 3 parameters
;   GATE_B    32-bit call gate, DPL 3 -> SEL_CONF:gate_b, 2 parameters
;   GATE_C    32-bit call gate, DPL 0 -> SEL_CODE0:gate_a
; Checks (SDM vol.3 5.8.5-5.8.6, CALL/RET pseudo-code):
;  * CALL GATE_A from CPL 3 to a non-conforming DPL-0 segment switches to
;    TSS.SS0:ESP0 and builds, from the top: EIP, CS, the 3 parameters as
;    they were on the caller's stack, caller ESP, caller SS
;    (ESP = ESP0 - 28); CPL becomes 0. RETF 12 returns to ring 3, drops
;    the parameters from both stacks and nulls ES, which held a DPL-0
;    selector.
;  * CALL GATE_B to a conforming segment: no privilege change (CPL stays
;    3, seen with LAR), no stack switch, EIP and CS pushed on the ring-3 stack above
;    the caller's parameters; RETF 8 drops the parameters.
;  * CALL GATE_C (gate DPL 0 < CPL 3): #GP with the gate selector as error
;    code and the EIP of the CALL.

%include "lib.inc"

SEL_CONF        equ SEL_USER
GATE_A          equ SEL_USER + 0x08
GATE_B          equ SEL_USER + 0x10
GATE_C          equ SEL_USER + 0x18

        BOOT_START
main:
        ENTER_PM32
        call tss0_setup
        SET_GATE gdt, GATE_A / 8, gate_a, SEL_CODE0, GATE_CALL32 | ACC_DPL3, 3
        SET_GATE gdt, GATE_B / 8, gate_b, SEL_CONF, GATE_CALL32 | ACC_DPL3, 2
        SET_GATE gdt, GATE_C / 8, gate_a, SEL_CODE0, GATE_CALL32, 0
        SET_GATE IDT_ADDR, 13, gp_handler, SEL_CODE0, GATE_INT32

        push dword SEL_DATA3 | 3
        push dword STACK3_TOP
        push dword EFL_BIT1 | EFL_IOPL3
        push dword SEL_CODE3 | 3
        push dword ring3
        iretd

ring3:
        mov ax, SEL_DATA3 | 3
        mov ds, ax
        mov es, ax
        PRINTLN "IN RING 3"

        ; --- GATE_A: inter-privilege call with 3 parameters ------------------
        mov ebp, esp
        push dword 0x11111111                   ; parameter 1 (highest)
        push dword 0x22222222
        push dword 0x33333333                   ; parameter 3 (lowest)
        mov [call_esp], esp
        mov eax, 0
call_a: call GATE_A | 3 : 0                     ; offset ignored for gates
after_a:
        CHECK_EQ eax, 0xC0DE000A, 0x01
        CHECK_EQ esp, ebp, 0x02                 ; RETF 12 dropped the params
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE3 | 3, 0x03
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA3 | 3, 0x04
        mov ax, es                              ; loaded with SEL_DATA0 in ring 0
        movzx eax, ax
        CHECK_EQ eax, 0, 0x05
        mov ax, SEL_DATA3 | 3
        mov es, ax
        ; what gate_a saw
        CHECK_EQ dword [g_cs], SEL_CODE0, 0x06
        CHECK_EQ dword [g_ss], SEL_DATA0, 0x07
        CHECK_EQ dword [g_esp], STACK0_TOP - 28, 0x08
        CHECK_EQ dword [g_lar_ok], 1, 0x1B                  ; CPL 0
        CHECK_EQ dword [g_frame + 0], after_a, 0x09         ; EIP
        CHECK_EQ dword [g_frame + 4], SEL_CODE3 | 3, 0x0A   ; CS
        CHECK_EQ dword [g_frame + 8], 0x33333333, 0x0B      ; copied params
        CHECK_EQ dword [g_frame + 12], 0x22222222, 0x0C
        CHECK_EQ dword [g_frame + 16], 0x11111111, 0x0D
        mov eax, [call_esp]
        CHECK_EQ dword [g_frame + 20], eax, 0x0E            ; caller ESP
        CHECK_EQ dword [g_frame + 24], SEL_DATA3 | 3, 0x0F  ; caller SS
        PRINTLN "CALL GATE NONCONFORMING OK"

        ; --- GATE_B: conforming target, same privilege -----------------------
        mov ebp, esp
        push dword 0xAAAA0001                   ; parameter 1
        push dword 0xAAAA0002                   ; parameter 2
        mov [call_esp], esp
        mov eax, 0
        call GATE_B | 3 : 0
after_b:
        CHECK_EQ eax, 0xC0DE000B, 0x10
        CHECK_EQ esp, ebp, 0x11
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE3 | 3, 0x12
        ; The SDM gives CS.RPL = CPL = 3 here; QEMU 7.2 loads RPL 0 (its CPL
        ; stays 3), so only the index is compared. CPL itself is checked
        ; with LAR, which fails for a DPL-0 segment at CPL 3.
        CHECK_BITS dword [g_cs], 0xFFFC, SEL_CONF, 0x13
        CHECK_EQ dword [g_lar_ok], 0, 0x1A                  ; CPL still 3
        CHECK_EQ dword [g_ss], SEL_DATA3 | 3, 0x14          ; no stack switch
        mov eax, [call_esp]
        sub eax, 8
        CHECK_EQ dword [g_esp], eax, 0x15
        CHECK_EQ dword [g_frame + 0], after_b, 0x16
        CHECK_EQ dword [g_frame + 4], SEL_CODE3 | 3, 0x17
        CHECK_EQ dword [g_frame + 8], 0xAAAA0002, 0x18
        CHECK_EQ dword [g_frame + 12], 0xAAAA0001, 0x19
        PRINTLN "CALL GATE CONFORMING OK"

        ; --- GATE_C: DPL 0 gate from CPL 3 -> #GP(GATE_C) ---------------------
        mov dword [gp_count], 0
call_c: call GATE_C | 3 : 0                     ; skipped by the #GP handler
        CHECK_EQ dword [gp_count], 1, 0x20
        CHECK_EQ dword [gp_err], GATE_C, 0x21
        CHECK_EQ dword [gp_eip], call_c, 0x22
        CHECK_EQ dword [gp_cs], SEL_CODE3 | 3, 0x23
        PRINTLN "CALL GATE DPL OK"
        PRINTLN "CALLGATE OK"
        PASS

; Ring-0 target of GATE_A (non-conforming SEL_CODE0). DS is still the
; ring-3 data selector, usable from ring 0.
gate_a:
        mov [g_esp], esp
        mov ax, cs
        movzx eax, ax
        mov [g_cs], eax
        mov ax, ss
        movzx eax, ax
        mov [g_ss], eax
        call probe_cpl
        mov ecx, 7
        call copy_frame
        mov ax, SEL_DATA0                       ; nulled by the RETF to ring 3
        mov es, ax
        mov eax, 0xC0DE000A
        retf 12

; Target of GATE_B, in the conforming segment: runs at CPL 3.
gate_b:
        mov [g_esp], esp
        mov ax, cs
        movzx eax, ax
        mov [g_cs], eax
        mov ax, ss
        movzx eax, ax
        mov [g_ss], eax
        call probe_cpl
        mov ecx, 4
        call copy_frame
        mov eax, 0xC0DE000B
        retf 8

; g_lar_ok = 1 if LAR accepts the DPL-0 data selector, i.e. if CPL = 0
probe_cpl:
        push eax
        push ebx
        mov dword [g_lar_ok], 0
        mov eax, SEL_DATA0
        lar ebx, eax
        jnz .done
        mov dword [g_lar_ok], 1
.done:  pop ebx
        pop eax
        ret

; copy ECX dwords from [g_esp] to g_frame; dword 1 (CS) and 6 (SS) are
; selectors of which only the low 16 bits are defined
copy_frame:
        push esi
        push edi
        mov esi, [g_esp]
        mov edi, g_frame
.l:     mov eax, [esi]
        mov [edi], eax
        add esi, 4
        add edi, 4
        dec ecx
        jnz .l
        and dword [g_frame + 4], 0xFFFF
        and dword [g_frame + 24], 0xFFFF
        pop edi
        pop esi
        ret

; #GP handler: record, skip the 7-byte far CALL (9A + ptr16:32).
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
        add esp, 4
        add dword [esp], 7
        iretd
.bad:   FAIL 0x7D

        align 4
call_esp:       dd 0
g_esp:          dd 0
g_cs:           dd 0
g_ss:           dd 0
g_lar_ok:       dd 0
g_frame:        times 7 dd 0
gp_count:       dd 0
gp_err:         dd 0
gp_eip:         dd 0
gp_cs:          dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        DESC 0, 0xFFFFF, ACC_P|ACC_S|ACC_CODE|ACC_CONFORMING|ACC_READABLE, FLG_32 ; SEL_CONF
        DESC 0, 0, 0, 0                         ; GATE_A (written at run time)
        DESC 0, 0, 0, 0                         ; GATE_B
        DESC 0, 0, 0, 0                         ; GATE_C
        GDT_END
        PROGRAM_END
