# A breakpoint set before the guest copies code to its address fires when
# the copied code runs (the stub never writes INT3; the engine checks).
# A hardware breakpoint (hbreak, Z1) works the same way.
# EXPECT-GDB: Breakpoint 1, 0x00040005 in
# EXPECT-GDB: ^EAX=c0de$
# EXPECT-GDB: mov\s+%eax,0x
# EXPECT-GDB: Breakpoint 2, 0x0+7e.. in
# EXPECT-GDB: ^AT_AFTER_COPY$
# EXPECT-GDB: ^PAYLOAD_RAN=c0de$
# EXPECT-GDB: exited with code 01
# EXPECT-EXIT: 1
break *@copied_bp@
hbreak *@after_copy@
continue
printf "EAX=%x\n", $eax
set architecture i386
x/i $pc
continue
if $pc == @after_copy@
  echo AT_AFTER_COPY\n
end
printf "PAYLOAD_RAN=%x\n", *(int*)@payload_ran@
delete
set var *(int*)@release@ = 1
continue
