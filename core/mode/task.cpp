// Hardware task switches (SDM vol. 3 7.3, table 7-1): to a 32-bit or 16-bit
// TSS, started by JMP/CALL to a TSS descriptor or task gate, by an interrupt
// or exception through a task gate, or by IRET with EFLAGS.NT set.
//
// Steps, in the SDM's order:
//   before the commit point (a fault leaves the old task untouched): the new
//   TSS is present and long enough, its whole state is read, and every byte
//   the switch will write (the old TSS's dynamic fields, the new TSS's link,
//   both descriptors' busy bits) is translated for writing;
//   commit: busy bits (JMP/IRET clear the old one, all but IRET set the new
//   one), the old task's state saved, the back link and NT for CALL/INT,
//   TR, CR0.TS, CR3 (32-bit TSS with paging on), EIP/EFLAGS/registers and
//   the selectors of the new task;
//   after the commit point: LDTR and the segment descriptors are loaded and
//   checked; a fault here (#TS/#NP/#SS with the selector) is raised with the
//   new task's state in place, so it is delivered in the new task's context.
#include "core/mode/descriptors.hpp"

namespace xlat::core {

namespace {

constexpr uint32_t EFLAGS_ALL = fl::ARITH | fl::TF | fl::IF | fl::DF | fl::IOPL | fl::NT | fl::RF | fl::VM |
                                fl::AC | fl::VIF | fl::VIP | fl::ID;

struct TssImage {
  uint32_t cr3 = 0, eip = 0, eflags = 0;
  uint32_t gpr[8] = {};
  uint16_t sreg[6] = {};  // ES CS SS DS FS GS
  uint16_t ldt = 0;
  bool trap = false;
};

// TSS layouts: offsets of the dynamic fields.
struct TssLayout {
  uint32_t eip, eflags, gpr, sreg, ldt;
  unsigned width;  // register slot width (4 or 2)
  unsigned nsreg;  // 6 (ES..GS) or 4 (ES, CS, SS, DS)
  uint32_t dyn_begin, dyn_end;
};
constexpr TssLayout TSS32{0x20, 0x24, 0x28, 0x48, 0x60, 4, 6, 0x20, 0x60};
constexpr TssLayout TSS16{0x0E, 0x10, 0x12, 0x22, 0x2A, 2, 4, 0x0E, 0x2A};

TssImage read_tss(Cpu& c, uint32_t base, bool t32) {
  const TssLayout& L = t32 ? TSS32 : TSS16;
  auto rd = [&](uint32_t off) -> uint32_t {
    return L.width == 4 ? c.read_lin<uint32_t>(base + off, false) : c.read_lin<uint16_t>(base + off, false);
  };
  TssImage t;
  if (t32) t.cr3 = c.read_lin<uint32_t>(base + 0x1C, false);
  t.eip = rd(L.eip);
  t.eflags = rd(L.eflags);
  for (unsigned r = 0; r < 8; ++r) t.gpr[r] = rd(L.gpr + r * L.width);
  for (unsigned s = 0; s < L.nsreg; ++s) t.sreg[s] = c.read_lin<uint16_t>(base + L.sreg + s * L.width, false);
  t.ldt = c.read_lin<uint16_t>(base + L.ldt, false);
  if (t32) t.trap = c.read_lin<uint16_t>(base + 0x64, false) & 1;
  return t;
}

// Translates [lin, lin+n) for a supervisor write (page faults before commit).
void probe_write(Cpu& c, uint32_t lin, unsigned n) {
  c.translate(lin, Access::Write, false);
  c.translate(lin + n - 1, Access::Write, false);
}

void save_tss(Cpu& c, uint32_t base, bool t32, uint32_t eip, uint32_t eflags) {
  const TssLayout& L = t32 ? TSS32 : TSS16;
  auto wr = [&](uint32_t off, uint32_t v) {
    if (L.width == 4) c.write_lin<uint32_t>(base + off, v, false);
    else c.write_lin<uint16_t>(base + off, uint16_t(v), false);
  };
  wr(L.eip, eip);
  wr(L.eflags, eflags);
  for (unsigned r = 0; r < 8; ++r) wr(L.gpr + r * L.width, uint32_t(c.s.gpr[r]));
  for (unsigned s = 0; s < L.nsreg; ++s) c.write_lin<uint16_t>(base + L.sreg + s * L.width, c.s.seg[s].sel, false);
}

// After the commit point: the new task's LDTR and segment registers.
void load_task_segments(Cpu& c, const TssImage& t, bool ext) {
  // LDTR: null, or an LDT descriptor in the GDT.
  Segment& ldtr = c.s.ldtr;
  if (!null_sel(t.ldt)) {
    Descriptor ld;
    if ((t.ldt & 4) || !read_descriptor(c, t.ldt, ld) || !ld.system(sys_type::LDT) || !ld.present())
      fault_sel(VEC_TS, t.ldt, ext);
    load_cache(ldtr, t.ldt, ld);
  }
  if (c.v86()) {
    for (unsigned s = 0; s < 6; ++s) c.load_seg_real(s, t.sreg[s]);
    c.mode_changed();  // CPL 3
    return;
  }
  // CS: its RPL is the new CPL.
  const uint16_t cs = t.sreg[CS];
  if (null_sel(cs)) raise_fault(VEC_TS, ext ? 1 : 0);
  Descriptor cd;
  if (!read_descriptor(c, cs, cd) || !cd.code()) fault_sel(VEC_TS, cs, ext);
  if (cd.conforming() ? cd.dpl() > (cs & 3u) : cd.dpl() != (cs & 3u)) fault_sel(VEC_TS, cs, ext);
  if (!cd.present()) fault_sel(VEC_NP, cs, ext);
  set_accessed(c, cs, cd);
  commit_cs(c, cs, cd, cs & 3u);
  // SS: writable data with RPL = DPL = CPL.
  const Descriptor sd = check_stack_segment(c, t.sreg[SS], c.s.cpl, VEC_TS, ext);
  commit_ss(c, t.sreg[SS], sd);
  // Data segments: null, or readable with DPL >= CPL and RPL (conforming code excepted).
  for (unsigned s : {DS, ES, FS, GS}) {
    const uint16_t sel = t.sreg[s];
    if (null_sel(sel)) {
      load_null(c, s, sel);
      continue;
    }
    Descriptor d;
    if (!read_descriptor(c, sel, d) || !(d.data() || (d.code() && d.readable()))) fault_sel(VEC_TS, sel, ext);
    if (!d.conforming() && (d.dpl() < c.s.cpl || d.dpl() < (sel & 3u))) fault_sel(VEC_TS, sel, ext);
    if (!d.present()) fault_sel(VEC_NP, sel, ext);
    set_accessed(c, sel, d);
    load_cache(c.s.seg[s], sel, d);
    c.seg_refresh(s);
  }
  c.mode_changed();
}

}  // namespace

bool switch_task(Cpu& c, uint16_t sel, Descriptor d, TaskSwitch why, bool ext, uint32_t old_eip,
                 uint32_t old_eflags) {
  const bool nested = why == TaskSwitch::Call || why == TaskSwitch::Int;
  const bool new32 = d.type() & 8;
  // --- checks: nothing has changed yet ---------------------------------------
  if (!d.present()) fault_sel(VEC_NP, sel, ext);
  if (d.limit() < (new32 ? 0x67u : 0x2Bu)) fault_sel(VEC_TS, sel, ext);
  const uint32_t nbase = d.base();
  const TssImage n = read_tss(c, nbase, new32);

  Segment& tr = c.s.tr;
  const bool old32 = tr.attr & 8;
  const uint32_t obase = uint32_t(tr.base);
  const TssLayout& OL = old32 ? TSS32 : TSS16;
  if (tr.limit < OL.dyn_end - 1) fault_sel(VEC_TS, tr.sel, ext);
  probe_write(c, obase + OL.dyn_begin, OL.dyn_end - OL.dyn_begin);
  if (nested) probe_write(c, nbase, 2);
  Descriptor od;
  const bool have_old = !null_sel(tr.sel) && !(tr.sel & 4) && read_descriptor(c, tr.sel, od) && od.tss();
  if (have_old) probe_write(c, descriptor_address(c, tr.sel) + 4, 4);
  probe_write(c, descriptor_address(c, sel) + 4, 4);

  // --- commit ------------------------------------------------------------------
  constexpr uint32_t BUSY = 2u << 8;
  if (have_old && (why == TaskSwitch::Jmp || why == TaskSwitch::Iret))
    write_descriptor_hi(c, tr.sel, od.hi & ~BUSY);
  save_tss(c, obase, old32, old_eip, old32 ? old_eflags : old_eflags & 0xFFFF);
  if (nested) c.write_lin<uint16_t>(nbase, tr.sel, false);
  if (why != TaskSwitch::Iret) {
    d.hi |= BUSY;
    write_descriptor_hi(c, sel, d.hi);
  }
  load_cache(tr, sel, d);
  c.s.cr0 |= cr0::TS;
  if (new32 && c.paging()) c.write_cr3(n.cr3);

  // The new task's registers (a 16-bit TSS sets the low halves).
  c.s.lf.op = LF_NONE;
  uint32_t efl = n.eflags;
  if (nested) efl |= fl::NT;
  if (new32) {
    c.s.eflags = (efl & EFLAGS_ALL) | fl::FIXED1;
    c.s.eip = n.eip;
    for (unsigned r = 0; r < 8; ++r) c.s.gpr[r] = n.gpr[r];
  } else {
    c.s.eflags = (efl & 0xFFFF & EFLAGS_ALL) | fl::FIXED1;
    c.s.eip = n.eip & 0xFFFF;
    for (unsigned r = 0; r < 8; ++r) c.set_reg(r, 2, n.gpr[r]);
  }
  c.next_eip = uint32_t(c.s.eip);
  c.s.dr[7] &= ~0x155ull;  // local breakpoint enables L0-L3 and LE
  // Selectors first, caches invalid until each is checked below.
  c.s.ldtr.sel = n.ldt;
  c.s.ldtr.attr = 0;
  c.s.ldtr.base = 0;
  c.s.ldtr.limit = 0;
  c.s.cpl = c.v86() ? 3 : (n.sreg[CS] & 3u);
  for (unsigned s = 0; s < 6; ++s) {
    c.s.seg[s].sel = n.sreg[s];
    c.s.seg[s].attr = 0;
  }
  c.mode_changed();
  c.end_block = true;
  c.suppress_step_trap = true;

  // --- after the commit point: faults belong to the new task -------------------
  load_task_segments(c, n, ext);
  return n.trap;
}

void raise_task_trap(Cpu& c) {
  c.s.dr[6] |= 1u << 15;  // BT
  raise_fault(VEC_DB);
}

}  // namespace xlat::core
