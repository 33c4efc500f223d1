// Multiply and divide: MUL, IMUL (one-, two- and three-operand forms), DIV,
// IDIV.
//
// MUL/IMUL set CF = OF = "the result did not fit in its destination"; the
// undefined SF, ZF and PF are set from the low half of the result (the
// destination-sized result for two/three-operand IMUL) and AF is cleared,
// as P6-class hardware does. DIV/IDIV raise #DE for a zero divisor or a
// quotient too large for its register, before any register changes; their
// flags (all undefined) are left unchanged.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

namespace {

inline int64_t sext(uint32_t v, unsigned size) {
  const int shift = 32 - int(size) * 8;
  return int32_t(v << shift) >> shift;
}

inline void mul_flags(Cpu& c, uint32_t lo, unsigned size, bool overflow) {
  alu::put_arith(c, alu::szp(lo, size) | (overflow ? fl::CF | fl::OF : 0));
}

// Writes a product of 2*size bytes to AX, DX:AX or EDX:EAX.
inline void put_wide(Cpu& c, uint64_t p, unsigned size) {
  if (size == 1) {
    c.set_reg(EAX, 2, uint32_t(p));
  } else {
    c.set_reg(EAX, size, uint32_t(p));
    c.set_reg(EDX, size, uint32_t(p >> (size * 8)));
  }
}

// The dividend AX, DX:AX or EDX:EAX.
inline uint64_t get_wide(Cpu& c, unsigned size) {
  if (size == 1) return c.reg(EAX, 2);
  return (uint64_t(c.reg(EDX, size)) << (size * 8)) | c.reg(EAX, size);
}

// Writes quotient and remainder to AL/AH, AX/DX or EAX/EDX.
inline void put_divided(Cpu& c, uint32_t q, uint32_t r, unsigned size) {
  if (size == 1) {
    c.set_reg(EAX, 2, (q & 0xFF) | ((r & 0xFF) << 8));
  } else {
    c.set_reg(EAX, size, q);
    c.set_reg(EDX, size, r);
  }
}

}  // namespace

void op_mul(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size;
  const uint32_t s = c.read_op(i, 0);
  const uint64_t p = uint64_t(c.reg(EAX, sz)) * s;
  put_wide(c, p, sz);
  mul_flags(c, uint32_t(p), sz, (p >> (sz * 8)) != 0);
}

void op_imul(Cpu& c, const DecodedInsn& i) {
  if (i.nops == 1) {  // EDX:EAX = EAX * r/m
    const unsigned sz = i.o[0].size;
    const int64_t p = sext(c.reg(EAX, sz), sz) * sext(c.read_op(i, 0), sz);
    put_wide(c, uint64_t(p), sz);
    mul_flags(c, uint32_t(p), sz, p != sext(uint32_t(p), sz));
    return;
  }
  // IMUL r, r/m (dest *= src) or IMUL r, r/m, imm (dest = src * imm).
  const unsigned sz = i.o[0].size;
  int64_t a, b;
  if (i.nops == 2) {
    a = sext(c.reg(i.o[0].reg, sz), sz);
    b = sext(c.read_op(i, 1), sz);
  } else {
    a = sext(c.read_op(i, 1), sz);
    b = sext(alu::src(c, i, 2), sz);
  }
  const int64_t p = a * b;
  c.set_reg(i.o[0].reg, sz, uint32_t(p));
  mul_flags(c, uint32_t(p), sz, p != sext(uint32_t(p), sz));
}

void op_div(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size;
  const uint32_t s = c.read_op(i, 0);
  if (s == 0) raise_fault(VEC_DE);
  const uint64_t d = get_wide(c, sz);
  const uint64_t q = d / s;
  if (q > size_mask(sz)) raise_fault(VEC_DE);
  put_divided(c, uint32_t(q), uint32_t(d % s), sz);
}

void op_idiv(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size;
  const int64_t s = sext(c.read_op(i, 0), sz);
  if (s == 0) raise_fault(VEC_DE);
  const uint64_t w = get_wide(c, sz);
  const unsigned wbits = sz * 16;
  const int64_t d = wbits == 64 ? int64_t(w) : int64_t(w << (64 - wbits)) >> (64 - wbits);
  if (s == -1 && d == INT64_MIN) raise_fault(VEC_DE);  // the only quotient C++ cannot form
  const int64_t q = d / s, r = d % s;
  const int64_t qmax = int64_t(sign_bit(sz)) - 1;
  if (q > qmax || q < -qmax - 1) raise_fault(VEC_DE);
  put_divided(c, uint32_t(q), uint32_t(r), sz);
}

}  // namespace xlat::core
