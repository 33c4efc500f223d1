// Near control transfer: JMP, Jcc, JCXZ/JECXZ, LOOP/LOOPE/LOOPNE, CALL and
// RET (near forms; the far forms live in core/mode/far.cpp), and the software
// interrupts INT n, INT3, INTO and INT1 (ICEBP).
//
// A near branch target is truncated to 16 bits with a 16-bit operand size and
// checked against the CS limit by the branch itself (#GP(0) with EIP at the
// branch, nothing changed), as the SDM specifies for each of them.
// Interrupt delivery (real-mode IVT, protected-mode IDT) is Cpu::deliver_interrupt.
#include "core/interp/ops.hpp"

namespace xlat::core {

namespace {

uint32_t near_target(const Cpu& c, uint32_t target, unsigned osize) {
  if (osize == 2) target &= 0xFFFF;
  if (target > c.s.seg[CS].hi) raise_fault(VEC_GP, 0);
  return target;
}

bool is_far(const DecodedInsn& i) {
  return i.o[0].kind == OpKind::Far || (i.o[0].kind == OpKind::Mem && i.o[0].size > 4);
}

// Count register of LOOP/JCXZ: CX or ECX by the address size.
uint32_t count_reg(const Cpu& c, const DecodedInsn& i) { return c.reg(ECX, i.asize == 2 ? 2 : 4); }

}  // namespace

// JMP rel / r/m (near). The far forms are split off by refine_form.
void op_jmp(Cpu& c, const DecodedInsn& i) {
  if (is_far(i)) raise_fault(VEC_UD);
  const uint32_t t = i.o[0].kind == OpKind::Rel ? c.next_eip + i.imm : c.read_op(i, 0);
  c.next_eip = near_target(c, t, i.osize);
}

// Jcc (all 16 conditions): the condition is the low nibble of the opcode,
// both for 7x rel8 and 0F 8x rel16/32.
void op_jcc(Cpu& c, const DecodedInsn& i) {
  if (c.cond(i.opcode & 0xF)) c.next_eip = near_target(c, c.next_eip + i.imm, i.osize);
}

// JCXZ/JECXZ: the address size selects CX or ECX.
void op_jcxz(Cpu& c, const DecodedInsn& i) {
  if (count_reg(c, i) == 0) c.next_eip = near_target(c, c.next_eip + i.imm, i.osize);
}

// LOOP/LOOPE/LOOPNE (E2/E1/E0): decrement (E)CX without touching flags and
// branch while it is nonzero (and ZF is 1 / 0). A branch that faults leaves
// (E)CX unchanged.
void op_loop(Cpu& c, const DecodedInsn& i) {
  const unsigned csize = i.asize == 2 ? 2 : 4;
  const uint32_t n = (count_reg(c, i) - 1) & size_mask(csize);
  bool taken = n != 0;
  if (taken && i.opcode == 0xE1) taken = c.flag(fl::ZF);
  else if (taken && i.opcode == 0xE0) taken = !c.flag(fl::ZF);
  if (taken) c.next_eip = near_target(c, c.next_eip + i.imm, i.osize);
  c.set_reg(ECX, csize, n);
}

// CALL rel / r/m (near): the target is read (through the old ESP) and
// checked before the return address is pushed.
void op_call(Cpu& c, const DecodedInsn& i) {
  if (is_far(i)) raise_fault(VEC_UD);  // CALL far: refine_form gives it its own row
  const uint32_t t = i.o[0].kind == OpKind::Rel ? c.next_eip + i.imm : c.read_op(i, 0);
  const uint32_t target = near_target(c, t, i.osize);
  c.push(c.next_eip, i.osize);
  c.next_eip = target;
}

// RET / RET imm16 (near): pop the return address at the operand size, then
// release imm16 more bytes at the stack size.
void op_ret(Cpu& c, const DecodedInsn& i) {
  if (i.opcode == 0xCA || i.opcode == 0xCB) raise_fault(VEC_UD);  // RET far: the far-transfer row's
  const unsigned size = i.osize;
  const uint32_t target = near_target(c, c.peek(size), size);
  const uint32_t release = (i.nops > 0 && i.o[0].kind == OpKind::Imm) ? (i.imm & 0xFFFF) : 0;
  c.set_sp(c.sp() + size + release);
  c.next_eip = target;
}

// INT n / INT3 / INTO: software interrupts (gate DPL and v86 IOPL checks are
// the delivery's; INT3 and INTO are not IOPL-sensitive in v86 mode). They
// return to the next instruction, and the handler does not take a
// single-step trap for them (TF is cleared on entry). INT 3 written as CD 03
// is an INT n.
void op_int(Cpu& c, const DecodedInsn& i) {
  c.deliver_interrupt(uint8_t(i.imm), IntKind::Software, false, 0, c.next_eip);
  c.suppress_step_trap = true;
}

void op_int3(Cpu& c, const DecodedInsn&) {
  c.deliver_interrupt(VEC_BP, IntKind::SoftwareException, false, 0, c.next_eip);
  c.suppress_step_trap = true;
}

void op_into(Cpu& c, const DecodedInsn&) {
  if (!c.flag(fl::OF)) return;
  c.deliver_interrupt(VEC_OF, IntKind::SoftwareException, false, 0, c.next_eip);
  c.suppress_step_trap = true;
}

// INT1 (ICEBP, F1): a #DB delivered like an exception for privilege checks.
void op_int1(Cpu& c, const DecodedInsn&) {
  c.deliver_interrupt(VEC_DB, IntKind::Icebp, false, 0, c.next_eip);
}

}  // namespace xlat::core
