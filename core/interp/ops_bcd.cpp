// Decimal (BCD) adjustments: DAA DAS AAA AAS AAM AAD, as the SDM's
// operation sections describe them (AAA/AAS adjust AX as a whole, so the
// AL adjustment carries/borrows into AH). AAM with a divisor of 0 raises #DE.
//
// Flags the SDM leaves undefined: AAA/AAS set SF, ZF and PF from the final
// AL, as real Intel and AMD processors are reported to do; the rest (OF after
// DAA/DAS/AAA/AAS; OF, AF, CF after AAM/AAD), for which no P6 behaviour is
// known, are left unchanged.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

namespace {
constexpr uint32_t SZP = fl::SF | fl::ZF | fl::PF;
}

void op_daa(Cpu& c, const DecodedInsn&) {
  const uint32_t f = c.arith_flags();
  const uint32_t old_al = c.reg(EAX, 1);
  const bool old_cf = f & fl::CF;
  uint32_t al = old_al, nf = 0;
  if ((al & 0xF) > 9 || (f & fl::AF)) {
    al += 6;  // a carry out of AL here needs old_al > 0x99, which sets CF below anyway
    nf |= fl::AF;
  }
  if (old_al > 0x99 || old_cf) {
    al += 0x60;
    nf |= fl::CF;
  }
  al &= 0xFF;
  c.set_reg(EAX, 1, al);
  c.set_eflags_bits(nf | alu::szp(al, 1), fl::CF | fl::AF | SZP);
}

void op_das(Cpu& c, const DecodedInsn&) {
  const uint32_t f = c.arith_flags();
  const uint32_t old_al = c.reg(EAX, 1);
  const bool old_cf = f & fl::CF;
  uint32_t al = old_al, nf = 0;
  if ((al & 0xF) > 9 || (f & fl::AF)) {
    if (old_cf || al < 6) nf |= fl::CF;
    al -= 6;
    nf |= fl::AF;
  }
  if (old_al > 0x99 || old_cf) {
    al -= 0x60;
    nf |= fl::CF;
  }
  al &= 0xFF;
  c.set_reg(EAX, 1, al);
  c.set_eflags_bits(nf | alu::szp(al, 1), fl::CF | fl::AF | SZP);
}

void op_aaa(Cpu& c, const DecodedInsn&) {
  uint32_t ax = c.reg(EAX, 2), nf = 0;
  if ((ax & 0xF) > 9 || c.flag(fl::AF)) {
    ax += 0x106;
    nf = fl::AF | fl::CF;
  }
  c.set_reg(EAX, 2, ax & 0xFF0F);
  c.set_eflags_bits(nf | alu::szp(ax & 0x0F, 1), fl::AF | fl::CF | SZP);
}

void op_aas(Cpu& c, const DecodedInsn&) {
  uint32_t ax = c.reg(EAX, 2), nf = 0;
  if ((ax & 0xF) > 9 || c.flag(fl::AF)) {
    ax = (ax - 6) & 0xFFFF;
    ax = (ax - 0x100) & 0xFFFF;  // AH = AH - 1 (after any borrow from AL)
    nf = fl::AF | fl::CF;
  }
  c.set_reg(EAX, 2, ax & 0xFF0F);
  c.set_eflags_bits(nf | alu::szp(ax & 0x0F, 1), fl::AF | fl::CF | SZP);
}

void op_aam(Cpu& c, const DecodedInsn& i) {
  const uint32_t base = i.imm & 0xFF;
  if (base == 0) raise_fault(VEC_DE);
  const uint32_t al = c.reg(EAX, 1);
  const uint32_t lo = al % base;
  c.set_reg(EAX, 2, ((al / base) << 8) | lo);
  c.set_eflags_bits(alu::szp(lo, 1), SZP);
}

void op_aad(Cpu& c, const DecodedInsn& i) {
  const uint32_t base = i.imm & 0xFF;
  const uint32_t al = (c.reg(EAX, 1) + c.reg(EAX + 4, 1) * base) & 0xFF;  // AL + AH * base
  c.set_reg(EAX, 2, al);
  c.set_eflags_bits(alu::szp(al, 1), SZP);
}

}  // namespace xlat::core
