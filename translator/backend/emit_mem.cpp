// Memory operands (linear address, segment checks, the inline soft-TLB probe,
// the out-of-line slow path) and the data-movement instructions emitted
// inline: MOV, LEA, MOVZX/MOVSX, PUSH, POP, XCHG.
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
constexpr int32_t OFF_EFLAGS = offsetof(CpuState, eflags);

Imm simm(uint32_t v, unsigned size) {
  if (size == 1) return imm(int8_t(v));
  if (size == 2) return imm(int16_t(v));
  return imm(int32_t(v));
}

ax::Gp scratch(unsigned id, unsigned size) {
  if (size == 1) return ax::gpb(id);
  if (size == 2) return ax::gpw(id);
  return ax::gpd(id);
}
}  // namespace

void BlockEmitter::compute_ea(const DecodedInsn& i, const ax::Gp& dst) {
  const bool has_base = i.base != NO_REG, has_index = i.index != NO_REG;
  if (!has_base && !has_index) {
    a.mov(dst, uint32_t(i.disp));
  } else if (!has_base) {
    a.lea(dst, ax::ptr(ax::Gp(), greg64(i.index), i.scale, i.disp));
  } else if (!has_index) {
    a.lea(dst, ax::ptr(greg64(i.base), i.disp));
  } else {
    a.lea(dst, ax::ptr(greg64(i.base), greg64(i.index), i.scale, i.disp));
  }
  if (i.asize == 2) a.movzx(dst, dst.r16());
}

ax::Mem BlockEmitter::mem_access(unsigned size, bool write, Label slow) {
  const DecodedInsn& i = in();
  save_flags();  // the probe clobbers the host flags; the slow path merges them
  probe_f_ = f_;
  compute_ea(i, ax::r8d);
  const unsigned sreg = i.seg;
  if (!flat(sreg)) {
    const int32_t so = int32_t(offsetof(CpuState, seg) + sreg * sizeof(Segment));
    a.cmp(ax::r8d, ax::dword_ptr(ax::r15, so + int32_t(offsetof(Segment, lo))));
    a.jb(slow);
    a.lea(ax::r10, ax::ptr(ax::r8, int32_t(size - 1)));
    a.mov(ax::ecx, ax::dword_ptr(ax::r15, so + int32_t(offsetof(Segment, hi))));
    a.cmp(ax::r10, ax::rcx);
    a.ja(slow);
    a.test(ax::byte_ptr(ax::r15, so + int32_t(offsetof(Segment, access))),
           write ? seg_access::WRITE : seg_access::READ);
    a.jz(slow);
    a.add(ax::r8d, ax::dword_ptr(ax::r15, so + int32_t(offsetof(Segment, base))));
  }
  return probe_linear(size, write, slow);
}

// dst = the byte offset of lin's entry in a SoftTlb table: index * 32, i.e.
// bits 12-23 of lin at bits 5-16 (one RORX and an AND with BMI2).
void BlockEmitter::tlb_offset(const ax::Gp& dst, const ax::Gp& lin) {
  static_assert(sizeof(TlbEntry) == 32 && SoftTlb::BITS == 12);
  static const bool bmi2 = asmjit::CpuInfo::host().features().x86().hasBMI2();
  if (bmi2) {
    a.rorx(dst, lin, 7);
  } else {
    a.mov(dst, lin);
    a.shr(dst, 7);
  }
  a.and_(dst, int32_t((SoftTlb::SIZE - 1) << 5));
}

ax::Mem BlockEmitter::probe_linear(unsigned size, bool write, Label slow) {
  const bool user = b_.key.mode & mode_bits::USER;
  const int32_t t = env_.off_tlb + (user ? int32_t(SoftTlb::SIZE * sizeof(TlbEntry)) : 0);
  save_flags();
  probe_f_ = f_;
  tlb_offset(ax::r10d, ax::r8d);
  a.lea(ax::rcx, ax::ptr(ax::r8, int32_t(size - 1)));
  a.and_(ax::rcx, -4096);
  const int32_t tag = int32_t(write ? offsetof(TlbEntry, tag_w) : offsetof(TlbEntry, tag_r));
  a.cmp(ax::rcx, ax::qword_ptr(ax::r15, ax::r10, 0, t + tag));
  a.jne(slow);
  a.mov(ax::r9, ax::qword_ptr(ax::r15, ax::r10, 0, t + int32_t(offsetof(TlbEntry, addend))));
  stat_inc(SH_N_TLB_HITS);
  f_.host = 0;
  return ax::ptr(ax::r9, ax::r8, 0, 0, size);
}

void BlockEmitter::slow_path(Label slow, Label done, bool exit_after) {
  const unsigned pend = pending_;
  const bool restore_flags = f_.host != 0;
  const DecodedInsn* insn = &in();
  const uint32_t eip0 = eip();
  const FlagState before = probe_f_;
  defer([=, this] {
    a.bind(slow);
    stat_inc(SH_N_TLB_MISSES);
    emit_merge(before);  // exact flags for the handler (and a fault)
    store_regs();
    a.mov(ax::rdi, ax::r14);
    a.mov(ax::rsi, imm(reinterpret_cast<uint64_t>(insn)));
    a.mov(ax::edx, eip0);
    a.mov(ax::ecx, pend);
    a.call(ax::qword_ptr(ax::r14, SH_HELPER_EXEC));
    a.mov(ax::r8d, ax::eax);
    load_regs();
    a.test(ax::r8d, ax::r8d);
    a.jnz(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
    if (exit_after) {
      a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), uint32_t(EXIT_DISPATCH));
      a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
      return;
    }
    // The fast path accounts for this instruction later: take back what the helper added.
    a.lea(ax::r11, ax::ptr(ax::r11, -int32_t(pend + 1)));
    if (restore_flags) {
      a.mov(ax::ecx, ax::dword_ptr(ax::r15, OFF_EFLAGS));
      a.and_(ax::ecx, fl::ARITH);
      a.push(ax::rcx);
      a.popfq();
    }
    a.jmp(done);
  });
}

bool BlockEmitter::emit_mov() {
  const DecodedInsn& i = in();
  const Operand &d = i.o[0], &s = i.o[1];
  const unsigned sz = d.size;
  if (d.kind == OpKind::Reg) {
    const ax::Gp dst = greg(d.reg, sz);
    if (s.kind == OpKind::Reg) {
      a.mov(dst, greg(s.reg, sz));
    } else if (s.kind == OpKind::Imm) {
      a.mov(dst, simm(i.imm, sz));
    } else {
      Label slow = a.newLabel(), done = a.newLabel();
      ax::Mem m = mem_access(sz, false, slow);
      a.mov(dst, m);
      a.bind(done);
      slow_path(slow, done, false);
    }
    return true;
  }
  Label slow = a.newLabel(), done = a.newLabel();
  ax::Mem m = mem_access(sz, true, slow);
  if (s.kind == OpKind::Reg) a.mov(m, greg(s.reg, sz));
  else a.mov(m, simm(i.imm, sz));
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_lea() {
  const DecodedInsn& i = in();
  const Operand& d = i.o[0];
  if (d.size == 4 && i.asize == 4) {
    compute_ea(i, greg(d.reg, 4));
    return true;
  }
  compute_ea(i, ax::r8d);
  a.mov(greg(d.reg, d.size), scratch(ax::Gp::kIdR8, d.size));
  return true;
}

bool BlockEmitter::emit_movx() {
  const DecodedInsn& i = in();
  const Operand &d = i.o[0], &s = i.o[1];
  const ax::Gp dst = greg(d.reg, d.size);
  const bool sx = i.op == OP_MOVSX;
  if (s.kind == OpKind::Reg) {
    if (sx) a.movsx(dst, greg(s.reg, s.size));
    else a.movzx(dst, greg(s.reg, s.size));
    return true;
  }
  Label slow = a.newLabel(), done = a.newLabel();
  ax::Mem m = mem_access(s.size, false, slow);
  if (sx) a.movsx(dst, m);
  else a.movzx(dst, m);
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_push() {
  const DecodedInsn& i = in();
  const Operand& o = i.o[0];
  const unsigned size = i.osize;
  Label slow = a.newLabel(), done = a.newLabel();
  a.lea(ax::r8d, ax::ptr(greg64(ESP), -int32_t(size)));
  ax::Mem m = probe_linear(size, true, slow);
  if (o.kind == OpKind::Reg) {
    a.mov(m, greg(o.reg, size));
  } else {
    const uint32_t v = o.size == 1 ? uint32_t(int32_t(int8_t(i.imm))) : i.imm;
    a.mov(m, simm(v, size));
  }
  a.mov(greg(ESP, 4), ax::r8d);
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_pop() {
  const DecodedInsn& i = in();
  const unsigned size = i.osize;
  Label slow = a.newLabel(), done = a.newLabel();
  a.mov(ax::r8d, greg(ESP, 4));
  ax::Mem m = probe_linear(size, false, slow);
  a.mov(scratch(ax::Gp::kIdR10, size), m);
  a.lea(greg(ESP, 4), ax::ptr(greg64(ESP), int32_t(size)));
  a.mov(greg(i.o[0].reg, size), scratch(ax::Gp::kIdR10, size));
  a.bind(done);
  slow_path(slow, done, false);
  return true;
}

bool BlockEmitter::emit_rep_string(size_t k) {
  const DecodedInsn& i = b_.insns[k];
  unsigned size, shift;
  bool movs;
  switch (i.op) {
    case OP_MOVSB: movs = true, size = 1, shift = 0; break;
    case OP_MOVSW: movs = true, size = 2, shift = 1; break;
    case OP_MOVSD: movs = true, size = 4, shift = 2; break;
    case OP_STOSB: movs = false, size = 1, shift = 0; break;
    case OP_STOSW: movs = false, size = 2, shift = 1; break;
    case OP_STOSD: movs = false, size = 4, shift = 2; break;
    default: return false;
  }
  if (i.rep == REP_NONE || i.asize != 4 || !flat(ES) || (movs && !flat(i.seg))) return false;
  const bool user = b_.key.mode & mode_bits::USER;
  const int32_t t = env_.off_tlb + (user ? int32_t(SoftTlb::SIZE * sizeof(TlbEntry)) : 0);
  Label helper = a.newLabel(), join = a.newLabel();
  flush();
  a.test(ax::dword_ptr(ax::r15, int32_t(offsetof(CpuState, eflags))), fl::DF);
  a.jnz(helper);
  a.mov(ax::r10d, greg(ECX, 4));
  a.test(ax::r10d, ax::r10d);
  a.jz(helper);
  if (shift) a.shl(ax::r10d, shift);  // bytes (at most a page: checked next)
  // One range [reg, reg + bytes) inside one page, mapped for `write` or
  // reading: its host address into `host`.
  auto range = [&](const ax::Gp& guest, const ax::Gp& host, bool write) {
    a.mov(ax::ecx, guest.r32());
    a.and_(ax::ecx, 0xFFF);
    a.add(ax::ecx, ax::r10d);
    a.cmp(ax::ecx, 0x1000);
    a.ja(helper);
    tlb_offset(ax::ecx, guest.r32());
    a.mov(host.r32(), guest.r32());
    a.and_(host, -4096);
    const int32_t tag = int32_t(write ? offsetof(TlbEntry, tag_w) : offsetof(TlbEntry, tag_r));
    a.cmp(host, ax::qword_ptr(ax::r15, ax::rcx, 0, t + tag));
    a.jne(helper);
    a.mov(host, ax::qword_ptr(ax::r15, ax::rcx, 0, t + int32_t(offsetof(TlbEntry, addend))));
    a.add(host, guest.r64());
  };
  range(greg(EDI, 4), ax::r9, true);
  if (movs) range(greg(ESI, 4), ax::r8, false);
  // Host REP MOVS/STOS (the host DF is 0): ESI/EDI live in rsi/rdi, so they
  // are swapped with the host pointers in r8/r9 meanwhile; EAX (STOS's value)
  // is rax.
  a.mov(ax::ecx, greg(ECX, 4));
  a.xchg(ax::rdi, ax::r9);
  if (movs) {
    a.xchg(ax::rsi, ax::r8);
    if (size == 1) a.rep().movsb();
    else if (size == 2) a.rep().movsw();
    else a.rep().movsd();
    a.lea(greg(ESI, 4), ax::ptr(ax::r8, greg64(ECX), shift));
  } else {
    if (size == 1) a.rep().stosb();
    else if (size == 2) a.rep().stosw();
    else a.rep().stosd();
  }
  a.lea(greg(EDI, 4), ax::ptr(ax::r9, greg64(ECX), shift));
  a.xor_(greg(ECX, 4), greg(ECX, 4));
  a.lea(ax::r11, ax::ptr(ax::r11, int32_t(pending_ + 1)));
  a.jmp(join);
  a.bind(helper);
  call_helper(k);  // (resets pending_ and the flag state, as the fast path left them)
  a.bind(join);
  return true;
}

bool BlockEmitter::emit_xchg() {
  const DecodedInsn& i = in();
  const unsigned sz = i.o[0].size;
  a.xchg(greg(i.o[0].reg, sz), greg(i.o[1].reg, sz));
  return true;
}

}  // namespace xlat::translator::x64
