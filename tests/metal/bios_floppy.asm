; bios_floppy - a 1.44 MB floppy image booted by xlat's BIOS from drive A:
; (the 82077AA controller, DMA channel 2): the boot sector loads the rest of
; the program with int 13h AH=02h (CHS), then checks int 11h's floppy bits,
; int 1Eh (the diskette parameter table), and int 13h on the floppy: 08h
; (geometry, drive type, the table), 15h, CHS reads crossing from head 0 to
; head 1, a write read back, verify, format track, the change line (16h),
; errors (a sector past the track's end, a transfer crossing a 64 KiB DMA
; boundary: 09h) with status 01h, reset, and 15h on the absent B:.
; Results go to port 0xE9. Sectors from LOADED + 1 on start with "SECT" +
; their LBA.
; Expected values: IBM BIOS interface as documented (Ralf Brown's list);
; 1.44 MB geometry 80 x 2 x 18; FORMAT TRACK writes the filler byte (82077AA
; data sheet). Checked under QEMU 7.2 + SeaBIOS (tests/metal/qemu_as_xlat.sh
; -fda, with the change-line check not fatal): the same lines except
;   int11   0027: SeaBIOS lists a mouse and no serial ports;
;   type    0001: SeaBIOS says "no change line" for every floppy; a 1.44M
;           drive has one (02h, as the list documents);
;   format  0000: QEMU's controller ignores the filler byte;
;   change  0006: SeaBIOS always answers "changed";
;   badsec  0001: SeaBIOS refuses the sector number itself, xlat's BIOS asks
;           the controller, which reports "sector not found" (04h);
;   nob     0001: SeaBIOS fails 15h on an absent drive, the list says AH = 0.
;
; XLAT-LOAD: fda
; EXPECT-OUTPUT: boot dl=0000
; EXPECT-OUTPUT: int11 0423 int1e 0012
; EXPECT-OUTPUT: params 0000 0004 4F12 0101 0012
; EXPECT-OUTPUT: type 0002
; EXPECT-OUTPUT: chs 0003 0058 0059 005A
; EXPECT-OUTPUT: write 0001 ok
; EXPECT-OUTPUT: verify 0012
; EXPECT-OUTPUT: format 0001 F6F6
; EXPECT-OUTPUT: change 0000
; EXPECT-OUTPUT: bound 0009 status 0909
; EXPECT-OUTPUT: badsec 0004 status 0404
; EXPECT-OUTPUT: reset 0000 status 0000
; EXPECT-OUTPUT: nob 0000
; EXPECT-OUTPUT: done
; EXPECT-EXIT: 1

        bits    16
        org     0x7C00

SECTORS equ     2880
LOADED  equ     6                       ; sectors 1-6 follow the boot sector

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        mov     [boot_drive], dl
        mov     ax, 0x0200 + LOADED     ; C0 H0 S2.. to 0000:7E00
        mov     cx, 0x0002
        xor     dh, dh
        mov     bx, 0x7E00
        int     0x13
        jc      fail
        jmp     main

boot_drive: db 0

fail:   mov     al, 'F'
        out     0xE9, al
        mov     al, 1
        out     0xF4, al
        hlt

        times   510 - ($ - $$) db 0
        dw      0xAA55

; ---------------------------------------------------------------- sector 1..
main:
        mov     si, s_boot
        call    puts
        movzx   ax, byte [boot_drive]
        call    hex16
        call    nl

        ; ---- int 11h floppy bits, int 1Eh parameter table (sectors/track)
        mov     si, s_int11
        call    puts
        int     0x11
        call    hex16
        mov     si, s_int1e
        call    puts
        push    ds
        lds     si, [0x1E * 4]
        movzx   ax, byte [si + 4]
        pop     ds
        call    hex16
        call    nl

        ; ---- 08h: AX, BX (BL = drive type), CX, DX, the table's sectors/track
        mov     si, s_params
        call    puts
        xor     bx, bx
        mov     ah, 0x08
        xor     dl, dl
        push    es
        int     0x13
        jc      fail
        call    hex16
        call    space
        mov     ax, bx
        call    hex16
        call    space
        mov     ax, cx
        call    hex16
        call    space
        mov     ax, dx
        call    hex16
        call    space
        movzx   ax, byte [es:di + 4]
        pop     es
        call    hex16
        call    nl

        ; ---- 15h: AH = 02h (a drive with a change line)
        mov     si, s_type
        call    puts
        mov     ah, 0x15
        xor     dl, dl
        int     0x13
        jc      fail
        shr     ax, 8
        call    hex16
        call    nl

        ; ---- 02h: C2 H0 S17, 3 sectors: S17, S18, then head 1 S1 (LBA 88-90)
        mov     si, s_chs
        call    puts
        mov     ax, 0x0203
        mov     cx, 0x0211
        xor     dx, dx
        mov     bx, buf
        int     0x13
        jc      fail
        call    hex16
        call    space
        mov     si, buf
        call    marker
        call    space
        mov     si, buf + 512
        call    marker
        call    space
        mov     si, buf + 1024
        call    marker
        call    nl

        ; ---- 03h: C10 H1 S5, read back and compared
        mov     si, s_write
        call    puts
        mov     di, buf
        mov     cx, 512
        xor     al, al
.fill:  stosb
        add     al, 37
        loop    .fill
        mov     ax, 0x0301
        mov     cx, 0x0A05
        mov     dx, 0x0100
        mov     bx, buf
        int     0x13
        jc      fail
        call    hex16
        mov     ax, 0x0201
        mov     cx, 0x0A05
        mov     dx, 0x0100
        mov     bx, buf2
        int     0x13
        jc      fail
        mov     si, buf
        mov     di, buf2
        mov     cx, 256
        repe cmpsw
        jne     fail
        mov     si, s_ok
        call    puts
        call    nl

        ; ---- 04h: verify the whole of C2 H0
        mov     si, s_verify
        call    puts
        mov     ax, 0x0412
        mov     cx, 0x0201
        xor     dx, dx
        mov     bx, buf
        int     0x13
        jc      fail
        call    hex16
        call    nl

        ; ---- 05h: format C79 H1 (18 sectors, filler F6h), read S3 back
        mov     si, s_format
        call    puts
        mov     di, buf
        mov     cl, 1
.ids:   mov     byte [di], 79
        mov     byte [di + 1], 1
        mov     [di + 2], cl
        mov     byte [di + 3], 2
        add     di, 4
        inc     cl
        cmp     cl, 18
        jbe     .ids
        mov     ax, 0x0512
        mov     cx, 0x4F01
        mov     dx, 0x0100
        mov     bx, buf
        int     0x13
        jc      fail
        mov     ax, 0x0201
        mov     cx, 0x4F03
        mov     dx, 0x0100
        mov     bx, buf2
        int     0x13
        jc      fail
        call    hex16
        call    space
        mov     ax, [buf2 + 100]
        call    hex16
        call    nl

        ; ---- 16h: the disk has not changed since the boot
        mov     si, s_change
        call    puts
        mov     ah, 0x16
        xor     dl, dl
        int     0x13
        jc      fail
        shr     ax, 8
        call    hex16
        call    nl

        ; ---- errors: a DMA boundary (2 sectors at 1000:FE00), a sector
        ; past the track (S19); 01h returns the status in AH and AL
        mov     si, s_bound
        call    puts
        push    es
        push    word 0x1000
        pop     es
        mov     ax, 0x0202
        mov     cx, 0x0001
        xor     dx, dx
        mov     bx, 0xFE00
        int     0x13
        pop     es
        jnc     fail
        call    status
        mov     si, s_badsec
        call    puts
        mov     ax, 0x0201
        mov     cx, 0x0013
        xor     dx, dx
        mov     bx, buf
        int     0x13
        jnc     fail
        call    status
        mov     si, s_reset
        call    puts
        xor     ax, ax
        xor     dl, dl
        int     0x13
        jc      fail
        shr     ax, 8
        call    hex16
        mov     si, s_status
        call    puts
        mov     ah, 0x01
        xor     dl, dl
        int     0x13
        jc      fail
        call    hex16
        call    nl

        ; ---- 15h on B: (no drive): AH = 00h
        mov     si, s_nob
        call    puts
        mov     ah, 0x15
        mov     dl, 1
        int     0x13
        shr     ax, 8
        call    hex16
        call    nl

        mov     si, s_done
        call    puts
        call    nl
        mov     al, 0
        out     0xF4, al
        hlt

; after a failed call: prints AH, then " status " and 01h's AX (CF set)
status:
        shr     ax, 8
        call    hex16
        mov     si, s_status
        call    puts
        mov     ah, 0x01
        xor     dl, dl
        int     0x13
        jnc     fail
        call    hex16
        call    nl
        ret

%include "bios_io.inc"

s_boot:   db "boot dl=", 0
s_int11:  db "int11 ", 0
s_int1e:  db " int1e ", 0
s_params: db "params ", 0
s_type:   db "type ", 0
s_chs:    db "chs ", 0
s_write:  db "write ", 0
s_ok:     db " ok", 0
s_verify: db "verify ", 0
s_format: db "format ", 0
s_change: db "change ", 0
s_bound:  db "bound ", 0
s_badsec: db "badsec ", 0
s_reset:  db "reset ", 0
s_status: db " status ", 0
s_nob:    db "nob ", 0
s_done:   db "done", 0

        times   (1 + LOADED) * 512 - ($ - $$) db 0
buf     equ     0x9000                  ; scratch buffers (below 0x10000)
buf2    equ     0xA000

; sectors LOADED+1 .. SECTORS-1: markers
%assign n 1 + LOADED
%rep SECTORS - 1 - LOADED
        db      "SECT"
        dd      n
        times   504 db 0
%assign n n + 1
%endrep
