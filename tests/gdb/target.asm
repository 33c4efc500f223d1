; target.asm - the bare-metal guest the gdb tests debug (tests/gdb).
;
; Not self-checking on its own: run_gdb_test.py drives a real gdb against
; xlat running this program and checks what gdb reports and what the guest
; prints. The tests refer to the labels below by name (@label@ in the gdb
; scripts, resolved from the map file nasm writes next to the binary).
;
; Flow: real mode at 0x7C00 -> real-mode code in segment 0x07C0 (CS base
; != 0, so linear != offset) -> 32-bit protected mode -> INT 0x30 into a
; handler -> a store to `watched` -> code copied to COPY_ADDR and called ->
; register/memory checks of values gdb wrote -> paging with a 4 MiB alias at
; 0xC0000000 of physical 0 and code run through the alias -> a spin loop
; until gdb (or nothing) sets `release` -> PASS.

%include "lib.inc"

COPY_ADDR       equ 0x40000
PAGE_DIR        equ 0x50000
HIGH            equ 0xC0000000

        BOOT_START
main:
        PRINTLN "GDB TARGET START"

        jmp 0x07C0:(rm_code - 0x7C00)   ; real-mode code with CS base 0x7C00
rm_code:
        mov ax, 0x1234
rm_step:
        mov bx, 0x5678
        add ax, bx
        mov [rm_result], ax
        jmp 0x0000:rm_back
rm_back:
        ENTER_PM32
        SET_GATE IDT_ADDR, 0x30, int_handler, SEL_CODE0, 0x8E
pm_start:
        mov eax, 0x11111111
bp_int:
        int 0x30
after_int:
        mov ecx, 0x22222222
watch_site:
        mov dword [watched], 0xDEADBEEF
after_watch:
        nop
read_site:
        mov edx, [watched]
after_read:
        mov esi, payload                ; copy code to COPY_ADDR and call it
        mov edi, COPY_ADDR
        mov ecx, payload_end - payload
copy_rep:
        rep movsb
        mov eax, COPY_ADDR
        call eax
after_copy:
        mov eax, 0
reg_check:
        cmp eax, 0xCAFEBABE
        jne .noreg
        PRINTLN "REG WRITE OK"
.noreg:
        cmp dword [magic], 0x12345678
        jne .nomem
        PRINTLN "MEM WRITE OK"
.nomem:
        ; paging: identity-mapped first 4 MiB, and 0xC0000000 -> physical 0
        mov edi, PAGE_DIR
        mov ecx, 1024
        xor eax, eax
        rep stosd
        mov dword [PAGE_DIR], 0x83                      ; P RW PS
        mov dword [PAGE_DIR + (HIGH >> 22) * 4], 0x83
        mov eax, cr4
        or eax, 0x10                                    ; CR4.PSE
        mov cr4, eax
        mov eax, PAGE_DIR
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov dword [phys_data], 0x600DF00D
        mov eax, HIGH + high_code
        jmp eax
high_code:
        nop
high_bp:
        mov eax, [HIGH + phys_data]
        mov [high_seen], eax
        mov eax, back_low
        jmp eax
back_low:
        mov esi, vga_text               ; a line on the VGA text screen (row 1) for screendump
        mov edi, 0xB8000 + 160
        mov ah, 0x1F
.vga:   lodsb
        test al, al
        jz .vga_done
        stosw
        jmp .vga
.vga_done:
        PRINTLN "SPINNING"
spin:
        inc dword [spin_count]
        cmp dword [release], 0
        je spin
        PRINTLN "RELEASED"
        PASS

int_handler:
        mov dword [handler_ran], 1
        iretd

payload:
        mov eax, 0xC0DE
copied_bp equ COPY_ADDR + ($ - payload)
        mov [payload_ran], eax
        ret
payload_end:

vga_text:       db "XLAT VGA TEXT", 0
        align 16
rm_result:      dd 0
watched:        dd 0
magic:          dd 0
handler_ran:    dd 0
payload_ran:    dd 0
phys_data:      dd 0
high_seen:      dd 0
spin_count:     dd 0
release:        dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END

[map symbols target.map]
