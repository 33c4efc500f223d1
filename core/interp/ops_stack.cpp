// Stack instructions: PUSH/POP (registers, memory, immediates, segment
// registers), PUSHA/POPA, PUSHF/POPF with their privilege rules, ENTER and
// LEAVE.
//
// The operand size (i.osize) says how many bytes move; the stack-size
// attribute (SS.B, Cpu::stack32) says whether SP or ESP is the pointer and
// how it wraps. Handlers compute the new stack pointer in a local, do every
// access that can fault, and write ESP (and the other registers) last, so a
// fault leaves the registers as they were.
#include "core/interp/ops.hpp"

namespace xlat::core {

namespace {

// Offset arithmetic on the stack pointer at the current stack size.
uint32_t stack_mask(const Cpu& c) { return c.stack32() ? 0xFFFFFFFFu : 0xFFFFu; }

// EFLAGS bits a 32-bit POPF may change at all (bit 1 is fixed; VM, RF, VIF
// and VIP are never loaded by POPF). AC and ID are writable on a P6.
constexpr uint32_t POPF_BITS = fl::ARITH | fl::TF | fl::IF | fl::DF | fl::IOPL | fl::NT | fl::AC | fl::ID;

}  // namespace

// PUSH r/m, imm, Sreg. The value is read before ESP moves, so PUSH ESP and
// PUSH [ESP+x] see the old ESP. A segment register pushed with a 32-bit
// operand size takes a 4-byte slot of which the P6 writes only the low word.
void op_push(Cpu& c, const DecodedInsn& i) {
  const Operand& o = i.o[0];
  const unsigned size = i.osize;
  uint32_t v;
  switch (o.kind) {
    case OpKind::SReg: {
      v = c.s.seg[o.reg].sel;
      if (size == 4) {
        const uint32_t nsp = (c.sp() - 4) & stack_mask(c);
        c.write<uint16_t>(SS, nsp, uint16_t(v));
        c.set_sp(nsp);
        return;
      }
      break;
    }
    case OpKind::Imm:
      v = o.size == 1 ? uint32_t(int32_t(int8_t(i.imm))) : i.imm;  // PUSH imm8 is sign-extended
      break;
    default:
      v = c.read_op(i, 0);
      break;
  }
  c.push(v, size);
}

// POP r/m, Sreg. POP ESP loads the popped value (the increment is lost); a
// memory destination addressed through ESP uses the incremented ESP, as the
// SDM specifies. POP SS inhibits interrupts for one instruction. POP CS does
// not exist (the decoder reports 0F as a two-byte opcode escape).
void op_pop(Cpu& c, const DecodedInsn& i) {
  const Operand& o = i.o[0];
  const unsigned size = i.osize;
  const uint32_t v = c.peek(size);
  const uint64_t old_esp = c.s.gpr[ESP];
  const uint32_t nsp = (c.sp() + size) & stack_mask(c);
  switch (o.kind) {
    case OpKind::SReg: {
      if (o.reg == CS) raise_fault(VEC_UD);
      const bool s32 = c.stack32();  // POP SS: the old stack size says how ESP moves
      c.load_seg(o.reg, uint16_t(v));
      c.s.gpr[ESP] = s32 ? uint64_t(nsp) : (old_esp & ~0xFFFFull) | nsp;
      if (o.reg == SS) c.s.irq_inhibit = inhibit::MOV_SS;
      c.end_block = true;  // segment state changed
      return;
    }
    case OpKind::Reg:
      c.set_sp(nsp);
      c.set_reg(o.reg, size, v);
      return;
    default:
      c.set_sp(nsp);
      try {
        c.write_op(i, 0, v);
      } catch (const GuestFault&) {
        c.s.gpr[ESP] = old_esp;
        throw;
      }
      return;
  }
}

// PUSHA/PUSHAD: EAX, ECX, EDX, EBX, the original ESP, EBP, ESI, EDI.
void op_pusha(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.osize;
  const uint32_t mask = stack_mask(c);
  const uint32_t sp0 = c.sp();
  uint32_t vals[8];
  for (unsigned r = 0; r < 8; ++r) vals[r] = c.reg(r, size);
  if (sp0 >= 8 * size) c.check_write(SS, sp0 - 8 * size, 8 * size);  // fault before any write
  uint32_t a = sp0;
  for (unsigned r = 0; r < 8; ++r) {
    a = (a - size) & mask;
    c.write_sized(SS, a, vals[r], size);
  }
  c.set_sp(a);
}

// POPA/POPAD: the reverse order; the saved ESP slot is skipped.
void op_popa(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.osize;
  const uint32_t mask = stack_mask(c);
  uint32_t a = c.sp();
  uint32_t vals[8];
  for (unsigned k = 0; k < 8; ++k) {
    vals[7 - k] = c.read_sized(SS, a, size);
    a = (a + size) & mask;
  }
  for (unsigned r = 0; r < 8; ++r)
    if (r != ESP) c.set_reg(r, size, vals[r]);
  c.set_sp(a);
}

// PUSHF/PUSHFD. VM and RF are stored as 0. In virtual-8086 mode with IOPL < 3
// it is #GP(0), except the 16-bit form with CR4.VME, which pushes VIF in the
// IF position and IOPL as 3.
void op_pushf(Cpu& c, const DecodedInsn& i) {
  uint32_t f = c.eflags() & ~(fl::VM | fl::RF);
  if (c.v86() && c.iopl() < 3) {
    if (i.osize == 4 || !(c.s.cr4 & cr4::VME)) raise_fault(VEC_GP, 0);
    f = (f & ~fl::IF) | ((c.s.eflags & fl::VIF) ? fl::IF : 0) | fl::IOPL;
  }
  c.push(f, i.osize);
}

// POPF/POPFD (SDM "POPF"): real mode and CPL 0 may change everything but
// VM/RF/VIF/VIP; at CPL > 0 IOPL is kept, and IF too when CPL > IOPL (no
// fault). In v86 mode IOPL 3 may change everything but IOPL; IOPL < 3 is
// #GP(0) unless the 16-bit form runs with CR4.VME, which moves the popped IF
// into VIF (and #GP(0) if that would set TF, or IF with VIP pending).
// The block ends after it: IF and TF take effect at the next boundary.
void op_popf(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.osize;
  const uint32_t v = c.peek(size);
  uint32_t mask = POPF_BITS;
  if (c.v86()) {
    mask &= ~fl::IOPL;
    if (c.iopl() < 3) {
      if (size == 4 || !(c.s.cr4 & cr4::VME)) raise_fault(VEC_GP, 0);
      if ((v & fl::TF) || ((v & fl::IF) && (c.s.eflags & fl::VIP))) raise_fault(VEC_GP, 0);
      mask &= ~fl::IF;
      c.s.eflags = (c.s.eflags & ~fl::VIF) | ((v & fl::IF) ? fl::VIF : 0);
    }
  } else if (c.protected_mode() && c.s.cpl != 0) {
    mask &= ~fl::IOPL;
    if (c.s.cpl > c.iopl()) mask &= ~fl::IF;
  }
  if (size == 2) mask &= 0xFFFF;
  c.set_sp(c.sp() + size);
  c.set_eflags_bits(v, mask);
  c.end_block = true;
}

// ENTER imm16, imm8 (SDM "ENTER"): push the frame pointer, copy level-1
// frame pointers of the enclosing frame (read through (E)BP, which steps by
// the operand size), push the new frame pointer, then allocate imm16 bytes.
// The stack size picks SP/ESP and BP/EBP arithmetic; the operand size picks
// the width of each pushed pointer and whether BP or EBP is loaded.
void op_enter(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.osize;
  const uint32_t alloc = i.imm & 0xFFFF;
  const unsigned level = i.imm2 & 31;
  const uint32_t mask = stack_mask(c);
  uint32_t sp = c.sp();
  uint32_t bp = uint32_t(c.s.gpr[EBP]) & mask;
  auto push = [&](uint32_t v) {
    sp = (sp - size) & mask;
    c.write_sized(SS, sp, v, size);
  };
  push(c.reg(EBP, size));
  const uint32_t frame = sp;
  if (level > 0) {
    for (unsigned k = 1; k < level; ++k) {
      bp = (bp - size) & mask;
      push(c.read_sized(SS, bp, size));
    }
    push(frame);
  }
  const uint32_t nsp = (sp - alloc) & mask;
  const Segment& ss = c.s.seg[SS];
  if (nsp < ss.lo || nsp > ss.hi) raise_fault(VEC_SS, 0);  // the new stack top must be in SS
  c.set_reg(EBP, size, frame);
  c.set_sp(nsp);
}

// LEAVE: (E)SP := (E)BP at the stack size, then pop (E)BP at the operand size.
void op_leave(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.osize;
  const uint32_t mask = stack_mask(c);
  const uint32_t bp = uint32_t(c.s.gpr[EBP]) & mask;
  const uint32_t v = c.read_sized(SS, bp, size);
  c.set_sp((bp + size) & mask);
  c.set_reg(EBP, size, v);
}

}  // namespace xlat::core
