# Break at an address, continue to it, read registers there; the breakpoint
# never shows up in guest memory (no INT3); delete it and let the guest end.
# EXPECT-GDB: Breakpoint 1 at 0x
# EXPECT-GDB: Breakpoint 1, 0x0+7e9. in
# EXPECT-GDB: ^AT=bp_int$
# EXPECT-GDB: ^EAX=11111111$
# EXPECT-GDB: ^BYTES=cd 30$
# EXPECT-GDB: exited with code 01
# EXPECT-OUTPUT: RELEASED
# EXPECT-EXIT: 1
break *@bp_int@
continue
if $pc == @bp_int@
  echo AT=bp_int\n
end
printf "EAX=%08x\n", $eax
printf "BYTES=%02x %02x\n", *(unsigned char*)@bp_int@, *(unsigned char*)(@bp_int@+1)
delete
set var *(int*)@release@ = 1
continue
