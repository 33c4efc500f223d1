// SSE/SSE2 data movement, logic, shuffles and state: MOVAPS/MOVUPS/MOVAPD/
// MOVUPD/MOVDQA/MOVDQU, MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLPD/MOVHPD,
// MOVHLPS/MOVLHPS, MOVMSKPS/MOVMSKPD, MOVNTPS/MOVNTPD/MOVNTI, AND/ANDN/OR/
// XOR (PS, PD), SHUFPS/SHUFPD, UNPCKL/H (PS, PD), LDMXCSR/STMXCSR, and the
// cache/ordering hints CLFLUSH, PREFETCHh, SFENCE/LFENCE/MFENCE, PAUSE
// (no-ops for a single in-order CPU without caches, apart from CLFLUSH's
// address checks).
#include "core/fpu/simd.hpp"
#include "core/fpu/x87.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

// Whole-operand copy; `aligned` selects the #GP(0) check of 16-byte memory.
void move(Cpu& c, const DecodedInsn& i, bool aligned) {
  Simd x(c, i);
  x.put(0, x.get(1, aligned), aligned);
}

// MOVSS/MOVSD: register to register moves the low `bytes` and keeps the
// rest of the destination; a load clears the rest; a store writes `bytes`.
void move_scalar(Cpu& c, const DecodedInsn& i, unsigned bytes) {
  Simd x(c, i);
  XmmReg v = x.get(1);
  if (i.o[0].kind == OpKind::Xmm && i.o[1].kind == OpKind::Xmm) {
    XmmReg d = x.reg(0);
    std::memcpy(&d, &v, bytes);
    v = d;
  }
  x.put(0, v);
}

// MOVLPS/MOVLPD (half = 0) and MOVHPS/MOVHPD (half = 1): one quadword
// between memory and one half of an XMM register.
void move_half(Cpu& c, const DecodedInsn& i, unsigned half) {
  Simd x(c, i);
  if (i.o[0].kind == OpKind::Mem) {
    XmmReg v{};
    v.q[0] = x.reg(1).q[half];
    x.put(0, v);
  } else {
    XmmReg d = x.reg(0);
    d.q[half] = x.get(1).q[0];
    x.put(0, d);
  }
}

template <typename F>
void logic(Cpu& c, const DecodedInsn& i, F f) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  XmmReg r;
  r.q[0] = f(a.q[0], b.q[0]);
  r.q[1] = f(a.q[1], b.q[1]);
  x.put(0, r);
}

template <typename T>
void unpack(Cpu& c, const DecodedInsn& i, bool high) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  constexpr unsigned n = 16 / sizeof(T) / 2;
  XmmReg r{};
  for (unsigned k = 0; k < n; ++k) {
    set_lane<T>(r, 2 * k, lane<T>(a, k + (high ? n : 0)));
    set_lane<T>(r, 2 * k + 1, lane<T>(b, k + (high ? n : 0)));
  }
  x.put(0, r);
}

}  // namespace

void op_movaps(Cpu& c, const DecodedInsn& i) { move(c, i, true); }
void op_movapd(Cpu& c, const DecodedInsn& i) { move(c, i, true); }
void op_movdqa(Cpu& c, const DecodedInsn& i) { move(c, i, true); }
void op_movntps(Cpu& c, const DecodedInsn& i) { move(c, i, true); }
void op_movntpd(Cpu& c, const DecodedInsn& i) { move(c, i, true); }
void op_movups(Cpu& c, const DecodedInsn& i) { move(c, i, false); }
void op_movupd(Cpu& c, const DecodedInsn& i) { move(c, i, false); }
void op_movdqu(Cpu& c, const DecodedInsn& i) { move(c, i, false); }

void op_movss(Cpu& c, const DecodedInsn& i) { move_scalar(c, i, 4); }
void op_movsd_xmm(Cpu& c, const DecodedInsn& i) { move_scalar(c, i, 8); }

void op_movlps(Cpu& c, const DecodedInsn& i) { move_half(c, i, 0); }
void op_movlpd(Cpu& c, const DecodedInsn& i) { move_half(c, i, 0); }
void op_movhps(Cpu& c, const DecodedInsn& i) { move_half(c, i, 1); }
void op_movhpd(Cpu& c, const DecodedInsn& i) { move_half(c, i, 1); }

void op_movhlps(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg d = x.reg(0);
  d.q[0] = x.reg(1).q[1];
  x.put(0, d);
}

void op_movlhps(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  XmmReg d = x.reg(0);
  d.q[1] = x.reg(1).q[0];
  x.put(0, d);
}

void op_movmskps(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.reg(1);
  uint32_t m = 0;
  for (unsigned k = 0; k < 4; ++k) m |= (lane<uint32_t>(s, k) >> 31) << k;
  c.set_reg(i.o[0].reg, 4, m);
}

void op_movmskpd(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg s = x.reg(1);
  c.set_reg(i.o[0].reg, 4, uint32_t((s.q[0] >> 63) | ((s.q[1] >> 63) << 1)));
}

// MOVNTI m32, r32: a plain store (no SIMD state involved).
void op_movnti(Cpu& c, const DecodedInsn& i) { c.write_op(i, 0, c.read_op(i, 1)); }

void op_andps(Cpu& c, const DecodedInsn& i) { logic(c, i, [](uint64_t a, uint64_t b) { return a & b; }); }
void op_andnps(Cpu& c, const DecodedInsn& i) { logic(c, i, [](uint64_t a, uint64_t b) { return ~a & b; }); }
void op_orps(Cpu& c, const DecodedInsn& i) { logic(c, i, [](uint64_t a, uint64_t b) { return a | b; }); }
void op_xorps(Cpu& c, const DecodedInsn& i) { logic(c, i, [](uint64_t a, uint64_t b) { return a ^ b; }); }

void op_shufps(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  const uint8_t imm = uint8_t(i.imm);
  XmmReg r;
  set_lane<uint32_t>(r, 0, lane<uint32_t>(a, imm & 3));
  set_lane<uint32_t>(r, 1, lane<uint32_t>(a, (imm >> 2) & 3));
  set_lane<uint32_t>(r, 2, lane<uint32_t>(b, (imm >> 4) & 3));
  set_lane<uint32_t>(r, 3, lane<uint32_t>(b, (imm >> 6) & 3));
  x.put(0, r);
}

void op_shufpd(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  XmmReg r;
  r.q[0] = a.q[i.imm & 1];
  r.q[1] = b.q[(i.imm >> 1) & 1];
  x.put(0, r);
}

void op_unpcklps(Cpu& c, const DecodedInsn& i) { unpack<uint32_t>(c, i, false); }
void op_unpckhps(Cpu& c, const DecodedInsn& i) { unpack<uint32_t>(c, i, true); }
void op_unpcklpd(Cpu& c, const DecodedInsn& i) { unpack<uint64_t>(c, i, false); }
void op_unpckhpd(Cpu& c, const DecodedInsn& i) { unpack<uint64_t>(c, i, true); }

void op_ldmxcsr(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i, true);
  const uint32_t v = uint32_t(x.get(0).q[0]);
  if (v & ~mxcsr_bits::MASK) raise_fault(VEC_GP, 0);
  c.s.fpu.mxcsr = v;
}

void op_stmxcsr(Cpu& c, const DecodedInsn& i) {
  Simd x(c, i, true);
  XmmReg v{};
  v.q[0] = c.s.fpu.mxcsr;
  x.put(0, v);
}

// CLFLUSH faults as a byte load would; there is no cache to flush.
void op_clflush(Cpu& c, const DecodedInsn& i) { c.check_read(i.seg, c.ea(i), 1); }
void op_sse_hint(Cpu&, const DecodedInsn&) {}

}  // namespace xlat::core
