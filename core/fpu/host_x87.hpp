// The x87 arithmetic backend: one guest operation on 80-bit values, with
// the guest's precision and rounding control, returning the result and the
// status bits it produced.
//
// On an x86 host (the only implementation today, host_x87.cpp) each call
// runs the very same x87 instruction on the host FPU with the guest's
// control word, so results, rounding, NaN propagation, denormal handling,
// the C0-C3 condition codes and the exception flags are the hardware's,
// bit for bit. The guest's x87 register stack, tags and exception delivery
// are not the host's business: core/fpu/x87.hpp keeps them, and calls this
// backend only for values. A portable backend (for non-x86 hosts) would
// implement these same functions in software (an 80-bit soft-float); the
// interface takes and returns raw bits so that nothing else changes.
//
// Exceptions: the backend never traps. It reports IE/DE/ZE/OE/UE/PE in the
// returned status word as detected with the invalid, denormal, zero-divide
// and precision exceptions masked and the overflow and underflow
// exceptions as the guest's control word says (they change the result: an
// unmasked overflow/underflow delivers the exponent-wrapped result and
// detects underflow on tininess alone). The caller decides, from the
// guest's masks, whether the result is written.
#pragma once

#include <cstdint>

#include "core/fpu/f80.hpp"

namespace xlat::core::fpu {

// x87 memory operand formats.
enum class Fmt : uint8_t { F32, F64, F80, I16, I32, I64, Bcd };
inline constexpr unsigned fmt_size(Fmt f) {
  switch (f) {
    case Fmt::F32: case Fmt::I32: return 4;
    case Fmt::F64: case Fmt::I64: return 8;
    case Fmt::I16: return 2;
    default: return 10;
  }
}

// Results: r0 is ST(0) after the operation, r1 ST(1) when the operation
// leaves two values (FSINCOS, FPTAN, FXTRACT: r0 the pushed value). `sw`
// carries the exception flags (bits 0-5) and C0-C3; other bits are junk.
struct X87Out {
  F80 r0, r1;
  uint16_t sw;
};

// dest op src, for FADD/FMUL/FSUB/FSUBR/FDIV/FDIVR: `a` is the instruction's
// destination operand, `b` its source (SubR: b - a).
enum class Arith : uint8_t { Add, Mul, Sub, SubR, Div, DivR };
X87Out x87_arith(Arith op, uint16_t cw, const F80& a, const F80& b);
// ST(0) op m, m in format F32, F64, I16 or I32 (FADD m32fp, FIADD m16int...).
X87Out x87_arith_mem(Arith op, Fmt f, uint16_t cw, const F80& a, const void* m);

// FCOM/FUCOM ST(0), b: C0/C2/C3 and IE/DE in the result.
uint16_t x87_compare(bool unordered, uint16_t cw, const F80& a, const F80& b);
// FCOM m32fp/m64fp, FICOM m16int/m32int.
uint16_t x87_compare_mem(Fmt f, uint16_t cw, const F80& a, const void* m);

// FLD m32fp/m64fp, FILD m16/m32/m64, FBLD: the loaded value in r0.
X87Out x87_load(Fmt f, uint16_t cw, const void* m);
// FST m32fp/m64fp, FIST m16/m32/m64, FBSTP m80bcd: writes fmt_size(f)
// bytes to m (the masked response where the operation is invalid).
uint16_t x87_store(Fmt f, uint16_t cw, const F80& a, void* m);

// Operations on ST(0) (and ST(1)).
enum class Fn : uint8_t {
  Sqrt, Rndint, Sin, Cos, F2xm1,            // r0 = f(st0)
  Tst, Xam,                                 // condition codes only
  Sincos, Ptan, Xtract,                     // r0 = pushed value, r1 = new ST(1)
  Patan, Yl2x, Yl2xp1,                      // r0 = f(st1, st0): the result after the pop
  Scale, Prem, Prem1,                       // r0 = new ST(0); ST(1) unchanged
  Ld1, Ldl2t, Ldl2e, Ldpi, Ldlg2, Ldln2, Ldz,  // r0 = the constant (rounded per RC)
};
X87Out x87_fn(Fn op, uint16_t cw, const F80& st0, const F80& st1);

}  // namespace xlat::core::fpu
