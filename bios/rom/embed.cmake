# cmake -DIN=bios.bin -DOUT=bios_rom_data.cpp -P embed.cmake
# Writes the ROM image as a C++ byte array (xlat::boot::builtin_bios_data).
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE ${OUT} "// Generated from bios.asm by embed.cmake; do not edit.\n#include <cstddef>\n#include <cstdint>\nnamespace xlat::boot {\nextern const uint8_t builtin_bios_data[${bytes}] = {\n${body}};\nextern const size_t builtin_bios_size = ${bytes};\n}  // namespace xlat::boot\n")
