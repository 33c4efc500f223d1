; bios_cdboot - an ISO 9660 image with an El Torito no-emulation boot
; image, built by hand here, booted by xlat's BIOS from the ATAPI CD-ROM.
; The boot image checks what El Torito and EDD 3.0 promise it: DL = the CD's
; drive number, int 13h 41h (extensions present), 48h (2048-byte sectors),
; 4B01h (the specification packet: no emulation, image RBA, load segment,
; sector count) and 42h reads of 2048-byte blocks. Results on port 0xE9.
; Checked under QEMU 7.2 + SeaBIOS (-cdrom, -debugcon stdio): the same
; output (SeaBIOS enters at 0000:7C00, xlat at 07C0:0000; both allowed).
;
; XLAT-LOAD: cdrom
; EXPECT-OUTPUT: cd boot at 7C00
; EXPECT-OUTPUT: edd AA55 bps 0800
; EXPECT-OUTPUT: spec 13 00 01 00000014 07C0 0004
; EXPECT-OUTPUT: read 0015 0016
; EXPECT-OUTPUT: done
; EXPECT-EXIT: 1

        bits    16
BLOCK   equ     2048
BLOCKS  equ     32
IMAGE   equ     20                      ; boot image RBA

        org     0
        times   16 * BLOCK db 0
; 16: primary volume descriptor (enough of one)
pvd:    db      1, "CD001", 1, 0
        times   40 - ($ - pvd) db ' '   ; system id
        times   72 - ($ - pvd) db ' '   ; volume id
        times   80 - ($ - pvd) db 0
        dd      BLOCKS                  ; volume space size, both byte orders
        db      0, 0, 0, BLOCKS
        times   BLOCK - ($ - pvd) db 0
; 17: El Torito boot record
brvd:   db      0, "CD001", 1, "EL TORITO SPECIFICATION"
        times   0x47 - ($ - brvd) db 0
        dd      19                      ; boot catalog
        times   BLOCK - ($ - brvd) db 0
; 18: terminator
        db      0xFF, "CD001", 1
        times   BLOCK - 7 db 0
; 19: boot catalog: validation entry (checksum makes the 16 words sum to 0),
; initial entry
cat:    db      1, 0, 0, 0
        times   24 db 0
        dw      0x55AA
        db      0x55, 0xAA
        db      0x88, 0                 ; bootable, no emulation
        dw      0                       ; load segment: default 07C0
        db      0, 0
        dw      4                       ; 4 virtual sectors = one block
        dd      IMAGE
        times   BLOCK - ($ - cat) db 0

; 20: the boot image, run at 07C0:0000
image:
        ; entered at linear 7C00 (07C0:0000 or 0000:7C00: BIOSes differ)
        call    .here
.here:  pop     bx
        sub     bx, .here - image
        mov     ax, cs
        shl     ax, 4
        add     ax, bx                  ; linear address of the image
        jmp     0x07C0:.norm - image
.norm:  push    cs
        pop     ds
        mov     [drive - image], dl
        mov     si, s_boot - image
        call    puts
        call    hex16
        call    nl
        ; extensions, sector size
        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [drive - image]
        int     0x13
        jc      fail
        mov     si, s_edd - image
        call    puts
        mov     ax, bx
        call    hex16
        mov     word [params - image], 0x1A
        mov     ah, 0x48
        mov     dl, [drive - image]
        mov     si, params - image
        int     0x13
        jc      fail
        mov     si, s_bps - image
        call    puts
        mov     ax, [params - image + 24]
        call    hex16
        call    nl
        ; El Torito status: the specification packet
        mov     ax, 0x4B01
        mov     dl, [drive - image]
        mov     si, spec - image
        int     0x13
        jc      fail
        mov     al, [spec - image + 2]
        cmp     al, [drive - image]
        jne     fail
        mov     si, s_spec - image
        call    puts
        mov     al, [spec - image]
        call    hex8
        call    space
        mov     al, [spec - image + 1]
        call    hex8
        call    space
        mov     al, [spec - image + 3]
        call    hex8
        call    space
        mov     eax, [spec - image + 4]
        call    hex32
        call    space
        mov     ax, [spec - image + 12]
        call    hex16
        call    space
        mov     ax, [spec - image + 14]
        call    hex16
        call    nl
        ; read blocks 21 and 22 to 1000:0000
        mov     word [dap - image + 2], 2
        mov     word [dap - image + 4], 0
        mov     word [dap - image + 6], 0x1000
        mov     dword [dap - image + 8], IMAGE + 1
        mov     ah, 0x42
        mov     dl, [drive - image]
        mov     si, dap - image
        int     0x13
        jc      fail
        mov     si, s_read - image
        call    puts
        push    es
        push    word 0x1000
        pop     es
        cmp     dword [es:0], "BLK "
        jne     fail
        mov     ax, [es:4]
        call    hex16
        call    space
        cmp     dword [es:BLOCK], "BLK "
        jne     fail
        mov     ax, [es:BLOCK + 4]
        call    hex16
        pop     es
        call    nl
        mov     si, s_done - image
        call    puts
        call    nl
        mov     al, 0
        out     0xF4, al
        hlt

fail:   mov     al, 'F'
        out     0xE9, al
        mov     al, 1
        out     0xF4, al
        hlt

puts:   push    ax
.l:     lodsb
        test    al, al
        jz      .d
        out     0xE9, al
        jmp     .l
.d:     pop     ax
        ret
space:  mov     al, ' '
        out     0xE9, al
        ret
nl:     mov     al, 10
        out     0xE9, al
        ret
hex32:  push    eax
        shr     eax, 16
        call    hex16
        pop     eax
hex16:  push    ax
        mov     al, ah
        call    hex8
        pop     ax
hex8:   push    ax
        push    cx
        mov     cx, 2
.l:     rol     al, 4
        push    ax
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .o
        add     al, 7
.o:     out     0xE9, al
        pop     ax
        loop    .l
        pop     cx
        pop     ax
        ret

s_boot: db      "cd boot at ", 0
s_edd:  db      "edd ", 0
s_bps:  db      " bps ", 0
s_spec: db      "spec ", 0
s_read: db      "read ", 0
s_done: db      "done", 0
drive:  db      0
        align   4
dap:    db      0x10, 0
        dw      0, 0, 0
        dq      0
params: times   0x1A db 0
spec:   times   0x13 db 0
        times   BLOCK - ($ - image) db 0

; 21..: marker blocks
%assign n IMAGE + 1
%rep BLOCKS - IMAGE - 1
        db      "BLK "
        dd      n
        times   BLOCK - 8 db 0
%assign n n + 1
%endrep
