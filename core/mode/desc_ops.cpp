// Descriptor-table and selector instructions (SDM vol. 2): LGDT/LIDT,
// SGDT/SIDT, LLDT/SLDT, LTR/STR, LAR/LSL, VERR/VERW and ARPL.
//
// LGDT/LIDT/LLDT/LTR need CPL 0 (#GP(0) otherwise, also in v86 mode where
// CPL is 3). LLDT, SLDT, LTR, STR, LAR, LSL, VERR, VERW and ARPL exist only
// in protected mode (#UD in real and v86 mode). LAR/LSL/VERR/VERW report
// through ZF and never fault on the selector itself.
#include "core/interp/ops.hpp"
#include "core/mode/descriptors.hpp"

namespace xlat::core {

namespace {

void require_protected(Cpu& c) {
  if (!c.protected_mode() || c.v86()) raise_fault(VEC_UD);
}

void require_mem(const DecodedInsn& i) {
  if (i.o[0].kind != OpKind::Mem) raise_fault(VEC_UD);
}

// The r/m16 selector operand n.
uint16_t selector_operand(Cpu& c, const DecodedInsn& i, unsigned n) {
  const Operand& o = i.o[n];
  if (o.kind == OpKind::Mem) return c.read<uint16_t>(i.seg, c.ea(i));
  return uint16_t(c.reg(o.reg, 2));
}

uint32_t next_field(const DecodedInsn& i, uint32_t a, uint32_t k) { return i.asize == 2 ? (a + k) & 0xFFFF : a + k; }

// LGDT/LIDT m16&32: a 16-bit operand size loads a 24-bit base.
void load_table_register(Cpu& c, const DecodedInsn& i, DescTable& t) {
  require_mem(i);
  require_cpl0(c);
  const uint32_t a = c.ea(i);
  const uint16_t limit = c.read<uint16_t>(i.seg, a);
  uint32_t base = c.read<uint32_t>(i.seg, next_field(i, a, 2));
  if (i.osize == 2) base &= 0x00FFFFFF;
  t.base = base;
  t.limit = limit;
  c.end_block = true;
}

// SGDT/SIDT m16&32: on a P6 a 16-bit operand size stores 0 in the base's top
// byte (SDM SGDT, "IA-32 Architecture Compatibility").
void store_table_register(Cpu& c, const DecodedInsn& i, const DescTable& t) {
  require_mem(i);
  const uint32_t a = c.ea(i);
  const uint32_t a2 = next_field(i, a, 2);
  c.check_write(i.seg, a, 2);
  c.check_write(i.seg, a2, 4);
  const uint32_t base = i.osize == 2 ? uint32_t(t.base) & 0x00FFFFFF : uint32_t(t.base);
  c.write<uint16_t>(i.seg, a, uint16_t(t.limit));
  c.write<uint32_t>(i.seg, a2, base);
}

// SLDT/STR: a register destination gets the selector zero-extended to the
// operand size; a memory destination is always 16 bits.
void store_selector(Cpu& c, const DecodedInsn& i, uint16_t sel) {
  require_protected(c);
  const Operand& o = i.o[0];
  if (o.kind == OpKind::Mem) c.write<uint16_t>(i.seg, c.ea(i), sel);
  else c.set_reg(o.reg, o.size, sel);
}

void set_zf(Cpu& c, bool z) { c.set_eflags_bits(z ? fl::ZF : 0, fl::ZF); }

// Whether a descriptor is visible to LAR/LSL/VERR/VERW at the current CPL
// and the selector's RPL (conforming code segments are always visible).
bool privileged_visible(const Cpu& c, uint16_t sel, const Descriptor& d) {
  if (d.conforming()) return true;
  return d.dpl() >= c.s.cpl && d.dpl() >= (sel & 3u);
}

// LAR and LSL: reads the descriptor if the instruction may report it.
bool lar_lsl_descriptor(Cpu& c, uint16_t sel, Descriptor& d, bool lsl) {
  if (null_sel(sel) || !read_descriptor(c, sel, d)) return false;
  if (!d.s()) {
    const unsigned t = d.type();
    // TSS (16/32, available/busy) and LDT for both; LAR also takes call and task gates.
    const bool ok = t == 1 || t == 2 || t == 3 || t == 9 || t == 11 || (!lsl && (t == 4 || t == 5 || t == 12));
    if (!ok) return false;
  }
  return privileged_visible(c, sel, d);
}

}  // namespace

void op_lgdt(Cpu& c, const DecodedInsn& i) { load_table_register(c, i, c.s.gdtr); }
void op_lidt(Cpu& c, const DecodedInsn& i) { load_table_register(c, i, c.s.idtr); }
void op_sgdt(Cpu& c, const DecodedInsn& i) { store_table_register(c, i, c.s.gdtr); }
void op_sidt(Cpu& c, const DecodedInsn& i) { store_table_register(c, i, c.s.idtr); }

void op_sldt(Cpu& c, const DecodedInsn& i) { store_selector(c, i, c.s.ldtr.sel); }
void op_str(Cpu& c, const DecodedInsn& i) { store_selector(c, i, c.s.tr.sel); }

// LLDT r/m16: a null selector leaves LDTR invalid (any LDT reference then #GP).
void op_lldt(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  require_cpl0(c);
  const uint16_t sel = selector_operand(c, i, 0);
  if (null_sel(sel)) {
    c.s.ldtr.sel = sel;
    c.s.ldtr.attr = 0;
    c.s.ldtr.base = 0;
    c.s.ldtr.limit = 0;
    return;
  }
  if (sel & 4) fault_sel(VEC_GP, sel, false);
  const Descriptor d = fetch_descriptor(c, sel, VEC_GP, false);
  if (!d.system(sys_type::LDT)) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_NP, sel, false);
  load_cache(c.s.ldtr, sel, d);
  c.end_block = true;
}

// LTR r/m16: an available TSS in the GDT, which becomes busy.
void op_ltr(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  require_cpl0(c);
  const uint16_t sel = selector_operand(c, i, 0);
  if (null_sel(sel)) raise_fault(VEC_GP, 0);
  if (sel & 4) fault_sel(VEC_GP, sel, false);
  Descriptor d = fetch_descriptor(c, sel, VEC_GP, false);
  if (!d.tss() || d.tss_busy()) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_NP, sel, false);
  d.hi |= 2u << 8;  // busy
  write_descriptor_hi(c, sel, d.hi);
  load_cache(c.s.tr, sel, d);
  c.end_block = true;
}

// LAR r, r/m16: the access rights (descriptor dword 1 masked by 00FFFF00h,
// as this host's CPU returns it; FF00h for a 16-bit operand).
void op_lar(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  const uint16_t sel = selector_operand(c, i, 1);
  Descriptor d;
  if (!lar_lsl_descriptor(c, sel, d, false)) {
    set_zf(c, false);
    return;
  }
  const Operand& o = i.o[0];
  c.set_reg(o.reg, o.size, o.size == 2 ? d.hi & 0xFF00 : d.hi & 0x00FFFF00);
  set_zf(c, true);
}

// LSL r, r/m16: the segment limit in bytes (G applied).
void op_lsl(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  const uint16_t sel = selector_operand(c, i, 1);
  Descriptor d;
  if (!lar_lsl_descriptor(c, sel, d, true)) {
    set_zf(c, false);
    return;
  }
  const Operand& o = i.o[0];
  c.set_reg(o.reg, o.size, d.limit());
  set_zf(c, true);
}

// VERR r/m16: a data or readable code segment visible at CPL and RPL.
void op_verr(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  const uint16_t sel = selector_operand(c, i, 0);
  Descriptor d;
  const bool ok = !null_sel(sel) && read_descriptor(c, sel, d) && d.s() && d.readable() &&
                  privileged_visible(c, sel, d);
  set_zf(c, ok);
}

// VERW r/m16: a writable data segment visible at CPL and RPL.
void op_verw(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  const uint16_t sel = selector_operand(c, i, 0);
  Descriptor d;
  const bool ok = !null_sel(sel) && read_descriptor(c, sel, d) && d.writable() && privileged_visible(c, sel, d);
  set_zf(c, ok);
}

// ARPL r/m16, r16: raises the destination selector's RPL to the source's.
void op_arpl(Cpu& c, const DecodedInsn& i) {
  require_protected(c);
  const uint16_t dst = uint16_t(c.read_op(i, 0));
  const uint16_t src = uint16_t(c.reg(i.o[1].reg, 2));
  if ((dst & 3) < (src & 3)) {
    c.write_op(i, 0, (dst & 0xFFFC) | (src & 3));
    set_zf(c, true);
  } else {
    set_zf(c, false);
  }
}

}  // namespace xlat::core
