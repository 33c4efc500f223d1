// x87 transcendental and other ST(0)/ST(1) operations: FSQRT, FRNDINT,
// F2XM1, FSIN, FCOS, FSINCOS, FPTAN, FXTRACT, FPATAN, FYL2X, FYL2XP1,
// FSCALE, FPREM, FPREM1.
//
// The backend computes the values (on an x86 host: the host's own
// instructions, so the results and the C2 "operand out of range" answers of
// FSIN/FCOS/FSINCOS/FPTAN and the quotient bits of FPREM/FPREM1 are the
// hardware's). Masked stack faults: FSINCOS/FPTAN/FXTRACT replace ST(0) by
// the indefinite and push another; FPATAN/FYL2X/FYL2XP1 store the
// indefinite to ST(1) and pop; the rest store it to ST(0).
#include "core/fpu/x87.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

constexpr uint16_t C0 = fsw_bits::C0, C2 = fsw_bits::C2, C3 = fsw_bits::C3;

// ST(0) <- f(ST(0)). `c2`: the operation reports "out of range" in C2.
void unary(Cpu& c, const DecodedInsn& i, Fn fn, bool c2 = false) {
  X87 x(c, i);
  x.record();
  if (x.empty(0)) {
    if (c2) x.set_cc(uint16_t(x.f.fsw & ~C2));  // a stack fault is not "out of range" (as hardware)
    if (!x.stack_fault(false)) x.put(0, kIndefinite);
    return;
  }
  const X87Out r = x87_fn(fn, x.cw(), x.get(0), kZero);
  // C2 (out of range) is reported even when an unmasked exception stops the
  // instruction (as hardware does).
  if (c2) x.set_cc(uint16_t((x.f.fsw & ~C2) | (r.sw & C2)));
  if (x.signal(r.sw)) return;
  x.put(0, r.r0);
}

// ST(0) <- r1, push r0 (FSINCOS, FPTAN, FXTRACT).
void push_pair(Cpu& c, const DecodedInsn& i, Fn fn, bool c2) {
  X87 x(c, i);
  x.record();
  const bool under = x.empty(0);
  if (under || x.push_overflows()) {
    if (c2) x.set_cc(uint16_t(x.f.fsw & ~C2));  // a stack fault is not "out of range" (as hardware)
    if (x.stack_fault(!under)) return;
    x.put(0, kIndefinite);
    x.push(kIndefinite);
    return;
  }
  const X87Out r = x87_fn(fn, x.cw(), x.get(0), kZero);
  if (c2) {
    x.set_cc(uint16_t((x.f.fsw & ~C2) | (r.sw & C2)));
    if (r.sw & C2) {  // operand out of range: nothing changes but C1 := 0 (as hardware)
      x.set_c1(false);
      return;
    }
  }
  if (x.signal(r.sw)) return;
  x.put(0, r.r1);
  x.push(r.r0);
}

// ST(1) <- f(ST(1), ST(0)), pop (FPATAN, FYL2X, FYL2XP1).
void binary_pop(Cpu& c, const DecodedInsn& i, Fn fn) {
  X87 x(c, i);
  x.record();
  if (x.empty(0) || x.empty(1)) {
    if (x.stack_fault(false)) return;
    x.put(1, kIndefinite);
  } else {
    const X87Out r = x87_fn(fn, x.cw(), x.get(0), x.get(1));
    if (x.signal(r.sw)) return;
    x.put(1, r.r0);
  }
  x.pop();
}

// ST(0) <- f(ST(0), ST(1)) (FSCALE, FPREM, FPREM1). `quotient`: C0/C2/C3
// report the partial remainder's state.
void binary_keep(Cpu& c, const DecodedInsn& i, Fn fn, bool quotient = false) {
  X87 x(c, i);
  x.record();
  if (x.empty(0) || x.empty(1)) {
    if (quotient) x.set_cc(uint16_t(x.f.fsw & ~C2));  // "complete"; C0 C3 unchanged (as hardware)
    if (!x.stack_fault(false)) x.put(0, kIndefinite);
    return;
  }
  const F80 a = x.get(0), b = x.get(1);
  const X87Out r = x87_fn(fn, x.cw(), a, b);
  // An invalid operation, a NaN operand or an unmasked invalid/denormal
  // exception produces no quotient: hardware clears C2 and leaves C0 and C3
  // as they were. An unmasked underflow still reports the quotient bits.
  const bool stopped = (r.sw & ~x.cw() & (fsw_bits::IE | fsw_bits::DE | fsw_bits::ZE)) != 0;
  const bool no_quotient = (r.sw & fsw_bits::IE) || is_nan(a) || is_nan(b) || stopped;
  if (quotient && no_quotient) x.set_cc(uint16_t(x.f.fsw & ~C2));
  else if (quotient) x.set_cc(uint16_t((x.f.fsw & ~(C0 | C2 | C3)) | (r.sw & (C0 | C2 | C3))));
  if (x.signal(r.sw)) return;
  x.put(0, r.r0);
}

}  // namespace

void op_fsqrt(Cpu& c, const DecodedInsn& i) { unary(c, i, Fn::Sqrt); }
void op_frndint(Cpu& c, const DecodedInsn& i) { unary(c, i, Fn::Rndint); }
void op_f2xm1(Cpu& c, const DecodedInsn& i) { unary(c, i, Fn::F2xm1); }
void op_fsin(Cpu& c, const DecodedInsn& i) { unary(c, i, Fn::Sin, true); }
void op_fcos(Cpu& c, const DecodedInsn& i) { unary(c, i, Fn::Cos, true); }
void op_fsincos(Cpu& c, const DecodedInsn& i) { push_pair(c, i, Fn::Sincos, true); }
void op_fptan(Cpu& c, const DecodedInsn& i) { push_pair(c, i, Fn::Ptan, true); }
void op_fxtract(Cpu& c, const DecodedInsn& i) { push_pair(c, i, Fn::Xtract, false); }
void op_fpatan(Cpu& c, const DecodedInsn& i) { binary_pop(c, i, Fn::Patan); }
void op_fyl2x(Cpu& c, const DecodedInsn& i) { binary_pop(c, i, Fn::Yl2x); }
void op_fyl2xp1(Cpu& c, const DecodedInsn& i) { binary_pop(c, i, Fn::Yl2xp1); }
void op_fscale(Cpu& c, const DecodedInsn& i) { binary_keep(c, i, Fn::Scale); }
void op_fprem(Cpu& c, const DecodedInsn& i) { binary_keep(c, i, Fn::Prem, true); }
void op_fprem1(Cpu& c, const DecodedInsn& i) { binary_keep(c, i, Fn::Prem1, true); }

}  // namespace xlat::core
