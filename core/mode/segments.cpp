// Segment register loads with protected-mode descriptor checks (MOV/POP/LDS-
// family loads of DS/ES/FS/GS/SS, SDM vol. 2 MOV and vol. 3 5.5-5.7), and the
// helpers far transfers use to commit CS and SS.
//
// A null selector (index 0, TI 0) may be loaded into DS/ES/FS/GS: the cache
// is then marked not present, so any access through it raises #GP(0)
// (Cpu::seg_refresh gives it no access rights). SS can never be null.
#include "core/mode/descriptors.hpp"

namespace xlat::core {

Descriptor check_stack_segment(Cpu& c, uint16_t sel, unsigned cpl, uint8_t vec_gp, bool ext) {
  if (null_sel(sel)) raise_fault(vec_gp, ext ? 1 : 0);
  Descriptor d;
  if (!read_descriptor(c, sel, d)) fault_sel(vec_gp, sel, ext);
  if ((sel & 3u) != cpl || !d.writable() || d.dpl() != cpl) fault_sel(vec_gp, sel, ext);
  if (!d.present()) fault_sel(VEC_SS, sel, ext);
  set_accessed(c, sel, d);
  return d;
}

void commit_cs(Cpu& c, uint16_t sel, const Descriptor& d, unsigned cpl) {
  load_cache(c.s.seg[CS], uint16_t((sel & 0xFFFC) | cpl), d);
  c.s.cpl = cpl;
  c.seg_refresh(CS);
  c.end_block = true;
}

void commit_ss(Cpu& c, uint16_t sel, const Descriptor& d) {
  load_cache(c.s.seg[SS], sel, d);
  c.seg_refresh(SS);
  c.end_block = true;
}

void load_null(Cpu& c, unsigned sreg, uint16_t sel) {
  Segment& g = c.s.seg[sreg];
  g.sel = sel;
  g.base = 0;
  g.limit = 0;
  g.attr = 0;  // not present: every access raises #GP(0)
  c.seg_refresh(sreg);
}

void null_outer_segments(Cpu& c) {
  for (unsigned sreg : {ES, DS, FS, GS}) {
    const Segment& g = c.s.seg[sreg];
    if (!(g.attr & seg_attr::P)) continue;  // already null
    const bool conforming_code =
        (g.attr & seg_attr::TYPE_CODE) && (g.attr & seg_attr::TYPE_EC);
    if (!conforming_code && seg_attr::dpl(g.attr) < c.s.cpl) load_null(c, sreg, 0);
  }
}

void Cpu::load_seg(unsigned sreg, uint16_t sel) {
  if (!protected_mode() || v86()) {
    load_seg_real(sreg, sel);
    return;
  }
  if (sreg == CS) raise_fault(VEC_UD);  // CS is loaded only by far transfers
  if (sreg == SS) {
    Descriptor d = check_stack_segment(*this, sel, s.cpl, VEC_GP, false);
    commit_ss(*this, sel, d);
    return;
  }
  if (null_sel(sel)) {
    load_null(*this, sreg, sel);
    return;
  }
  Descriptor d;
  if (!read_descriptor(*this, sel, d)) fault_sel(VEC_GP, sel, false);
  if (!d.data() && !(d.code() && d.readable())) fault_sel(VEC_GP, sel, false);
  if (!d.conforming() && ((sel & 3u) > d.dpl() || s.cpl > d.dpl())) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_NP, sel, false);
  set_accessed(*this, sel, d);
  load_cache(s.seg[sreg], sel, d);
  seg_refresh(sreg);
  end_block = true;
}

}  // namespace xlat::core
