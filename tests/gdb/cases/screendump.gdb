# `monitor screendump FILE` writes the VGA text screen: the line the target
# wrote to row 1 of B800:0000, and nothing on row 0.
# EXPECT-GDB: screen written to /tmp/xlat-screendump-
# EXPECT-GDB: ^SCREEN:$
# EXPECT-GDB: ^XLAT VGA TEXT$
# EXPECT-GDB: ^LINES=25$
# EXPECT-GDB: screendump: cannot write '/nonexistent/x'
break *@spin@
continue
monitor screendump /tmp/xlat-screendump-@PORT@.txt
echo SCREEN:\n
shell head -2 /tmp/xlat-screendump-@PORT@.txt
shell echo LINES=$(wc -l < /tmp/xlat-screendump-@PORT@.txt); rm -f /tmp/xlat-screendump-@PORT@.txt
monitor screendump /nonexistent/x
kill
