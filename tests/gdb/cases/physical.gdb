# `monitor phys on`: breakpoints and memory use physical addresses. The
# guest runs code at 0xC0000000+x, a 4 MiB alias of physical x: a physical
# breakpoint at x fires there (reported as a plain SIGTRAP: gdb knows no
# breakpoint at that linear pc); memory reads are physical until phys off.
# EXPECT-GDB: physical addressing on
# EXPECT-GDB: Program received signal SIGTRAP
# EXPECT-GDB: ^PC_HIGH$
# EXPECT-GDB: ^PHYS=600df00d$
# EXPECT-GDB: physical addressing off
# EXPECT-GDB: ^LIN=600df00d$
# EXPECT-GDB: c0000000-c03fffff 00400000 -> 000000000 PWS
# EXPECT-GDB: exited with code 01
# EXPECT-EXIT: 1
monitor phys on
break *@high_bp@
continue
if $pc == 0xc0000000 + @high_bp@
  echo PC_HIGH\n
end
printf "PHYS=%x\n", *(unsigned int*)@phys_data@
delete
monitor phys off
printf "LIN=%x\n", *(unsigned int*)(0xc0000000 + @phys_data@)
monitor info mem
set var *(int*)@release@ = 1
continue
