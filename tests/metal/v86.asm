; v86.asm - virtual-8086 mode with a #GP monitor.
;
; EXPECT-OUTPUT: V86 HELLO
; EXPECT-OUTPUT: V86 OK
; EXPECT-EXIT: 1
;
; A 32-bit ring-0 monitor enters v86 mode with IRETD (EFLAGS.VM=1, IOPL=0)
; and a frame holding EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS. The v86
; code does real-mode style work: segment arithmetic (seg*16+off), a near
; CALL/RET on its own stack, and prints through OUT to port 0xE9, which the
; TSS I/O permission bitmap allows (in v86 mode I/O is checked against the
; bitmap only, SDM vol.1 19.5.2 / vol.3 20.2.8). Then, with IOPL < 3, each of
; CLI, PUSHF, INT 0x21, OUT to a denied port and HLT raises #GP(0) to the
; monitor (SDM vol.3 20.2.7). For every trap the monitor checks:
;  * error code 0, pushed EFLAGS with VM=1, the pushed CS:EIP of the
;    trapping instruction and its opcode;
;  * the frame is on TSS.SS0:ESP0 with 10 dwords (ESP = ESP0 - 40);
;  * the pushed v86 ES/DS/FS/GS/SS:SP are the values the v86 code had,
;    and DS/ES/FS/GS read as null in the monitor;
; then emulates the instruction (CLI: virtual IF, PUSHF: pushes the flags
; on the v86 stack) and returns with IRETD. HLT ends the test.

%include "lib.inc"

V86_CS          equ 0x0000              ; code runs at CS=0, IP=label
V86_SS          equ 0x0600              ; stack at 0x6000 + SP
V86_SP          equ 0x1000
V86_DS          equ 0x1234
V86_ES          equ 0x2345
V86_FS          equ 0x3456
V86_GS          equ 0x4567

        BOOT_START
main:
        ENTER_PM32
        call tss0_setup
        ; allow port 0xE9 in the I/O bitmap (bit 0xE9 of the map)
        and byte [TSS0_ADDR + TSS_SIZE + (DEBUG_PORT >> 3)], ~(1 << (DEBUG_PORT & 7))
        SET_GATE IDT_ADDR, 13, monitor, SEL_CODE0, GATE_INT32

        mov dword [0x30010], 0                  ; target of a v86 write
        push dword V86_GS
        push dword V86_FS
        push dword V86_DS
        push dword V86_ES
        push dword V86_SS
        push dword V86_SP
        push dword EFL_VM | EFL_BIT1            ; IOPL 0, IF 0
        push dword V86_CS
        push dword v86_code
        iretd

; ------------------------------------------------------------ v86 code
        bits 16
v86_code:
        ; segment registers were loaded from the IRET frame
        mov ax, ds
        cmp ax, V86_DS
        jne v86_bad
        mov ax, ss
        cmp ax, V86_SS
        jne v86_bad
        cmp sp, V86_SP
        jne v86_bad
        ; real-mode addressing: ES=0x3000 -> ES:0x10 is linear 0x30010
        mov ax, 0x3000
        mov es, ax
        mov word [es:0x0010], 0xBEEF
        mov ax, V86_ES
        mov es, ax
        ; near call/ret on the v86 stack
        call v86_sub
        ; print through the I/O bitmap
        mov si, v86_msg
.p:     mov al, [cs:si]
        test al, al
        jz .pd
        out DEBUG_PORT, al
        inc si
        jmp .p
.pd:
v86_cli:
        cli                                     ; #GP(0) 1
v86_pushf:
        pushf                                   ; #GP(0) 2 (emulated push)
        pop ax                                  ; the monitor's flags image
        mov [cs:v86_flags], ax
v86_int:
        int 0x21                                ; #GP(0) 3
v86_out:
        out 0x80, al                            ; #GP(0) 4: port denied
v86_hlt:
        hlt                                     ; #GP(0) 5: monitor ends
v86_bad:
        mov ax, 0xBAD
        hlt
v86_sub:
        mov word [cs:v86_called], 1
        ret
v86_msg:        db "V86 HELLO", 10, 0
        align 2
v86_called:     dw 0
v86_flags:      dw 0

; ------------------------------------------------------------ monitor
        bits 32
; Frame: [esp] err, +4 EIP, +8 CS, +12 EFLAGS, +16 ESP, +20 SS, +24 ES,
; +28 DS, +32 FS, +36 GS.
monitor:
        ; DS/ES/FS/GS are null here: save them through SS before loading DS.
        mov [ss:mon_ds], ds
        mov [ss:mon_es], es
        mov [ss:mon_fs], fs
        mov [ss:mon_gs], gs
        mov [ss:mon_esp], esp
        push eax
        push ebx
        push ecx
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        inc dword [traps]
        cmp dword [traps], 6
        ja .runaway
        ; copy the frame (low 16 bits of the selectors)
        mov ebx, [mon_esp]
        mov eax, [ebx]
        mov [f_err], eax
        mov eax, [ebx + 4]
        mov [f_eip], eax
        mov eax, [ebx + 12]
        mov [f_eflags], eax
        mov eax, [ebx + 16]
        mov [f_esp], eax
        movzx eax, word [ebx + 8]
        mov [f_cs], eax
        movzx eax, word [ebx + 20]
        mov [f_ss], eax
        movzx eax, word [ebx + 24]
        mov [f_es], eax
        movzx eax, word [ebx + 28]
        mov [f_ds], eax
        movzx eax, word [ebx + 32]
        mov [f_fs], eax
        movzx eax, word [ebx + 36]
        mov [f_gs], eax

        cmp dword [f_eip], v86_bad
        jne .checks
        FAIL 0x0F                               ; the v86 code saw bad state
.checks:
        ; common checks
        CHECK_EQ dword [mon_esp], STACK0_TOP - 40, 0x01
        CHECK_EQ dword [f_err], 0, 0x02
        CHECK_BITS dword [f_eflags], EFL_VM | EFL_IOPL3, EFL_VM, 0x03
        CHECK_EQ dword [f_cs], V86_CS, 0x04
        CHECK_EQ dword [f_ss], V86_SS, 0x05
        CHECK_EQ dword [f_ds], V86_DS, 0x06
        CHECK_EQ dword [f_es], V86_ES, 0x07
        CHECK_EQ dword [f_fs], V86_FS, 0x08
        CHECK_EQ dword [f_gs], V86_GS, 0x09
        movzx eax, word [mon_ds]
        CHECK_EQ eax, 0, 0x0A
        movzx eax, word [mon_es]
        CHECK_EQ eax, 0, 0x0B
        movzx eax, word [mon_fs]
        CHECK_EQ eax, 0, 0x0C
        movzx eax, word [mon_gs]
        CHECK_EQ eax, 0, 0x0D
        ; the v86 stack is back where it started (CALL/RET balanced)
        CHECK_BITS dword [f_esp], 0xFFFF, V86_SP, 0x0E

        ; the instruction at CS:IP (linear CS*16 + IP)
        mov ebx, [f_cs]
        shl ebx, 4
        add ebx, [f_eip]
        movzx ecx, byte [ebx]                   ; opcode
        mov eax, [traps]
        cmp eax, 1
        je .cli
        cmp eax, 2
        je .pushf
        cmp eax, 3
        je .int
        cmp eax, 4
        je .out
        jmp .hlt

.cli:   CHECK_EQ dword [f_eip], v86_cli, 0x10
        CHECK_EQ ecx, 0xFA, 0x11
        mov dword [virtual_if], 0
        mov ecx, 1
        jmp .resume
.pushf: CHECK_EQ dword [f_eip], v86_pushf, 0x20
        CHECK_EQ ecx, 0x9C, 0x21
        ; push the low 16 bits of the flags (with virtual IF) on the v86 stack
        mov eax, [f_esp]
        sub eax, 2
        and eax, 0xFFFF
        mov ebx, [mon_esp]
        mov [ebx + 16], eax                     ; new SP
        mov ecx, [f_ss]
        shl ecx, 4
        add ecx, eax                            ; linear SS*16 + SP
        mov ax, [f_eflags]
        and ax, ~EFL_IF
        or ax, 0x5000                           ; marker: IOPL bits set
        mov [ecx], ax
        mov ecx, 1
        jmp .resume
.int:   CHECK_EQ dword [f_eip], v86_int, 0x30
        CHECK_EQ ecx, 0xCD, 0x31
        movzx ecx, byte [ebx + 1]
        CHECK_EQ ecx, 0x21, 0x32
        mov ecx, 2
        jmp .resume
.out:   CHECK_EQ dword [f_eip], v86_out, 0x40
        CHECK_EQ ecx, 0xE6, 0x41
        mov ecx, 2
        jmp .resume
.hlt:   CHECK_EQ dword [f_eip], v86_hlt, 0x50
        CHECK_EQ ecx, 0xF4, 0x51
        ; what the v86 code did
        CHECK_EQ dword [0x30010], 0xBEEF, 0x52
        movzx eax, word [v86_called]
        CHECK_EQ eax, 1, 0x53
        movzx eax, word [v86_flags]             ; the image the monitor pushed
        CHECK_BITS eax, 0xF202, 0x5002, 0x54
        CHECK_EQ dword [virtual_if], 0, 0x55
        PRINTLN "V86 OK"
        PASS

.resume:
        mov ebx, [mon_esp]
        add [ebx + 4], ecx                      ; skip the instruction
        pop ecx
        pop ebx
        pop eax
        add esp, 4                              ; error code
        iretd                                   ; back to v86 (VM=1 in frame)
.runaway:
        FAIL 0x7D

        align 4
traps:          dd 0
virtual_if:     dd 1
mon_esp:        dd 0
mon_ds:         dd 0xFFFF
mon_es:         dd 0xFFFF
mon_fs:         dd 0xFFFF
mon_gs:         dd 0xFFFF
f_err:          dd 0
f_eip:          dd 0
f_cs:           dd 0
f_eflags:       dd 0
f_esp:          dd 0
f_ss:           dd 0
f_es:           dd 0
f_ds:           dd 0
f_fs:           dd 0
f_gs:           dd 0

        LIB16
        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        PROGRAM_END
