# Read and write registers and memory; the guest sees the written values.
# EXPECT-GDB: ^EAX0=00000000$
# EXPECT-GDB: ^CS=8 DS=10$
# EXPECT-GDB: ^CR0_PE=1$
# EXPECT-GDB: ^GDTR_LIMIT=3f$
# EXPECT-GDB: ^EAX=cafebabe$
# EXPECT-GDB: ^MAGIC=12345678$
# EXPECT-GDB: ^XMM1=1122334455667788$
# EXPECT-GDB: ^EBX=5678$
# EXPECT-GDB: exited with code 01
# EXPECT-OUTPUT: REG WRITE OK
# EXPECT-OUTPUT: MEM WRITE OK
# EXPECT-EXIT: 1
break *@reg_check@
continue
printf "EAX0=%08x\n", $eax
printf "CS=%x DS=%x\n", $cs, $ds
printf "CR0_PE=%d\n", $cr0 & 1
printf "GDTR_LIMIT=%x\n", $gdtr_limit
set $eax = 0xcafebabe
printf "EAX=%08x\n", $eax
set var *(unsigned int*)@magic@ = 0x12345678
printf "MAGIC=%08x\n", *(unsigned int*)@magic@
set var $xmm1.v2_int64[0] = 0x1122334455667788
printf "XMM1=%lx\n", $xmm1.v2_int64[0]
printf "EBX=%x\n", $ebx
info registers
info all-registers
delete
set var *(int*)@release@ = 1
continue
