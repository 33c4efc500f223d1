// MMX/SSE operand access and checks (see simd.hpp).
#include "core/fpu/simd.hpp"

#include "core/fpu/x87.hpp"

namespace xlat::core::fpu {

void mmx_check(Cpu& c) {
  if (c.s.cr0 & cr0::EM) raise_fault(VEC_UD);
  if (c.s.cr0 & cr0::TS) raise_fault(VEC_NM);
  if ((c.s.fpu.fsw & fsw_bits::ES) && (c.s.cr0 & cr0::NE)) raise_fault(VEC_MF);
}

void sse_check(Cpu& c) {
  if ((c.s.cr0 & cr0::EM) || !(c.s.cr4 & cr4::OSFXSR)) raise_fault(VEC_UD);
  if (c.s.cr0 & cr0::TS) raise_fault(VEC_NM);
}

void mmx_transition(Cpu& c) {
  c.s.fpu.top = 0;
  c.s.fpu.ftw = 0xFF;
}

void simd_fp_flags(Cpu& c, uint32_t flags) {
  using namespace mxcsr_bits;
  uint32_t& m = c.s.fpu.mxcsr;
  const uint32_t masks = (m >> 7) & FLAGS;
  // An unmasked invalid/denormal/zero-divide exception stops the
  // instruction before its computation: its post-computation flags (which
  // the backend, running with everything masked, may report) do not occur.
  const uint32_t pre = flags & (IE | DE | ZE);
  if (pre & ~masks) flags = pre;
  m |= flags & FLAGS;
  if (flags & ~masks & FLAGS) raise_fault((c.s.cr4 & cr4::OSXMMEXCPT) ? VEC_XM : VEC_UD);
}

Simd::Simd(Cpu& cpu, const DecodedInsn& insn, bool sse_rules) : c(cpu), i(insn) {
  for (unsigned k = 0; k < i.nops; ++k) {
    if (i.o[k].kind == OpKind::Mmx) uses_mmx = true;
    if (i.o[k].kind == OpKind::Xmm) uses_xmm = true;
  }
  if (uses_xmm || sse_rules) {
    sse_check(c);
    if (uses_mmx && (c.s.fpu.fsw & fsw_bits::ES) && (c.s.cr0 & cr0::NE)) raise_fault(VEC_MF);
  } else if (uses_mmx) {
    mmx_check(c);
  }
}

XmmReg Simd::reg(unsigned n) const {
  const Operand& o = i.o[n];
  XmmReg v{};
  if (o.kind == OpKind::Xmm) v = c.s.fpu.xmm[o.reg];
  else if (o.kind == OpKind::Mmx) v.q[0] = mm_get(c, o.reg);
  else if (o.kind == OpKind::Reg) v.q[0] = c.reg(o.reg, 4);
  return v;
}

XmmReg Simd::get(unsigned n, bool aligned) {
  const Operand& o = i.o[n];
  if (o.kind == OpKind::Mem) {
    XmmReg v{};
    check_align(n, aligned);
    read_bytes(c, i.seg, c.ea(i), &v, o.size);
    return v;
  }
  if (o.kind == OpKind::Imm) {
    XmmReg v{};
    v.q[0] = o.reg ? i.imm2 : i.imm;
    return v;
  }
  return reg(n);
}

void Simd::touch_mmx() {
  if (uses_mmx) mmx_transition(c);
}

void Simd::put(unsigned n, const XmmReg& v, bool aligned) {
  const Operand& o = i.o[n];
  if (o.kind == OpKind::Mem) {
    check_align(n, aligned);
    c.check_write(i.seg, c.ea(i), o.size);
    touch_mmx();
    write_bytes(c, i.seg, c.ea(i), &v, o.size);
    return;
  }
  touch_mmx();
  if (o.kind == OpKind::Xmm) c.s.fpu.xmm[o.reg] = v;
  else if (o.kind == OpKind::Mmx) mm_set(c, o.reg, v.q[0]);
  else if (o.kind == OpKind::Reg) c.set_reg(o.reg, 4, uint32_t(v.q[0]));
}

}  // namespace xlat::core::fpu
