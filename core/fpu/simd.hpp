// MMX and SSE/SSE2 as the instruction handlers see them: availability
// checks, register and memory operands, the MMX/x87 aliasing, and SIMD
// floating-point exception delivery.
//
// Availability (SDM vol. 3 table 12-1 and the instruction pages):
//  - MMX instructions (including the SSE integer additions and MASKMOVQ,
//    MOVNTQ on MMX registers): CR0.EM -> #UD, CR0.TS -> #NM, a pending x87
//    exception -> #MF (CR0.NE = 1; see core/fpu/x87.hpp for NE = 0).
//  - SSE/SSE2 instructions on XMM registers: CR0.EM -> #UD, CR4.OSFXSR = 0
//    -> #UD, CR0.TS -> #NM.
//  - SSE instructions with an MMX register operand (CVTPI2PS xmm, mm;
//    CVTPS2PI; MOVQ2DQ; ...): the SSE checks, then #MF as for MMX.
// An instruction that uses an MMX register performs the MMX transition
// (x87 TOP := 0, every tag valid) once its operands were read; writing MMn
// sets the exponent field of Rn to all ones.
// Unmasked SIMD floating-point exceptions raise #XM when CR4.OSXMMEXCPT is
// set, #UD otherwise; the destination is then left unchanged.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include "core/cpu.hpp"

namespace xlat::core::fpu {

void mmx_check(Cpu& c);
void sse_check(Cpu& c);
// After an MMX instruction read its operands: TOP = 0, all tags valid.
void mmx_transition(Cpu& c);
// Sets the exception flags `flags` (MXCSR bits 0-5) and, if one of them is
// unmasked, raises #XM or #UD (the caller has not written its result).
void simd_fp_flags(Cpu& c, uint32_t flags);

inline uint64_t mm_get(const Cpu& c, unsigned n) { return c.s.fpu.st[n & 7].mant; }
inline void mm_set(Cpu& c, unsigned n, uint64_t v) {
  c.s.fpu.st[n & 7].mant = v;
  c.s.fpu.st[n & 7].se = 0xFFFF;
}

// One SIMD instruction's operands. The constructor runs the availability
// checks for the instruction's register kinds (`sse_rules` forces the SSE
// checks where no XMM register appears, for LDMXCSR/STMXCSR).
class Simd {
 public:
  Simd(Cpu& cpu, const DecodedInsn& insn, bool sse_rules = false);

  Cpu& c;
  const DecodedInsn& i;
  bool uses_mmx = false;  // an MMX register operand: transition on write
  bool uses_xmm = false;

  // Operand n as up to 16 bytes (zero-extended): an XMM (16) or MMX (8)
  // register, a general register (4), an immediate, or memory of the
  // operand's size. 16-byte memory operands of `aligned` instructions must
  // be 16-byte aligned in the linear address space (#GP(0)).
  XmmReg get(unsigned n, bool aligned = true);
  // Register operand n, whole (XMM: 16 bytes, MMX: 8).
  XmmReg reg(unsigned n) const;
  // Width in bytes of operand n's register (16 for XMM, 8 for MMX).
  unsigned width(unsigned n = 0) const { return i.o[n].kind == OpKind::Xmm ? 16 : 8; }
  bool is_mem(unsigned n) const { return i.o[n].kind == OpKind::Mem; }

  // Writes operand n: an XMM register (all 16 bytes), an MMX register (8),
  // a general register (4) or memory (the operand's size, aligned as
  // above). Performs the MMX transition first if the instruction uses MMX
  // registers.
  void put(unsigned n, const XmmReg& v, bool aligned = true);
  // The MMX transition alone (for instructions that read MMX registers and
  // write elsewhere).
  void touch_mmx();

  uint32_t linear(uint32_t off) const { return uint32_t(c.s.seg[i.seg].base) + off; }
  void check_align(unsigned n, bool aligned) const {
    if (aligned && i.o[n].size == 16 && (linear(c.ea(i)) & 15)) raise_fault(VEC_GP, 0);
  }
};

// Little-endian lane access on a 16-byte register image.
template <typename T>
inline T lane(const XmmReg& r, unsigned k) {
  T v;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(&r) + k * sizeof(T), sizeof(T));
  return v;
}
template <typename T>
inline void set_lane(XmmReg& r, unsigned k, T v) {
  std::memcpy(reinterpret_cast<uint8_t*>(&r) + k * sizeof(T), &v, sizeof(T));
}

}  // namespace xlat::core::fpu

namespace xlat::core::fpu {

// r[k] = f(a[k], b[k]) for the `bytes / sizeof(T)` lanes of type T.
template <typename T, typename F>
inline XmmReg map_lanes(const XmmReg& a, const XmmReg& b, unsigned bytes, F f) {
  XmmReg r{};
  for (unsigned k = 0; k < bytes / sizeof(T); ++k) set_lane<T>(r, k, T(f(lane<T>(a, k), lane<T>(b, k))));
  return r;
}

template <typename T>
inline T saturate(int64_t v) {
  constexpr int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  return T(v < lo ? lo : v > hi ? hi : v);
}

}  // namespace xlat::core::fpu
