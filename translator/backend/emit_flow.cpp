// Near control transfer emitted inline: JMP, Jcc, LOOP/JCXZ/JECXZ, CALL and
// RET. Direct targets become patchable exits (chained by the dispatcher),
// computed targets go through the indirect-branch look-up. A target beyond
// the CS limit raises #GP(0) through the instruction's handler.
#include <cstddef>

#include "core/cpu.hpp"
#include "core/isa/isa.hpp"
#include "translator/backend/emitter.hpp"

namespace xlat::translator::x64 {

using namespace core;
using asmjit::imm;
using asmjit::Label;

namespace {
constexpr int32_t OFF_EIP = offsetof(CpuState, eip);
}

bool BlockEmitter::emit_jmp() {
  const DecodedInsn& i = in();
  const Operand& o = i.o[0];
  const uint32_t hi = b_.key.cs_hi;
  if (o.kind == OpKind::Rel) {
    uint32_t t = next_eip() + i.imm;
    if (i.osize == 2) t &= 0xFFFF;
    if (t > hi) return false;
    ++pending_;
    exit_direct(t);
    ended_ = true;
    return true;
  }
  Label bad = a.newLabel();
  flush();
  if (o.kind == OpKind::Reg) {
    if (i.osize == 2) a.movzx(ax::r8d, greg(o.reg, 2));
    else a.mov(ax::r8d, greg(o.reg, 4));
  } else {
    ax::Mem m = mem_access(i.osize, false, bad);
    if (i.osize == 2) a.movzx(ax::r8d, m);
    else a.mov(ax::r8d, m);
  }
  if (hi != 0xFFFFFFFFu) {
    a.cmp(ax::r8d, hi);
    a.ja(bad);
  }
  slow_path(bad, Label(), true);
  ++pending_;
  exit_indirect();
  ended_ = true;
  return true;
}

bool BlockEmitter::emit_jcc() {
  const DecodedInsn& i = in();
  uint32_t t = next_eip() + i.imm;
  if (i.osize == 2) t &= 0xFFFF;
  if (t > b_.key.cs_hi) return false;
  ++pending_;
  const ax::CondCode cc = cond(i.opcode & 0xF);
  Label taken = a.newLabel();
  a.j(cc, taken);
  const FlagState f = f_;
  const unsigned p = pending_;
  const bool valid = eflags_valid_;
  exit_direct(next_eip());
  f_ = f;
  pending_ = p;
  eflags_valid_ = valid;
  a.bind(taken);
  exit_direct(t);
  ended_ = true;
  return true;
}

bool BlockEmitter::emit_loop() {
  const DecodedInsn& i = in();
  uint32_t t = next_eip() + i.imm;
  if (i.osize == 2) t &= 0xFFFF;
  if (t > b_.key.cs_hi) return false;
  const unsigned csize = i.asize == 2 ? 2 : 4;
  const ax::Gp cx = greg(ECX, csize);
  flush();
  if (i.op == OP_LOOP) {
    a.lea(greg(ECX, 4), ax::ptr(greg64(ECX), -1));
    if (csize == 2) {
      // Only CX counts down; the upper half of ECX stays: undo the borrow into it.
      a.lea(ax::r10d, ax::ptr(greg64(ECX), 1));
      a.mov(ax::r10w, cx);
      a.mov(greg(ECX, 4), ax::r10d);
    }
  }
  ++pending_;
  a.test(cx, cx);
  f_.host = 0;
  Label taken = a.newLabel();
  a.j(i.op == OP_LOOP ? ax::CondCode::kNZ : ax::CondCode::kZ, taken);
  const unsigned p = pending_;
  exit_direct(next_eip());
  pending_ = p;
  a.bind(taken);
  exit_direct(t);
  ended_ = true;
  return true;
}

bool BlockEmitter::emit_call() {
  const DecodedInsn& i = in();
  const Operand& o = i.o[0];
  const uint32_t hi = b_.key.cs_hi;
  uint32_t t = 0;
  if (o.kind == OpKind::Rel) {
    t = next_eip() + i.imm;
    if (t > hi) return false;
  }
  flush();
  Label slow = a.newLabel();
  if (o.kind != OpKind::Rel) {
    if (o.kind == OpKind::Reg) {
      a.mov(ax::ecx, greg(o.reg, 4));
    } else {
      ax::Mem m = mem_access(4, false, slow);
      a.mov(ax::ecx, m);
    }
    if (hi != 0xFFFFFFFFu) {
      a.cmp(ax::ecx, hi);
      a.ja(slow);
    }
    a.mov(ax::dword_ptr(ax::r15, OFF_EIP), ax::ecx);  // the target, until the push is done
  }
  a.lea(ax::r8d, ax::ptr(greg64(ESP), -4));
  ax::Mem m = probe_linear(4, true, slow);
  a.mov(m, next_eip());
  a.mov(greg(ESP, 4), ax::r8d);
  slow_path(slow, Label(), true);
  ++pending_;
  if (o.kind == OpKind::Rel) {
    exit_direct(t);
  } else {
    a.mov(ax::r8d, ax::dword_ptr(ax::r15, OFF_EIP));
    exit_indirect();
  }
  ended_ = true;
  return true;
}

bool BlockEmitter::emit_ret() {
  const DecodedInsn& i = in();
  const uint32_t hi = b_.key.cs_hi;
  const uint32_t release = (i.nops > 0 && i.o[0].kind == OpKind::Imm) ? (i.imm & 0xFFFF) : 0;
  flush();
  Label slow = a.newLabel();
  a.mov(ax::r8d, greg(ESP, 4));
  ax::Mem m = probe_linear(4, false, slow);
  a.mov(ax::ecx, m);
  if (hi != 0xFFFFFFFFu) {
    a.cmp(ax::ecx, hi);
    a.ja(slow);
  }
  a.lea(greg(ESP, 4), ax::ptr(greg64(ESP), int32_t(4 + release)));
  a.mov(ax::r8d, ax::ecx);
  slow_path(slow, Label(), true);
  ++pending_;
  exit_indirect();
  ended_ = true;
  return true;
}

}  // namespace xlat::translator::x64
