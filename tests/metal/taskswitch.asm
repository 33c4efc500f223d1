; taskswitch.asm - hardware task switches: JMP/CALL to a TSS, CALL through
; a task gate in the GDT, INT through a task gate in the IDT, IRET back.
;
; EXPECT-OUTPUT: IN TASK A
; EXPECT-OUTPUT: CALL TSS OK
; EXPECT-OUTPUT: TASK GATE OK
; EXPECT-OUTPUT: INT TASK GATE OK
; EXPECT-OUTPUT: BUSY OK
; EXPECT-OUTPUT: TASK OK
; EXPECT-EXIT: 1
;
; Tasks: MAIN (the program, TR loaded with LTR), A, B, C; all ring 0, flat.
;   MAIN --JMP TSS_A--> A --CALL TSS_B--> B --IRET--> A
;   A --CALL GDT task gate--> C --IRET--> A
;   A --INT 0x40 (IDT task gate)--> B (resumes after its IRET) --IRET--> A
;   A --CALL TSS_A (busy)--> #GP(TSS_A)
;   A --JMP TSS_MAIN--> MAIN (resumes after its JMP)
; Checks (SDM vol.3 7.3-7.4, table 7-2):
;  * LTR marks the TSS busy; JMP clears the old task's busy bit and sets
;    the new one's, CALL/INT leave the old one busy; IRET clears the busy
;    bit of the task it leaves;
;  * CALL/INT: the new task's previous-task link = old TSS selector and
;    NT=1; JMP leaves the link alone and NT from the new TSS (0);
;  * the old task's registers and EIP (next instruction) are saved in its
;    TSS and the new task's are loaded (EAX, ESP, EIP); TR reads back the
;    new selector (STR); CR0.TS is set by a task switch;
;  * a task resumed later continues after the instruction that left it;
;  * CALL to a busy TSS raises #GP with the TSS selector as error code.

%include "lib.inc"

SEL_TSS_MAIN    equ SEL_USER
SEL_TSS_A       equ SEL_USER + 0x08
SEL_TSS_B       equ SEL_USER + 0x10
SEL_TSS_C       equ SEL_USER + 0x18
SEL_GATE_C      equ SEL_USER + 0x20     ; task gate -> SEL_TSS_C

TSS_MAIN        equ 0x3000
TSS_A           equ 0x3100
TSS_B           equ 0x3200
TSS_C           equ 0x3300

%define DESC_TYPE(sel) byte [gdt + (sel) + 5]

; init_tss base, eip, esp: a ring-0 flat task starting at eip
%macro INIT_TSS 3
        mov edi, %1
        call tss_clear
        mov dword [%1 + TSS_EIP], %2
        mov dword [%1 + TSS_ESP], %3
        mov dword [%1 + TSS_EFLAGS], EFL_BIT1
%endmacro

        BOOT_START
main:
        ENTER_PM32
        SET_GATE IDT_ADDR, 13, gp_handler, SEL_CODE0, GATE_INT32
        SET_GATE IDT_ADDR, 0x40, 0, SEL_TSS_B, GATE_TASK
        SET_GATE gdt, SEL_GATE_C / 8, 0, SEL_TSS_C, GATE_TASK

        mov edi, TSS_MAIN
        call tss_clear
        INIT_TSS TSS_A, task_a, 0x60000
        mov dword [TSS_A + TSS_EAX], 0xA0A0A0A0
        INIT_TSS TSS_B, task_b, 0x58000
        INIT_TSS TSS_C, task_c, 0x50000

        mov ax, SEL_TSS_MAIN
        ltr ax
        movzx eax, DESC_TYPE(SEL_TSS_MAIN)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x01
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_MAIN, 0x02

        clts
        mov eax, 0x11110000                     ; saved in TSS_MAIN
        mov ebp, 0x22220000
        mov esi, 0x33330000
        jmp SEL_TSS_A:0                         ; offset ignored
main_resume:
        ; back from task A's JMP: registers come from TSS_MAIN
        CHECK_EQ eax, 0x11110000, 0x03
        CHECK_EQ ebp, 0x22220000, 0x04
        CHECK_EQ esi, 0x33330000, 0x05
        CHECK_EQ esp, STACK0_TOP, 0x06
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_MAIN, 0x07
        movzx eax, DESC_TYPE(SEL_TSS_MAIN)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x08
        movzx eax, DESC_TYPE(SEL_TSS_A)
        CHECK_EQ eax, ACC_P | SYS_TSS32_AVAIL, 0x09
        pushfd
        pop eax
        CHECK_BITS eax, EFL_NT, 0, 0x0A
        CHECK_EQ dword [a_done], 1, 0x0B
        PRINTLN "TASK OK"
        PASS

; --------------------------------------------------------------- task A
task_a:
        ; EAX and ESP were loaded from TSS_A
        CHECK_EQ eax, 0xA0A0A0A0, 0x0F
        CHECK_EQ esp, 0x60000, 0x11
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_A, 0x10
        ; JMP: old task no longer busy, new one busy, NT from the TSS (0),
        ; link untouched, TS set.
        movzx eax, DESC_TYPE(SEL_TSS_MAIN)
        CHECK_EQ eax, ACC_P | SYS_TSS32_AVAIL, 0x12
        movzx eax, DESC_TYPE(SEL_TSS_A)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x13
        pushfd
        pop eax
        CHECK_BITS eax, EFL_NT, 0, 0x14
        CHECK_EQ dword [TSS_A + TSS_LINK], 0, 0x15
        mov eax, cr0
        CHECK_BITS eax, 1 << 3, 1 << 3, 0x16    ; CR0.TS
        clts
        ; MAIN's state was saved: EIP of the next instruction, registers,
        ; segment selectors.
        CHECK_EQ dword [TSS_MAIN + TSS_EIP], main_resume, 0x17
        CHECK_EQ dword [TSS_MAIN + TSS_EAX], 0x11110000, 0x18
        CHECK_EQ dword [TSS_MAIN + TSS_EBP], 0x22220000, 0x19
        CHECK_EQ dword [TSS_MAIN + TSS_ESP], STACK0_TOP, 0x1A
        CHECK_BITS dword [TSS_MAIN + TSS_CS], 0xFFFF, SEL_CODE0, 0x1B
        CHECK_BITS dword [TSS_MAIN + TSS_DS], 0xFFFF, SEL_DATA0, 0x1C
        PRINTLN "IN TASK A"

        ; --- CALL to TSS B ---------------------------------------------------
        mov ebx, 0xABABABAB
        call SEL_TSS_B:0
after_call_b:
        CHECK_EQ ebx, 0xABABABAB, 0x20          ; restored from TSS_A
        CHECK_EQ dword [b_count], 1, 0x21
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_A, 0x22
        movzx eax, DESC_TYPE(SEL_TSS_B)         ; IRET cleared B's busy bit
        CHECK_EQ eax, ACC_P | SYS_TSS32_AVAIL, 0x23
        movzx eax, DESC_TYPE(SEL_TSS_A)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x24
        pushfd
        pop eax
        CHECK_BITS eax, EFL_NT, 0, 0x25         ; A's own NT (0)
        ; B was saved at its IRET: EIP after the IRET, NT cleared
        CHECK_EQ dword [TSS_B + TSS_EIP], task_b_resume, 0x26
        CHECK_BITS dword [TSS_B + TSS_EFLAGS], EFL_NT, 0, 0x27
        PRINTLN "CALL TSS OK"

        ; --- CALL through the task gate in the GDT -> C -----------------------
        call SEL_GATE_C:0
        CHECK_EQ dword [c_count], 1, 0x30
        movzx eax, DESC_TYPE(SEL_TSS_C)
        CHECK_EQ eax, ACC_P | SYS_TSS32_AVAIL, 0x31
        CHECK_EQ dword [TSS_C + TSS_LINK], SEL_TSS_A, 0x32
        PRINTLN "TASK GATE OK"

        ; --- INT through the task gate in the IDT -> B again ------------------
        int 0x40
after_int40:
        CHECK_EQ dword [b_count], 2, 0x40
        movzx eax, DESC_TYPE(SEL_TSS_B)
        CHECK_EQ eax, ACC_P | SYS_TSS32_AVAIL, 0x41
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_A, 0x42
        PRINTLN "INT TASK GATE OK"

        ; --- CALL to a busy TSS (A itself) -> #GP(SEL_TSS_A) -------------------
        mov dword [gp_count], 0
call_busy:
        call SEL_TSS_A:0                        ; skipped by the #GP handler
        CHECK_EQ dword [gp_count], 1, 0x50
        CHECK_EQ dword [gp_err], SEL_TSS_A, 0x51
        CHECK_EQ dword [gp_eip], call_busy, 0x52
        movzx eax, DESC_TYPE(SEL_TSS_A)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x53
        PRINTLN "BUSY OK"

        ; --- back to MAIN --------------------------------------------------------
        mov dword [a_done], 1
        jmp SEL_TSS_MAIN:0
        FAIL 0x5F                               ; A is never resumed

; --------------------------------------------------------------- task B
; Entered by CALL (first time) and by INT 0x40 (second time, resuming after
; the IRET).
task_b:
        inc dword [b_count]
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_B, 0x60
        pushfd
        pop eax
        CHECK_BITS eax, EFL_NT, EFL_NT, 0x61    ; nested task
        CHECK_EQ dword [TSS_B + TSS_LINK], SEL_TSS_A, 0x62
        movzx eax, DESC_TYPE(SEL_TSS_B)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x63
        movzx eax, DESC_TYPE(SEL_TSS_A)         ; the caller stays busy
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x64
        ; A's EIP was saved: after the CALL, or after the INT
        mov eax, after_call_b
        cmp dword [b_count], 1
        je .eip
        mov eax, after_int40
.eip:   CHECK_EQ dword [TSS_A + TSS_EIP], eax, 0x65
        CHECK_EQ dword [TSS_A + TSS_EBX], 0xABABABAB, 0x66
        mov ebx, 0                              ; must not leak into A
        iretd                                   ; NT=1: back to the linked task
task_b_resume:
        jmp task_b

; --------------------------------------------------------------- task C
task_c:
        inc dword [c_count]
        str ax
        movzx eax, ax
        CHECK_EQ eax, SEL_TSS_C, 0x70
        pushfd
        pop eax
        CHECK_BITS eax, EFL_NT, EFL_NT, 0x71
        CHECK_EQ dword [TSS_C + TSS_LINK], SEL_TSS_A, 0x72
        movzx eax, DESC_TYPE(SEL_TSS_C)
        CHECK_EQ eax, ACC_P | SYS_TSS32_BUSY, 0x73
        iretd
        jmp task_c

; --------------------------------------------------------------- helpers
; tss_clear: zero the TSS at EDI and fill in flat ring-0 segments, the
; current CR3 and an I/O map offset past the limit (no bitmap).
tss_clear:
        push eax
        push ecx
        push edi
        mov ecx, TSS_SIZE / 4
.z:     mov dword [edi], 0
        add edi, 4
        dec ecx
        jnz .z
        pop edi
        mov dword [edi + TSS_CS], SEL_CODE0
        mov dword [edi + TSS_SS], SEL_DATA0
        mov dword [edi + TSS_DS], SEL_DATA0
        mov dword [edi + TSS_ES], SEL_DATA0
        mov dword [edi + TSS_FS], SEL_DATA0
        mov dword [edi + TSS_GS], SEL_DATA0
        mov dword [edi + TSS_SS0], SEL_DATA0
        mov dword [edi + TSS_ESP0], STACK0_TOP
        mov eax, cr3
        mov [edi + TSS_CR3], eax
        mov word [edi + TSS_IOMAP], TSS_SIZE
        pop ecx
        pop eax
        ret

; #GP handler (runs in task A): record, skip the 7-byte far CALL.
gp_handler:
        push eax
        inc dword [gp_count]
        mov eax, [esp + 4]
        mov [gp_err], eax
        mov eax, [esp + 8]
        mov [gp_eip], eax
        cmp dword [gp_count], 1
        jne .bad
        pop eax
        add esp, 4
        add dword [esp], 7
        iretd
.bad:   FAIL 0x7D

        align 4
b_count:        dd 0
c_count:        dd 0
a_done:         dd 0
gp_count:       dd 0
gp_err:         dd 0
gp_eip:         dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        DESC TSS_MAIN, TSS_SIZE - 1, ACC_TSS32, 0       ; SEL_TSS_MAIN
        DESC TSS_A, TSS_SIZE - 1, ACC_TSS32, 0          ; SEL_TSS_A
        DESC TSS_B, TSS_SIZE - 1, ACC_TSS32, 0          ; SEL_TSS_B
        DESC TSS_C, TSS_SIZE - 1, ACC_TSS32, 0          ; SEL_TSS_C
        DESC 0, 0, 0, 0                                 ; SEL_GATE_C (run time)
        GDT_END
        PROGRAM_END
