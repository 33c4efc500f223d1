// Arithmetic and logic emitted inline: the guest instruction becomes the same
// host instruction, so the result and the defined flags come out of the host;
// the flags the interpreter defines where the SDM does not (AF after logic
// ops and shifts, OF after multi-bit shifts) are tracked as constants or
// derived values (emitter.hpp, FlagState).
#include <cstddef>

#include "core/cpu.hpp"
#include "core/isa/isa.hpp"
#include "translator/backend/emitter.hpp"

namespace xlat::translator::x64 {

using namespace core;
using asmjit::imm;
using asmjit::Imm;
using asmjit::Label;

namespace {
Imm simm(uint32_t v, unsigned size) {
  if (size == 1) return imm(int8_t(v));
  if (size == 2) return imm(int16_t(v));
  return imm(int32_t(v));
}

ax::Inst::Id binop_id(uint16_t op) {
  switch (op) {
    case OP_ADD: return ax::Inst::kIdAdd;
    case OP_OR: return ax::Inst::kIdOr;
    case OP_ADC: return ax::Inst::kIdAdc;
    case OP_SBB: return ax::Inst::kIdSbb;
    case OP_AND: return ax::Inst::kIdAnd;
    case OP_SUB: return ax::Inst::kIdSub;
    case OP_XOR: return ax::Inst::kIdXor;
    case OP_CMP: return ax::Inst::kIdCmp;
    default: return ax::Inst::kIdTest;
  }
}
}  // namespace

bool BlockEmitter::emit_binop() {
  const DecodedInsn& i = in();
  const Operand &d = i.o[0], &s = i.o[1];
  const unsigned sz = d.size;
  const ax::Inst::Id id = binop_id(i.op);
  const bool logic = i.op == OP_AND || i.op == OP_OR || i.op == OP_XOR || i.op == OP_TEST;
  const bool carry = i.op == OP_ADC || i.op == OP_SBB;
  const bool rmw = i.op != OP_CMP && i.op != OP_TEST;
  Label slow, done;
  bool mem = false;
  if (d.kind == OpKind::Reg) {
    const ax::Gp dst = greg(d.reg, sz);
    if (s.kind == OpKind::Mem) {
      mem = true;
      slow = a.newLabel();
      done = a.newLabel();
      ax::Mem m = mem_access(sz, false, slow);
      if (carry) need_host_cf();
      if (id == ax::Inst::kIdTest) a.test(m, dst);
      else a.emit(id, dst, m);
    } else {
      if (carry) need_host_cf();
      if (s.kind == OpKind::Reg) a.emit(id, dst, greg(s.reg, sz));
      else a.emit(id, dst, simm(src_imm(1), sz));
    }
  } else {
    mem = true;
    slow = a.newLabel();
    done = a.newLabel();
    ax::Mem m = mem_access(sz, rmw, slow);
    if (carry) need_host_cf();
    if (i.lock && rmw) a.lock();
    if (s.kind == OpKind::Reg) a.emit(id, m, greg(s.reg, sz));
    else a.emit(id, m, simm(src_imm(1), sz));
  }
  produced(fl::ARITH, logic ? fl::AF : 0);
  if (mem) {
    a.bind(done);
    slow_path(slow, done, false);
  }
  return true;
}

bool BlockEmitter::emit_unop() {
  const DecodedInsn& i = in();
  const Operand& d = i.o[0];
  const unsigned sz = d.size;
  ax::Inst::Id id;
  uint32_t written;
  switch (i.op) {
    case OP_INC: id = ax::Inst::kIdInc; written = fl::ARITH & ~fl::CF; break;
    case OP_DEC: id = ax::Inst::kIdDec; written = fl::ARITH & ~fl::CF; break;
    case OP_NEG: id = ax::Inst::kIdNeg; written = fl::ARITH; break;
    default: id = ax::Inst::kIdNot; written = 0; break;
  }
  if (d.kind == OpKind::Reg) {
    a.emit(id, greg(d.reg, sz));
    produced(written);
    return true;
  }
  Label slow = a.newLabel(), done = a.newLabel();
  ax::Mem m = mem_access(sz, true, slow);
  if (i.lock) a.lock();
  a.emit(id, m);
  produced(written);
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_shift() {
  const DecodedInsn& i = in();
  if (i.o[1].kind == OpKind::Reg) return emit_shift_cl();
  const Operand& d = i.o[0];
  const unsigned sz = d.size;
  const unsigned n = (i.o[1].reg ? i.imm2 : i.imm) & 31;
  const uint32_t live = live_[k_];
  const bool rotate = i.op == OP_ROL || i.op == OP_ROR;
  // A multi-bit rotate whose OF is observed: the host leaves OF undefined,
  // so it is computed from the result the way the interpreter defines it.
  const bool rot_of = rotate && n > 1 && (live & fl::OF);
  if (rot_of) flush();
  ax::Inst::Id id;
  switch (i.op) {
    case OP_SHL: id = ax::Inst::kIdShl; break;
    case OP_SHR: id = ax::Inst::kIdShr; break;
    case OP_SAR: id = ax::Inst::kIdSar; break;
    case OP_ROL: id = ax::Inst::kIdRol; break;
    default: id = ax::Inst::kIdRor; break;
  }
  Label slow, done;
  const bool mem = d.kind == OpKind::Mem;
  ax::Mem m;
  if (mem) {
    slow = a.newLabel();
    done = a.newLabel();
    m = mem_access(sz, true, slow);
    a.emit(id, m, imm(n));
  } else {
    a.emit(id, greg(d.reg, sz), imm(n));
  }
  if (rot_of) {
    // ROL: OF = MSB(result) ^ CF; ROR: OF = MSB(result) ^ next-to-MSB(result).
    a.pushfq();
    a.pop(ax::rcx);
    if (sz == 4) {
      if (mem) a.mov(ax::r10d, m);
      else a.mov(ax::r10d, greg(d.reg, 4));
    } else {
      if (mem) a.movzx(ax::r10d, m);
      else a.movzx(ax::r10d, greg(d.reg, sz));
    }
    const unsigned top = sz * 8 - 1;
    if (i.op == OP_ROL) {
      a.shr(ax::r10d, top);
      a.xor_(ax::r10d, ax::ecx);
      a.and_(ax::r10d, 1);
    } else {
      // (bits top-1 and top as 0..3) + 1, bit 1: their xor.
      a.shr(ax::r10d, top - 1);
      a.and_(ax::r10d, 3);
      a.add(ax::r10d, 1);
      a.shr(ax::r10d, 1);
      a.and_(ax::r10d, 1);
    }
    a.shl(ax::r10d, 11);
    a.and_(ax::ecx, fl::CF);
    a.or_(ax::ecx, ax::r10d);
    a.and_(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), int32_t(~(fl::CF | fl::OF)));
    a.or_(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), ax::ecx);
    eflags_stored();
    eflags_valid_ = true;
    f_ = {};
  } else if (rotate) {
    produced(fl::CF | fl::OF);
  } else if (i.op == OP_SHL) {
    produced(fl::ARITH, fl::AF, n > 1);
  } else if (i.op == OP_SHR) {
    produced(fl::ARITH, fl::AF | (n > 1 ? fl::OF : 0));
  } else {
    produced(fl::ARITH, fl::AF | fl::OF);
  }
  if (!rotate && f_.recipe == int(k_) && (f_.dirty & fl::CF))
    a.setc(ax::byte_ptr(ax::r14, SH_RECIPE_CF));  // the recipe's CF (FlagState::recipe)
  if (mem) {
    a.bind(done);
    slow_path(slow, done, false);
  }
  return true;
}

// 32-bit SHL/SHR/SAR by CL. A count of 0 (CL & 31) changes nothing, flags
// included, so both paths meet with the flags in CpuState::eflags: flushed
// before, and after the shift when a later reader needs them. The flags the
// interpreter defines where the SDM does not: AF = 0; OF = SF ^ CF after SHL,
// 0 after SAR and after SHR by more than 1.
bool BlockEmitter::emit_shift_cl() {
  const DecodedInsn& i = in();
  const Operand& d = i.o[0];
  flush();
  Label slow, done, skip = a.newLabel();
  const bool mem = d.kind == OpKind::Mem;
  ax::Mem m;
  if (mem) {
    slow = a.newLabel();
    done = a.newLabel();
    m = mem_access(4, true, slow);  // count 0 only reads: a write probe that misses takes the helper
  }
  a.mov(ax::ecx, greg(ECX, 4));
  a.and_(ax::ecx, 31);
  a.jz(skip);
  const ax::Inst::Id id = i.op == OP_SHL ? ax::Inst::kIdShl : i.op == OP_SHR ? ax::Inst::kIdShr : ax::Inst::kIdSar;
  if (mem) a.emit(id, m, ax::cl);
  else a.emit(id, greg(d.reg, 4), ax::cl);
  const bool shr_of = i.op == OP_SHR && (live_[k_] & fl::OF);
  if (shr_of) a.lea(ax::r9d, ax::ptr(ax::rcx, -1));  // 0: a count of 1 (the host's OF stands)
  if (i.op == OP_SHL) produced(fl::ARITH, fl::AF, true);
  else if (i.op == OP_SHR) produced(fl::ARITH, fl::AF);
  else produced(fl::ARITH, fl::AF | fl::OF);
  flush();
  if (shr_of) {
    a.test(ax::r9d, ax::r9d);
    a.jz(skip);
    a.and_(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), int32_t(~fl::OF));
  }
  a.bind(skip);
  if (mem) {
    a.bind(done);
    slow_path(slow, done, false);
  }
  return true;
}

bool BlockEmitter::emit_imul() {
  const DecodedInsn& i = in();
  // Host IMUL leaves SF/ZF/PF/AF undefined; the interpreter sets SF/ZF/PF
  // from the destination-sized result and clears AF: computed when observed.
  const bool full = live_[k_] & (fl::SF | fl::ZF | fl::PF | fl::AF);
  if (full) flush();
  const Operand &d = i.o[0], &s = i.o[1];
  const unsigned sz = d.size;
  const ax::Gp dst = greg(d.reg, sz);
  Label slow, done;
  const bool mem = s.kind == OpKind::Mem;
  if (mem) {
    slow = a.newLabel();
    done = a.newLabel();
    ax::Mem m = mem_access(sz, false, slow);
    if (i.nops == 3) a.imul(dst, m, simm(src_imm(2), sz));
    else a.imul(dst, m);
  } else {
    if (i.nops == 3) a.imul(dst, greg(s.reg, sz), simm(src_imm(2), sz));
    else a.imul(dst, greg(s.reg, sz));
  }
  if (full) {
    a.setc(ax::r10b);  // CF = OF
    a.test(dst, dst);  // SF ZF PF of the result
    a.pushfq();
    a.pop(ax::rcx);
    a.and_(ax::ecx, fl::SF | fl::ZF | fl::PF);
    a.movzx(ax::r10d, ax::r10b);
    a.imul(ax::r10d, ax::r10d, int32_t(fl::CF | fl::OF));
    a.or_(ax::ecx, ax::r10d);
    a.and_(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), int32_t(~fl::ARITH));
    a.or_(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), ax::ecx);
    eflags_stored();
    eflags_valid_ = true;
    f_ = {};
  } else {
    produced(fl::ARITH);
  }
  if (mem) {
    a.bind(done);
    slow_path(slow, done, false);
  }
  return true;
}

bool BlockEmitter::emit_setcc() {
  const DecodedInsn& i = in();
  const ax::CondCode cc = cond(unsigned(i.op - OP_SETO));
  a.set(cc, greg(i.o[0].reg, 1));
  return true;
}

bool BlockEmitter::emit_cmovcc() {
  const DecodedInsn& i = in();
  const Operand &d = i.o[0], &s = i.o[1];
  const ax::Gp dst = greg(d.reg, d.size);
  if (s.kind == OpKind::Reg) {
    const ax::CondCode cc = cond(unsigned(i.op - OP_CMOVO));
    a.cmov(cc, dst, greg(s.reg, d.size));
    return true;
  }
  Label slow = a.newLabel(), done = a.newLabel();
  ax::Mem m = mem_access(d.size, false, slow);
  const ax::CondCode cc = cond(unsigned(i.op - OP_CMOVO));
  a.cmov(cc, dst, m);
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_misc() {
  const DecodedInsn& i = in();
  switch (i.op) {
    case OP_NOP: case OP_PAUSE: return true;
    case OP_CDQ: a.cdq(); return true;
    case OP_CWDE: a.cwde(); return true;
    case OP_CBW: a.cbw(); return true;
    case OP_CWD: a.cwd(); return true;
    case OP_BSWAP: a.bswap(greg(i.o[0].reg, 4)); return true;
    case OP_CLC:
    case OP_STC:
      if (f_.of_sf_cf) flush();
      if (i.op == OP_CLC) a.clc();
      else a.stc();
      produced(fl::CF);
      return true;
    case OP_CMC:
      if (f_.of_sf_cf) flush();
      need_host_cf();
      a.cmc();
      produced(fl::CF);
      return true;
    default:
      return false;
  }
}

}  // namespace xlat::translator::x64
