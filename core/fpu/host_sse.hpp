// The SSE/SSE2 floating-point backend: one guest operation on 128-bit
// register images under the guest's MXCSR rounding/DAZ/FTZ, returning the
// result and the exception flags it raised.
//
// On an x86-64 host (host_sse.cpp) each call runs the same SSE instruction
// with the guest's MXCSR loaded (every exception masked, flags cleared) and
// reads the flags back, so results, NaN propagation, DAZ/FTZ and flags are
// the hardware's. RCPPS/RSQRTPS approximations are the host's (Intel and
// AMD differ in the low bits; SDM: |relative error| <= 1.5 * 2^-12). A
// portable backend would implement these functions in software.
//
// Flags are those the guest CPU detects with its own masks where that
// differs: with underflow unmasked, an exact tiny result also signals
// underflow. Which flags survive an unmasked exception is decided by
// simd_fp_flags() (core/fpu/simd.hpp).
#pragma once

#include <cstdint>

#include "core/cpu_state.hpp"

namespace xlat::core::fpu {

// Two-operand forms "OP xmm_a, xmm_b" whose result replaces a: arithmetic,
// square root/reciprocals, conversions between float formats, compares
// (with imm = predicate 0-7). Scalar forms keep a's upper lanes.
enum class SseOp : uint8_t {
  AddPs, AddSs, AddPd, AddSd, SubPs, SubSs, SubPd, SubSd, MulPs, MulSs, MulPd, MulSd,
  DivPs, DivSs, DivPd, DivSd, MinPs, MinSs, MinPd, MinSd, MaxPs, MaxSs, MaxPd, MaxSd,
  SqrtPs, SqrtSs, SqrtPd, SqrtSd, RcpPs, RcpSs, RsqrtPs, RsqrtSs,
  CmpPs, CmpSs, CmpPd, CmpSd,
  CvtSs2Sd, CvtSd2Ss, CvtPs2Pd, CvtPd2Ps, CvtDq2Ps, CvtPs2Dq, CvttPs2Dq, CvtDq2Pd, CvtPd2Dq,
  CvttPd2Dq,
};

struct SseOut {
  XmmReg r;
  uint32_t flags;  // MXCSR exception flags (bits 0-5)
};

SseOut sse_op(SseOp op, uint32_t mxcsr, const XmmReg& a, const XmmReg& b, uint8_t imm = 0);

// COMISS/UCOMISS/COMISD/UCOMISD of the low lanes: ZF/PF/CF as EFLAGS bits.
struct SseCompare {
  uint32_t eflags;
  uint32_t flags;
};
SseCompare sse_comi(bool dbl, bool unordered, uint32_t mxcsr, const XmmReg& a, const XmmReg& b);

// CVTSI2SS/CVTSI2SD: a with its low lane replaced by the converted v.
SseOut sse_from_int(bool dbl, uint32_t mxcsr, const XmmReg& a, int32_t v);
// CVT(T)SS2SI/CVT(T)SD2SI of b's low lane (integer indefinite 80000000H
// when invalid).
struct SseInt {
  int32_t v;
  uint32_t flags;
};
SseInt sse_to_int(bool dbl, bool truncate, uint32_t mxcsr, const XmmReg& b);

}  // namespace xlat::core::fpu
