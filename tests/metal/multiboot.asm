; multiboot.asm - a multiboot v1 ELF32 kernel (xlat -kernel).
;
; EXPECT-OUTPUT: MULTIBOOT START
; EXPECT-OUTPUT: MEMORY INFO OK
; EXPECT-OUTPUT: MULTIBOOT OK
; EXPECT-EXIT: 1
; XLAT-ARGS: -m 16
; XLAT-LOAD: kernel
;
; The ELF file is written by hand (nasm -f bin, no linker): an ELF header,
; one PT_LOAD program header that loads the whole file at 1 MiB with a
; larger memory size (the tail is .bss, to be zeroed by the loader), and
; the multiboot header (magic 0x1BADB002, flags: bit 0 page-align modules,
; bit 1 memory info; no bit 16, so the loader must use the ELF headers).
; Checks, per the Multiboot 0.6.96 spec, section 3.2 "Machine state":
;  * EAX = 0x2BADB002, EBX = address of the multiboot information;
;  * CR0.PE = 1, CR0.PG = 0, EFLAGS.VM = 0 and IF = 0;
;  * the code runs at its link address and the .bss is zero;
;  * info flags bit 0 is set and mem_lower/mem_upper are plausible for
;    -m 16: mem_lower (KiB below 1 MiB) is 512..640 and mem_upper (KiB from
;    1 MiB to the first hole) is 14336..15360: at most the 15 MiB above
;    1 MiB, at least 14 MiB. The exact values depend on what the loader
;    reserves: QEMU 7.2 + SeaBIOS reports 639 and 15232 (the top 128 KiB
;    are firmware tables); a loader without firmware would give 640/15360.
;    Both values are printed.
; Then it loads its own GDT (the spec says GDTR may be invalid), enters a
; normal flat environment and prints the values.

%include "lib.inc"

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00000003
MB_BOOT_MAGIC   equ 0x2BADB002
LOAD_ADDR       equ 0x100000
BSS_SIZE        equ 0x1000
MEM_UPPER_MAX   equ 16*1024 - 1024      ; KiB, for -m 16
MEM_UPPER_MIN   equ MEM_UPPER_MAX - 1024

        bits 32
        org LOAD_ADDR

; ------------------------------------------------------------ ELF header
ehdr:
        db 0x7F, "ELF"
        db 1                                    ; ELFCLASS32
        db 1                                    ; ELFDATA2LSB
        db 1                                    ; EV_CURRENT
        db 0                                    ; System V ABI
        times 8 db 0
        dw 2                                    ; e_type: ET_EXEC
        dw 3                                    ; e_machine: EM_386
        dd 1                                    ; e_version
        dd _start                               ; e_entry
        dd phdr - ehdr                          ; e_phoff
        dd 0                                    ; e_shoff: no sections
        dd 0                                    ; e_flags
        dw ehdr_end - ehdr                      ; e_ehsize (52)
        dw phdr_end - phdr                      ; e_phentsize (32)
        dw 1                                    ; e_phnum
        dw 40                                   ; e_shentsize
        dw 0                                    ; e_shnum
        dw 0                                    ; e_shstrndx
ehdr_end:
phdr:
        dd 1                                    ; p_type: PT_LOAD
        dd 0                                    ; p_offset
        dd LOAD_ADDR                            ; p_vaddr
        dd LOAD_ADDR                            ; p_paddr
        dd file_end - ehdr                      ; p_filesz
        dd bss_end - ehdr                       ; p_memsz
        dd 7                                    ; p_flags: R W X
        dd 0x1000                               ; p_align
phdr_end:

; ------------------------------------------------------------ multiboot header
        align 4
mb_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)               ; checksum

; ------------------------------------------------------------ entry
_start:
        ; Record the entry state before touching memory the loader may own.
        ; DS is a flat data segment per the spec; ESP is undefined.
        mov [entry_eax], eax
        mov [entry_ebx], ebx
        mov esp, STACK0_TOP                     ; a stack before any push
        xor ecx, ecx
        mov eax, cr0
        mov [entry_cr0], eax
        mov eax, [entry_ebx]
        test eax, eax
        jz .no_info
        mov ecx, [eax]                          ; flags
        mov [mbi_flags], ecx
        mov ecx, [eax + 4]                      ; mem_lower
        mov [mbi_mem_lower], ecx
        mov ecx, [eax + 8]                      ; mem_upper
        mov [mbi_mem_upper], ecx
.no_info:
        pushfd
        pop eax
        mov [entry_eflags], eax
        call .here
.here:  pop eax
        mov [entry_here], eax

        ; Own GDT and segments, default IDT.
        lgdt [gdtr]
        jmp SEL_CODE0:.flat
.flat:  mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        call idt_setup

        PRINTLN "MULTIBOOT START"
        CHECK_EQ dword [entry_eax], MB_BOOT_MAGIC, 0x01
        CHECK_EQ dword [entry_here], _start.here, 0x02   ; at the link address
        CHECK_BITS dword [entry_cr0], 0x80000001, 1, 0x03 ; PE=1, PG=0
        CHECK_BITS dword [entry_eflags], EFL_VM | EFL_IF, 0, 0x04
        ; .bss zeroed (the file has no bytes there)
        mov esi, bss_start
        mov ecx, BSS_SIZE / 4
.bss:   CHECK_EQ dword [esi], 0, 0x05
        add esi, 4
        dec ecx
        jnz .bss
        cmp dword [entry_ebx], 0
        jne .info
        FAIL 0x06                               ; no multiboot information
.info:
        CHECK_BITS dword [mbi_flags], 1, 1, 0x07           ; mem_* valid
        PRINT "mem_lower="
        PRINT_DEC [mbi_mem_lower]
        PRINTLN ""
        PRINT "mem_upper="
        PRINT_DEC [mbi_mem_upper]
        PRINTLN ""
        mov eax, [mbi_mem_lower]
        cmp eax, 640
        ja .bad_lower
        cmp eax, 512
        jb .bad_lower
        mov eax, [mbi_mem_upper]
        cmp eax, MEM_UPPER_MAX
        ja .bad_upper
        cmp eax, MEM_UPPER_MIN
        jb .bad_upper
        PRINTLN "MEMORY INFO OK"
        PRINTLN "MULTIBOOT OK"
        PASS
.bad_lower:
        FAIL 0x09
.bad_upper:
        FAIL 0x08

        align 4
entry_eax:      dd 0
entry_ebx:      dd 0
entry_cr0:      dd 0
entry_eflags:   dd 0
entry_here:     dd 0
mbi_flags:      dd 0
mbi_mem_lower:  dd 0
mbi_mem_upper:  dd 0

        LIB32
        LIB_DATA
        GDT_BEGIN
        STD_GDT
        GDT_END
        align 4
file_end:
bss_start       equ file_end
bss_end         equ file_end + BSS_SIZE
