// Our own compact form of a decoded guest instruction.
//
// Only core/decode/ knows Zydis; everything after it (interpreter, translator,
// traces, gdb stub) sees DecodedInsn. An instruction has at most one explicit
// memory operand (x86 never has two through ModRM); its address parts live in
// the instruction (seg/base/index/scale/disp), and an operand of kind Mem
// refers to them. Immediates are truncated to their operand size; relative
// branch targets keep the displacement (the target depends on the EIP the
// block runs at, not on its physical address).
#pragma once

#include <cstdint>

namespace xlat::core {

class Cpu;
struct DecodedInsn;
using Handler = void (*)(Cpu&, const DecodedInsn&);

enum class OpKind : uint8_t {
  None,
  Reg,    // general register: reg 0-7; for size 1, 0-3 = AL..BL and 4-7 = AH..BH
  SReg,   // segment register ES..GS
  CReg,   // control register CRn
  DReg,   // debug register DRn
  Mem,    // the instruction's memory operand
  Imm,    // immediate (DecodedInsn::imm, or imm2 for the second immediate)
  Rel,    // relative branch: DecodedInsn::imm is the signed displacement
  Far,    // ptr16:16/32: imm = offset, imm2 = selector
  St,     // x87 ST(i)
  Mmx,    // MMn
  Xmm,    // XMMn
};

struct Operand {
  OpKind kind;
  uint8_t size;  // bytes (1, 2, 4, 6, 8, 10, 16)
  uint8_t reg;   // register number (Reg/SReg/CReg/DReg/St/Mmx/Xmm), 1 = imm2 for Imm
};

constexpr uint8_t NO_REG = 0xFF;
enum RepPrefix : uint8_t { REP_NONE = 0, REP_E = 1, REP_NE = 2 };

struct DecodedInsn {
  Handler fn;        // the table's handler (resolved at decode time)
  uint16_t op;       // row of the instruction table (Op enum)
  uint8_t len;       // instruction length in bytes
  uint8_t osize;     // operand-size attribute: 2 or 4
  uint8_t asize;     // address-size attribute: 2 or 4
  uint8_t seg;       // segment of the memory operand / string source (override or default)
  uint8_t rep;       // RepPrefix
  uint8_t lock;      // LOCK prefix present
  uint8_t base;      // memory operand base register or NO_REG
  uint8_t index;     // memory operand index register or NO_REG
  uint8_t scale;     // index shift: 0..3
  uint8_t nops;      // number of explicit operands
  int32_t disp;
  uint32_t imm;
  uint32_t imm2;
  Operand o[3];
  uint8_t opcode;    // last opcode byte (for diagnostics)
  uint8_t modrm_reg; // ModRM.reg field
  uint8_t modrm;     // the whole ModRM byte (0 if none; the x87 opcode register FOP needs it)
};

}  // namespace xlat::core
