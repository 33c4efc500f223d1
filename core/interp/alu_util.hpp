// Helpers shared by the arithmetic and logic handlers (ops_alu, ops_shift,
// ops_muldiv, ops_bcd, ops_bit, ops_flagctl).
//
// Operand 0 of these instructions is a register or the memory operand. A
// memory destination is updated with guest_rmw (core/mmu/atomic.hpp): it is
// checked for writing before it is read, and updated atomically under LOCK.
// Handlers compute flags after the update returns, so a fault leaves the
// registers, flags and memory as they were.
#pragma once

#include "core/interp/ops.hpp"
#include "core/mmu/atomic.hpp"

namespace xlat::core::alu {

// Source operand n. An 8-bit immediate of a wider instruction (83 /r, 6B) is
// sign-extended to the destination size; the decoder keeps it 8 bits wide.
inline uint32_t src(Cpu& c, const DecodedInsn& i, unsigned n) {
  const Operand& o = i.o[n];
  if (o.kind == OpKind::Reg) [[likely]]
    return c.reg(o.reg, o.size);
  if (o.kind == OpKind::Imm) {
    const uint32_t v = o.reg ? i.imm2 : i.imm;
    return (o.size == 1 && i.o[0].size > 1) ? uint32_t(int32_t(int8_t(v))) : v;
  }
  return c.read_op(i, n);
}

// Operand 0 (register or memory), for instructions that only read it.
inline uint32_t read_dst(Cpu& c, const DecodedInsn& i) {
  const Operand& o = i.o[0];
  if (o.kind == OpKind::Reg) return c.reg(o.reg, o.size);
  return c.read_sized(i.seg, c.ea(i), o.size);
}

// The memory half of update_dst, out of line so that the register path of
// each handler stays small (no frame, no saved registers).
template <typename F>
[[gnu::noinline]] uint32_t update_mem(Cpu& c, const DecodedInsn& i, F f) {
  return guest_rmw_sized(c, i.seg, c.ea(i), i.o[0].size, i.lock, f);
}

// Replaces operand 0 by f(old) (atomically for a LOCKed memory operand) and
// returns old, zero-extended from the operand size.
template <typename F>
inline uint32_t update_dst(Cpu& c, const DecodedInsn& i, F&& f) {
  const Operand& o = i.o[0];
  if (o.kind == OpKind::Reg) [[likely]] {
    const uint32_t old = c.reg(o.reg, o.size);
    c.set_reg(o.reg, o.size, f(old));
    return old;
  }
  return update_mem(c, i, f);
}

// SF, ZF and PF of a result of `size` bytes.
inline uint32_t szp(uint32_t r, unsigned size) {
  r &= size_mask(size);
  return (r & sign_bit(size) ? fl::SF : 0) | (r == 0 ? fl::ZF : 0) | (parity_even(r) ? fl::PF : 0);
}

// Sets all six arithmetic flags to f. Unlike Cpu::set_arith_flags this does
// not evaluate the lazy state first: every bit it describes is replaced.
inline void put_arith(Cpu& c, uint32_t f) {
  c.s.eflags = (c.s.eflags & ~fl::ARITH) | (f & fl::ARITH);
  c.s.lf.op = LF_NONE;
}

// The shift/rotate count of operand n (CL or an immediate), masked to 5 bits.
inline unsigned count(Cpu& c, const DecodedInsn& i, unsigned n) {
  const Operand& o = i.o[n];
  const uint32_t v = o.kind == OpKind::Imm ? (o.reg ? i.imm2 : i.imm) : c.reg(o.reg, 1);
  return v & 31;
}

}  // namespace xlat::core::alu
