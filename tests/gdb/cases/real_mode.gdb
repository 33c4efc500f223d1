# 16-bit real-mode code in a segment with a non-zero base (CS=07C0): $pc is
# the linear address, eip_offset the EIP register; connected in real mode,
# the target description says i8086, so gdb disassembles 16-bit code, and
# `set architecture i386`/`i8086` switch both ways; stepi advances one
# instruction; the monitor shows CS:IP.
# EXPECT-GDB: Breakpoint 1, 0x0+7e2. in
# EXPECT-GDB: ^CS=7c0 IP=224 BASE=7c00$
# EXPECT-GDB: mov\s+\$0x5678,%bx
# EXPECT-GDB: mov\s+\$0x[0-9a-f]*5678,%ebx
# EXPECT-GDB: mov\s+\$0x5678,%bx
# EXPECT-GDB: ^AX=1234$
# EXPECT-GDB: ^STEPPED$
# EXPECT-GDB: ^BX=5678$
# EXPECT-GDB: CS:EIP 07c0:00000227 \(linear 00007e27\)  mode real
break *@rm_step@
continue
printf "CS=%x IP=%x BASE=%x\n", $cs, $eip_offset, $cs_base
x/i $pc
set architecture i386
x/i $pc
set architecture i8086
x/i $pc
printf "AX=%x\n", $eax & 0xffff
stepi
if $pc == @rm_step@ + 3
  echo STEPPED\n
end
printf "BX=%x\n", $ebx & 0xffff
monitor info registers
kill
