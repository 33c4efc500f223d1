// Interrupt and exception delivery (SDM vol. 2 INT n, vol. 3 chapter 6 and
// 20.3): the real-mode IVT, and in protected and virtual-8086 mode the IDT's
// interrupt, trap and task gates, with the privilege checks, the stack switch
// through the TSS and the v86 frame.
//
// The whole frame is checked (limits, then pages) before anything is
// committed, so a fault during delivery leaves the interrupted state intact
// and Cpu::handle_fault can escalate it (#DF, triple fault). Error codes of
// faults raised here carry EXT unless the event is INT n / INT3 / INTO.
#include "core/mode/descriptors.hpp"

namespace xlat::core {

namespace {

// Fault-class exceptions push EFLAGS.RF = 1 (SDM vol. 3 17.3.1.1: every fault
// except an instruction-breakpoint #DB); traps, aborts and interrupts push RF
// as it is.
constexpr uint32_t FAULT_CLASS = (1u << VEC_DE) | (1u << VEC_BR) | (1u << VEC_UD) | (1u << VEC_NM) |
                                 (1u << VEC_TS) | (1u << VEC_NP) | (1u << VEC_SS) | (1u << VEC_GP) |
                                 (1u << VEC_PF) | (1u << VEC_MF) | (1u << VEC_AC) | (1u << VEC_XM);

void deliver_real(Cpu& c, uint8_t vector, uint32_t ret_eip) {
  // The IVT entry at 4*vector (IDTR base/limit still apply).
  const uint32_t off = uint32_t(vector) * 4;
  if (off + 3 > c.s.idtr.limit) raise_fault(VEC_GP, 0);
  const uint32_t entry = c.read_lin<uint32_t>(uint32_t(c.s.idtr.base + off), false);
  StackFrame f(c, c.s.seg[SS], uint32_t(c.s.gpr[ESP]), false, 0);
  f.push(c.eflags(), 2);
  f.push(c.s.seg[CS].sel, 2);
  f.push(ret_eip, 2);
  f.check();
  f.write();
  c.s.gpr[ESP] = f.new_esp();
  c.s.eflags &= ~(fl::IF | fl::TF | fl::AC | fl::RF);
  c.load_seg_real(CS, uint16_t(entry >> 16));
  c.s.eip = entry & 0xFFFF;
}

// Delivery through a task gate: switch tasks (with nesting), then push the
// error code on the new task's stack.
void deliver_task_gate(Cpu& c, const Descriptor& gate, bool ext, bool has_error, uint32_t error,
                       uint32_t ret_eip, uint32_t image) {
  const uint16_t tss_sel = gate.gate_selector();
  if (tss_sel & 4) fault_sel(VEC_GP, tss_sel, ext);
  const Descriptor td = fetch_descriptor(c, tss_sel, VEC_GP, ext);
  if (!td.tss() || td.tss_busy()) fault_sel(VEC_GP, tss_sel, ext);
  if (!td.present()) fault_sel(VEC_NP, tss_sel, ext);
  const bool trap = switch_task(c, tss_sel, td, TaskSwitch::Int, ext, ret_eip, image);
  // From here on faults belong to the new task.
  if (has_error) {
    StackFrame f(c, c.s.seg[SS], uint32_t(c.s.gpr[ESP]), c.user(), ext ? 1 : 0);
    f.push(error, td.tss32() ? 4 : 2);
    f.check();
    f.write();
    c.s.gpr[ESP] = f.new_esp();
  }
  if (uint32_t(c.s.eip) > c.s.seg[CS].hi) raise_fault(VEC_GP, ext ? 1 : 0);
  if (trap) raise_task_trap(c);
}

}  // namespace

void Cpu::deliver_interrupt(uint8_t vector, IntKind kind, bool has_error, uint32_t error, uint32_t ret_eip) {
  const bool soft = kind == IntKind::Software || kind == IntKind::SoftwareException;
  if (!protected_mode()) {
    deliver_real(*this, vector, ret_eip);
    next_eip = uint32_t(s.eip);
    end_block = true;
    return;
  }
  materialize_flags();
  const bool ext = !soft;
  // INT n in v86 mode is IOPL-sensitive (CR4.VME is not implemented).
  if (kind == IntKind::Software && v86() && iopl() < 3) raise_fault(VEC_GP, 0);

  // The gate.
  if (uint32_t(vector) * 8 + 7 > s.idtr.limit) raise_fault(VEC_GP, err_idt(vector, ext));
  Descriptor gate;
  const uint32_t at = uint32_t(s.idtr.base + uint32_t(vector) * 8);
  gate.lo = read_lin<uint32_t>(at, false);
  gate.hi = read_lin<uint32_t>(at + 4, false);
  const unsigned gt = gate.type();
  const bool valid_type = gt == sys_type::TASK_GATE || gt == sys_type::INT_GATE16 || gt == sys_type::TRAP_GATE16 ||
                          gt == sys_type::INT_GATE32 || gt == sys_type::TRAP_GATE32;
  if (gate.s() || !valid_type) raise_fault(VEC_GP, err_idt(vector, ext));
  if (soft && gate.dpl() < s.cpl) raise_fault(VEC_GP, err_idt(vector, false));
  if (!gate.present()) raise_fault(VEC_NP, err_idt(vector, ext));

  // The EFLAGS image pushed (or saved in the TSS).
  uint32_t image = eflags();
  if (kind == IntKind::Exception && vector < 32 && ((FAULT_CLASS >> vector) & 1)) image |= fl::RF;

  if (gt == sys_type::TASK_GATE) {
    deliver_task_gate(*this, gate, ext, has_error, error, ret_eip, image);
    next_eip = uint32_t(s.eip);
    end_block = true;
    return;
  }

  // Interrupt or trap gate: the target code segment.
  const uint16_t cs_sel = gate.gate_selector();
  if (null_sel(cs_sel)) raise_fault(VEC_GP, ext ? 1 : 0);
  Descriptor cd;
  if (!read_descriptor(*this, cs_sel, cd)) fault_sel(VEC_GP, cs_sel, ext);
  if (!cd.code() || cd.dpl() > s.cpl) fault_sel(VEC_GP, cs_sel, ext);
  if (!cd.present()) fault_sel(VEC_NP, cs_sel, ext);
  const bool gate32 = gt & 8;
  const unsigned sz = gate32 ? 4 : 2;
  const uint32_t target = gate32 ? gate.gate_offset() : gate.gate_offset() & 0xFFFF;
  const bool from_v86 = v86();
  const bool inner = !cd.conforming() && cd.dpl() < s.cpl;
  if (from_v86 && (!inner || cd.dpl() != 0)) fault_sel(VEC_GP, cs_sel, ext);
  Segment new_cs;
  load_cache(new_cs, cs_sel, cd);

  if (inner) {
    // To an inner level: the stack switch through the TSS.
    const unsigned dpl = cd.dpl();
    InnerStack st = inner_stack(*this, dpl, ext);
    StackFrame f(*this, st.cache, st.esp, dpl == 3, err_sel(st.ss, ext));
    if (from_v86) {
      f.push(s.seg[GS].sel, sz);
      f.push(s.seg[FS].sel, sz);
      f.push(s.seg[DS].sel, sz);
      f.push(s.seg[ES].sel, sz);
    }
    f.push(s.seg[SS].sel, sz);
    f.push(uint32_t(s.gpr[ESP]), sz);
    f.push(image, sz);
    f.push(s.seg[CS].sel, sz);
    f.push(ret_eip, sz);
    if (has_error) f.push(error, sz);
    f.check();
    if (!seg_contains(new_cs, target, 1)) raise_fault(VEC_GP, ext ? 1 : 0);
    set_accessed(*this, cs_sel, cd);
    f.write();
    // Commit.
    if (from_v86) {
      for (unsigned sr : {ES, DS, FS, GS}) load_null(*this, sr, 0);
    }
    s.eflags &= ~(fl::TF | fl::NT | fl::RF | fl::VM);
    if (!(gt & 1)) s.eflags &= ~fl::IF;
    commit_ss(*this, st.ss, st.desc);
    s.gpr[ESP] = f.new_esp();
    commit_cs(*this, cs_sel, cd, dpl);
    if (from_v86) mode_changed();
  } else {
    // Same level (DPL = CPL, or a conforming segment).
    StackFrame f(*this, s.seg[SS], uint32_t(s.gpr[ESP]), user(), ext ? 1 : 0);
    f.push(image, sz);
    f.push(s.seg[CS].sel, sz);
    f.push(ret_eip, sz);
    if (has_error) f.push(error, sz);
    f.check();
    if (!seg_contains(new_cs, target, 1)) raise_fault(VEC_GP, ext ? 1 : 0);
    set_accessed(*this, cs_sel, cd);
    f.write();
    s.gpr[ESP] = f.new_esp();
    s.eflags &= ~(fl::TF | fl::NT | fl::RF | fl::VM);
    if (!(gt & 1)) s.eflags &= ~fl::IF;
    commit_cs(*this, cs_sel, cd, s.cpl);
  }
  s.eip = target;
  next_eip = target;
  end_block = true;
}

}  // namespace xlat::core
