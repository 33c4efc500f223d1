// Cpu: reset state, condition codes, segment caches, control registers.
#include "core/cpu.hpp"

#include "core/fpu/x87.hpp"

namespace xlat::core {

Cpu::Cpu(Bus& b) : bus(b) {
  bus.on_code_write = [this](uint64_t page) {
    end_block = true;  // the running block may be stale: stop after this instruction
    if (code_observer) code_observer->code_page_written(page);
  };
  reset();
}

void Cpu::reset(bool init) {
  const FpuState fpu = s.fpu;
  s = CpuState{};
  if (init) s.fpu = fpu;          // INIT keeps the x87/SSE state (SDM vol. 3 table 9-1)
  else fpu::power_on_state(s.fpu);  // RESET: FCW 0040H, tags valid, +0.0, MXCSR 1F80H
  if (fpu.ferr && !s.fpu.ferr && ferr_out) ferr_out(false);
  s.eip = 0xFFF0;
  s.eflags = fl::FIXED1;
  s.gpr[EDX] = 0x0633;  // family 6, model 3, stepping 3 (CPUID.1.EAX)
  for (unsigned i = 0; i < 6; ++i) {
    s.seg[i] = Segment{};
    s.seg[i].limit = 0xFFFF;
    s.seg[i].attr = seg_attr::P | seg_attr::S | seg_attr::TYPE_RW | seg_attr::TYPE_ACCESSED;
  }
  s.seg[CS].sel = 0xF000;
  s.seg[CS].base = 0xFFFF0000;
  s.seg[CS].attr |= seg_attr::TYPE_CODE;
  s.ldtr.limit = s.tr.limit = 0xFFFF;
  s.ldtr.attr = seg_attr::P | 0x2;  // LDT
  s.tr.attr = seg_attr::P | 0xB;    // busy 32-bit TSS
  s.gdtr.limit = s.idtr.limit = 0xFFFF;
  s.cr0 = cr0::CD | cr0::NW | cr0::ET;
  s.dr[6] = 0xFFFF0FF0;
  s.dr[7] = 0x400;
  s.a20_mask = 0xFFFFFFFF;
  s.cpl = 0;
  next_eip = 0xFFF0;
  end_block = false;
  events.fetch_and(~(ev::STOP | ev::SHUTDOWN));
  shutdown_reason = nullptr;
  fault_depth_ = 0;
  mode_changed();
  tlb.flush_all();
  if (code_observer) code_observer->flush_all_code();
}

bool Cpu::cond(unsigned cc) const {
  bool r;
  if (s.lf.op == LF_SUB) {
    // CMP/SUB: decide from the operands, no flag evaluation.
    const unsigned sz = s.lf.size;
    const uint32_t m = size_mask(sz);
    const uint32_t a = s.lf.a & m, b = s.lf.b & m;
    const int shift = 32 - int(sz) * 8;
    const int32_t sa = int32_t(a << shift) >> shift, sb = int32_t(b << shift) >> shift;
    switch (cc >> 1) {
      case 1: r = a < b; break;               // B
      case 2: r = a == b; break;              // Z
      case 3: r = a <= b; break;              // BE
      case 6: r = sa < sb; break;             // L
      case 7: r = sa <= sb; break;            // LE
      default: goto generic;
    }
    return (cc & 1) ? !r : r;
  }
generic:
  {
    const uint32_t f = arith_flags();
    switch (cc >> 1) {
      case 0: r = f & fl::OF; break;
      case 1: r = f & fl::CF; break;
      case 2: r = f & fl::ZF; break;
      case 3: r = f & (fl::CF | fl::ZF); break;
      case 4: r = f & fl::SF; break;
      case 5: r = f & fl::PF; break;
      case 6: r = bool(f & fl::SF) != bool(f & fl::OF); break;
      default: r = (f & fl::ZF) || (bool(f & fl::SF) != bool(f & fl::OF)); break;
    }
  }
  return (cc & 1) ? !r : r;
}

void Cpu::seg_refresh(unsigned sreg) {
  Segment& g = s.seg[sreg];
  if (!protected_mode() || v86()) {
    g.access = seg_access::READ | seg_access::WRITE | seg_access::EXEC;
    g.lo = 0;
    g.hi = g.limit;
    return;
  }
  g.access = 0;
  g.lo = 0;
  g.hi = g.limit;
  if (!(g.attr & seg_attr::P) || !(g.attr & seg_attr::S)) return;
  if (g.attr & seg_attr::TYPE_CODE) {
    g.access = seg_access::EXEC | ((g.attr & seg_attr::TYPE_RW) ? seg_access::READ : 0);
  } else {
    g.access = seg_access::READ | ((g.attr & seg_attr::TYPE_RW) ? seg_access::WRITE : 0);
    if (g.attr & seg_attr::TYPE_EC) {  // expand-down
      g.lo = g.limit + 1;
      g.hi = (g.attr & seg_attr::DB) ? 0xFFFFFFFFu : 0xFFFFu;
      if (g.limit == 0xFFFFFFFFu) g.access = 0;  // an empty segment
    }
  }
}

void Cpu::load_seg_real(unsigned sreg, uint16_t sel) {
  Segment& g = s.seg[sreg];
  g.sel = sel;
  g.base = uint64_t(sel) << 4;
  if (v86()) {
    g.limit = 0xFFFF;
    g.attr = seg_attr::P | seg_attr::S | (3 << 5) | seg_attr::TYPE_RW | seg_attr::TYPE_ACCESSED |
             (sreg == CS ? seg_attr::TYPE_CODE : 0);
  }
  // Real mode keeps the cached limit and attributes ("unreal" mode).
  seg_refresh(sreg);
}

void Cpu::mode_changed() {
  if (v86()) s.cpl = 3;
  else if (!protected_mode()) s.cpl = 0;
  for (unsigned i = 0; i < 6; ++i) seg_refresh(i);
}

void Cpu::seg_violation(unsigned sreg, uint32_t) {
  if (sreg == SS) raise_fault(VEC_SS, 0);
  raise_fault(VEC_GP, 0);
}

void Cpu::check_write(unsigned sreg, uint32_t off, unsigned n) {
  const Segment& g = s.seg[sreg];
  if (!(g.access & seg_access::WRITE) || off < g.lo || uint64_t(off) + n - 1 > g.hi) seg_violation(sreg, off);
  uint32_t lin = uint32_t(g.base + off);
  translate(lin, Access::Write, user());
  if (((lin & 0xFFF) + n - 1) >> 12) translate(lin + n - 1, Access::Write, user());
}

void Cpu::check_read(unsigned sreg, uint32_t off, unsigned n) {
  const Segment& g = s.seg[sreg];
  if (!(g.access & seg_access::READ) || off < g.lo || uint64_t(off) + n - 1 > g.hi) seg_violation(sreg, off);
  uint32_t lin = uint32_t(g.base + off);
  translate(lin, Access::Read, user());
  if (((lin & 0xFFF) + n - 1) >> 12) translate(lin + n - 1, Access::Read, user());
}

void Cpu::write_cr0(uint32_t v) {
  v |= cr0::ET;
  if ((v & cr0::PG) && !(v & cr0::PE)) raise_fault(VEC_GP, 0);
  if ((v & cr0::NW) && !(v & cr0::CD)) raise_fault(VEC_GP, 0);
  uint32_t old = uint32_t(s.cr0);
  s.cr0 = v;
  if ((old ^ v) & (cr0::PG | cr0::WP | cr0::PE)) tlb.flush_all();
  if ((old ^ v) & cr0::PE) mode_changed();
  end_block = true;
}

void Cpu::write_cr3(uint32_t v) {
  s.cr3 = v;
  tlb.flush_nonglobal();
  end_block = true;
}

void Cpu::write_cr4(uint32_t v) {
  constexpr uint32_t supported = cr4::VME | cr4::PVI | cr4::TSD | cr4::DE | cr4::PSE | cr4::MCE |
                                 cr4::PGE | cr4::PCE | cr4::OSFXSR | cr4::OSXMMEXCPT;
  if (v & ~supported) raise_fault(VEC_GP, 0);
  uint32_t old = uint32_t(s.cr4);
  s.cr4 = v;
  if ((old ^ v) & (cr4::PSE | cr4::PGE)) tlb.flush_all();
  end_block = true;
}

void Cpu::set_a20(bool on) {
  uint32_t m = on ? 0xFFFFFFFFu : 0xFFEFFFFFu;
  if (m == s.a20_mask) return;
  s.a20_mask = m;
  tlb.flush_all();
  if (code_observer) code_observer->flush_all_code();
  end_block = true;
}

}  // namespace xlat::core
