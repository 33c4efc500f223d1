// x87 control instructions: FNINIT, FNCLEX, FNSTSW, FNSTCW, FLDCW, FNSTENV,
// FLDENV, FNSAVE, FRSTOR, FXSAVE, FXRSTOR, FWAIT, FNOP and the 8087/287
// leftovers FENI/FDISI/FSETPM (no-ops on a 387 and later).
//
// The no-wait forms (FN...) and FXSAVE/FXRSTOR do not report a pending
// exception; FLDCW, FLDENV, FRSTOR, FNOP and FWAIT do (measured on
// hardware). Control instructions do not change the instruction/data
// pointers, FNOP does. The assembler's FSTSW/FINIT/... are FWAIT followed by
// the no-wait form, two instructions here as on the CPU.
#include <cstring>

#include "core/fpu/x87.hpp"
#include "core/fpu/x87_env.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

using namespace fpu;

namespace {

// FXSAVE/FXRSTOR need a 16-byte aligned operand (#GP(0) otherwise).
void check_align16(Cpu& c, const DecodedInsn& i) {
  if ((uint32_t(c.s.seg[i.seg].base) + c.ea(i)) & 15) raise_fault(VEC_GP, 0);
}

}  // namespace

void op_fninit(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  x87_init(c);
}

void op_fnclex(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  x.f.fsw &= uint16_t(~(fsw_bits::EXC | fsw_bits::SF | fsw_bits::ES | fsw_bits::B));
  update_es(c);
}

void op_fnstsw(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  c.write_op(i, 0, x87_fsw(x.f));
}

void op_fnstcw(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  c.write_op(i, 0, x.f.fcw);
}

void op_fldcw(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  const uint16_t cw = uint16_t(c.read_op(i, 0));
  x.f.fcw = sanitize_fcw(cw);
  update_es(c);  // unmasking a flagged exception makes it pending
}

void op_fnstenv(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  const bool op32 = i.o[0].size == 28;
  uint8_t env[28];
  store_env(c, env, op32);
  x.write(env, op32 ? 28 : 14);
  x.f.fcw |= fcw_bits::EXC_MASKS;  // FSTENV then masks every exception
  update_es(c);
}

void op_fldenv(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  const bool op32 = i.o[0].size == 28;
  uint8_t env[28];
  x.read(env, op32 ? 28 : 14);
  load_env(c, env, op32);
}

void op_fnsave(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  const bool op32 = i.o[0].size == 108;
  const unsigned envsz = op32 ? 28 : 14;
  uint8_t img[108];
  store_env(c, img, op32);
  for (unsigned k = 0; k < 8; ++k) {
    const X87Reg& r = x.f.st[x.phys(k)];
    std::memcpy(img + envsz + 10 * k, &r.mant, 8);
    std::memcpy(img + envsz + 10 * k + 8, &r.se, 2);
  }
  x.write(img, envsz + 80);
  x87_init(c);
}

void op_frstor(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  const bool op32 = i.o[0].size == 108;
  const unsigned envsz = op32 ? 28 : 14;
  uint8_t img[108];
  x.read(img, envsz + 80);
  load_env(c, img, op32);
  for (unsigned k = 0; k < 8; ++k) {
    X87Reg& r = x.f.st[x.phys(k)];
    std::memcpy(&r.mant, img + envsz + 10 * k, 8);
    std::memcpy(&r.se, img + envsz + 10 * k + 8, 2);
  }
}

void op_fxsave(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  check_align16(c, i);
  x.check_write(512);
  uint8_t img[FXSAVE_WRITTEN];
  store_fxsave(c, img);
  x.write(img, FXSAVE_WRITTEN);
}

void op_fxrstor(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i, false);
  check_align16(c, i);
  uint8_t img[512];
  x.read(img, 512);
  uint32_t mxcsr;
  std::memcpy(&mxcsr, img + 24, 4);
  if (mxcsr & ~mxcsr_bits::MASK) raise_fault(VEC_GP, 0);
  load_fxsave(c, img);
}

void op_fwait(Cpu& c, const DecodedInsn&) {
  if ((c.s.cr0 & (cr0::MP | cr0::TS)) == (cr0::MP | cr0::TS)) raise_fault(VEC_NM);
  if ((c.s.fpu.fsw & fsw_bits::ES) && (c.s.cr0 & cr0::NE)) raise_fault(VEC_MF);
}

void op_fnop(Cpu& c, const DecodedInsn& i) {
  X87 x(c, i);
  x.record();
}

// FENI/FDISI/FSETPM: 8087/80287 mode controls, no-ops since the 387.
void op_fnop_legacy(Cpu& c, const DecodedInsn& i) { X87 x(c, i, false); }

}  // namespace xlat::core
