// Far control transfers (SDM vol. 2 JMP, CALL, RET, IRET; vol. 3 5.8 and
// 6.12): far JMP/CALL to code segments (conforming and non-conforming rules),
// through call gates (same level, or to an inner level with the stack switch
// through the TSS and the gate's parameters copied), to TSS descriptors and
// task gates (task switches); far RET to the same or an outer level; IRET in
// real mode, to the same or an outer level, to and from virtual-8086 mode,
// and back from a nested task (EFLAGS.NT).
//
// Each transfer reads and checks everything (descriptors, the bytes it pops,
// the slots it pushes) before it commits CS, SS, EIP, ESP and EFLAGS, so a
// fault leaves the guest at the instruction with nothing changed.
#include "core/interp/ops.hpp"
#include "core/mode/descriptors.hpp"

namespace xlat::core {

namespace {

// EFLAGS bits an IRET or POPF can ever change (all defined bits).
constexpr uint32_t EFLAGS_DEFINED = fl::ARITH | fl::TF | fl::IF | fl::DF | fl::IOPL | fl::NT | fl::RF |
                                    fl::VM | fl::AC | fl::VIF | fl::VIP | fl::ID;

struct FarPtr {
  uint16_t sel;
  uint32_t off;
};

// The ptr16:16/32 or m16:16/32 operand of a far JMP/CALL.
FarPtr far_operand(Cpu& c, const DecodedInsn& i) {
  if (i.o[0].kind == OpKind::Far) return {uint16_t(i.imm2), i.imm};
  const uint32_t a = c.ea(i);
  const unsigned osz = i.osize;
  const uint32_t off = osz == 4 ? c.read<uint32_t>(i.seg, a) : c.read<uint16_t>(i.seg, a);
  const uint16_t sel = c.read<uint16_t>(i.seg, i.asize == 2 ? (a + osz) & 0xFFFF : a + osz);
  return {sel, off};
}

// #GP(0) unless an instruction pointer lies inside a code segment.
void check_eip(const Segment& cs, uint32_t eip) {
  if (!seg_contains(cs, eip, 1)) raise_fault(VEC_GP, 0);
}

// Finishes a control transfer at `eip` in the (already committed) CS.
void land(Cpu& c, uint32_t eip) {
  c.next_eip = eip;
  c.end_block = true;
}

// Real and virtual-8086 mode: CS = sel << 4, the cached limit stays (real)
// or is 64 KiB (v86).
void far_real(Cpu& c, FarPtr p, unsigned osize, bool call) {
  const uint32_t eip = osize == 2 ? p.off & 0xFFFF : p.off;
  const uint32_t limit = c.v86() ? 0xFFFFu : c.s.seg[CS].limit;
  if (eip > limit) raise_fault(VEC_GP, 0);
  if (call) {
    StackFrame f(c, c.s.seg[SS], uint32_t(c.s.gpr[ESP]), c.user(), 0);
    f.push(c.s.seg[CS].sel, osize);
    f.push(c.next_eip, osize);
    f.check();
    f.write();
    c.s.gpr[ESP] = f.new_esp();
  }
  c.load_seg_real(CS, p.sel);
  land(c, eip);
}

// JMP/CALL to a TSS descriptor or through a task gate.
void far_task(Cpu& c, uint16_t sel, const Descriptor& d, bool call) {
  const unsigned rpl = sel & 3;
  uint16_t tss_sel = sel;
  Descriptor td = d;
  if (d.system(sys_type::TASK_GATE)) {
    if (d.dpl() < c.s.cpl || d.dpl() < rpl) fault_sel(VEC_GP, sel, false);
    if (!d.present()) fault_sel(VEC_NP, sel, false);
    tss_sel = d.gate_selector();
    if (tss_sel & 4) fault_sel(VEC_GP, tss_sel, false);
    td = fetch_descriptor(c, tss_sel, VEC_GP, false);
    if (!td.tss() || td.tss_busy()) fault_sel(VEC_GP, tss_sel, false);
    if (!td.present()) fault_sel(VEC_NP, tss_sel, false);
  } else {
    if ((sel & 4) || d.dpl() < c.s.cpl || d.dpl() < rpl || d.tss_busy()) fault_sel(VEC_GP, sel, false);
    if (!d.present()) fault_sel(VEC_NP, sel, false);
  }
  const bool trap = switch_task(c, tss_sel, td, call ? TaskSwitch::Call : TaskSwitch::Jmp, false,
                                c.next_eip, c.eflags());
  check_eip(c.s.seg[CS], uint32_t(c.s.eip));
  land(c, uint32_t(c.s.eip));
  if (trap) raise_task_trap(c);
}

// CALL through a call gate to a more privileged non-conforming segment:
// switch to the inner stack from the TSS, copy the parameters, push the
// caller's SS:ESP and CS:EIP there.
void call_gate_inner(Cpu& c, const Descriptor& gate, uint16_t cs_sel, Descriptor cd, uint32_t eip) {
  const unsigned dpl = cd.dpl();
  const bool gate32 = gate.type() & 8;
  const unsigned sz = gate32 ? 4 : 2;
  InnerStack st = inner_stack(c, dpl, false);
  StackFrame f(c, st.cache, st.esp, dpl == 3, err_sel(st.ss, false));
  const uint32_t old_esp = uint32_t(c.s.gpr[ESP]);
  f.push(c.s.seg[SS].sel, sz);
  f.push(old_esp, sz);
  const unsigned n = gate.gate_param_count();
  for (unsigned k = n; k-- > 0;) f.push(c.peek(sz, k * sz), sz);  // same order as on the caller's stack
  f.push(c.s.seg[CS].sel, sz);
  f.push(c.next_eip, sz);
  f.check();
  Segment ncs;
  load_cache(ncs, cs_sel, cd);
  check_eip(ncs, eip);
  set_accessed(c, cs_sel, cd);
  f.write();
  commit_ss(c, st.ss, st.desc);
  c.s.gpr[ESP] = f.new_esp();
  commit_cs(c, cs_sel, cd, dpl);
  land(c, eip);
}

// Protected-mode far JMP/CALL.
void far_protected(Cpu& c, FarPtr p, unsigned osize, bool call) {
  const uint16_t sel = p.sel;
  if (null_sel(sel)) raise_fault(VEC_GP, 0);
  Descriptor d = fetch_descriptor(c, sel, VEC_GP, false);
  const unsigned cpl = c.s.cpl, rpl = sel & 3;
  if (d.code()) {
    if (d.conforming() ? d.dpl() > cpl : (rpl > cpl || d.dpl() != cpl)) fault_sel(VEC_GP, sel, false);
    if (!d.present()) fault_sel(VEC_NP, sel, false);
    const uint32_t eip = osize == 2 ? p.off & 0xFFFF : p.off;
    Segment ncs;
    load_cache(ncs, sel, d);
    StackFrame f(c, c.s.seg[SS], uint32_t(c.s.gpr[ESP]), c.user(), 0);
    if (call) {
      f.push(c.s.seg[CS].sel, osize);
      f.push(c.next_eip, osize);
      f.check();
    }
    check_eip(ncs, eip);
    set_accessed(c, sel, d);
    if (call) {
      f.write();
      c.s.gpr[ESP] = f.new_esp();
    }
    commit_cs(c, sel, d, cpl);
    land(c, eip);
    return;
  }
  if (d.s()) fault_sel(VEC_GP, sel, false);  // a data segment
  if (d.tss() || d.system(sys_type::TASK_GATE)) {
    far_task(c, sel, d, call);
    return;
  }
  if (!d.system(sys_type::CALL_GATE16) && !d.system(sys_type::CALL_GATE32)) fault_sel(VEC_GP, sel, false);

  // Call gate.
  if (d.dpl() < cpl || rpl > d.dpl()) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_NP, sel, false);
  const uint16_t cs_sel = d.gate_selector();
  if (null_sel(cs_sel)) raise_fault(VEC_GP, 0);
  Descriptor cd = fetch_descriptor(c, cs_sel, VEC_GP, false);
  if (!cd.code() || cd.dpl() > cpl) fault_sel(VEC_GP, cs_sel, false);
  if (!call && !cd.conforming() && cd.dpl() != cpl) fault_sel(VEC_GP, cs_sel, false);
  if (!cd.present()) fault_sel(VEC_NP, cs_sel, false);
  const bool gate32 = d.type() & 8;
  const uint32_t eip = gate32 ? d.gate_offset() : d.gate_offset() & 0xFFFF;
  if (call && !cd.conforming() && cd.dpl() < cpl) {
    call_gate_inner(c, d, cs_sel, cd, eip);
    return;
  }
  const unsigned sz = gate32 ? 4 : 2;
  StackFrame f(c, c.s.seg[SS], uint32_t(c.s.gpr[ESP]), c.user(), 0);
  if (call) {
    f.push(c.s.seg[CS].sel, sz);
    f.push(c.next_eip, sz);
    f.check();
  }
  Segment ncs;
  load_cache(ncs, cs_sel, cd);
  check_eip(ncs, eip);
  set_accessed(c, cs_sel, cd);
  if (call) {
    f.write();
    c.s.gpr[ESP] = f.new_esp();
  }
  commit_cs(c, cs_sel, cd, cpl);
  land(c, eip);
}

void far_jmp_call(Cpu& c, const DecodedInsn& i, bool call) {
  const FarPtr p = far_operand(c, i);
  if (!c.protected_mode() || c.v86()) far_real(c, p, i.osize, call);
  else far_protected(c, p, i.osize, call);
}

// The return code segment of a far RET / IRET: checks common to both.
Descriptor check_return_cs(Cpu& c, uint16_t sel) {
  if (null_sel(sel)) raise_fault(VEC_GP, 0);
  Descriptor d = fetch_descriptor(c, sel, VEC_GP, false);
  const unsigned rpl = sel & 3;
  if (!d.code() || rpl < c.s.cpl) fault_sel(VEC_GP, sel, false);
  if (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_NP, sel, false);
  return d;
}

// The stack segment popped by a return to an outer level (RPL = the return
// CS's RPL); sets its accessed bit.
Descriptor check_return_ss(Cpu& c, uint16_t sel, unsigned rpl) {
  if (null_sel(sel)) raise_fault(VEC_GP, 0);
  Descriptor d = fetch_descriptor(c, sel, VEC_GP, false);
  if ((sel & 3u) != rpl || !d.writable() || d.dpl() != rpl) fault_sel(VEC_GP, sel, false);
  if (!d.present()) fault_sel(VEC_SS, sel, false);
  set_accessed(c, sel, d);
  return d;
}

// Commits a protected-mode return: CS:EIP and, for an outer level, SS:ESP
// (`outer_esp` is the popped ESP; SP only for a 16-bit stack) and the data
// segments that the outer level may not use.
void commit_return(Cpu& c, uint16_t cs_sel, const Descriptor& cd, uint32_t eip, bool outer, uint16_t ss_sel,
                   const Descriptor& sd, uint32_t outer_esp, uint32_t release) {
  const unsigned rpl = cs_sel & 3;
  if (outer) {
    commit_cs(c, cs_sel, cd, rpl);
    commit_ss(c, ss_sel, sd);
    const bool big = c.stack32();
    const uint32_t esp = big ? outer_esp : (uint32_t(c.s.gpr[ESP]) & 0xFFFF0000u) | (outer_esp & 0xFFFF);
    c.s.gpr[ESP] = add_sp(esp, release, big);
    null_outer_segments(c);
  } else {
    commit_cs(c, cs_sel, cd, rpl);
    c.s.gpr[ESP] = add_sp(uint32_t(c.s.gpr[ESP]), release, c.stack32());
  }
  land(c, eip);
}

// IRET from a nested task (EFLAGS.NT = 1): back to the task in the TSS link.
void iret_task(Cpu& c) {
  const uint16_t link = c.read_lin<uint16_t>(uint32_t(c.s.tr.base), false);
  if (link & 4) fault_sel(VEC_TS, link, false);
  Descriptor d;
  if (!read_descriptor(c, link, d)) fault_sel(VEC_TS, link, false);
  if (!d.tss_busy()) fault_sel(VEC_TS, link, false);
  if (!d.present()) fault_sel(VEC_NP, link, false);
  const bool trap = switch_task(c, link, d, TaskSwitch::Iret, false, c.next_eip, c.eflags() & ~fl::NT);
  check_eip(c.s.seg[CS], uint32_t(c.s.eip));
  land(c, uint32_t(c.s.eip));
  if (trap) raise_task_trap(c);
}

// IRET at CPL 0 with VM = 1 in the popped EFLAGS: into virtual-8086 mode.
void iret_to_v86(Cpu& c, uint32_t eip, uint16_t cs, uint32_t eflags) {
  // ESP, SS, ES, DS, FS, GS follow EIP, CS, EFLAGS (all 32-bit slots).
  uint32_t v[6];
  for (unsigned k = 0; k < 6; ++k) v[k] = c.peek(4, 12 + k * 4);
  if (eip > 0xFFFF) raise_fault(VEC_GP, 0);
  c.set_eflags_bits(eflags, EFLAGS_DEFINED);
  c.s.gpr[ESP] = v[0];
  c.load_seg_real(CS, cs);
  c.load_seg_real(SS, uint16_t(v[1]));
  c.load_seg_real(ES, uint16_t(v[2]));
  c.load_seg_real(DS, uint16_t(v[3]));
  c.load_seg_real(FS, uint16_t(v[4]));
  c.load_seg_real(GS, uint16_t(v[5]));
  c.mode_changed();  // CPL 3
  land(c, eip);
}

}  // namespace

void op_jmp_far(Cpu& c, const DecodedInsn& i) { far_jmp_call(c, i, false); }

void op_call_far(Cpu& c, const DecodedInsn& i) { far_jmp_call(c, i, true); }

// RETF / RETF imm16.
void op_retf(Cpu& c, const DecodedInsn& i) {
  const unsigned n = i.osize;
  const uint32_t release = (i.nops > 0 && i.o[0].kind == OpKind::Imm) ? (i.imm & 0xFFFF) : 0;
  uint32_t eip = c.peek(n, 0);
  const uint16_t cs_sel = uint16_t(c.peek(n, n));
  if (n == 2) eip &= 0xFFFF;
  if (!c.protected_mode() || c.v86()) {
    if (eip > (c.v86() ? 0xFFFFu : c.s.seg[CS].limit)) raise_fault(VEC_GP, 0);
    c.load_seg_real(CS, cs_sel);
    c.s.gpr[ESP] = add_sp(uint32_t(c.s.gpr[ESP]), 2 * n + release, c.stack32());
    land(c, eip);
    return;
  }
  Descriptor cd = check_return_cs(c, cs_sel);
  const unsigned rpl = cs_sel & 3;
  Segment ncs;
  load_cache(ncs, cs_sel, cd);
  if (rpl > c.s.cpl) {
    const uint32_t esp = c.peek(n, 2 * n + release);
    const uint16_t ss_sel = uint16_t(c.peek(n, 3 * n + release));
    const Descriptor sd = check_return_ss(c, ss_sel, rpl);
    check_eip(ncs, eip);
    set_accessed(c, cs_sel, cd);
    commit_return(c, cs_sel, cd, eip, true, ss_sel, sd, n == 2 ? esp & 0xFFFF : esp, release);
    return;
  }
  check_eip(ncs, eip);
  set_accessed(c, cs_sel, cd);
  commit_return(c, cs_sel, cd, eip, false, 0, Descriptor{}, 0, 2 * n + release);
}

// IRET / IRETD.
void op_iret(Cpu& c, const DecodedInsn& i) {
  const unsigned n = i.osize;
  c.materialize_flags();
  if (!c.protected_mode()) {
    uint32_t eip = c.peek(n, 0);
    const uint16_t cs = uint16_t(c.peek(n, n));
    const uint32_t fl_img = c.peek(n, 2 * n);
    if (n == 2) eip &= 0xFFFF;
    check_eip(c.s.seg[CS], eip);
    c.set_eflags_bits(fl_img, n == 4 ? 0x257FD5u : 0x7FD5u);
    c.load_seg_real(CS, cs);
    c.s.gpr[ESP] = add_sp(uint32_t(c.s.gpr[ESP]), 3 * n, c.stack32());
    land(c, eip);
    return;
  }
  if (c.v86()) {
    // IOPL 3: a real-mode-like return that keeps VM and IOPL (and VIF/VIP);
    // otherwise the v86 monitor emulates it.
    if (c.iopl() < 3) raise_fault(VEC_GP, 0);
    uint32_t eip = c.peek(n, 0);
    const uint16_t cs = uint16_t(c.peek(n, n));
    const uint32_t fl_img = c.peek(n, 2 * n);
    if (n == 2) eip &= 0xFFFF;
    if (eip > 0xFFFF) raise_fault(VEC_GP, 0);
    const uint32_t keep = fl::VM | fl::IOPL | fl::VIF | fl::VIP;
    c.set_eflags_bits(fl_img, (n == 4 ? EFLAGS_DEFINED : 0xFFFFu & EFLAGS_DEFINED) & ~keep);
    c.load_seg_real(CS, cs);
    c.s.gpr[ESP] = add_sp(uint32_t(c.s.gpr[ESP]), 3 * n, c.stack32());
    land(c, eip);
    return;
  }
  if (c.s.eflags & fl::NT) {
    iret_task(c);
    return;
  }
  uint32_t eip = c.peek(n, 0);
  const uint16_t cs_sel = uint16_t(c.peek(n, n));
  uint32_t fl_img = c.peek(n, 2 * n);
  if (n == 2) {
    eip &= 0xFFFF;
    fl_img &= 0xFFFF;
  }
  if ((fl_img & fl::VM) && c.s.cpl == 0) {
    iret_to_v86(c, eip, cs_sel, fl_img);
    return;
  }
  Descriptor cd = check_return_cs(c, cs_sel);
  const unsigned rpl = cs_sel & 3;
  Segment ncs;
  load_cache(ncs, cs_sel, cd);
  // EFLAGS bits this IRET may write, by the old CPL and IOPL.
  uint32_t mask = fl::ARITH | fl::TF | fl::DF | fl::NT;
  if (n == 4) mask |= fl::RF | fl::AC | fl::ID;
  if (c.s.cpl <= c.iopl()) mask |= fl::IF;
  if (c.s.cpl == 0) {
    mask |= fl::IOPL;
    if (n == 4) mask |= fl::VM | fl::VIF | fl::VIP;
  }
  if (rpl > c.s.cpl) {
    const uint32_t esp = c.peek(n, 3 * n);
    const uint16_t ss_sel = uint16_t(c.peek(n, 4 * n));
    const Descriptor sd = check_return_ss(c, ss_sel, rpl);
    check_eip(ncs, eip);
    set_accessed(c, cs_sel, cd);
    c.set_eflags_bits(fl_img, mask);
    commit_return(c, cs_sel, cd, eip, true, ss_sel, sd, n == 2 ? esp & 0xFFFF : esp, 0);
    return;
  }
  check_eip(ncs, eip);
  set_accessed(c, cs_sel, cd);
  c.set_eflags_bits(fl_img, mask);
  commit_return(c, cs_sel, cd, eip, false, 0, Descriptor{}, 0, 3 * n);
}

}  // namespace xlat::core
