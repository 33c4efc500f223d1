; bios_disk - a hard-disk image booted by xlat's BIOS: the MBR loads the rest
; of the program with int 13h AH=42h, then checks int 10h (teletype, cursor,
; scroll, read/write character), int 11h/12h, int 15h (88h, E801h, E820h,
; A20, 86h wait, C0h), int 16h (store/peek/read), int 1Ah, and int 13h on
; the disk (08h, 15h, 41h, 48h, CHS and EDD reads and writes, an error past
; the end). Results go to port 0xE9. The disk is 2 cylinders x 16 heads x 63
; sectors (2016 sectors); sectors from 16 on start with "SECT" + their LBA.
; Expected values: IBM BIOS interface as documented (Ralf Brown's list, EDD
; 3.0, ACPI E820); geometry by the 16-head/63-sector rule; the memory map
; is xlat's (-m 16: 636 KiB + a 4 KiB EBDA, ROM at F0000, 15 MiB above 1 MiB).
; Checked under QEMU 7.2 + SeaBIOS (qemu-system-i386 -hda ... -m 16
; -debugcon stdio): every line matches except int 11h (QEMU has a floppy
; and a mouse), the memory sizes and E820 (SeaBIOS reserves 128 KiB at the
; top of RAM for ACPI and maps its ROM at 4 GiB - 256 KiB).
;
; XLAT-LOAD: hda
; XLAT-ARGS: -m 16
; EXPECT-OUTPUT: boot dl=0080
; EXPECT-OUTPUT: cursor 0307 vram 0741 0742 ah08 0741
; EXPECT-OUTPUT: ah09 1E5A 1E5A 1E5A 0720
; EXPECT-OUTPUT: scroll 0751 wrap 1800 0758
; EXPECT-OUTPUT: int11 0422 int12 027C
; EXPECT-OUTPUT: int15 88 3C00 e801 3C00 0000 3C00 0000
; EXPECT-OUTPUT: e820 00000000 0009F000 1
; EXPECT-OUTPUT: e820 0009F000 00001000 2
; EXPECT-OUTPUT: e820 000F0000 00010000 2
; EXPECT-OUTPUT: e820 00100000 00F00000 1
; EXPECT-OUTPUT: a20 0001 0000 0001
; EXPECT-OUTPUT: c0 00FC
; EXPECT-OUTPUT: kbd empty 1E61 empty
; EXPECT-OUTPUT: rtc ok ticks ok
; EXPECT-OUTPUT: geom 003F 0F01 type 0003 0000 03F0
; EXPECT-OUTPUT: edd AA55 0030 0007
; EXPECT-OUTPUT: params 0002 0010 003F 07E0 0200
; EXPECT-OUTPUT: chs 0472 0473
; EXPECT-OUTPUT: ext 07D0 07D1 07D2
; EXPECT-OUTPUT: past end 0001 000C
; EXPECT-OUTPUT: write ok ok
; EXPECT-OUTPUT: done
; EXPECT-EXIT: 1

        bits    16
        org     0x7C00

SECTORS equ     2016
LOADED  equ     15                      ; sectors 1-15 follow the MBR

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        mov     [boot_drive], dl
        mov     si, dap_load
        mov     ah, 0x42
        int     0x13
        jc      fail
        jmp     main

dap_load:
        db      0x10, 0
        dw      LOADED
        dw      0x7E00, 0
        dq      1

boot_drive: db 0                        ; (in the MBR: stored before the load)

fail:   mov     al, 'F'
        out     0xE9, al
        mov     al, 1
        out     0xF4, al
        hlt

        times   446 - ($ - $$) db 0
        ; partition 1: bootable, type 0x83, LBA 63 .. end (a plausible table)
        db      0x80, 1, 1, 0, 0x83, 15, 63, 1
        dd      63, SECTORS - 63
        times   510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------- sector 1..
main:
        mov     si, s_boot
        call    puts
        movzx   ax, byte [boot_drive]
        call    hex16
        call    nl

        ; ---- int 10h
        mov     ax, 0x0600              ; clear the screen
        mov     bh, 0x07
        xor     cx, cx
        mov     dx, 0x184F
        int     0x10
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0305
        int     0x10
        mov     ax, 0x0E41
        int     0x10
        mov     ax, 0x0E42
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        mov     si, s_cursor
        call    puts
        mov     ax, dx
        call    hex16
        push    es
        push    word 0xB800
        pop     es
        mov     si, s_vram
        call    puts
        mov     ax, [es:(3 * 80 + 5) * 2]
        call    hex16
        call    space
        mov     ax, [es:(3 * 80 + 6) * 2]
        call    hex16
        pop     es
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0305
        int     0x10
        mov     ah, 0x08
        xor     bh, bh
        int     0x10
        mov     si, s_ah08
        call    puts
        call    hex16
        call    nl
        ; AH=09h: 'Z' in attribute 1Eh three times from (3,5), cursor unmoved
        mov     ax, 0x095A
        mov     bx, 0x001E
        mov     cx, 3
        int     0x10
        mov     si, s_ah09
        call    puts
        push    es
        push    word 0xB800
        pop     es
        mov     di, (3 * 80 + 5) * 2
        mov     cx, 4
.v09:   mov     ax, [es:di]
        call    hex16
        call    space
        add     di, 2
        loop    .v09
        pop     es
        call    nl
        ; scroll up one line: 'Q' from row 10 to row 9
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x0A00
        int     0x10
        mov     ax, 0x0E51
        int     0x10
        mov     ax, 0x0601
        mov     bh, 0x07
        xor     cx, cx
        mov     dx, 0x184F
        int     0x10
        mov     si, s_scroll
        call    puts
        push    es
        push    word 0xB800
        pop     es
        mov     ax, [es:(9 * 80) * 2]
        pop     es
        call    hex16
        ; teletype at (24,79): wraps, scrolls; the cursor ends at (24,0)
        mov     ah, 0x02
        xor     bh, bh
        mov     dx, 0x184F
        int     0x10
        mov     ax, 0x0E58
        int     0x10
        mov     ah, 0x03
        xor     bh, bh
        int     0x10
        mov     si, s_wrap
        call    puts
        mov     ax, dx
        call    hex16
        call    space
        push    es
        push    word 0xB800
        pop     es
        mov     ax, [es:(23 * 80 + 79) * 2]
        pop     es
        call    hex16
        call    nl

        ; ---- int 11h, 12h
        mov     si, s_int11
        call    puts
        int     0x11
        call    hex16
        mov     si, s_int12
        call    puts
        int     0x12
        call    hex16
        call    nl

        ; ---- int 15h memory
        mov     si, s_int15
        call    puts
        mov     ah, 0x88
        int     0x15
        call    hex16
        mov     si, s_e801
        call    puts
        mov     ax, 0xE801
        int     0x15
        push    dx
        push    cx
        push    bx
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    nl
        xor     ebx, ebx
.e820:  mov     eax, 0xE820
        mov     edx, 0x534D4150
        mov     ecx, 20
        mov     di, e820_buf
        int     0x15
        jc      fail
        cmp     eax, 0x534D4150
        jne     fail
        push    ebx
        mov     si, s_e820
        call    puts
        mov     eax, [e820_buf]
        call    hex32
        call    space
        mov     eax, [e820_buf + 8]
        call    hex32
        call    space
        mov     al, [e820_buf + 16]
        add     al, '0'
        out     0xE9, al
        call    nl
        pop     ebx
        test    ebx, ebx
        jnz     .e820

        ; ---- A20
        mov     si, s_a20
        call    puts
        mov     ax, 0x2402
        int     0x15
        xor     ah, ah
        call    hex16
        call    space
        mov     ax, 0x2400
        int     0x15
        mov     ax, 0x2402
        int     0x15
        xor     ah, ah
        call    hex16
        call    space
        mov     ax, 0x2401
        int     0x15
        mov     ax, 0x2402
        int     0x15
        xor     ah, ah
        call    hex16
        call    nl

        ; ---- C0h: system configuration table, model byte
        mov     si, s_c0
        call    puts
        mov     ah, 0xC0
        int     0x15
        jc      fail
        movzx   ax, byte [es:bx + 2]
        xor     cx, cx
        mov     es, cx
        call    hex16
        call    nl

        ; ---- int 16h
        mov     si, s_kbd
        call    puts
        mov     ah, 0x01
        int     0x16
        jnz     fail
        mov     si, s_empty
        call    puts
        mov     ah, 0x05
        mov     cx, 0x1E61
        int     0x16
        mov     ah, 0x01
        int     0x16
        jz      fail
        xor     ah, ah
        int     0x16
        call    hex16
        call    space
        mov     ah, 0x01
        int     0x16
        jnz     fail
        mov     si, s_empty
        call    puts
        call    nl

        ; ---- int 1Ah: RTC time, and ticks advancing over a 250 ms wait
        mov     ah, 0x02
        int     0x1A
        jc      fail
        cmp     ch, 0x23
        ja      fail
        mov     si, s_rtc
        call    puts
        xor     ah, ah
        int     0x1A
        mov     [ticks], dx
        mov     ah, 0x86
        mov     cx, 0x0003
        mov     dx, 0xD090              ; 250000 us
        int     0x15
        jc      fail
        xor     ah, ah
        int     0x1A
        sub     dx, [ticks]
        cmp     dx, 3
        jb      fail
        cmp     dx, 8
        ja      fail
        mov     si, s_ticks
        call    puts
        call    nl

        ; ---- int 13h: geometry, type, extensions
        mov     si, s_geom
        call    puts
        mov     ah, 0x08
        mov     dl, [boot_drive]
        int     0x13
        jc      fail
        mov     ax, cx
        call    hex16
        call    space
        mov     ax, dx
        call    hex16
        mov     si, s_type
        call    puts
        mov     ah, 0x15
        mov     dl, [boot_drive]
        int     0x13
        jc      fail
        push    dx
        push    cx
        shr     ax, 8
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    nl
        mov     si, s_edd
        call    puts
        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [boot_drive]
        int     0x13
        jc      fail
        push    cx
        push    ax
        mov     ax, bx
        call    hex16
        call    space
        pop     ax
        shr     ax, 8
        call    hex16
        call    space
        pop     ax
        call    hex16
        call    nl
        mov     si, s_params
        call    puts
        mov     word [params], 0x1E
        mov     ah, 0x48
        mov     dl, [boot_drive]
        mov     si, params
        int     0x13
        jc      fail
        mov     ax, [params + 2]
        call    hex16
        call    space
        mov     ax, [params + 8]
        call    hex16
        call    space
        mov     ax, [params + 12]
        call    hex16
        call    space
        mov     ax, [params + 16]
        call    hex16
        call    space
        mov     ax, [params + 24]
        call    hex16
        call    nl

        ; ---- CHS read: cylinder 1, head 2, sector 5 = LBA 1138, 2 sectors
        mov     si, s_chs
        call    puts
        mov     ax, 0x0202
        mov     cx, 0x0105
        mov     dh, 2
        mov     dl, [boot_drive]
        mov     bx, buf
        int     0x13
        jc      fail
        cmp     al, 2
        jne     fail
        mov     si, buf
        call    marker
        call    space
        mov     si, buf + 512
        call    marker
        call    nl

        ; ---- EDD read of LBA 2000-2002 into a segment:offset buffer
        mov     si, s_ext
        call    puts
        mov     word [dap + 2], 3
        mov     word [dap + 4], 0
        mov     word [dap + 6], buf >> 4
        mov     dword [dap + 8], 2000
        mov     ah, 0x42
        mov     dl, [boot_drive]
        mov     si, dap
        int     0x13
        jc      fail
        mov     si, buf
        call    marker
        call    space
        mov     si, buf + 512
        call    marker
        call    space
        mov     si, buf + 1024
        call    marker
        call    nl

        ; ---- past the end: 2 sectors from LBA 2015
        mov     si, s_past
        call    puts
        mov     word [dap + 2], 2
        mov     dword [dap + 8], SECTORS - 1
        mov     ah, 0x42
        mov     dl, [boot_drive]
        mov     si, dap
        int     0x13
        mov     al, 0
        adc     al, 0
        push    ax
        xor     ah, ah
        call    hex16
        call    space
        pop     ax
        shr     ax, 8
        call    hex16
        call    nl

        ; ---- writes: EDD write of LBA 1000, CHS write of LBA 1001
        ; (cylinder 0, head 15, sector 57), both read back by EDD
        mov     si, s_write
        call    puts
        mov     di, buf
        mov     cx, 512
        mov     al, 0xA5
        rep stosb
        mov     dword [buf], "WRIT"
        mov     word [dap + 2], 1
        mov     word [dap + 4], buf
        mov     word [dap + 6], 0
        mov     dword [dap + 8], 1000
        mov     ax, 0x4300
        mov     dl, [boot_drive]
        mov     si, dap
        int     0x13
        jc      fail
        mov     dword [buf], "CHSW"
        mov     ax, 0x0301
        mov     cx, 0x0039
        mov     dh, 15
        mov     dl, [boot_drive]
        mov     bx, buf
        int     0x13
        jc      fail
        mov     word [dap + 2], 2
        mov     word [dap + 4], buf2
        mov     ah, 0x42
        mov     dl, [boot_drive]
        mov     si, dap
        int     0x13
        jc      fail
        cmp     dword [buf2], "WRIT"
        jne     fail
        cmp     byte [buf2 + 511], 0xA5
        jne     fail
        mov     si, s_ok
        call    puts
        cmp     dword [buf2 + 512], "CHSW"
        jne     fail
        mov     si, s_ok
        call    puts
        call    nl

        mov     si, s_done
        call    puts
        call    nl
        mov     al, 0
        out     0xF4, al
        hlt

%include "bios_io.inc"

s_boot:   db "boot dl=", 0
s_cursor: db "cursor ", 0
s_vram:   db " vram ", 0
s_ah08:   db " ah08 ", 0
s_ah09:   db "ah09 ", 0
s_scroll: db "scroll ", 0
s_wrap:   db " wrap ", 0
s_int11:  db "int11 ", 0
s_int12:  db " int12 ", 0
s_int15:  db "int15 88 ", 0
s_e801:   db " e801 ", 0
s_e820:   db "e820 ", 0
s_a20:    db "a20 ", 0
s_c0:     db "c0 ", 0
s_kbd:    db "kbd ", 0
s_empty:  db "empty ", 0
s_rtc:    db "rtc ok ", 0
s_ticks:  db "ticks ok", 0
s_geom:   db "geom ", 0
s_type:   db " type ", 0
s_edd:    db "edd ", 0
s_params: db "params ", 0
s_chs:    db "chs ", 0
s_ext:    db "ext ", 0
s_past:   db "past end ", 0
s_write:  db "write ", 0
s_ok:     db "ok ", 0
s_done:   db "done", 0

ticks:      dw 0
            align 16
dap:        db 0x10, 0
            dw 0, 0, 0
            dq 0
e820_buf:   times 24 db 0
params:     times 0x1E db 0

        times   (1 + LOADED) * 512 - ($ - $$) db 0
buf     equ     0x1000 * 0 + 0x9000     ; scratch buffers (below 0x10000)
buf2    equ     0xA000

; sectors 16 .. SECTORS-1: markers
%assign n 1 + LOADED
%rep SECTORS - 1 - LOADED
        db      "SECT"
        dd      n
        times   504 db 0
%assign n n + 1
%endrep
