// Data movement that is not about the stack: MOV (all forms, including moffs
// and segment registers), MOVZX/MOVSX, LEA, XCHG, XLAT, the far-pointer loads
// LDS/LES/LFS/LGS/LSS, BOUND and the NOPs.
//
// Every handler reads all its sources (which may fault) before it writes
// anything, so a fault leaves the guest state as it was (precise faults).
#include "core/interp/ops.hpp"
#include "core/mmu/atomic.hpp"

namespace xlat::core {

namespace {

uint32_t sign_extend(uint32_t v, unsigned size) {
  if (size == 1) return uint32_t(int32_t(int8_t(v)));
  if (size == 2) return uint32_t(int32_t(int16_t(v)));
  return v;
}

}  // namespace

// MOV r/m, r / r, r/m / r/m, imm / moffs forms, and MOV r/m, Sreg (a 32-bit
// register destination gets the selector zero-extended, as P6 does).
void op_mov(Cpu& c, const DecodedInsn& i) { c.write_op(i, 0, c.read_op(i, 1)); }

void op_mov_sreg(Cpu& c, const DecodedInsn& i) {
  const unsigned sreg = i.o[0].reg;
  if (sreg == CS) raise_fault(VEC_UD);
  c.load_seg(sreg, uint16_t(c.read_op(i, 1)));
  if (sreg == SS) c.s.irq_inhibit = inhibit::MOV_SS;
  c.end_block = true;
}

// NOP, the multi-byte NOP 0F 1F /0 (and the reserved-NOP 0F 19..1E): the
// memory operand is never accessed. PAUSE is REP NOP on a P6.
void op_nop(Cpu&, const DecodedInsn&) {}

void op_movzx(Cpu& c, const DecodedInsn& i) { c.write_op(i, 0, c.read_op(i, 1)); }

void op_movsx(Cpu& c, const DecodedInsn& i) {
  c.write_op(i, 0, sign_extend(c.read_op(i, 1), i.o[1].size));
}

// LEA: the offset is computed at the address size (ea() truncates to 16 bits
// for a 16-bit address size) and stored at the operand size (truncated, or
// zero-extended from a 16-bit address).
void op_lea(Cpu& c, const DecodedInsn& i) {
  if (i.o[1].kind != OpKind::Mem) raise_fault(VEC_UD);
  c.write_op(i, 0, c.ea(i));
}

// XCHG. With a memory operand the exchange is always locked (LOCK prefix or
// not): one atomic read-modify-write of guest memory, checked for writing
// before anything changes (core/mmu/atomic.hpp).
void op_xchg(Cpu& c, const DecodedInsn& i) {
  const unsigned size = i.o[0].size;
  if (i.o[0].kind == OpKind::Mem || i.o[1].kind == OpKind::Mem) {
    const unsigned r = i.o[0].kind == OpKind::Mem ? 1 : 0;  // the register operand
    const uint32_t v = c.reg(i.o[r].reg, size);
    const uint32_t old = guest_rmw_sized(c, i.seg, c.ea(i), size, true, [v](uint32_t) { return v; });
    c.set_reg(i.o[r].reg, size, old);
    return;
  }
  const uint32_t a = c.reg(i.o[0].reg, size), b = c.reg(i.o[1].reg, size);
  c.set_reg(i.o[0].reg, size, b);
  c.set_reg(i.o[1].reg, size, a);
}

// XLAT: AL = [seg:(E)BX + AL] (segment override allowed, default DS).
void op_xlat(Cpu& c, const DecodedInsn& i) {
  uint32_t a = uint32_t(c.s.gpr[EBX]) + (uint32_t(c.s.gpr[EAX]) & 0xFF);
  if (i.asize == 2) a &= 0xFFFF;
  c.set_reg(EAX, 1, c.read<uint8_t>(i.seg, a));
}

// LDS/LES/LFS/LGS/LSS r, m16:16/m16:32. Both halves of the pointer are read,
// then the segment register is loaded (with its protected-mode checks), and
// only then the general register is written.
void op_load_far_ptr(Cpu& c, const DecodedInsn& i) {
  if (i.o[1].kind != OpKind::Mem) raise_fault(VEC_UD);
  unsigned sreg;
  switch (i.opcode) {
    case 0xC4: sreg = ES; break;
    case 0xC5: sreg = DS; break;
    case 0xB2: sreg = SS; break;
    case 0xB4: sreg = FS; break;
    case 0xB5: sreg = GS; break;
    default: raise_fault(VEC_UD);
  }
  const unsigned size = i.o[0].size;
  const uint32_t a = c.ea(i);
  const uint32_t off = c.read_sized(i.seg, a, size);
  const uint16_t sel = c.read<uint16_t>(i.seg, i.asize == 2 ? (a + size) & 0xFFFF : a + size);
  c.load_seg(sreg, sel);
  c.set_reg(i.o[0].reg, size, off);
  c.end_block = true;
}

// BOUND r, m: #BR (a fault: EIP stays at BOUND) unless lower <= r <= upper,
// compared as signed numbers of the operand size.
void op_bound(Cpu& c, const DecodedInsn& i) {
  if (i.o[1].kind != OpKind::Mem) raise_fault(VEC_UD);
  const unsigned size = i.o[0].size;
  const uint32_t a = c.ea(i);
  const int32_t lower = int32_t(sign_extend(c.read_sized(i.seg, a, size), size));
  const int32_t upper =
      int32_t(sign_extend(c.read_sized(i.seg, i.asize == 2 ? (a + size) & 0xFFFF : a + size, size), size));
  const int32_t idx = int32_t(sign_extend(c.reg(i.o[0].reg, size), size));
  if (idx < lower || idx > upper) raise_fault(VEC_BR);
}

}  // namespace xlat::core
