; pmode.asm - real mode -> protected mode -> real mode ("unreal mode").
;
; EXPECT-OUTPUT: REAL MODE START
; EXPECT-OUTPUT: PM OK
; EXPECT-OUTPUT: UNREAL OK
; EXPECT-EXIT: 1
; XLAT-ARGS: -m 16
;
; Checks:
;  * CR0.PE is 0 at the start; LGDT + setting CR0.PE + a far JMP reloads CS
;    with a 32-bit code selector (CS reads back 0x08).
;  * DS/ES/FS/GS/SS loads with a flat data selector; the CPU sets the
;    accessed bit of the loaded data descriptor in the GDT.
;  * A data segment with base 1 MiB: ES:[x] is linear 1 MiB + x.
;  * LSL/LAR return the limit (scaled by G) and access rights.
;  * Back to real mode through a 16-bit code segment, with DS/ES/FS/GS
;    still caching a 4 GiB limit ("unreal mode"): in real mode a segment
;    load only changes selector and base (SDM vol.3 9.9.2 / 20.1.1), so
;    32-bit offsets above 1 MiB work, a new ES value moves the base, and
;    nothing aliases to low memory (A20 is on).

%include "lib.inc"

SEL_BASE1M      equ SEL_USER            ; data, base 1 MiB, 4 GiB limit
SEL_SMALL       equ SEL_USER + 8        ; data, byte granular, limit 0x1234

        BOOT_START
main:
        PRINTLN "REAL MODE START"
        smsw ax
        movzx eax, ax
        CHECK_BITS eax, 1, 0, 0x01              ; CR0.PE clear in real mode

        ; --- into protected mode ------------------------------------------
        o32 lgdt [gdtr]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        ; Still running 16-bit code from the old CS cache; PE is set now.
        smsw ax
        movzx eax, ax
        CHECK_BITS eax, 1, 1, 0x02
        jmp dword SEL_CODE0:pm32                ; reload CS

        bits 32
pm32:
        mov ax, cs
        movzx eax, ax
        CHECK_EQ eax, SEL_CODE0, 0x03
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, STACK0_TOP
        call idt_setup                          ; report stray exceptions

        ; The accessed bit (type bit 0, byte 5 of the descriptor) of the
        ; data descriptor was clear in the table; loading DS set it.
        ; (The SDM says a CS load sets it too, but QEMU 7.2 does not do that
        ; on a far JMP, so the code descriptor is not checked here.)
        movzx eax, byte [gdt + SEL_DATA0 + 5]
        CHECK_EQ eax, ACC_DATA_R0 | ACC_ACCESSED, 0x05
        ; never loaded: still clear
        movzx eax, byte [gdt + SEL_DATA3 + 5]
        CHECK_EQ eax, ACC_DATA_R3, 0x06

        ; Segment registers read back what was loaded.
        mov ax, ss
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA0, 0x07
        mov ax, gs
        movzx eax, ax
        CHECK_EQ eax, SEL_DATA0, 0x08

        ; Base 1 MiB segment: ES:x is linear 0x100000 + x.
        mov dword [0x100010], 0xCAFEBABE        ; through flat DS
        mov ax, SEL_BASE1M
        mov es, ax
        mov eax, [es:0x10]
        CHECK_EQ eax, 0xCAFEBABE, 0x09
        mov dword [es:0x20], 0x8BADF00D         ; through ES
        mov eax, [0x100020]
        CHECK_EQ eax, 0x8BADF00D, 0x0A
        mov ax, SEL_DATA0
        mov es, ax

        ; LSL: limit in bytes (G=1 scales 0xFFFFF to 0xFFFFFFFF).
        mov eax, SEL_BASE1M
        lsl ebx, eax
        jnz .lsl_bad
        CHECK_EQ ebx, 0xFFFFFFFF, 0x0B
        mov eax, SEL_SMALL
        lsl ebx, eax
        jnz .lsl_bad
        CHECK_EQ ebx, 0x1234, 0x0C
        ; LAR: access byte in bits 15..8, flags nibble in bits 23..20
        ; (the accessed bit of SEL_SMALL is still clear: never loaded).
        lar ebx, eax
        jnz .lsl_bad
        and ebx, 0x00F0FF00
        CHECK_EQ ebx, (ACC_DATA_R0 << 8) | (FLG_D << 20), 0x0D
        jmp .lsl_ok
.lsl_bad:
        FAIL 0x0E                               ; ZF clear: selector invalid
.lsl_ok:
        PRINTLN "PM OK"

        ; --- back to real mode, keeping 4 GiB limits ------------------------
        ; DS/ES/FS/GS hold SEL_DATA0 (base 0, limit 4 GiB). SS gets a 64 KiB
        ; 16-bit segment so that the real-mode stack behaves normally.
        mov dword [0x200000], 0                 ; clear the test locations
        mov dword [0x100500], 0
        jmp SEL_CODE16:pm16

        bits 16
pm16:
        mov ax, SEL_DATA16
        mov ss, ax
        mov eax, cr0
        and eax, ~1                             ; clear CR0.PE
        mov cr0, eax
        jmp 0x0000:rm16                         ; reload CS with a real-mode value
rm16:
        xor ax, ax
        mov ss, ax
        mov sp, STACK16_TOP
        o32 lidt [real_idtr]                    ; the IVT at 0 again
        mov ds, ax                              ; base 0, the limit stays
        mov fs, ax
        mov gs, ax
        smsw ax
        movzx eax, ax
        CHECK_BITS eax, 1, 0, 0x10              ; PE clear again

        ; A 32-bit offset above 1 MiB through DS.
        mov esi, 0x200000
        mov dword [esi], 0x12345678
        mov eax, [esi]
        CHECK_EQ eax, 0x12345678, 0x11
        ; FS (also unreal) sees the same memory.
        mov eax, [fs:esi]
        CHECK_EQ eax, 0x12345678, 0x12

        ; No aliasing to low memory: 0x100500 and 0x000500 are different.
        mov dword [0x0500], 0x11111111
        mov edi, 0x100500
        mov dword [edi], 0x22222222
        mov eax, [0x0500]
        CHECK_EQ eax, 0x11111111, 0x13
        mov eax, [edi]
        CHECK_EQ eax, 0x22222222, 0x14

        ; A real-mode load of ES changes the base to 0x1000 << 4 and keeps
        ; the 4 GiB limit: ES:0x1F0000 is linear 0x200000.
        mov ax, 0x1000
        mov es, ax
        mov ebx, 0x1F0000
        mov eax, [es:ebx]
        CHECK_EQ eax, 0x12345678, 0x15
        mov dword [es:ebx + 4], 0x0BADCAFE
        mov eax, [esi + 4]
        CHECK_EQ eax, 0x0BADCAFE, 0x16
        ; and ES:0 is linear 0x10000 (plain real-mode addressing still works)
        mov edx, 0x10000
        mov dword [edx], 0x600DD00D             ; through DS, 32-bit offset
        mov eax, [es:0]
        CHECK_EQ eax, 0x600DD00D, 0x17
        xor ax, ax
        mov es, ax

        ; 16-bit code still works: a near call and a 16-bit stack.
        mov ax, sp
        call .sub
        cmp ax, sp
        jne .stack_bad
        PRINTLN "UNREAL OK"
        PASS
.sub:   ret
.stack_bad:
        FAIL 0x18

        align 4
        dw 0
real_idtr:
        dw 0x3FF                                ; real-mode IVT: 256 * 4 bytes
        dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        DESC 0x100000, 0xFFFFF, ACC_DATA_R0, FLG_32     ; SEL_BASE1M
        DESC 0, 0x1234, ACC_DATA_R0, FLG_D              ; SEL_SMALL
        GDT_END
        PROGRAM_END
