// SSE/SSE2 backend for x86-64 hosts (see host_sse.hpp).
//
// Each asm block saves the host MXCSR, loads the guest's rounding control,
// DAZ and FTZ with every exception masked and the flags clear, runs one
// instruction, reads MXCSR back and restores the host's. All inside one
// asm statement, so the compiler cannot schedule other floating-point code
// under the guest's MXCSR.
#include "core/fpu/host_sse.hpp"

#include <emmintrin.h>

#include <cstring>

#include "core/fpu/f80.hpp"

#if !defined(__x86_64__)
#error "core/fpu/host_sse.cpp needs an x86-64 host; a portable backend implements host_sse.hpp in software"
#endif

namespace xlat::core::fpu {

namespace {

uint32_t host_mxcsr(uint32_t guest) {
  using namespace mxcsr_bits;
  uint32_t m = (guest & (RC | DAZ | FZ)) | MASKS;
  if (!(guest & UM)) m &= ~FZ;  // flush-to-zero applies only with underflow masked
  return m;
}

__m128i load(const XmmReg& r) {
  __m128i v;
  std::memcpy(&v, &r, 16);
  return v;
}
XmmReg store(__m128i v) {
  XmmReg r;
  std::memcpy(&r, &v, 16);
  return r;
}

// With underflow unmasked the CPU signals underflow for a tiny result even
// when it is exact; the masked host run only does so when it is inexact. An
// exact tiny result is a non-zero denormal in the destination lane.
uint32_t exact_tiny(SseOp op, const XmmReg& r) {
  unsigned lanes = 0;
  bool dbl = false;
  switch (op) {
    case SseOp::AddSs: case SseOp::SubSs: case SseOp::MulSs: case SseOp::DivSs: case SseOp::CvtSd2Ss:
      lanes = 1;
      break;
    case SseOp::AddPs: case SseOp::SubPs: case SseOp::MulPs: case SseOp::DivPs:
      lanes = 4;
      break;
    case SseOp::CvtPd2Ps:
      lanes = 2;
      break;
    case SseOp::AddSd: case SseOp::SubSd: case SseOp::MulSd: case SseOp::DivSd:
      lanes = 1;
      dbl = true;
      break;
    case SseOp::AddPd: case SseOp::SubPd: case SseOp::MulPd: case SseOp::DivPd:
      lanes = 2;
      dbl = true;
      break;
    default:
      return 0;
  }
  for (unsigned k = 0; k < lanes; ++k) {
    if (dbl ? f64_is_denormal(r.q[k]) : f32_is_denormal(uint32_t(r.q[k / 2] >> (32 * (k % 2)))))
      return mxcsr_bits::UE;
  }
  return 0;
}

#define SSE_PRE "stmxcsr %[saved]\n\tldmxcsr %[m]\n\t"
#define SSE_POST "\n\tstmxcsr %[out]\n\tldmxcsr %[saved]"
#define SSE2(insn)                                                                          \
  asm volatile(SSE_PRE insn " %[b], %[a]" SSE_POST                                         \
               : [a] "+x"(va), [out] "=m"(out), [saved] "=m"(saved)                        \
               : [b] "x"(vb), [m] "m"(hm))
#define SSE_CMP(insn)                    \
  switch (imm & 7) {                     \
    case 0: SSE2(insn " $0,"); break;    \
    case 1: SSE2(insn " $1,"); break;    \
    case 2: SSE2(insn " $2,"); break;    \
    case 3: SSE2(insn " $3,"); break;    \
    case 4: SSE2(insn " $4,"); break;    \
    case 5: SSE2(insn " $5,"); break;    \
    case 6: SSE2(insn " $6,"); break;    \
    default: SSE2(insn " $7,"); break;   \
  }

// Whether a (lane 0) OP b (lane 0) is inexact when rounded to the format's
// significand with an unbounded exponent: what PE means when an unmasked
// overflow or underflow stops the instruction (the masked host run reports
// the inexactness of the denormalized or infinite result instead). The x87
// computes it: its precision control rounds the significand to 24 or 53
// bits while the exponent keeps its 15-bit range. `dbl`: double operands;
// `to_single`: CVTSD2SS (b converted, a unused).
bool inexact_unbounded(char op, bool dbl, bool to_single, uint32_t mxcsr, uint64_t a, uint64_t b) {
  using namespace mxcsr_bits;
  const bool daz = mxcsr & DAZ;
  auto operand = [&](uint64_t v, bool d) -> long double {
    if (d) {
      if (daz && f64_is_denormal(v)) v &= 1ull << 63;
      double x;
      std::memcpy(&x, &v, 8);
      return x;
    }
    uint32_t w = uint32_t(v);
    if (daz && f32_is_denormal(w)) w &= 1u << 31;
    float x;
    std::memcpy(&x, &w, 4);
    return x;
  };
  const long double x = operand(a, dbl), y = operand(b, dbl);
  const uint16_t pc = (dbl && !to_single) ? 0x200 : 0x000;
  const uint16_t cw = uint16_t(0x037F & ~0x0300) | pc | uint16_t(((mxcsr & RC) >> 13) << 10);
  uint16_t saved = 0, sw = 0;
  long double r = 0;
#define X87_UNB(insn)                                                                          \
  asm volatile("fnstcw %[saved]\n\tfnclex\n\tfldcw %[cw]\n\tfldt %[x]\n\tfldt %[y]\n\t" insn \
               "\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfnclex\n\tfldcw %[saved]"                     \
               : [r] "=m"(r), [saved] "=m"(saved), [sw] "=m"(sw)                                \
               : [x] "m"(x), [y] "m"(y), [cw] "m"(cw)                                          \
               : "st", "st(1)", "memory")
  if (to_single) {
    // r = y * 1, rounded to 24 bits.
    const long double one = 1.0L;
    asm volatile("fnstcw %[saved]\n\tfnclex\n\tfldcw %[cw]\n\tfldt %[y]\n\tfldt %[one]\n\tfmulp\n\t"
                 "fnstsw %[sw]\n\tfstpt %[r]\n\tfnclex\n\tfldcw %[saved]"
                 : [r] "=m"(r), [saved] "=m"(saved), [sw] "=m"(sw)
                 : [y] "m"(y), [one] "m"(one), [cw] "m"(cw)
                 : "st", "st(1)", "memory");
  } else {
    switch (op) {
      // ST(0) = y, ST(1) = x; DE /r with ST(1) as destination, encoded as bytes
      // (the assembler's AT&T spelling of FSUBP/FDIVP is famously swapped).
      case '+': X87_UNB(".byte 0xDE, 0xC1"); break;  // FADDP ST(1), ST(0): x + y
      case '-': X87_UNB(".byte 0xDE, 0xE9"); break;  // FSUBP ST(1), ST(0): x - y
      case '*': X87_UNB(".byte 0xDE, 0xC9"); break;  // FMULP ST(1), ST(0): x * y
      default: X87_UNB(".byte 0xDE, 0xF9"); break;   // FDIVP ST(1), ST(0): x / y
    }
  }
#undef X87_UNB
  (void)r;
  return sw & 0x20;
}

// The operation and lane layout of the ops that can overflow or underflow.
struct OvfOp {
  char op;
  bool dbl, packed, to_single;
  SseOp scalar;
};
bool ovf_op(SseOp op, OvfOp& o) {
  switch (op) {
    case SseOp::AddPs: o = {'+', false, true, false, SseOp::AddSs}; return true;
    case SseOp::AddSs: o = {'+', false, false, false, SseOp::AddSs}; return true;
    case SseOp::AddPd: o = {'+', true, true, false, SseOp::AddSd}; return true;
    case SseOp::AddSd: o = {'+', true, false, false, SseOp::AddSd}; return true;
    case SseOp::SubPs: o = {'-', false, true, false, SseOp::SubSs}; return true;
    case SseOp::SubSs: o = {'-', false, false, false, SseOp::SubSs}; return true;
    case SseOp::SubPd: o = {'-', true, true, false, SseOp::SubSd}; return true;
    case SseOp::SubSd: o = {'-', true, false, false, SseOp::SubSd}; return true;
    case SseOp::MulPs: o = {'*', false, true, false, SseOp::MulSs}; return true;
    case SseOp::MulSs: o = {'*', false, false, false, SseOp::MulSs}; return true;
    case SseOp::MulPd: o = {'*', true, true, false, SseOp::MulSd}; return true;
    case SseOp::MulSd: o = {'*', true, false, false, SseOp::MulSd}; return true;
    case SseOp::DivPs: o = {'/', false, true, false, SseOp::DivSs}; return true;
    case SseOp::DivSs: o = {'/', false, false, false, SseOp::DivSs}; return true;
    case SseOp::DivPd: o = {'/', true, true, false, SseOp::DivSd}; return true;
    case SseOp::DivSd: o = {'/', true, false, false, SseOp::DivSd}; return true;
    case SseOp::CvtSd2Ss: o = {'c', true, false, true, SseOp::CvtSd2Ss}; return true;
    case SseOp::CvtPd2Ps: o = {'c', true, true, true, SseOp::CvtSd2Ss}; return true;
    default: return false;
  }
}

}  // namespace

SseOut sse_op(SseOp op, uint32_t mxcsr, const XmmReg& a, const XmmReg& b, uint8_t imm) {
  __m128i va = load(a), vb = load(b);
  uint32_t out = 0, saved = 0;
  const uint32_t hm = host_mxcsr(mxcsr);
  switch (op) {
    case SseOp::AddPs: SSE2("addps"); break;
    case SseOp::AddSs: SSE2("addss"); break;
    case SseOp::AddPd: SSE2("addpd"); break;
    case SseOp::AddSd: SSE2("addsd"); break;
    case SseOp::SubPs: SSE2("subps"); break;
    case SseOp::SubSs: SSE2("subss"); break;
    case SseOp::SubPd: SSE2("subpd"); break;
    case SseOp::SubSd: SSE2("subsd"); break;
    case SseOp::MulPs: SSE2("mulps"); break;
    case SseOp::MulSs: SSE2("mulss"); break;
    case SseOp::MulPd: SSE2("mulpd"); break;
    case SseOp::MulSd: SSE2("mulsd"); break;
    case SseOp::DivPs: SSE2("divps"); break;
    case SseOp::DivSs: SSE2("divss"); break;
    case SseOp::DivPd: SSE2("divpd"); break;
    case SseOp::DivSd: SSE2("divsd"); break;
    case SseOp::MinPs: SSE2("minps"); break;
    case SseOp::MinSs: SSE2("minss"); break;
    case SseOp::MinPd: SSE2("minpd"); break;
    case SseOp::MinSd: SSE2("minsd"); break;
    case SseOp::MaxPs: SSE2("maxps"); break;
    case SseOp::MaxSs: SSE2("maxss"); break;
    case SseOp::MaxPd: SSE2("maxpd"); break;
    case SseOp::MaxSd: SSE2("maxsd"); break;
    case SseOp::SqrtPs: SSE2("sqrtps"); break;
    case SseOp::SqrtSs: SSE2("sqrtss"); break;
    case SseOp::SqrtPd: SSE2("sqrtpd"); break;
    case SseOp::SqrtSd: SSE2("sqrtsd"); break;
    case SseOp::RcpPs: SSE2("rcpps"); break;
    case SseOp::RcpSs: SSE2("rcpss"); break;
    case SseOp::RsqrtPs: SSE2("rsqrtps"); break;
    case SseOp::RsqrtSs: SSE2("rsqrtss"); break;
    case SseOp::CmpPs: SSE_CMP("cmpps"); break;
    case SseOp::CmpSs: SSE_CMP("cmpss"); break;
    case SseOp::CmpPd: SSE_CMP("cmppd"); break;
    case SseOp::CmpSd: SSE_CMP("cmpsd"); break;
    case SseOp::CvtSs2Sd: SSE2("cvtss2sd"); break;
    case SseOp::CvtSd2Ss: SSE2("cvtsd2ss"); break;
    case SseOp::CvtPs2Pd: SSE2("cvtps2pd"); break;
    case SseOp::CvtPd2Ps: SSE2("cvtpd2ps"); break;
    case SseOp::CvtDq2Ps: SSE2("cvtdq2ps"); break;
    case SseOp::CvtPs2Dq: SSE2("cvtps2dq"); break;
    case SseOp::CvttPs2Dq: SSE2("cvttps2dq"); break;
    case SseOp::CvtDq2Pd: SSE2("cvtdq2pd"); break;
    case SseOp::CvtPd2Dq: SSE2("cvtpd2dq"); break;
    case SseOp::CvttPd2Dq: SSE2("cvttpd2dq"); break;
  }
  SseOut o{store(va), out & mxcsr_bits::FLAGS};
  if (!(mxcsr & mxcsr_bits::UM)) o.flags |= exact_tiny(op, o.r);
  // An unmasked overflow/underflow: PE is the inexactness of the result
  // with an unbounded exponent, lane by lane (the lanes without one keep
  // the masked run's answer).
  using namespace mxcsr_bits;
  const uint32_t unmasked = ~(mxcsr >> 7) & FLAGS;
  OvfOp ov;
  if ((o.flags & unmasked & (OE | UE)) && ovf_op(op, ov)) {
    const unsigned lanes = !ov.packed ? 1 : ov.to_single ? 2 : ov.dbl ? 2 : 4;
    uint32_t pe = 0;
    for (unsigned k = 0; k < lanes; ++k) {
      auto lane = [&](const XmmReg& r) -> uint64_t {
        return ov.dbl ? r.q[k] : uint32_t(r.q[k / 2] >> (32 * (k % 2)));
      };
      XmmReg la{}, lb{};
      la.q[0] = lane(a);
      lb.q[0] = lane(b);
      uint32_t f = o.flags;
      if (lanes > 1) {  // the lane alone, with the same flush-to-zero behaviour as above
        const SseOut s = sse_op(ov.scalar, (mxcsr | MASKS) & ((mxcsr & UM) ? ~0u : ~FZ), la, lb);
        f = s.flags | (!(mxcsr & UM) ? exact_tiny(ov.scalar, s.r) : 0);
      }
      if (f & unmasked & (OE | UE)) pe |= inexact_unbounded(ov.op, ov.dbl, ov.to_single, mxcsr, la.q[0], lb.q[0]) ? PE : 0;
      else pe |= f & PE;
    }
    o.flags = (o.flags & ~PE) | pe;
  }
  return o;
}

SseCompare sse_comi(bool dbl, bool unordered, uint32_t mxcsr, const XmmReg& a, const XmmReg& b) {
  const __m128i va = load(a), vb = load(b);
  uint32_t out = 0, saved = 0;
  const uint32_t hm = host_mxcsr(mxcsr);
  bool zf, pf, cf;
#define COMI(insn)                                                                        \
  asm volatile(SSE_PRE insn " %[b], %[a]" SSE_POST                                       \
               : "=@ccz"(zf), "=@ccp"(pf), "=@ccc"(cf), [out] "=m"(out), [saved] "=m"(saved) \
               : [a] "x"(va), [b] "x"(vb), [m] "m"(hm))
  if (dbl) {
    if (unordered) COMI("ucomisd");
    else COMI("comisd");
  } else {
    if (unordered) COMI("ucomiss");
    else COMI("comiss");
  }
#undef COMI
  uint32_t fl = 0;
  if (zf) fl |= 1u << 6;
  if (pf) fl |= 1u << 2;
  if (cf) fl |= 1u << 0;
  return {fl, out & mxcsr_bits::FLAGS};
}

SseOut sse_from_int(bool dbl, uint32_t mxcsr, const XmmReg& a, int32_t v) {
  __m128i va = load(a);
  uint32_t out = 0, saved = 0;
  const uint32_t hm = host_mxcsr(mxcsr);
#define FROM_INT(insn)                                                                     \
  asm volatile(SSE_PRE insn " %[v], %[a]" SSE_POST                                        \
               : [a] "+x"(va), [out] "=m"(out), [saved] "=m"(saved)                       \
               : [v] "r"(v), [m] "m"(hm))
  if (dbl) FROM_INT("cvtsi2sdl");
  else FROM_INT("cvtsi2ssl");
#undef FROM_INT
  return {store(va), out & mxcsr_bits::FLAGS};
}

SseInt sse_to_int(bool dbl, bool truncate, uint32_t mxcsr, const XmmReg& b) {
  const __m128i vb = load(b);
  uint32_t out = 0, saved = 0;
  const uint32_t hm = host_mxcsr(mxcsr);
  int32_t r = 0;
#define TO_INT(insn)                                                                       \
  asm volatile(SSE_PRE insn " %[b], %[r]" SSE_POST                                        \
               : [r] "=r"(r), [out] "=m"(out), [saved] "=m"(saved)                        \
               : [b] "x"(vb), [m] "m"(hm))
  if (dbl) {
    if (truncate) TO_INT("cvttsd2si");
    else TO_INT("cvtsd2si");
  } else {
    if (truncate) TO_INT("cvttss2si");
    else TO_INT("cvtss2si");
  }
#undef TO_INT
  return {r, out & mxcsr_bits::FLAGS};
}

}  // namespace xlat::core::fpu
