# stepi on INT 0x30 stops at the first instruction of the handler (the IDT
# gate's target), with the interrupt frame pushed; the next stepi runs one
# handler instruction; stepi over IRET comes back after the INT.
# EXPECT-GDB: ^IN_HANDLER$
# EXPECT-GDB: ^FRAME_EIP_OK$
# EXPECT-GDB: ^STEP2_OK$
# EXPECT-GDB: ^HANDLER_RAN=1$
# EXPECT-GDB: ^BACK_AFTER_INT$
break *@bp_int@
continue
delete
stepi
if $pc == @int_handler@
  echo IN_HANDLER\n
end
if *(unsigned int*)$esp == @after_int@
  echo FRAME_EIP_OK\n
end
stepi
if $pc == @int_handler@ + 10
  echo STEP2_OK\n
end
printf "HANDLER_RAN=%d\n", *(int*)@handler_ran@
stepi
if $pc == @after_int@
  echo BACK_AFTER_INT\n
end
kill
