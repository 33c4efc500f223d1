// The register file as GDB sees it: numbering, sizes, the target
// description XML (qXfer:features:read:target.xml) and conversions between
// CpuState and GDB's little-endian register bytes.
//
// Numbering follows GDB's i386 layout so a plain `gdb` knows every register:
//   0-7 eax ecx edx ebx esp ebp esi edi, 8 eip, 9 eflags, 10-15 cs ss ds es fs gs,
//   16-23 st0-st7 (80-bit), 24-31 fctrl fstat ftag fiseg fioff foseg fooff fop,
//   32-39 xmm0-xmm7, 40 mxcsr,
//   41.. the "org.xlat.system" feature: the real EIP offset, segment bases,
//   CR0 CR2 CR3 CR4, GDTR/IDTR base and limit, DR6, DR7.
// $eip (and so $pc) is the LINEAR address CS.base + EIP in every mode, so
// that breakpoints (linear addresses), `x/i $pc` and disassembly agree in
// real mode and with segmented code; `eip_offset` is the EIP register itself.
// Writing $eip sets EIP = value - CS.base.
#pragma once

#include <cstdint>
#include <string>

#include "core/cpu.hpp"

namespace xlat::gdb {

constexpr unsigned NUM_REGS = 41 + 1 + 6 + 4 + 4 + 2;

// Size in bytes of register n (0 if there is no such register).
unsigned reg_size(unsigned n);
// Reads register n into out (reg_size(n) bytes).
void read_reg(const core::Cpu& cpu, unsigned n, uint8_t* out);
// Writes register n from in; false if it cannot be written.
bool write_reg(core::Cpu& cpu, unsigned n, const uint8_t* in);
// The target description. Its <architecture> is i8086 when the CPU runs
// 16-bit code as gdb connects (real mode after -S), else i386. gdb 13 lets
// `set architecture i386` override an i8086 description (and back), but
// not `set architecture i8086` override an i386 one: to debug real-mode code
// reached later from 32-bit code, connect while in 16-bit code.
const std::string& target_xml(bool real16);

}  // namespace xlat::gdb
