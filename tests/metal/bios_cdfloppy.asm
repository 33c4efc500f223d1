; bios_cdfloppy - an ISO 9660 image, built by hand here, whose El Torito
; boot entry is a 1.44 MB floppy image (floppy emulation), booted by xlat's
; BIOS from the ATAPI CD-ROM. The floppy's boot sector loads the rest of the
; program from drive 00h (the emulated floppy) and checks what El Torito
; promises: DL = 00h, 08h with the 1.44M geometry, CHS reads of 512-byte
; virtual sectors (cut out of 2048-byte CD blocks, crossing heads), writes
; refused (03h), 4B01h (the specification packet: media type 2, drive 00h,
; image RBA, sectors loaded), and 4B00h ending the emulation (drive 00h is
; then gone: this machine has no real floppy drive). Results on port 0xE9.
; Checked under QEMU 7.2 + SeaBIOS (tests/metal/qemu_as_xlat.sh -cdrom):
; the same lines except where QEMU's PC has an (empty) real floppy drive
; A: that this machine has not: 08h counts two drives (DX 0102) and, after
; 4B00h, 15h on drive 00h finds that drive (AH 01h).
;
; XLAT-LOAD: cdrom
; EXPECT-OUTPUT: boot dl=0000
; EXPECT-OUTPUT: params 0000 0004 4F12 0101
; EXPECT-OUTPUT: chs 0003 0058 0059 005A
; EXPECT-OUTPUT: write 0003
; EXPECT-OUTPUT: spec 0013 0002 0000 00000014 0001
; EXPECT-OUTPUT: after 0000
; EXPECT-OUTPUT: done
; EXPECT-EXIT: 1

        bits    16
BLOCK   equ     2048
IMAGE   equ     20                      ; the floppy image's RBA
FLOPPY  equ     1474560
BLOCKS  equ     IMAGE + FLOPPY / BLOCK

        org     0
        times   16 * BLOCK db 0
; 16: primary volume descriptor (enough of one)
pvd:    db      1, "CD001", 1, 0
        times   40 - ($ - pvd) db ' '
        times   72 - ($ - pvd) db ' '
        times   80 - ($ - pvd) db 0
        dd      BLOCKS                  ; volume space size, both byte orders
        db      BLOCKS >> 24, (BLOCKS >> 16) & 0xFF, (BLOCKS >> 8) & 0xFF, BLOCKS & 0xFF
        times   BLOCK - ($ - pvd) db 0
; 17: El Torito boot record
brvd:   db      0, "CD001", 1, "EL TORITO SPECIFICATION"
        times   0x47 - ($ - brvd) db 0
        dd      19                      ; boot catalog
        times   BLOCK - ($ - brvd) db 0
; 18: terminator
        db      0xFF, "CD001", 1
        times   BLOCK - 7 db 0
; 19: boot catalog: validation entry, initial entry (1.44M floppy emulation)
cat:    db      1, 0, 0, 0
        times   24 db 0
        dw      0x55AA
        db      0x55, 0xAA
        db      0x88, 2                 ; bootable, 1.44M diskette
        dw      0                       ; load segment: default 07C0
        db      0, 0
        dw      1                       ; sectors loaded
        dd      IMAGE
        times   BLOCK - ($ - cat) db 0

; 20..: the floppy image, assembled for where it runs: its sector 0 at
; 0000:7C00, the next LOADED sectors after it.
        section floppy follows=.text vstart=0x7C00
floppy:
LOADED  equ     4

        cli
        jmp     0:.go
.go:    xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        mov     [drive], dl
        mov     ax, 0x0200 + LOADED     ; C0 H0 S2.. to 0000:7E00
        mov     cx, 0x0002
        xor     dh, dh
        mov     bx, 0x7E00
        int     0x13
        jc      fail_far
        jmp     main
fail_far:
        mov     al, 'F'
        out     0xE9, al
        mov     al, 1
        out     0xF4, al
        hlt
        times   510 - ($ - floppy) db 0
        dw      0xAA55

main:
        mov     si, s_boot
        call    puts
        movzx   ax, byte [drive]
        call    hex16
        call    nl

        ; ---- 08h: AX, BX, CX, DX
        mov     si, s_params
        call    puts
        xor     bx, bx
        mov     ah, 0x08
        xor     dl, dl
        push    es
        int     0x13
        pop     es
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
        call    nl

        ; ---- 02h: C2 H0 S17, 3 sectors (LBA 88-90 of the floppy)
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

        ; ---- 03h: refused (write protected)
        mov     si, s_write
        call    puts
        mov     ax, 0x0301
        mov     cx, 0x0A05
        xor     dx, dx
        mov     bx, buf
        int     0x13
        jnc     fail
        shr     ax, 8
        call    hex16
        call    nl

        ; ---- 4B01h: size, media type, drive, image RBA, sectors loaded
        mov     si, s_spec
        call    puts
        mov     ax, 0x4B01
        xor     dl, dl
        mov     si, spec
        int     0x13
        jc      fail
        movzx   ax, byte [spec]
        call    hex16
        call    space
        movzx   ax, byte [spec + 1]
        call    hex16
        call    space
        movzx   ax, byte [spec + 2]
        call    hex16
        call    space
        mov     eax, [spec + 4]
        call    hex32
        call    space
        mov     ax, [spec + 14]
        call    hex16
        call    nl

        ; ---- 4B00h ends the emulation: drive 00h is gone (15h: AH = 0)
        mov     si, s_after
        call    puts
        mov     ax, 0x4B00
        xor     dl, dl
        mov     si, spec
        int     0x13
        jc      fail
        mov     ah, 0x15
        xor     dl, dl
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

fail:   jmp     fail_far

%include "bios_io.inc"

s_boot:   db "boot dl=", 0
s_params: db "params ", 0
s_chs:    db "chs ", 0
s_write:  db "write ", 0
s_spec:   db "spec ", 0
s_after:  db "after ", 0
s_done:   db "done", 0
drive:    db 0
spec:     times 0x13 db 0
buf       equ     0x9000

        times   (1 + LOADED) * 512 - ($ - floppy) db 0
; floppy sectors LOADED+1 ..: markers
%assign n 1 + LOADED
%rep FLOPPY / 512 - 1 - LOADED
        db      "SECT"
        dd      n
        times   504 db 0
%assign n n + 1
%endrep
