; pagefault.asm - #PF error codes and CR2, with a handler that fixes the
; page table entry and returns to retry the faulting instruction.
;
; EXPECT-OUTPUT: PF NOT-PRESENT OK
; EXPECT-OUTPUT: PF WRITE-PROTECT OK
; EXPECT-OUTPUT: PF USER OK
; EXPECT-OUTPUT: PAGEFAULT OK
; EXPECT-EXIT: 1
;
; #PF error code (SDM vol.3 4.7): bit 0 P (0 = not present, 1 = protection
; violation), bit 1 W/R (1 = write), bit 2 U/S (1 = CPL 3 access). CR2 holds
; the linear address; the saved EIP points at the faulting instruction.
; Cases:
;  1. ring 0 read of a not-present page         -> err 0, fix: set P
;  2. ring 0 write to a read-only page, CR0.WP=0 -> no fault at all
;     ring 0 write to a read-only page, CR0.WP=1 -> err 3, fix: set R/W
;  3. ring 3 read of a supervisor page          -> err 5, fix: set U/S
;     ring 3 write to a user read-only page     -> err 7, fix: set R/W
;     ring 3 read of a not-present page         -> err 4, fix: set P
; Each time the handler also checks CR2, the saved EIP and CS, counts the
; faults, and returns with IRET so that the instruction runs again.

%include "lib.inc"

PD              equ 0x20000
PT0             equ 0x21000
PG_P            equ 1 << 0
PG_RW           equ 1 << 1
PG_US           equ 1 << 2
CR0_PG          equ 1 << 31
CR0_WP          equ 1 << 16

PAGE_NP         equ 0x300000            ; not present
PAGE_RO         equ 0x301000            ; read-only, user
PAGE_SUP        equ 0x302000            ; supervisor, read/write
PAGE_URO        equ 0x303000            ; user, read-only
PAGE_UNP        equ 0x304000            ; user, not present

%define PTE(lin) (PT0 + ((lin) >> 12) * 4)

        BOOT_START
main:
        ENTER_PM32
        call tss0_setup                         ; ring-0 stack for ring-3 faults
        SET_GATE IDT_ADDR, 14, pf_handler, SEL_CODE0, GATE_INT32

        ; Values to find once the faults are fixed (paging still off).
        mov dword [PAGE_NP + 0x120], 0x5A5A1234
        mov dword [PAGE_SUP + 0x10], 0x50505050
        mov dword [PAGE_UNP + 0x40], 0x0F0F0F0F

        ; Identity map 0-4 MiB, user read/write, except the test pages.
        xor ecx, ecx
.pt:    mov eax, ecx
        shl eax, 12
        or eax, PG_P | PG_RW | PG_US
        mov [PT0 + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb .pt
        mov dword [PTE(PAGE_NP)],  PAGE_NP  | PG_RW          ; P=0
        mov dword [PTE(PAGE_RO)],  PAGE_RO  | PG_P | PG_US   ; R/W=0
        mov dword [PTE(PAGE_SUP)], PAGE_SUP | PG_P | PG_RW   ; U/S=0
        mov dword [PTE(PAGE_URO)], PAGE_URO | PG_P | PG_US   ; R/W=0
        mov dword [PTE(PAGE_UNP)], PAGE_UNP | PG_RW | PG_US  ; P=0
        mov edi, PD
        mov ecx, 1024
.pd:    mov dword [edi], 0
        add edi, 4
        dec ecx
        jnz .pd
        mov dword [PD], PT0 | PG_P | PG_RW | PG_US
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG                          ; paging on, WP still 0
        mov cr0, eax
        jmp .on
.on:

        ; --- 1. not-present read -------------------------------------------
        mov dword [pf_fix], PG_P
        mov eax, 0xEEEEEEEE
fault1: mov eax, [PAGE_NP + 0x120]              ; faults once, then succeeds
        CHECK_EQ eax, 0x5A5A1234, 0x01
        CHECK_EQ dword [pf_count], 1, 0x02
        CHECK_EQ dword [pf_err], 0, 0x03
        CHECK_EQ dword [pf_cr2], PAGE_NP + 0x120, 0x04
        CHECK_EQ dword [pf_eip], fault1, 0x05
        CHECK_EQ dword [pf_cs], SEL_CODE0, 0x06
        mov eax, cr2                            ; CR2 keeps the address
        CHECK_EQ eax, PAGE_NP + 0x120, 0x07
        PRINTLN "PF NOT-PRESENT OK"

        ; --- 2. write to a read-only page in ring 0 --------------------------
        ; CR0.WP=0: supervisor writes ignore R/W.
        mov dword [PAGE_RO + 0x10], 0x0000AAAA
        CHECK_EQ dword [pf_count], 1, 0x10
        mov eax, [PAGE_RO + 0x10]
        CHECK_EQ eax, 0x0000AAAA, 0x11
        ; CR0.WP=1: now they fault (P=1, W=1, U=0 -> 3).
        mov eax, cr0
        or eax, CR0_WP
        mov cr0, eax
        invlpg [PAGE_RO]
        mov dword [pf_fix], PG_RW
fault2: mov dword [PAGE_RO + 0x18], 0xDEADBEEF
        CHECK_EQ dword [pf_count], 2, 0x12
        CHECK_EQ dword [pf_err], 3, 0x13
        CHECK_EQ dword [pf_cr2], PAGE_RO + 0x18, 0x14
        CHECK_EQ dword [pf_eip], fault2, 0x15
        mov eax, [PAGE_RO + 0x18]               ; the retried write happened
        CHECK_EQ eax, 0xDEADBEEF, 0x16
        CHECK_BITS dword [PTE(PAGE_RO)], PG_RW, PG_RW, 0x17
        PRINTLN "PF WRITE-PROTECT OK"

        ; --- 3. ring 3 -----------------------------------------------------
        push dword SEL_DATA3 | 3                ; SS
        push dword STACK3_TOP                   ; ESP
        push dword EFL_BIT1 | EFL_IOPL3         ; EFLAGS: IOPL 3 to print
        push dword SEL_CODE3 | 3                ; CS
        push dword ring3
        iretd

ring3:
        mov ax, SEL_DATA3 | 3
        mov ds, ax
        mov es, ax
        ; supervisor page read: P=1, W=0, U=1 -> 5
        mov dword [pf_fix], PG_US
        mov eax, 0
fault3: mov eax, [PAGE_SUP + 0x10]
        CHECK_EQ eax, 0x50505050, 0x20
        CHECK_EQ dword [pf_count], 3, 0x21
        CHECK_EQ dword [pf_err], 5, 0x22
        CHECK_EQ dword [pf_cr2], PAGE_SUP + 0x10, 0x23
        CHECK_EQ dword [pf_eip], fault3, 0x24
        CHECK_EQ dword [pf_cs], SEL_CODE3 | 3, 0x25
        CHECK_EQ dword [pf_esp], STACK0_TOP - 24, 0x26   ; err + 5 dwords
        ; user read-only page write: P=1, W=1, U=1 -> 7
        mov dword [pf_fix], PG_RW
fault4: mov dword [PAGE_URO + 0x30], 0x7777AAAA
        CHECK_EQ dword [pf_count], 4, 0x27
        CHECK_EQ dword [pf_err], 7, 0x28
        CHECK_EQ dword [pf_cr2], PAGE_URO + 0x30, 0x29
        CHECK_EQ dword [pf_eip], fault4, 0x2A
        mov eax, [PAGE_URO + 0x30]
        CHECK_EQ eax, 0x7777AAAA, 0x2B
        ; user not-present read: P=0, W=0, U=1 -> 4
        mov dword [pf_fix], PG_P
fault5: mov eax, [PAGE_UNP + 0x40]
        CHECK_EQ eax, 0x0F0F0F0F, 0x2C
        CHECK_EQ dword [pf_count], 5, 0x2D
        CHECK_EQ dword [pf_err], 4, 0x2E
        CHECK_EQ dword [pf_cr2], PAGE_UNP + 0x40, 0x2F
        CHECK_EQ dword [pf_eip], fault5, 0x30
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE3 | 3, 0x31       ; still in ring 3
        PRINTLN "PF USER OK"
        PRINTLN "PAGEFAULT OK"
        PASS

; #PF handler (interrupt gate, ring 0). Frame: [esp] error code, then EIP,
; CS, EFLAGS (and ESP, SS when the fault came from ring 3).
pf_handler:
        push eax
        push ebx
        push ds
        mov ax, SEL_DATA0
        mov ds, ax
        lea eax, [esp + 12]
        mov [pf_esp], eax                       ; ESP at handler entry
        mov eax, [esp + 12]
        mov [pf_err], eax
        mov eax, [esp + 16]
        mov [pf_eip], eax
        movzx eax, word [esp + 20]
        mov [pf_cs], eax
        mov eax, cr2
        mov [pf_cr2], eax
        inc dword [pf_count]
        cmp dword [pf_count], 10
        ja .runaway
        ; fix the PTE of the faulting page and flush its TLB entry
        mov ebx, eax
        shr ebx, 12
        mov eax, [pf_fix]
        or [PT0 + ebx*4], eax
        mov eax, cr2
        invlpg [eax]
        pop ds
        pop ebx
        pop eax
        add esp, 4                              ; drop the error code
        iretd
.runaway:
        FAIL 0x7D                               ; the fix did not take

        align 4
pf_count:       dd 0
pf_err:         dd 0xFFFFFFFF
pf_cr2:         dd 0
pf_eip:         dd 0
pf_cs:          dd 0
pf_esp:         dd 0
pf_fix:         dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
