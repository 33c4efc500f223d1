# A write watchpoint on the 6th byte a REP MOVSB copies stops right after
# that iteration, as a data breakpoint's trap inside REP does: EIP still at
# the REP instruction, ECX counting the 5 bytes still to copy; continuing
# finishes the copy (the copied code then runs and the guest passes).
# EXPECT-GDB: Hardware watchpoint 1: \*\(unsigned char\*\)0x40005
# EXPECT-GDB: Old value = 0 '\\000'
# EXPECT-GDB: ^AT_REP ECX=5$
# EXPECT-GDB: ^COPY_DONE$
# EXPECT-GDB: exited with code 01
# EXPECT-EXIT: 1
watch *(unsigned char*)0x40005
continue
if $pc == @copy_rep@
  printf "AT_REP ECX=%d\n", $ecx
end
delete
break *@after_copy@
continue
if *(unsigned char*)0x40005 == *(unsigned char*)(@payload@+5)
  echo COPY_DONE\n
end
delete
set var *(int*)@release@ = 1
continue
