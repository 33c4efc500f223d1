// x87 data transfer: FLD/FST/FSTP (32/64/80-bit and registers), FILD/FIST/
// FISTP (16/32/64-bit), FBLD/FBSTP, the constants FLD1/FLDZ/FLDPI/..., FXCH,
// FCMOVcc, FCHS, FABS, FFREE/FFREEP, FINCSTP, FDECSTP.
//
// Stack-fault responses follow the hardware (SDM vol. 1 8.5.1.1, checked
// against a host CPU): a masked underflow stores the QNaN indefinite (or the
// format's integer/BCD indefinite for a memory destination); a masked
// overflow pushes the indefinite; FXCH replaces an empty operand by the
// indefinite and then exchanges; FCMOVcc with an empty operand sets ST(0)
// to the indefinite whatever the condition.
#include <cstring>

#include "core/fpu/x87.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

Fmt float_fmt(unsigned size) { return size == 4 ? Fmt::F32 : size == 8 ? Fmt::F64 : Fmt::F80; }
Fmt int_fmt(unsigned size) { return size == 2 ? Fmt::I16 : size == 4 ? Fmt::I32 : Fmt::I64; }

// Pushes a value loaded from memory in format f.
void load_mem(Cpu& c, const DecodedInsn& i, Fmt f) {
  X87 x(c, i);
  uint8_t m[16] = {};
  x.read(m, fmt_size(f));
  x.record();
  if (x.push_overflows()) {
    if (!x.stack_fault(true)) x.push(kIndefinite);
    return;
  }
  if (f == Fmt::F80) {
    F80 v;
    std::memcpy(&v.mant, m, 8);
    std::memcpy(&v.se, m + 8, 2);
    x.set_c1(false);
    x.push(v);
    return;
  }
  const X87Out r = x87_load(f, x.cw(), m);
  // A denormal single/double is loaded even when the denormal exception is
  // unmasked (the handler runs afterwards); an unmasked invalid operation
  // (SNaN) loads nothing (measured on hardware).
  x.signal(r.sw);
  x.set_c1(false);
  if (x.unmasked(r.sw & fsw_bits::IE)) return;
  x.push(r.r0);
}

// Stores ST(0) to memory in format f, then pops if asked.
void store_mem(Cpu& c, const DecodedInsn& i, Fmt f, bool pop) {
  X87 x(c, i);
  const unsigned n = fmt_size(f);
  x.check_write(n);
  x.record();
  uint8_t m[16] = {};
  if (x.empty(0)) {
    if (x.stack_fault(false)) return;
    x87_store(f, x.cw(), kIndefinite, m);  // the format's indefinite
  } else if (f == Fmt::F80) {
    const F80 v = x.get(0);
    std::memcpy(m, &v.mant, 8);
    std::memcpy(m + 8, &v.se, 2);
    x.set_c1(false);
  } else {
    if (x.signal_store(x87_store(f, x.cw(), x.get(0), m))) return;
  }
  x.write(m, n);
  if (pop) x.pop();
}

void load_const(Cpu& c, const DecodedInsn& i, Fn k) {
  X87 x(c, i);
  x.record();
  if (x.push_overflows()) {
    if (!x.stack_fault(true)) x.push(kIndefinite);
    return;
  }
  const X87Out r = x87_fn(k, x.cw(), kZero, kZero);
  x.set_c1(false);
  x.push(r.r0);
}

// FST/FSTP ST(i).
void store_reg(Cpu& c, const DecodedInsn& i, bool pop) {
  X87 x(c, i);
  x.record();
  const unsigned d = x.st_dst();
  if (x.empty(0)) {
    if (x.stack_fault(false)) return;
    x.put(d, kIndefinite);
  } else {
    x.set_c1(false);
    x.put(d, x.get(0));
  }
  if (pop) x.pop();
}

// FCHS/FABS: sign manipulation of ST(0), no exceptions but underflow.
void sign_op(Cpu& c, const DecodedInsn& i, bool abs) {
  X87 x(c, i);
  x.record();
  if (x.empty(0)) {
    if (!x.stack_fault(false)) x.put(0, kIndefinite);
    return;
  }
  F80 v = x.get(0);
  v.se = abs ? uint16_t(v.se & 0x7FFF) : uint16_t(v.se ^ 0x8000);
  x.set_c1(false);
  x.put(0, v);
}

void fcmov(Cpu& c, const DecodedInsn& i, bool cond) {
  X87 x(c, i);
  x.record();
  const unsigned s = x.st_src();
  if (x.empty(0) || x.empty(s)) {
    if (!x.stack_fault(false)) x.put(0, kIndefinite);
    return;
  }
  x.set_c1(false);
  if (cond) x.put(0, x.get(s));
}

}  // namespace

void op_fld(Cpu& c, const DecodedInsn& i) {
  if (i.o[0].kind == OpKind::Mem) return load_mem(c, i, float_fmt(i.o[0].size));
  X87 x(c, i);
  x.record();
  const unsigned s = x.st_src();
  const bool under = x.empty(s);
  const F80 v = x.get(s);
  // An empty source is reported before a full destination (C1 = 0 when
  // both happen, as hardware does).
  if (under) {
    if (!x.stack_fault(false)) x.push(kIndefinite);
    return;
  }
  if (x.push_overflows()) {
    if (!x.stack_fault(true)) x.push(kIndefinite);
    return;
  }
  x.set_c1(false);
  x.push(v);
}

void op_fild(Cpu& c, const DecodedInsn& i) { load_mem(c, i, int_fmt(i.o[0].size)); }
void op_fbld(Cpu& c, const DecodedInsn& i) { load_mem(c, i, Fmt::Bcd); }

void op_fst(Cpu& c, const DecodedInsn& i) {
  if (i.o[0].kind == OpKind::Mem) return store_mem(c, i, float_fmt(i.o[0].size), false);
  store_reg(c, i, false);
}
void op_fstp(Cpu& c, const DecodedInsn& i) {
  if (i.o[0].kind == OpKind::Mem) return store_mem(c, i, float_fmt(i.o[0].size), true);
  store_reg(c, i, true);
}
void op_fist(Cpu& c, const DecodedInsn& i) { store_mem(c, i, int_fmt(i.o[0].size), false); }
void op_fistp(Cpu& c, const DecodedInsn& i) { store_mem(c, i, int_fmt(i.o[0].size), true); }
void op_fbstp(Cpu& c, const DecodedInsn& i) { store_mem(c, i, Fmt::Bcd, true); }

void op_fld1(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ld1); }
void op_fldz(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldz); }
void op_fldpi(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldpi); }
void op_fldl2t(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldl2t); }
void op_fldl2e(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldl2e); }
void op_fldlg2(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldlg2); }
void op_fldln2(Cpu& c, const DecodedInsn& i) { load_const(c, i, Fn::Ldln2); }

void op_fxch(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  const unsigned s = x.st_src();
  if (x.empty(0) || x.empty(s)) {
    if (x.stack_fault(false)) return;
    if (x.empty(0)) x.put(0, kIndefinite);
    if (x.empty(s)) x.put(s, kIndefinite);
  } else {
    x.set_c1(false);
  }
  const F80 a = x.get(0), b = x.get(s);
  x.put(0, b);
  x.put(s, a);
}

void op_fchs(Cpu& c, const DecodedInsn& i) { sign_op(c, i, false); }
void op_fabs(Cpu& c, const DecodedInsn& i) { sign_op(c, i, true); }

void op_fcmovb(Cpu& c, const DecodedInsn& i) { fcmov(c, i, c.flag(fl::CF)); }
void op_fcmove(Cpu& c, const DecodedInsn& i) { fcmov(c, i, c.flag(fl::ZF)); }
void op_fcmovbe(Cpu& c, const DecodedInsn& i) { fcmov(c, i, c.flag(fl::CF) || c.flag(fl::ZF)); }
void op_fcmovu(Cpu& c, const DecodedInsn& i) { fcmov(c, i, c.flag(fl::PF)); }
void op_fcmovnb(Cpu& c, const DecodedInsn& i) { fcmov(c, i, !c.flag(fl::CF)); }
void op_fcmovne(Cpu& c, const DecodedInsn& i) { fcmov(c, i, !c.flag(fl::ZF)); }
void op_fcmovnbe(Cpu& c, const DecodedInsn& i) { fcmov(c, i, !c.flag(fl::CF) && !c.flag(fl::ZF)); }
void op_fcmovnu(Cpu& c, const DecodedInsn& i) { fcmov(c, i, !c.flag(fl::PF)); }

void op_ffree(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  x.free_reg(x.st_src());
}

void op_ffreep(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  x.free_reg(x.st_src());
  x.pop();
}

void op_fincstp(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  x.set_c1(false);
  x.f.top = (x.f.top + 1) & 7;
}

void op_fdecstp(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
  x.set_c1(false);
  x.f.top = (x.f.top - 1) & 7;
}

}  // namespace xlat::core
