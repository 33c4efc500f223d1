// Integer instructions added by SSE (on MMX registers, and on XMM registers
// with SSE2) and by SSE2: PAVGB/PAVGW, PMINUB/PMAXUB/PMINSW/PMAXSW, PSADBW,
// PMULHUW, PMULUDQ, PEXTRW/PINSRW, PMOVMSKB, PSHUFW/PSHUFD/PSHUFLW/PSHUFHW,
// PSLLDQ/PSRLDQ, MASKMOVQ/MASKMOVDQU, MOVNTQ/MOVNTDQ, MOVQ2DQ/MOVDQ2Q.
// (PADDQ/PSUBQ and the quadword unpacks are with their MMX siblings in
// ops_mmx.cpp.)
#include "core/fpu/simd.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

template <typename T, typename F>
void lanes(Cpu& c, const DecodedInsn& i, F f) {
  Simd x(c, i);
  const unsigned w = x.width(0);
  const XmmReg a = x.reg(0), b = x.get(1);
  x.put(0, map_lanes<T>(a, b, w, f));
}

// PSHUFLW/PSHUFHW: shuffle the four words of one half, copy the other.
void shuffle_words(Cpu& c, const DecodedInsn& i, unsigned half) {
  Simd x(c, i);
  const XmmReg s = x.get(1);
  const uint8_t imm = uint8_t(i.imm);
  XmmReg r = s;
  for (unsigned k = 0; k < 4; ++k) set_lane<uint16_t>(r, 4 * half + k, lane<uint16_t>(s, 4 * half + ((imm >> (2 * k)) & 3)));
  x.put(0, r);
}

// Byte-granular shift of a whole XMM register (PSLLDQ/PSRLDQ).
void shift_bytes(Cpu& c, const DecodedInsn& i, bool left) {
  Simd x(c, i);
  const XmmReg a = x.reg(0);
  const unsigned n = i.imm & 0xFF;
  XmmReg r{};
  for (unsigned k = 0; k < 16; ++k) {
    const int from = left ? int(k) - int(n) : int(k) + int(n);
    if (from >= 0 && from < 16) set_lane<uint8_t>(r, k, lane<uint8_t>(a, unsigned(from)));
  }
  x.put(0, r);
}

// MASKMOVQ/MASKMOVDQU: stores the bytes of operand 0 whose mask byte (in
// operand 1) has its top bit set, to DS:(E)DI (segment overridable).
void mask_move(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg v = x.reg(0), m = x.reg(1);
  const unsigned w = x.width(0);
  const uint32_t base = i.asize == 2 ? c.reg(EDI, 2) : c.reg(EDI, 4);
  auto addr = [&](unsigned k) { return i.asize == 2 ? (base + k) & 0xFFFF : base + k; };
  for (unsigned k = 0; k < w; ++k)  // every selected byte is checked before any is written
    if (lane<uint8_t>(m, k) & 0x80) c.check_write(i.seg, addr(k), 1);
  x.touch_mmx();
  for (unsigned k = 0; k < w; ++k)
    if (lane<uint8_t>(m, k) & 0x80) c.write<uint8_t>(i.seg, addr(k), lane<uint8_t>(v, k));
}

}  // namespace

void op_pavgb(Cpu& c, const DecodedInsn& i) {
  lanes<uint8_t>(c, i, [](unsigned a, unsigned b) { return (a + b + 1) >> 1; });
}
void op_pavgw(Cpu& c, const DecodedInsn& i) {
  lanes<uint16_t>(c, i, [](unsigned a, unsigned b) { return (a + b + 1) >> 1; });
}
void op_pminub(Cpu& c, const DecodedInsn& i) { lanes<uint8_t>(c, i, [](auto a, auto b) { return a < b ? a : b; }); }
void op_pmaxub(Cpu& c, const DecodedInsn& i) { lanes<uint8_t>(c, i, [](auto a, auto b) { return a > b ? a : b; }); }
void op_pminsw(Cpu& c, const DecodedInsn& i) { lanes<int16_t>(c, i, [](auto a, auto b) { return a < b ? a : b; }); }
void op_pmaxsw(Cpu& c, const DecodedInsn& i) { lanes<int16_t>(c, i, [](auto a, auto b) { return a > b ? a : b; }); }
void op_pmulhuw(Cpu& c, const DecodedInsn& i) {
  lanes<uint16_t>(c, i, [](uint32_t a, uint32_t b) { return (a * b) >> 16; });
}
void op_pmuludq(Cpu& c, const DecodedInsn& i) {
  lanes<uint64_t>(c, i, [](uint64_t a, uint64_t b) { return uint64_t(uint32_t(a)) * uint32_t(b); });
}

void op_psadbw(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const unsigned w = x.width(0);
  const XmmReg a = x.reg(0), b = x.get(1);
  XmmReg r{};
  for (unsigned q = 0; q < w / 8; ++q) {
    unsigned sum = 0;
    for (unsigned k = 0; k < 8; ++k) {
      const int d = int(lane<uint8_t>(a, 8 * q + k)) - int(lane<uint8_t>(b, 8 * q + k));
      sum += unsigned(d < 0 ? -d : d);
    }
    r.q[q] = sum;
  }
  x.put(0, r);
}

// PEXTRW r32, mm/xmm, imm8: the selected word, zero-extended.
void op_pextrw(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.reg(1);
  const unsigned n = x.width(1) / 2;
  const uint16_t v = lane<uint16_t>(s, i.imm & (n - 1));
  x.touch_mmx();
  c.set_reg(i.o[0].reg, 4, v);
}

// PINSRW mm/xmm, r32/m16, imm8.
void op_pinsrw(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg d = x.reg(0);
  const uint16_t v = uint16_t(x.get(1).q[0]);
  const unsigned n = x.width(0) / 2;
  set_lane<uint16_t>(d, i.imm & (n - 1), v);
  x.put(0, d);
}

// PMOVMSKB r32, mm/xmm: the top bit of each byte.
void op_pmovmskb(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.reg(1);
  uint32_t m = 0;
  for (unsigned k = 0; k < x.width(1); ++k) m |= uint32_t(lane<uint8_t>(s, k) >> 7) << k;
  x.touch_mmx();
  c.set_reg(i.o[0].reg, 4, m);
}

void op_pshufw(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.get(1);
  const uint8_t imm = uint8_t(i.imm);
  XmmReg r{};
  for (unsigned k = 0; k < 4; ++k) set_lane<uint16_t>(r, k, lane<uint16_t>(s, (imm >> (2 * k)) & 3));
  x.put(0, r);
}

void op_pshufd(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.get(1);
  const uint8_t imm = uint8_t(i.imm);
  XmmReg r{};
  for (unsigned k = 0; k < 4; ++k) set_lane<uint32_t>(r, k, lane<uint32_t>(s, (imm >> (2 * k)) & 3));
  x.put(0, r);
}

void op_pshuflw(Cpu& c, const DecodedInsn& i) { shuffle_words(c, i, 0); }
void op_pshufhw(Cpu& c, const DecodedInsn& i) { shuffle_words(c, i, 1); }
void op_pslldq(Cpu& c, const DecodedInsn& i) { shift_bytes(c, i, true); }
void op_psrldq(Cpu& c, const DecodedInsn& i) { shift_bytes(c, i, false); }

void op_maskmovq(Cpu& c, const DecodedInsn& i) { mask_move(c, i); }
void op_maskmovdqu(Cpu& c, const DecodedInsn& i) { mask_move(c, i); }

// MOVNTQ m64, mm / MOVNTDQ m128, xmm (aligned): plain stores here.
void op_movntq(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  x.put(0, x.reg(1));
}
void op_movntdq(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  x.put(0, x.reg(1));
}

// MOVQ2DQ xmm, mm (upper half cleared); MOVDQ2Q mm, xmm (low half).
void op_movq2dq(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg v{};
  v.q[0] = x.reg(1).q[0];
  x.put(0, v);
}
void op_movdq2q(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg v{};
  v.q[0] = x.reg(1).q[0];
  x.put(0, v);
}

}  // namespace xlat::core
