// MMX instructions, each also in its SSE2 form on XMM registers (the same
// Zydis mnemonic; the operand kinds decide the width and the availability
// rules, see core/fpu/simd.hpp): EMMS, MOVD, MOVQ, PADD/PSUB (with signed
// and unsigned saturation), PMULLW/PMULHW/PMADDWD, PAND/PANDN/POR/PXOR,
// PCMPEQ/PCMPGT, PACKSSWB/PACKSSDW/PACKUSWB, PUNPCKL/H (BW, WD, DQ), and the
// shifts PSLL/PSRL/PSRA (W, D, Q) by register, memory or immediate count.
#include "core/fpu/simd.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

// dst = f(dst, src) lane-wise on operand 0 and 1.
template <typename T, typename F>
void lanes(Cpu& c, const DecodedInsn& i, F f) {
  Simd x(c, i);
  const unsigned w = x.width(0);
  const XmmReg a = x.reg(0), b = x.get(1);
  x.put(0, map_lanes<T>(a, b, w, f));
}

// PACKSS/PACKUS: the lanes of dst then src, each saturated to half width.
template <typename From, typename To>
void pack(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const unsigned w = x.width(0), n = w / sizeof(From);
  const XmmReg a = x.reg(0), b = x.get(1);
  XmmReg r{};
  for (unsigned k = 0; k < n; ++k) {
    set_lane<To>(r, k, saturate<To>(lane<From>(a, k)));
    set_lane<To>(r, k + n, saturate<To>(lane<From>(b, k)));
  }
  x.put(0, r);
}

// PUNPCKL/H: interleave the low (high) halves of dst and src.
template <typename T>
void unpack(Cpu& c, const DecodedInsn& i, bool high) {
  Simd x(c, i);
  const unsigned w = x.width(0), n = w / sizeof(T) / 2;
  const XmmReg a = x.reg(0), b = x.get(1);  // PUNPCKL on MMX reads m32
  XmmReg r{};
  for (unsigned k = 0; k < n; ++k) {
    set_lane<T>(r, 2 * k, lane<T>(a, k + (high ? n : 0)));
    set_lane<T>(r, 2 * k + 1, lane<T>(b, k + (high ? n : 0)));
  }
  x.put(0, r);
}

enum class Shift { Left, Right, Arith };

// PSLL/PSRL/PSRA: count from an immediate, or the low 64 bits of a
// register/memory operand; counts beyond the lane width clear the lane (or
// fill it with the sign).
template <typename T>
void shift(Cpu& c, const DecodedInsn& i, Shift kind) {
  Simd x(c, i);
  const unsigned w = x.width(0);
  const XmmReg a = x.reg(0);
  const uint64_t count = i.o[1].kind == OpKind::Imm ? (i.imm & 0xFF) : x.get(1).q[0];
  constexpr unsigned bits = sizeof(T) * 8;
  XmmReg r{};
  for (unsigned k = 0; k < w / sizeof(T); ++k) {
    const T v = lane<T>(a, k);
    T out;
    if (kind == Shift::Arith) {
      using S = std::make_signed_t<T>;
      out = T(S(v) >> (count >= bits ? bits - 1 : count));
    } else if (count >= bits) {
      out = 0;
    } else {
      out = kind == Shift::Left ? T(v << count) : T(v >> count);
    }
    set_lane<T>(r, k, out);
  }
  x.put(0, r);
}

}  // namespace

void op_emms(Cpu& c, const DecodedInsn&) {
  mmx_check(c);
  c.s.fpu.ftw = 0;
  c.s.fpu.top = 0;
}

// MOVD mm/xmm, r/m32 (zero-extended); MOVD r/m32, mm/xmm (low 32 bits).
void op_movd(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg v{};
  v.q[0] = uint32_t(x.get(1).q[0]);
  x.put(0, v);
}

// MOVQ mm, mm/m64; MOVQ mm/m64, mm; MOVQ xmm, xmm/m64 (upper half cleared);
// MOVQ xmm/m64, xmm.
void op_movq(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg v{};
  v.q[0] = x.get(1).q[0];
  x.put(0, v);
}

void op_paddb(Cpu& c, const DecodedInsn& i) { lanes<uint8_t>(c, i, [](auto a, auto b) { return a + b; }); }
void op_paddw(Cpu& c, const DecodedInsn& i) { lanes<uint16_t>(c, i, [](auto a, auto b) { return a + b; }); }
void op_paddd(Cpu& c, const DecodedInsn& i) { lanes<uint32_t>(c, i, [](auto a, auto b) { return a + b; }); }
void op_paddq(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return a + b; }); }
void op_psubb(Cpu& c, const DecodedInsn& i) { lanes<uint8_t>(c, i, [](auto a, auto b) { return a - b; }); }
void op_psubw(Cpu& c, const DecodedInsn& i) { lanes<uint16_t>(c, i, [](auto a, auto b) { return a - b; }); }
void op_psubd(Cpu& c, const DecodedInsn& i) { lanes<uint32_t>(c, i, [](auto a, auto b) { return a - b; }); }
void op_psubq(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return a - b; }); }
void op_paddsb(Cpu& c, const DecodedInsn& i) {
  lanes<int8_t>(c, i, [](int a, int b) { return saturate<int8_t>(a + b); });
}
void op_paddsw(Cpu& c, const DecodedInsn& i) {
  lanes<int16_t>(c, i, [](int a, int b) { return saturate<int16_t>(a + b); });
}
void op_paddusb(Cpu& c, const DecodedInsn& i) {
  lanes<uint8_t>(c, i, [](int a, int b) { return saturate<uint8_t>(a + b); });
}
void op_paddusw(Cpu& c, const DecodedInsn& i) {
  lanes<uint16_t>(c, i, [](int a, int b) { return saturate<uint16_t>(a + b); });
}
void op_psubsb(Cpu& c, const DecodedInsn& i) {
  lanes<int8_t>(c, i, [](int a, int b) { return saturate<int8_t>(a - b); });
}
void op_psubsw(Cpu& c, const DecodedInsn& i) {
  lanes<int16_t>(c, i, [](int a, int b) { return saturate<int16_t>(a - b); });
}
void op_psubusb(Cpu& c, const DecodedInsn& i) {
  lanes<uint8_t>(c, i, [](int a, int b) { return saturate<uint8_t>(a - b); });
}
void op_psubusw(Cpu& c, const DecodedInsn& i) {
  lanes<uint16_t>(c, i, [](int a, int b) { return saturate<uint16_t>(a - b); });
}

void op_pmullw(Cpu& c, const DecodedInsn& i) {
  lanes<int16_t>(c, i, [](int a, int b) { return int16_t(a * b); });
}
void op_pmulhw(Cpu& c, const DecodedInsn& i) {
  lanes<int16_t>(c, i, [](int a, int b) { return int16_t((a * b) >> 16); });
}
void op_pmaddwd(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const unsigned w = x.width(0);
  const XmmReg a = x.reg(0), b = x.get(1);
  XmmReg r{};
  for (unsigned k = 0; k < w / 4; ++k) {
    const int64_t s = int64_t(lane<int16_t>(a, 2 * k)) * lane<int16_t>(b, 2 * k) +
                      int64_t(lane<int16_t>(a, 2 * k + 1)) * lane<int16_t>(b, 2 * k + 1);
    set_lane<uint32_t>(r, k, uint32_t(s));  // 8000H*8000H*2 wraps to 80000000H
  }
  x.put(0, r);
}

void op_pand(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return a & b; }); }
void op_pandn(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return ~a & b; }); }
void op_por(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return a | b; }); }
void op_pxor(Cpu& c, const DecodedInsn& i) { lanes<uint64_t>(c, i, [](auto a, auto b) { return a ^ b; }); }

void op_pcmpeqb(Cpu& c, const DecodedInsn& i) { lanes<uint8_t>(c, i, [](auto a, auto b) { return a == b ? 0xFF : 0; }); }
void op_pcmpeqw(Cpu& c, const DecodedInsn& i) {
  lanes<uint16_t>(c, i, [](auto a, auto b) { return a == b ? 0xFFFF : 0; });
}
void op_pcmpeqd(Cpu& c, const DecodedInsn& i) {
  lanes<uint32_t>(c, i, [](auto a, auto b) { return a == b ? 0xFFFFFFFFu : 0u; });
}
void op_pcmpgtb(Cpu& c, const DecodedInsn& i) { lanes<int8_t>(c, i, [](auto a, auto b) { return a > b ? -1 : 0; }); }
void op_pcmpgtw(Cpu& c, const DecodedInsn& i) { lanes<int16_t>(c, i, [](auto a, auto b) { return a > b ? -1 : 0; }); }
void op_pcmpgtd(Cpu& c, const DecodedInsn& i) { lanes<int32_t>(c, i, [](auto a, auto b) { return a > b ? -1 : 0; }); }

void op_packsswb(Cpu& c, const DecodedInsn& i) { pack<int16_t, int8_t>(c, i); }
void op_packssdw(Cpu& c, const DecodedInsn& i) { pack<int32_t, int16_t>(c, i); }
void op_packuswb(Cpu& c, const DecodedInsn& i) { pack<int16_t, uint8_t>(c, i); }

void op_punpcklbw(Cpu& c, const DecodedInsn& i) { unpack<uint8_t>(c, i, false); }
void op_punpcklwd(Cpu& c, const DecodedInsn& i) { unpack<uint16_t>(c, i, false); }
void op_punpckldq(Cpu& c, const DecodedInsn& i) { unpack<uint32_t>(c, i, false); }
void op_punpcklqdq(Cpu& c, const DecodedInsn& i) { unpack<uint64_t>(c, i, false); }
void op_punpckhbw(Cpu& c, const DecodedInsn& i) { unpack<uint8_t>(c, i, true); }
void op_punpckhwd(Cpu& c, const DecodedInsn& i) { unpack<uint16_t>(c, i, true); }
void op_punpckhdq(Cpu& c, const DecodedInsn& i) { unpack<uint32_t>(c, i, true); }
void op_punpckhqdq(Cpu& c, const DecodedInsn& i) { unpack<uint64_t>(c, i, true); }

void op_psllw(Cpu& c, const DecodedInsn& i) { shift<uint16_t>(c, i, Shift::Left); }
void op_pslld(Cpu& c, const DecodedInsn& i) { shift<uint32_t>(c, i, Shift::Left); }
void op_psllq(Cpu& c, const DecodedInsn& i) { shift<uint64_t>(c, i, Shift::Left); }
void op_psrlw(Cpu& c, const DecodedInsn& i) { shift<uint16_t>(c, i, Shift::Right); }
void op_psrld(Cpu& c, const DecodedInsn& i) { shift<uint32_t>(c, i, Shift::Right); }
void op_psrlq(Cpu& c, const DecodedInsn& i) { shift<uint64_t>(c, i, Shift::Right); }
void op_psraw(Cpu& c, const DecodedInsn& i) { shift<uint16_t>(c, i, Shift::Arith); }
void op_psrad(Cpu& c, const DecodedInsn& i) { shift<uint32_t>(c, i, Shift::Arith); }

}  // namespace xlat::core
