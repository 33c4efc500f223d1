# Hardware watchpoints: a write watchpoint on a dword reports the store and
# the new value, a 1-byte write watchpoint inside it reports its own address,
# a read watchpoint fires on the later load (not on the store).
# EXPECT-GDB: Hardware watchpoint 1: \*\(unsigned int\*\)0x
# EXPECT-GDB: Hardware watchpoint 1: \*\(unsigned int\*\)0x
# EXPECT-GDB: Old value = 0
# EXPECT-GDB: New value = 3735928559
# EXPECT-GDB: ^PC_AFTER_STORE$
# EXPECT-GDB: Hardware read watchpoint 3: \*\(unsigned int\*\)0x
# EXPECT-GDB: Value = 3735928559
# EXPECT-GDB: ^PC_AFTER_LOAD$
# EXPECT-GDB: exited with code 01
# EXPECT-EXIT: 1
watch *(unsigned int*)@watched@
watch *(unsigned char*)(@watched@+3)
rwatch *(unsigned int*)@watched@
continue
if $pc == @after_watch@
  echo PC_AFTER_STORE\n
end
delete 1
delete 2
continue
if $pc == @after_read@
  echo PC_AFTER_LOAD\n
end
delete
set var *(int*)@release@ = 1
continue
