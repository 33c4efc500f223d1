// x87 arithmetic and comparison: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR with their
// popping, memory and integer forms, FCOM/FUCOM/FICOM (+P, PP), FCOMI/
// FUCOMI (+P), FTST, FXAM.
//
// Values are computed by the backend (core/fpu/host_x87.hpp); this file does
// the stack and exception protocol of core/fpu/x87.hpp. Masked stack faults
// give the responses the hardware gives: QNaN indefinite into the
// destination, "unordered" condition codes for compares. Compares set their
// condition codes (or EFLAGS) even when the invalid-operation exception is
// unmasked, but then do not pop (as measured on hardware).
#include "core/fpu/x87.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

Fmt float_fmt(unsigned size) { return size == 4 ? Fmt::F32 : size == 8 ? Fmt::F64 : Fmt::F80; }
Fmt int_fmt(unsigned size) { return size == 2 ? Fmt::I16 : size == 4 ? Fmt::I32 : Fmt::I64; }

// FADD & co. `pop`: the P forms. `integer`: FIADD & co. (memory only).
void arith(Cpu& c, const DecodedInsn& i, Arith op, bool pop, bool integer = false) {
  X87 x(c, i);
  if (i.o[0].kind == OpKind::Mem) {
    uint8_t m[8];
    const unsigned size = i.o[0].size;
    x.read(m, size);
    x.record();
    if (x.empty(0)) {
      if (!x.stack_fault(false)) x.put(0, kIndefinite);
      return;
    }
    const X87Out r = x87_arith_mem(op, integer ? int_fmt(size) : float_fmt(size), x.cw(), x.get(0), m);
    if (!x.signal(r.sw)) x.put(0, r.r0);
    return;
  }
  x.record();
  const unsigned d = x.st_dst(), s = x.st_src();
  if (x.empty(d) || x.empty(s)) {
    if (x.stack_fault(false)) return;
    x.put(d, kIndefinite);
  } else {
    const X87Out r = x87_arith(op, x.cw(), x.get(d), x.get(s));
    if (x.signal(r.sw)) return;
    x.put(d, r.r0);
  }
  if (pop) x.pop();
}

constexpr uint16_t UNORDERED = fsw_bits::C0 | fsw_bits::C2 | fsw_bits::C3;

// Writes a compare's result (C0/C2/C3 bits) to the condition codes or, for
// FCOMI/FUCOMI, to ZF/PF/CF (OF, SF, AF cleared).
void compare_result(X87& x, uint16_t cc, bool eflags) {
  if (eflags) {
    uint32_t fl = 0;
    if (cc & fsw_bits::C3) fl |= fl::ZF;
    if (cc & fsw_bits::C2) fl |= fl::PF;
    if (cc & fsw_bits::C0) fl |= fl::CF;
    x.c.set_arith_flags(fl);
    x.set_c1(false);
  } else {
    x.set_compare_cc(cc);
  }
}

// FCOM family. `pops`: 0, 1 or 2. `integer`: FICOM (memory only).
void compare(Cpu& c, const DecodedInsn& i, bool unordered, unsigned pops, bool eflags, bool integer = false) {
  X87 x(c, i);
  uint16_t sw;
  if (i.nops && i.o[0].kind == OpKind::Mem) {
    uint8_t m[8];
    const unsigned size = i.o[0].size;
    x.read(m, size);
    x.record();
    if (x.empty(0)) {
      const bool abort = x.stack_fault(false);
      compare_result(x, UNORDERED, eflags);
      if (!abort && pops) x.pop();
      return;
    }
    sw = x87_compare_mem(integer ? int_fmt(size) : float_fmt(size), x.cw(), x.get(0), m);
  } else {
    x.record();
    const unsigned s = x.st_src();
    if (x.empty(0) || x.empty(s)) {
      const bool abort = x.stack_fault(false);
      compare_result(x, UNORDERED, eflags);
      if (!abort)
        for (unsigned k = 0; k < pops; ++k) x.pop();
      return;
    }
    sw = x87_compare(unordered, x.cw(), x.get(0), x.get(s));
  }
  const bool abort = x.signal(sw);
  x.set_c1(false);
  compare_result(x, sw, eflags);
  if (!abort)
    for (unsigned k = 0; k < pops; ++k) x.pop();
}

}  // namespace

void op_fadd(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Add, false); }
void op_faddp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Add, true); }
void op_fiadd(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Add, false, true); }
void op_fmul(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Mul, false); }
void op_fmulp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Mul, true); }
void op_fimul(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Mul, false, true); }
void op_fsub(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Sub, false); }
void op_fsubp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Sub, true); }
void op_fisub(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Sub, false, true); }
void op_fsubr(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::SubR, false); }
void op_fsubrp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::SubR, true); }
void op_fisubr(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::SubR, false, true); }
void op_fdiv(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Div, false); }
void op_fdivp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Div, true); }
void op_fidiv(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::Div, false, true); }
void op_fdivr(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::DivR, false); }
void op_fdivrp(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::DivR, true); }
void op_fidivr(Cpu& c, const DecodedInsn& i) { arith(c, i, Arith::DivR, false, true); }

void op_fcom(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 0, false); }
void op_fcomp(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 1, false); }
void op_fcompp(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 2, false); }
void op_fucom(Cpu& c, const DecodedInsn& i) { compare(c, i, true, 0, false); }
void op_fucomp(Cpu& c, const DecodedInsn& i) { compare(c, i, true, 1, false); }
void op_fucompp(Cpu& c, const DecodedInsn& i) { compare(c, i, true, 2, false); }
void op_ficom(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 0, false, true); }
void op_ficomp(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 1, false, true); }
void op_fcomi(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 0, true); }
void op_fcomip(Cpu& c, const DecodedInsn& i) { compare(c, i, false, 1, true); }
void op_fucomi(Cpu& c, const DecodedInsn& i) { compare(c, i, true, 0, true); }
void op_fucomip(Cpu& c, const DecodedInsn& i) { compare(c, i, true, 1, true); }

void op_ftst(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  if (x.empty(0)) {
    x.stack_fault(false);
    x.set_compare_cc(UNORDERED);
    return;
  }
  const X87Out r = x87_fn(Fn::Tst, x.cw(), x.get(0), kZero);
  x.signal(r.sw);
  x.set_c1(false);
  x.set_compare_cc(r.sw);
}

void op_fxam(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  const F80 v = x.get(0);
  uint16_t cc;
  if (x.empty(0)) cc = fsw_bits::C3 | fsw_bits::C0;  // "empty"
  else cc = x87_fn(Fn::Xam, x.cw(), v, kZero).sw & (fsw_bits::C0 | fsw_bits::C2 | fsw_bits::C3);
  x.set_cc(uint16_t(cc | (v.sign() ? fsw_bits::C1 : 0)));
}

}  // namespace xlat::core
