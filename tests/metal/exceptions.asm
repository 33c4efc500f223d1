; exceptions.asm - #DE, #UD, #GP, #NP, #SS, #TS: vector, error code and
; the saved EIP (all of these are faults: EIP of the faulting instruction).
;
; EXPECT-OUTPUT: DE OK
; EXPECT-OUTPUT: UD OK
; EXPECT-OUTPUT: GP OK
; EXPECT-OUTPUT: NP OK
; EXPECT-OUTPUT: SS OK
; EXPECT-OUTPUT: TS OK
; EXPECT-OUTPUT: EXCEPTIONS OK
; EXPECT-EXIT: 1
;
; Selector error codes (SDM vol.3 6.13): selector index | TI (bit 2) |
; IDT (bit 1) | EXT (bit 0). Cases:
;   #DE (0): DIV by 0, DIV quotient overflow, IDIV 0x80000000 / -1,
;            8-bit DIV overflow
;   #UD (6): UD2
;   #GP(13): MOV DS with a selector past the GDT limit     -> err = selector
;            MOV DS with an LDT selector, LDTR null         -> err = selector|TI
;            MOV DS with an execute-only code segment      -> err = selector
;            MOV SS with a read-only data segment          -> err = selector
;            MOV SS with a null selector                   -> err = 0
;            the segment register keeps its old value
;   #NP(11): MOV DS with a not-present data segment        -> err = selector
;            far JMP to a not-present code segment         -> err = selector
;            INT through a not-present IDT gate            -> err = vec*8+2
;   #SS(12): MOV SS with a not-present data segment        -> err = selector
;   #TS(10): JMP to a TSS descriptor with limit < 0x67     -> err = selector
; A recording handler stores vector, error code and EIP, and resumes at the
; address in `resume`.

%include "lib.inc"

SEL_NP_DATA     equ SEL_USER            ; data, not present
SEL_XO_CODE     equ SEL_USER + 0x08     ; code, execute-only
SEL_RO_DATA     equ SEL_USER + 0x10     ; data, read-only
SEL_BAD_TSS     equ SEL_USER + 0x18     ; TSS, limit 0x20
SEL_NP_CODE     equ SEL_USER + 0x20     ; code, not present
SEL_NP_STACK    equ SEL_USER + 0x28     ; writable data, not present
SEL_PAST_GDT    equ 0x0100              ; index 32, past the GDT limit
SEL_LDT_1       equ 0x000C              ; index 1, TI=1
NP_VECTOR       equ 0x50

; EXPECT_FAULT vector, error code, faulting label, first failure code
; (checks the count, vector, error code, EIP; uses 4 failure codes)
%macro EXPECT_FAULT 4
        CHECK_EQ dword [got_count], 1, (%4)
        CHECK_EQ dword [got_vec], (%1), (%4) + 1
        CHECK_EQ dword [got_err], (%2), (%4) + 2
        CHECK_EQ dword [got_eip], (%3), (%4) + 3
%endmacro

; ARM label: reset the record and set the resume address
%macro ARM 1
        mov dword [got_count], 0
        mov dword [got_vec], 0xFFFFFFFF
        mov dword [got_err], 0xFFFFFFFF
        mov dword [resume], %1
%endmacro

        BOOT_START
main:
        ENTER_PM32
        SET_GATE IDT_ADDR, 0, rec_de, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 6, rec_ud, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 10, rec_ts, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 11, rec_np, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 12, rec_ss, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 13, rec_gp, SEL_CODE0, GATE_INT32
        ; a not-present interrupt gate
        SET_GATE IDT_ADDR, NP_VECTOR, rec_gp, SEL_CODE0, GATE_INT32 & ~ACC_P

        ; --- #DE ----------------------------------------------------------
        ARM .r1
        mov eax, 1
        xor edx, edx
        xor ecx, ecx
.f1:    div ecx                                 ; divide by zero
.r1:    EXPECT_FAULT 0, 0, .f1, 0x01
        CHECK_EQ eax, 1, 0x05                   ; operands untouched
        ARM .r2
        mov edx, 2
        xor eax, eax
        mov ecx, 1
.f2:    div ecx                                 ; 2^33 does not fit 32 bits
.r2:    EXPECT_FAULT 0, 0, .f2, 0x06
        ARM .r3
        mov eax, 0x80000000
        cdq
        mov ecx, -1
.f3:    idiv ecx                                ; +2^31 does not fit
.r3:    EXPECT_FAULT 0, 0, .f3, 0x0A
        ARM .r4
        mov ax, 0x1000
        mov cl, 0x10
.f4:    div cl                                  ; 0x100 does not fit 8 bits
.r4:    EXPECT_FAULT 0, 0, .f4, 0x0E
        PRINTLN "DE OK"

        ; --- #UD ----------------------------------------------------------
        ARM .r5
.f5:    ud2
.r5:    EXPECT_FAULT 6, 0, .f5, 0x12
        PRINTLN "UD OK"

        ; --- #GP on segment loads -------------------------------------------
        ARM .r6
        mov ax, SEL_PAST_GDT
.f6:    mov ds, ax
.r6:    EXPECT_FAULT 13, SEL_PAST_GDT, .f6, 0x20
        mov ax, ds
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA0, 0x24           ; DS unchanged

        xor ax, ax
        lldt ax                                 ; LDTR null (after reset it is
                                                ; base 0, limit 0xFFFF)
        ARM .r7
        mov ax, SEL_LDT_1
.f7:    mov ds, ax
.r7:    EXPECT_FAULT 13, SEL_LDT_1, .f7, 0x25

        ARM .r8
        mov ax, SEL_XO_CODE
.f8:    mov ds, ax                              ; code without read access
.r8:    EXPECT_FAULT 13, SEL_XO_CODE, .f8, 0x29

        ARM .r9
        mov ax, SEL_RO_DATA
.f9:    mov ss, ax                              ; SS must be writable
.r9:    EXPECT_FAULT 13, SEL_RO_DATA, .f9, 0x2D
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA0, 0x31           ; SS unchanged

        ARM .r10
        xor ax, ax
.f10:   mov ss, ax                              ; null SS
.r10:   EXPECT_FAULT 13, 0, .f10, 0x32
        ; the read-only segment is fine for DS
        mov ax, SEL_RO_DATA
        mov ds, ax
        mov ax, SEL_DATA0
        mov ds, ax
        PRINTLN "GP OK"

        ; --- #NP --------------------------------------------------------------
        ARM .r11
        mov ax, SEL_NP_DATA
.f11:   mov ds, ax
.r11:   EXPECT_FAULT 11, SEL_NP_DATA, .f11, 0x40
        ARM .r12
.f12:   jmp SEL_NP_CODE:.r12
.r12:   EXPECT_FAULT 11, SEL_NP_CODE, .f12, 0x44
        ARM .r13
.f13:   int NP_VECTOR
.r13:   EXPECT_FAULT 11, NP_VECTOR*8 + 2, .f13, 0x48
        PRINTLN "NP OK"

        ; --- #SS --------------------------------------------------------------
        ARM .r14
        mov ax, SEL_NP_STACK
.f14:   mov ss, ax                              ; not present: #SS, not #NP
.r14:   EXPECT_FAULT 12, SEL_NP_STACK, .f14, 0x50
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA0, 0x54
        PRINTLN "SS OK"

        ; --- #TS --------------------------------------------------------------
        call tss0_setup                         ; a valid current task
        ARM .r15
.f15:   jmp SEL_BAD_TSS:0                       ; limit 0x20 < 0x67
.r15:   EXPECT_FAULT 10, SEL_BAD_TSS, .f15, 0x60
        str ax                                  ; still the old task
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS0, 0x64
        movzx eax, byte [gdt + SEL_BAD_TSS + 5]
        CHECK_EQ eax, ACC_TSS32, 0x65           ; not marked busy
        PRINTLN "TS OK"

        PRINTLN "EXCEPTIONS OK"
        PASS

; ------------------------------------------------------------ handlers
rec_de: push dword 0                            ; no error code
        push dword 0
        jmp record
rec_ud: push dword 0
        push dword 6
        jmp record
rec_ts: push dword 10
        jmp record
rec_np: push dword 11
        jmp record
rec_ss: push dword 12
        jmp record
rec_gp: push dword 13
        jmp record

; [esp] vector, [esp+4] error code, [esp+8] EIP, [esp+12] CS, [esp+16] EFLAGS
record:
        push eax
        push ds
        mov ax, SEL_DATA0
        mov ds, ax
        inc dword [got_count]
        cmp dword [got_count], 1
        jne .twice
        mov eax, [esp + 8]
        mov [got_vec], eax
        mov eax, [esp + 12]
        mov [got_err], eax
        mov eax, [esp + 16]
        mov [got_eip], eax
        mov eax, [resume]
        mov [esp + 16], eax                     ; continue at `resume`
        pop ds
        pop eax
        add esp, 8                              ; vector, error code
        iretd
.twice: FAIL 0x7D

        align 4
got_count:      dd 0
got_vec:        dd 0
got_err:        dd 0
got_eip:        dd 0
resume:         dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        DESC 0, 0xFFFFF, ACC_S|ACC_WRITABLE, FLG_32                 ; SEL_NP_DATA
        DESC 0, 0xFFFFF, ACC_P|ACC_S|ACC_CODE, FLG_32               ; SEL_XO_CODE
        DESC 0, 0xFFFFF, ACC_P|ACC_S, FLG_32                        ; SEL_RO_DATA
        DESC 0x4000, 0x20, ACC_TSS32, 0                             ; SEL_BAD_TSS
        DESC 0, 0xFFFFF, ACC_S|ACC_CODE|ACC_READABLE, FLG_32        ; SEL_NP_CODE
        DESC 0, 0xFFFFF, ACC_S|ACC_WRITABLE, FLG_32                 ; SEL_NP_STACK
        GDT_END
        PROGRAM_END
