; paging.asm - 32-bit paging: 4 KiB pages, a 4 MiB PSE page, A/D bits,
; aliases, INVLPG and CR3 reload.
;
; EXPECT-OUTPUT: PAGING ON
; EXPECT-OUTPUT: AD BITS OK
; EXPECT-OUTPUT: ALIAS OK
; EXPECT-OUTPUT: PAGING OK
; EXPECT-EXIT: 1
; XLAT-ARGS: -m 16
;
; Page directory (SDM vol.3 4.3, non-PAE 32-bit paging, CR4.PSE=1):
;   PDE[0] -> page table PT0: 0-4 MiB in 4 KiB pages, identity, except
;             PTE[0x3FF] (virtual 0x3FF000) -> physical 0x200000 (alias)
;   PDE[1] = 4 MiB page (PS=1), identity 4-8 MiB
;   PDE[2] = 4 MiB page, virtual 8-12 MiB -> physical 4-8 MiB (alias)
; All entries start with A=D=0. Checks:
;  * fetching code through PDE[0] sets its A bit (bit 5) and the code
;    page's PTE A bit;
;  * a read of a fresh 4 KiB page sets PTE.A but not PTE.D; a later write
;    sets PTE.D (bit 6) even though the TLB already holds the entry;
;  * the same for the 4 MiB page, whose A and D bits are in the PDE;
;  * writes through the aliases land at the mapped physical addresses;
;  * after changing a PTE, INVLPG makes the new mapping visible; after
;    changing it back, a CR3 reload does.

%include "lib.inc"

PD              equ 0x20000             ; page directory
PT0             equ 0x21000             ; page table for 0-4 MiB
PG_P            equ 1 << 0
PG_RW           equ 1 << 1
PG_US           equ 1 << 2
PG_A            equ 1 << 5
PG_D            equ 1 << 6
PG_PS           equ 1 << 7
CR0_PG          equ 1 << 31
CR4_PSE         equ 1 << 4

TEST4K          equ 0x301000            ; a 4 KiB page nobody touches before
TEST4M          equ 0x500000            ; inside the PSE page PDE[1]
ALIAS4K         equ 0x3FF000            ; virtual, -> 0x200000 (then 0x201000)
ALIAS4M         equ 0x800000            ; virtual, -> 0x400000

        BOOT_START
main:
        ENTER_PM32

        ; Physical memory seen before paging, for the alias checks.
        mov dword [0x200010], 0x11111111
        mov dword [0x201010], 0x22222222

        ; Page table: identity map with P|RW, A=D=0.
        xor ecx, ecx
.pt:    mov eax, ecx
        shl eax, 12
        or eax, PG_P | PG_RW
        mov [PT0 + ecx*4], eax
        inc ecx
        cmp ecx, 1024
        jb .pt
        mov dword [PT0 + 0x3FF*4], 0x200000 | PG_P | PG_RW
        ; Page directory.
        mov edi, PD
        mov ecx, 1024
.pd:    mov dword [edi], 0
        add edi, 4
        dec ecx
        jnz .pd
        mov dword [PD + 0*4], PT0 | PG_P | PG_RW
        mov dword [PD + 1*4], 0x400000 | PG_PS | PG_P | PG_RW
        mov dword [PD + 2*4], 0x400000 | PG_PS | PG_P | PG_RW

        ; Enable PSE, load CR3, turn paging on. The code is identity mapped
        ; so execution continues at the next instruction.
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, CR0_PG
        mov cr0, eax
        jmp .on                                 ; (flush prefetch, as the SDM suggests)
.on:
        mov eax, cr0
        CHECK_BITS eax, CR0_PG, CR0_PG, 0x01
        mov eax, cr3
        CHECK_EQ eax, PD, 0x02
        PRINTLN "PAGING ON"

        ; --- accessed / dirty bits -------------------------------------------
        ; PDE[0] was used for every fetch: A set. The page holding this code
        ; (0x7000-0x7FFF or above) too.
        CHECK_BITS dword [PD + 0*4], PG_A, PG_A, 0x03
        mov ebx, main
        shr ebx, 12
        CHECK_BITS dword [PT0 + ebx*4], PG_A, PG_A, 0x04

        ; 4 KiB page: untouched so far.
        CHECK_BITS dword [PT0 + (TEST4K >> 12)*4], PG_A | PG_D, 0, 0x05
        mov eax, [TEST4K + 0x10]                ; read
        CHECK_BITS dword [PT0 + (TEST4K >> 12)*4], PG_A | PG_D, PG_A, 0x06
        mov dword [TEST4K + 0x14], 0x55AA55AA   ; write
        CHECK_BITS dword [PT0 + (TEST4K >> 12)*4], PG_A | PG_D, PG_A | PG_D, 0x07
        mov eax, [TEST4K + 0x14]
        CHECK_EQ eax, 0x55AA55AA, 0x08

        ; 4 MiB page: A and D live in the PDE (PS=1).
        CHECK_BITS dword [PD + 1*4], PG_A | PG_D, 0, 0x09
        mov eax, [TEST4M]                       ; read
        CHECK_BITS dword [PD + 1*4], PG_A | PG_D, PG_A, 0x0A
        mov dword [TEST4M + 4], 0x66776677      ; write
        CHECK_BITS dword [PD + 1*4], PG_A | PG_D, PG_A | PG_D, 0x0B
        ; the other entries are untouched
        CHECK_BITS dword [PD + 2*4], PG_A | PG_D, 0, 0x0C
        PRINTLN "AD BITS OK"

        ; --- aliases -----------------------------------------------------------
        mov eax, [ALIAS4K + 0x10]               ; physical 0x200010
        CHECK_EQ eax, 0x11111111, 0x10
        mov dword [ALIAS4K + 0x20], 0x600DF00D
        mov eax, [0x200020]                     ; identity view of it
        CHECK_EQ eax, 0x600DF00D, 0x11

        mov dword [ALIAS4M + 0x1234], 0xFEEDFACE
        mov eax, [0x400000 + 0x1234]
        CHECK_EQ eax, 0xFEEDFACE, 0x12
        mov dword [0x400000 + 0x2000], 0xABCDEF01
        mov eax, [ALIAS4M + 0x2000]
        CHECK_EQ eax, 0xABCDEF01, 0x13
        ; writing through the alias sets the D bit of PDE[2]
        CHECK_BITS dword [PD + 2*4], PG_A | PG_D, PG_A | PG_D, 0x14

        ; --- INVLPG: remap the alias to 0x201000 ------------------------------
        mov dword [PT0 + 0x3FF*4], 0x201000 | PG_P | PG_RW
        invlpg [ALIAS4K]
        mov eax, [ALIAS4K + 0x10]
        CHECK_EQ eax, 0x22222222, 0x15

        ; --- CR3 reload: map it back to 0x200000 -------------------------------
        mov dword [PT0 + 0x3FF*4], 0x200000 | PG_P | PG_RW
        mov eax, cr3
        mov cr3, eax
        mov eax, [ALIAS4K + 0x10]
        CHECK_EQ eax, 0x11111111, 0x16
        PRINTLN "ALIAS OK"

        ; --- paging off again: identity, the alias is gone --------------------
        mov eax, cr0
        and eax, ~CR0_PG
        mov cr0, eax
        jmp .off
.off:
        mov dword [ALIAS4K + 0x10], 0x33333333  ; now physical 0x3FF010
        mov eax, [0x200010]
        CHECK_EQ eax, 0x11111111, 0x17
        PRINTLN "PAGING OK"
        PASS

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
