// SSE/SSE2 floating-point: packed and scalar single/double arithmetic
// (ADD SUB MUL DIV MIN MAX SQRT, RCP/RSQRT), compares (CMPcc, COMIS/UCOMIS),
// and every conversion (CVT*, including the MMX-register forms).
//
// Values and exception flags come from the backend (core/fpu/host_sse.hpp);
// simd_fp_flags() merges the flags into MXCSR and raises #XM/#UD for an
// unmasked one before anything is written.
#include "core/fpu/host_sse.hpp"
#include "core/fpu/simd.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

// OP xmm, xmm/mem: operand 0 <- backend(op, operand 0, operand 1 [, imm]).
void fp(Cpu& c, const DecodedInsn& i, SseOp op) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  const SseOut r = sse_op(op, c.s.fpu.mxcsr, a, b, i.nops > 2 ? uint8_t(i.imm) : 0);
  simd_fp_flags(c, r.flags);
  x.put(0, r.r);
}

void comi(Cpu& c, const DecodedInsn& i, bool dbl, bool unordered) {
  Simd x(c, i);
  const XmmReg a = x.reg(0), b = x.get(1);
  const SseCompare r = sse_comi(dbl, unordered, c.s.fpu.mxcsr, a, b);
  simd_fp_flags(c, r.flags);
  c.set_arith_flags(r.eflags);  // OF, SF, AF cleared
}

// CVTSI2SS/SD xmm, r/m32.
void from_int(Cpu& c, const DecodedInsn& i, bool dbl) {
  Simd x(c, i);
  const XmmReg a = x.reg(0);
  const int32_t v = int32_t(x.get(1).q[0]);
  const SseOut r = sse_from_int(dbl, c.s.fpu.mxcsr, a, v);
  simd_fp_flags(c, r.flags);
  x.put(0, r.r);
}

// CVT(T)SS/SD2SI r32, xmm/m.
void to_int(Cpu& c, const DecodedInsn& i, bool dbl, bool truncate) {
  Simd x(c, i);
  const XmmReg b = x.get(1);
  const SseInt r = sse_to_int(dbl, truncate, c.s.fpu.mxcsr, b);
  simd_fp_flags(c, r.flags);
  c.set_reg(i.o[0].reg, 4, uint32_t(r.v));
}

// The MMX-register conversions, done with their XMM equivalents on the low
// 64 bits. `to_mmx`: the destination is an MMX register (its low 64 bits of
// the result); otherwise the result's low 64 bits replace the destination
// XMM register's (CVTPI2PS) or the whole result is written (CVTPI2PD).
void mmx_convert(Cpu& c, const DecodedInsn& i, SseOp op, bool to_mmx, bool whole = false) {
  Simd x(c, i);
  const XmmReg a = x.reg(0);
  XmmReg b = x.get(1);
  if (op != SseOp::CvtPd2Dq && op != SseOp::CvttPd2Dq) b.q[1] = 0;  // only 64 bits are converted
  const SseOut r = sse_op(op, c.s.fpu.mxcsr, XmmReg{}, b);
  // The MMX transition happens once the operands are read, before an
  // unmasked exception is reported (#XM leaves TOP = 0, all tags valid, as
  // on hardware).
  if (x.uses_mmx) x.touch_mmx();
  simd_fp_flags(c, r.flags);
  XmmReg d = to_mmx || whole ? r.r : a;
  if (!to_mmx && !whole) d.q[0] = r.r.q[0];
  x.put(0, d);
}

}  // namespace

void op_addps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::AddPs); }
void op_addss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::AddSs); }
void op_addpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::AddPd); }
void op_addsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::AddSd); }
void op_subps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SubPs); }
void op_subss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SubSs); }
void op_subpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SubPd); }
void op_subsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SubSd); }
void op_mulps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MulPs); }
void op_mulss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MulSs); }
void op_mulpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MulPd); }
void op_mulsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MulSd); }
void op_divps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::DivPs); }
void op_divss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::DivSs); }
void op_divpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::DivPd); }
void op_divsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::DivSd); }
void op_minps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MinPs); }
void op_minss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MinSs); }
void op_minpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MinPd); }
void op_minsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MinSd); }
void op_maxps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MaxPs); }
void op_maxss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MaxSs); }
void op_maxpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MaxPd); }
void op_maxsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::MaxSd); }
void op_sqrtps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SqrtPs); }
void op_sqrtss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SqrtSs); }
void op_sqrtpd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SqrtPd); }
void op_sqrtsd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::SqrtSd); }
void op_rcpps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::RcpPs); }
void op_rcpss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::RcpSs); }
void op_rsqrtps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::RsqrtPs); }
void op_rsqrtss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::RsqrtSs); }
void op_cmpps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CmpPs); }
void op_cmpss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CmpSs); }
void op_cmppd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CmpPd); }
void op_cmpsd_xmm(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CmpSd); }

void op_comiss(Cpu& c, const DecodedInsn& i) { comi(c, i, false, false); }
void op_ucomiss(Cpu& c, const DecodedInsn& i) { comi(c, i, false, true); }
void op_comisd(Cpu& c, const DecodedInsn& i) { comi(c, i, true, false); }
void op_ucomisd(Cpu& c, const DecodedInsn& i) { comi(c, i, true, true); }

void op_cvtss2sd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtSs2Sd); }
void op_cvtsd2ss(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtSd2Ss); }
void op_cvtps2pd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtPs2Pd); }
void op_cvtpd2ps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtPd2Ps); }
void op_cvtdq2ps(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtDq2Ps); }
void op_cvtps2dq(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtPs2Dq); }
void op_cvttps2dq(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvttPs2Dq); }
void op_cvtdq2pd(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtDq2Pd); }
void op_cvtpd2dq(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvtPd2Dq); }
void op_cvttpd2dq(Cpu& c, const DecodedInsn& i) { fp(c, i, SseOp::CvttPd2Dq); }

void op_cvtsi2ss(Cpu& c, const DecodedInsn& i) { from_int(c, i, false); }
void op_cvtsi2sd(Cpu& c, const DecodedInsn& i) { from_int(c, i, true); }
void op_cvtss2si(Cpu& c, const DecodedInsn& i) { to_int(c, i, false, false); }
void op_cvttss2si(Cpu& c, const DecodedInsn& i) { to_int(c, i, false, true); }
void op_cvtsd2si(Cpu& c, const DecodedInsn& i) { to_int(c, i, true, false); }
void op_cvttsd2si(Cpu& c, const DecodedInsn& i) { to_int(c, i, true, true); }

void op_cvtpi2ps(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvtDq2Ps, false); }
void op_cvtps2pi(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvtPs2Dq, true); }
void op_cvttps2pi(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvttPs2Dq, true); }
void op_cvtpi2pd(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvtDq2Pd, false, true); }
void op_cvtpd2pi(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvtPd2Dq, true); }
void op_cvttpd2pi(Cpu& c, const DecodedInsn& i) { mmx_convert(c, i, SseOp::CvttPd2Dq, true); }

}  // namespace xlat::core
