// EFLAGS and the lazy evaluation of its arithmetic bits.
//
// Most instructions write CF/PF/AF/ZF/SF/OF and the next instruction reads at
// most one of them (a Jcc), so the interpreter records the operation that set
// them (LazyFlags) and derives a flag only when it is read. EFLAGS' other
// bits (TF, IF, DF, IOPL, ...) always live in CpuState::eflags.
//
// Invariant: if lf.op == LF_NONE, the arithmetic bits of eflags are valid;
// otherwise they are stale and lf describes them. INC/DEC keep CF in eflags
// (they do not change it), so LF_INC/LF_DEC take CF from there.
#pragma once

#include <cstdint>

namespace xlat::core {

namespace fl {
constexpr uint32_t CF = 1u << 0, PF = 1u << 2, AF = 1u << 4, ZF = 1u << 6, SF = 1u << 7,
                   TF = 1u << 8, IF = 1u << 9, DF = 1u << 10, OF = 1u << 11,
                   IOPL = 3u << 12, NT = 1u << 14, RF = 1u << 16, VM = 1u << 17,
                   AC = 1u << 18, VIF = 1u << 19, VIP = 1u << 20, ID = 1u << 21;
constexpr uint32_t ARITH = CF | PF | AF | ZF | SF | OF;
constexpr uint32_t FIXED1 = 1u << 1;  // bit 1 always reads as 1
}  // namespace fl

// LF_ADC/LF_SBB are ADC/SBB with a carry (borrow) in of 1; with a carry in
// of 0 they are exactly ADD/SUB and are recorded as LF_ADD/LF_SUB.
enum LazyOp : uint8_t { LF_NONE, LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC, LF_ADC, LF_SBB };

struct LazyFlags {
  uint32_t res;
  uint32_t a;     // first source
  uint32_t b;     // second source
  uint8_t op;     // LazyOp
  uint8_t size;   // operand size in bytes: 1, 2 or 4
  uint8_t pad[2];
};

inline constexpr uint32_t size_mask(unsigned size) {
  return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}
inline constexpr uint32_t sign_bit(unsigned size) { return 1u << (size * 8 - 1); }

inline bool parity_even(uint32_t v) { return !__builtin_parity(v & 0xFF); }

// Computes all six arithmetic flags described by lf; `cf_in` is the CF bit
// of eflags (used by INC/DEC which preserve it).
inline uint32_t lazy_eval(const LazyFlags& lf, uint32_t eflags) {
  const uint32_t m = size_mask(lf.size), sb = sign_bit(lf.size);
  const uint32_t r = lf.res & m, a = lf.a & m, b = lf.b & m;
  uint32_t f = 0;
  switch (lf.op) {
    case LF_ADD:
      if (r < a) f |= fl::CF;
      if (((a ^ r) & (b ^ r)) & sb) f |= fl::OF;
      break;
    case LF_SUB:
      if (a < b) f |= fl::CF;
      if (((a ^ b) & (a ^ r)) & sb) f |= fl::OF;
      break;
    case LF_ADC:  // res = a + b + 1
      if (r <= a) f |= fl::CF;
      if (((a ^ r) & (b ^ r)) & sb) f |= fl::OF;
      break;
    case LF_SBB:  // res = a - b - 1
      if (a <= b) f |= fl::CF;
      if (((a ^ b) & (a ^ r)) & sb) f |= fl::OF;
      break;
    case LF_LOGIC:
      break;
    case LF_INC:
      f |= eflags & fl::CF;
      if (r == sb) f |= fl::OF;
      break;
    case LF_DEC:
      f |= eflags & fl::CF;
      if (r == sb - 1) f |= fl::OF;
      break;
    default:
      return eflags & fl::ARITH;
  }
  if (lf.op != LF_LOGIC && ((a ^ b ^ r) & 0x10)) f |= fl::AF;
  if (r == 0) f |= fl::ZF;
  if (r & sb) f |= fl::SF;
  if (parity_even(r)) f |= fl::PF;
  return f;
}

}  // namespace xlat::core
