// Flag control and flag consumers: CLC STC CMC CLD STD, LAHF SAHF, SETcc and
// CMOVcc (all 16 conditions).
//
// SETcc/CMOVcc take their condition from the table row (rows OP_SETO.. and
// OP_CMOVO.. are in condition-code order) and evaluate it with Cpu::cond,
// which decides CMP-then-branch cases straight from the lazy operands.
// CMOVcc reads its source even when the condition is false (a memory source
// can fault either way) and then leaves the destination as it is.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

static_assert(OP_SETNLE - OP_SETO == 15, "SETcc rows must be in condition-code order");
static_assert(OP_CMOVNLE - OP_CMOVO == 15, "CMOVcc rows must be in condition-code order");

namespace {
constexpr uint32_t LAHF_BITS = fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF;
}

void op_clc(Cpu& c, const DecodedInsn&) { c.set_eflags_bits(0, fl::CF); }
void op_stc(Cpu& c, const DecodedInsn&) { c.set_eflags_bits(fl::CF, fl::CF); }
void op_cmc(Cpu& c, const DecodedInsn&) { c.set_eflags_bits(c.flag(fl::CF) ? 0 : fl::CF, fl::CF); }
void op_cld(Cpu& c, const DecodedInsn&) { c.s.eflags &= ~fl::DF; }
void op_std(Cpu& c, const DecodedInsn&) { c.s.eflags |= fl::DF; }

// AH = SF:ZF:0:AF:0:PF:1:CF
void op_lahf(Cpu& c, const DecodedInsn&) { c.set_reg(EAX + 4, 1, (c.arith_flags() & LAHF_BITS) | fl::FIXED1); }
void op_sahf(Cpu& c, const DecodedInsn&) { c.set_eflags_bits(c.reg(EAX + 4, 1), LAHF_BITS); }

void op_setcc(Cpu& c, const DecodedInsn& i) { c.write_op(i, 0, c.cond(unsigned(i.op - OP_SETO)) ? 1 : 0); }

void op_cmovcc(Cpu& c, const DecodedInsn& i) {
  const uint32_t v = c.read_op(i, 1);
  if (c.cond(unsigned(i.op - OP_CMOVO))) c.set_reg(i.o[0].reg, i.o[0].size, v);
}

}  // namespace xlat::core
