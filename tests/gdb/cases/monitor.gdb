# monitor commands through qRcmd. With only a breakpoint armed, the engine
# runs whole blocks (few single steps); `info blocks` lists the cached block
# holding the stop address.
# EXPECT-GDB: info registers      all registers
# EXPECT-GDB: CS:EIP 0000:00007c00
# EXPECT-GDB: GDT=
# EXPECT-GDB: paging is disabled
# EXPECT-GDB: 00007c00: fa ea
# EXPECT-GDB: 00007c00: fa\s+cli
# EXPECT-GDB: retired instructions 0
# EXPECT-GDB: engine (interp|jit), 0 blocks cached, 0 on this page \(not a code page\)
# EXPECT-GDB: interrupts during single-step on
# EXPECT-GDB: unknown command 'frobnicate'
# EXPECT-GDB: retired instructions [1-9]
# EXPECT-GDB: ^(interp|jit): .* \d{1,2} single steps
# EXPECT-GDB: engine (interp|jit), [1-9]\d* blocks cached, [1-9]\d* on this page$
# EXPECT-GDB: ^\* +[0-9a-f]{9} 
# EXPECT-GDB: machine reset
# EXPECT-GDB: ^RESET_PC=7c00$
monitor help
monitor info registers
monitor info tlb
monitor x/16 7c00
monitor x/2i 7c00
monitor stats
monitor info blocks
monitor stepirq on
monitor frobnicate
break *@bp_int@
continue
monitor stats
monitor info blocks
monitor reset
maintenance flush register-cache
printf "RESET_PC=%x\n", $pc
kill
