# Ctrl-C (SIGINT to gdb -> 0x03 to the stub) stops a running guest inside
# its spin loop; the guest continues afterwards.
# INTERRUPT-ON-OUTPUT: SPINNING
# EXPECT-GDB: Program received signal SIGINT
# EXPECT-GDB: ^IN_SPIN$
# EXPECT-GDB: ^COUNTING$
# EXPECT-GDB: exited with code 01
# EXPECT-OUTPUT: RELEASED
# EXPECT-EXIT: 1
continue
if $pc >= @spin@ && $pc < @spin@ + 16
  echo IN_SPIN\n
end
if *(int*)@spin_count@ > 0
  echo COUNTING\n
end
set var *(int*)@release@ = 1
continue
