/* Multiboot v1 entry for the benchmark kernels: a header (ELF kernel, no
 * special requests), a stack, and a call to mb_main(magic, info). */
        .section .multiboot, "a"
        .align 4
        .long 0x1BADB002
        .long 0
        .long -0x1BADB002

        .text
        .globl _start
_start:
        mov $stack_top, %esp
        push %ebx
        push %eax
        call mb_main
1:      cli
        hlt
        jmp 1b

        .bss
        .align 16
        .space 65536
stack_top:

        .section .note.GNU-stack, "", @progbits
