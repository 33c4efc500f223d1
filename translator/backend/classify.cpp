// Which instructions the backend emits inline (everything else runs through
// the interpreter's handler). The forms chosen are those whose semantics the
// host instruction reproduces exactly in the given mode: general registers
// other than AH/CH/DH/BH, memory operands of 1, 2 or 4 bytes, and for the
// stack and near calls/returns a flat 32-bit stack segment.
#include <type_traits>

#include "core/cpu_state.hpp"
#include "core/isa/isa.hpp"
#include "translator/backend/emitter.hpp"

namespace xlat::translator::x64 {

using namespace core;

namespace {

bool reg_ok(const Operand& o) {
  return o.kind == OpKind::Reg && (o.size == 4 || o.size == 2 || (o.size == 1 && o.reg < 4));
}
bool mem_ok(const DecodedInsn& i, const Operand& o) {
  return o.kind == OpKind::Mem && (o.size == 1 || o.size == 2 || o.size == 4) && (i.asize == 2 || i.asize == 4);
}
bool imm_ok(const Operand& o) { return o.kind == OpKind::Imm; }

Support reg_or_mem(const DecodedInsn& i, const Operand& o) {
  if (reg_ok(o)) return Support::Inline;
  if (mem_ok(i, o)) return Support::InlineMemory;
  return Support::Helper;
}

}  // namespace

Support classify(const DecodedInsn& i, uint32_t mode, uint32_t cs_hi) {
  const Operand &o0 = i.o[0], &o1 = i.o[1];
  const bool stack_ok = (mode & mode_bits::STACK32) && (mode & mode_bits::flat(SS));
  switch (i.op) {
    case OP_MOV: {
      if (i.nops != 2 || i.lock) return Support::Helper;
      if (reg_ok(o0)) {
        if ((reg_ok(o1) && o1.size == o0.size) || imm_ok(o1)) return Support::Inline;
        if (mem_ok(i, o1) && o1.size == o0.size) return Support::InlineMemory;
        return Support::Helper;
      }
      if (mem_ok(i, o0) && ((reg_ok(o1) && o1.size == o0.size) || imm_ok(o1))) return Support::InlineMemory;
      return Support::Helper;
    }
    case OP_ADD: case OP_OR: case OP_ADC: case OP_SBB: case OP_AND: case OP_SUB: case OP_XOR:
    case OP_CMP: case OP_TEST: {
      if (i.nops != 2) return Support::Helper;
      if (reg_ok(o0)) {
        if (i.lock) return Support::Helper;
        if ((reg_ok(o1) && o1.size == o0.size) || imm_ok(o1)) return Support::Inline;
        if (mem_ok(i, o1) && o1.size == o0.size) return Support::InlineMemory;
        return Support::Helper;
      }
      if (mem_ok(i, o0) && ((reg_ok(o1) && o1.size == o0.size) || imm_ok(o1))) {
        if (i.lock && (i.op == OP_CMP || i.op == OP_TEST)) return Support::Helper;
        return Support::InlineMemory;
      }
      return Support::Helper;
    }
    case OP_INC: case OP_DEC: case OP_NEG: case OP_NOT:
      if (i.nops != 1) return Support::Helper;
      if (reg_ok(o0)) return i.lock ? Support::Helper : Support::Inline;
      return mem_ok(i, o0) ? Support::InlineMemory : Support::Helper;
    case OP_LEA:
      if (i.nops == 2 && reg_ok(o0) && o0.size >= 2 && o1.kind == OpKind::Mem && !i.lock) return Support::Inline;
      return Support::Helper;
    case OP_MOVZX: case OP_MOVSX:
      if (i.nops != 2 || !reg_ok(o0) || o0.size < 2 || i.lock) return Support::Helper;
      if (o1.size != 1 && o1.size != 2) return Support::Helper;
      if (o1.size >= o0.size) return Support::Helper;
      return reg_or_mem(i, o1);
    case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR: {
      if (i.nops != 2 || i.lock) return Support::Helper;
      if (o1.kind == OpKind::Reg) {
        // By CL: 32-bit SHL/SHR/SAR (every count 0-31 defined as on the host).
        if (i.op == OP_ROL || i.op == OP_ROR || o1.reg != ECX || o1.size != 1 || o0.size != 4)
          return Support::Helper;
        return reg_or_mem(i, o0);
      }
      if (o1.kind != OpKind::Imm) return Support::Helper;
      const unsigned n = (o1.reg ? i.imm2 : i.imm) & 31;
      if (n == 0 || n >= o0.size * 8u) return Support::Helper;
      return reg_or_mem(i, o0);
    }
    case OP_IMUL:
      if (i.lock || (i.nops != 2 && i.nops != 3) || !reg_ok(o0) || o0.size < 2) return Support::Helper;
      if (i.nops == 3 && i.o[2].kind != OpKind::Imm) return Support::Helper;
      if (reg_ok(o1) && o1.size == o0.size) return Support::Inline;
      if (mem_ok(i, o1) && o1.size == o0.size) return Support::InlineMemory;
      return Support::Helper;
    case OP_XCHG:
      if (i.nops == 2 && reg_ok(o0) && reg_ok(o1) && o0.size == o1.size && !i.lock) return Support::Inline;
      return Support::Helper;
    case OP_NOP: case OP_PAUSE: case OP_CDQ: case OP_CWDE: case OP_CBW: case OP_CWD:
    case OP_CLC: case OP_STC: case OP_CMC:
      return i.lock ? Support::Helper : Support::Inline;
    case OP_BSWAP:
      return (i.nops == 1 && reg_ok(o0) && o0.size == 4 && !i.lock) ? Support::Inline : Support::Helper;
    case OP_PUSH:
      if (!stack_ok || i.nops != 1 || i.lock || (i.osize != 2 && i.osize != 4)) return Support::Helper;
      if ((reg_ok(o0) && o0.size == i.osize) || imm_ok(o0)) return Support::InlineMemory;
      return Support::Helper;
    case OP_POP:
      if (!stack_ok || i.nops != 1 || i.lock || (i.osize != 2 && i.osize != 4)) return Support::Helper;
      return (reg_ok(o0) && o0.size == i.osize) ? Support::InlineMemory : Support::Helper;
    case OP_JMP:
      if (i.nops != 1 || i.lock) return Support::Helper;
      if (o0.kind == OpKind::Rel) return Support::Inline;
      if (reg_ok(o0) && o0.size == i.osize && o0.size >= 2) return Support::Inline;
      if (mem_ok(i, o0) && o0.size == i.osize && o0.size >= 2) return Support::InlineMemory;
      return Support::Helper;
    case OP_CALL:
      if (!stack_ok || i.nops != 1 || i.lock || i.osize != 4) return Support::Helper;
      if (o0.kind == OpKind::Rel || (reg_ok(o0) && o0.size == 4) || (mem_ok(i, o0) && o0.size == 4))
        return Support::InlineMemory;
      return Support::Helper;
    case OP_RET:
      if (!stack_ok || i.osize != 4 || i.lock || (i.opcode != 0xC3 && i.opcode != 0xC2)) return Support::Helper;
      return Support::InlineMemory;
    case OP_LOOP: case OP_JCXZ: case OP_JECXZ:
      return i.lock ? Support::Helper : Support::Inline;
    default:
      break;
  }
  if (i.lock) return Support::Helper;
  if (i.op >= OP_JO && i.op <= OP_JNLE) return Support::Inline;
  if (i.op >= OP_SETO && i.op <= OP_SETNLE)
    return (i.nops == 1 && reg_ok(o0) && o0.size == 1) ? Support::Inline : Support::Helper;
  if (i.op >= OP_CMOVO && i.op <= OP_CMOVNLE) {
    if (i.nops != 2 || !reg_ok(o0) || o0.size < 2) return Support::Helper;
    if (reg_ok(o1) && o1.size == o0.size) return Support::Inline;
    if (mem_ok(i, o1) && o1.size == o0.size) return Support::InlineMemory;
  }
  (void)cs_hi;
  return Support::Helper;
}

}  // namespace xlat::translator::x64
