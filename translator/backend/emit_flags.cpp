// Flag bookkeeping (emitter.hpp, FlagState): write-back of dirty flags to
// CpuState::eflags, saving them around memory probes, conditions on them,
// flag recipes (regenerating the flags of one register-only instruction from
// its registers) and lazy exits (that instruction's operands to CpuState::lf).
#include <cstddef>
#include <stdexcept>

#include "core/cpu.hpp"
#include "core/isa/isa.hpp"
#include "translator/backend/emitter.hpp"
#include "translator/block_decoder.hpp"

namespace xlat::translator::x64 {

using namespace core;
using asmjit::imm;
using asmjit::Label;

namespace {
constexpr int32_t OFF_EFLAGS = offsetof(CpuState, eflags);
constexpr int32_t OFF_LF = offsetof(CpuState, lf);
constexpr int32_t OFF_LF_OP = OFF_LF + int32_t(offsetof(LazyFlags, op));
static_assert(offsetof(LazyFlags, size) == offsetof(LazyFlags, op) + 1);

uint32_t imm_of(const DecodedInsn& i, unsigned n) {
  const uint32_t v = i.o[n].reg ? i.imm2 : i.imm;
  return (i.o[n].size == 1 && i.o[0].size > 1) ? uint32_t(int32_t(int8_t(v))) : v;
}
asmjit::Imm imm_sized(uint32_t v, unsigned size) {
  if (size == 1) return imm(int8_t(v));
  if (size == 2) return imm(int16_t(v));
  return imm(int32_t(v));
}
ax::Gp rcx_sized(unsigned size) { return size == 1 ? ax::Gp(ax::cl) : size == 2 ? ax::Gp(ax::cx) : ax::Gp(ax::ecx); }
// Flags a condition code reads.
bool is_shift(unsigned op) { return op == OP_SHL || op == OP_SHR || op == OP_SAR; }
uint32_t cc_flags(unsigned cc) {
  static constexpr uint32_t m[8] = {fl::OF, fl::CF, fl::ZF, fl::CF | fl::ZF, fl::SF, fl::PF,
                                    fl::SF | fl::OF, fl::ZF | fl::SF | fl::OF};
  return m[(cc >> 1) & 7];
}
}  // namespace

void BlockEmitter::flush() {
  if (f_.dirty) eflags_valid_ = true;
  emit_merge(f_);
  f_ = {};
}

void BlockEmitter::drop_dead(uint32_t written) {
  const uint32_t dead = f_.dirty & ~written & ~live_[k_] & ~insn_flags_read(in());
  if (!dead) return;
  f_.dirty &= ~dead;
  f_.zero &= ~dead;
  if (dead & fl::OF) f_.of_sf_cf = false;
  if (!f_.from_host()) {
    f_.saved = false;
    f_.lost = false;
  }
}

void BlockEmitter::eflags_stored() {
  if (lazy_entry_) a.mov(ax::byte_ptr(ax::r15, OFF_LF_OP), LF_NONE);
}

// The flags of the recipe instruction as CpuState::lf describes them (the
// interpreter's encoding: flags.hpp), from the registers it left. Only when
// the dirty flags are exactly the ones it wrote; INC/DEC keep CF in eflags,
// so they also need eflags exact.
bool BlockEmitter::lazy_exit() {
  if (f_.recipe < 0 || f_.saved || f_.of_sf_cf || !f_.dirty) return false;
  const DecodedInsn& p = b_.insns[size_t(f_.recipe)];
  if (f_.dirty & ~insn_flags_written(p)) return false;
  if ((p.op == OP_INC || p.op == OP_DEC) && !eflags_valid_) return false;
  const Operand &d = p.o[0], &s = p.o[1];
  const ax::Gp d32 = greg(d.reg, 4);
  const bool same = s.kind == OpKind::Reg && s.reg == d.reg;
  auto lf = [](size_t off) { return ax::dword_ptr(ax::r15, OFF_LF + int32_t(off)); };
  const auto res = lf(offsetof(LazyFlags, res)), la = lf(offsetof(LazyFlags, a)), lb = lf(offsetof(LazyFlags, b));
  auto src = [&](ax::Inst::Id id, const ax::Gp& to) {  // to op= source (32 bits; lf masks to the size)
    if (s.kind == OpKind::Reg) a.emit(id, to, greg(s.reg, 4));
    else a.emit(id, to, imm(int32_t(imm_of(p, 1))));
  };
  auto store_b = [&] {
    if (s.kind == OpKind::Reg) a.mov(lb, greg(s.reg, 4));
    else a.mov(lb, imm(int32_t(imm_of(p, 1))));
  };
  LazyOp op;
  switch (p.op) {
    case OP_CMP:
      a.mov(ax::ecx, d32);
      src(ax::Inst::kIdSub, ax::ecx);
      a.mov(res, ax::ecx);
      a.mov(la, d32);
      store_b();
      op = LF_SUB;
      break;
    case OP_SUB:
      if (same) {  // x - x: the flags of 0 - 0
        a.mov(res, 0);
        a.mov(la, 0);
        a.mov(lb, 0);
      } else {
        a.mov(ax::ecx, d32);
        src(ax::Inst::kIdAdd, ax::ecx);
        a.mov(la, ax::ecx);
        a.mov(res, d32);
        store_b();
      }
      op = LF_SUB;
      break;
    case OP_ADD:
      a.mov(ax::ecx, d32);
      src(ax::Inst::kIdSub, ax::ecx);
      a.mov(la, ax::ecx);
      a.mov(res, d32);
      store_b();
      op = LF_ADD;
      break;
    case OP_TEST:
      a.mov(ax::ecx, d32);
      src(ax::Inst::kIdAnd, ax::ecx);
      a.mov(res, ax::ecx);
      op = LF_LOGIC;
      break;
    case OP_AND: case OP_OR: case OP_XOR:
      a.mov(res, d32);
      op = LF_LOGIC;
      break;
    case OP_INC: case OP_DEC:
      a.lea(ax::ecx, ax::ptr(greg64(d.reg), p.op == OP_INC ? -1 : 1));
      a.mov(la, ax::ecx);
      a.mov(lb, 1);
      a.mov(res, d32);
      op = p.op == OP_INC ? LF_INC : LF_DEC;
      break;
    case OP_NEG:
      a.mov(ax::ecx, d32);
      a.neg(ax::ecx);
      a.mov(lb, ax::ecx);
      a.mov(la, 0);
      a.mov(res, d32);
      op = LF_SUB;
      break;
    default:
      return false;
  }
  a.mov(ax::word_ptr(ax::r15, OFF_LF_OP), imm(uint16_t(op | (d.size << 8))));
  f_ = {};
  return true;
}

void BlockEmitter::save_flags() {
  // An instruction that overwrites only some of them afterwards: flush now.
  const uint32_t w = insn_flags_written(in());
  if (w && (f_.from_host() & ~w)) flush();
  keep_flags();
}

void BlockEmitter::keep_flags() {
  if (!f_.saved && !f_.lost && f_.from_host()) {
    if (f_.recipe >= 0) {
      f_.lost = true;
    } else {
      capture_host_flags();
      a.mov(ax::qword_ptr(ax::r14, SH_SAVED_FLAGS), ax::rcx);
      f_.saved = true;
    }
  }
  f_.host = 0;
}

// ecx = the host's arithmetic flags in EFLAGS positions (bits 8-10 are 0),
// without PUSHFQ (slow): LAHF gives SF ZF AF PF CF in EFLAGS order, SETO the
// OF. Guest EAX lives in rax: kept in r10d meanwhile. Clobbers r10 and the
// host flags.
void BlockEmitter::capture_host_flags() {
  a.mov(ax::r10d, ax::eax);
  a.lahf();
  a.seto(ax::al);
  a.movzx(ax::ecx, ax::ah);  // flags byte
  a.movzx(ax::eax, ax::al);
  a.shl(ax::eax, 11);        // OF -> bit 11
  a.or_(ax::ecx, ax::eax);
  a.mov(ax::eax, ax::r10d);
}

void BlockEmitter::emit_merge(const FlagState& f) {
  if (!f.dirty) return;
  const uint32_t from_host = f.dirty & ~f.zero & ~(f.of_sf_cf ? fl::OF : 0u);
  const bool need = from_host || f.of_sf_cf;
  if (need) {
    if (f.saved) {
      a.mov(ax::rcx, ax::qword_ptr(ax::r14, SH_SAVED_FLAGS));
    } else {
      if (f.lost) emit_recipe(f);
      capture_host_flags();
      if (f.lost && is_shift(b_.insns[size_t(f.recipe)].op)) {
        a.movzx(ax::r10d, ax::byte_ptr(ax::r14, SH_RECIPE_CF));
        a.or_(ax::ecx, ax::r10d);  // the regenerating TEST left CF 0
      }
    }
  }
  if (f.of_sf_cf) {
    a.mov(ax::r10d, ax::ecx);
    a.shl(ax::r10d, 7);
    a.xor_(ax::r10d, ax::ecx);
    a.shl(ax::r10d, 4);   // bit 11 = SF (bit 7) xor CF (bit 0)
    a.and_(ax::r10d, fl::OF);
    a.and_(ax::ecx, from_host);
    a.or_(ax::ecx, ax::r10d);
  } else if (need) {
    a.and_(ax::ecx, from_host);
  }
  if (need) {
    a.mov(ax::r10d, ax::dword_ptr(ax::r15, OFF_EFLAGS));
    a.and_(ax::r10d, int32_t(~f.dirty));
    a.or_(ax::r10d, ax::ecx);
    a.mov(ax::dword_ptr(ax::r15, OFF_EFLAGS), ax::r10d);
  } else {
    a.and_(ax::dword_ptr(ax::r15, OFF_EFLAGS), int32_t(~f.dirty));
  }
  eflags_stored();
}

void BlockEmitter::clobber() {
  if ((f_.dirty & ~f_.zero) || f_.of_sf_cf) flush();
  f_.host = 0;
}

void BlockEmitter::need_host_cf() {
  if (f_.lost) regenerate();
  if (f_.host & fl::CF) return;
  flush();
  a.bt(ax::dword_ptr(ax::r15, OFF_EFLAGS), 0);
  f_.host = fl::CF;
}

ax::CondCode BlockEmitter::cond(unsigned cc) {
  cc &= 15;
  const uint32_t need = cc_flags(cc);
  if (f_.lost) regenerate();
  if ((need & ~f_.host) == 0) return ax::CondCode(cc);
  flush();
  const auto ef = ax::dword_ptr(ax::r15, OFF_EFLAGS);
  switch (cc >> 1) {
    case 6:  // L: SF != OF
      a.mov(ax::ecx, ef);
      a.mov(ax::r10d, ax::ecx);
      a.shr(ax::r10d, 4);  // OF -> bit 7
      a.xor_(ax::ecx, ax::r10d);
      a.test(ax::ecx, fl::SF);
      break;
    case 7:  // LE: ZF or SF != OF
      a.mov(ax::ecx, ef);
      a.mov(ax::r10d, ax::ecx);
      a.shr(ax::r10d, 4);
      a.xor_(ax::r10d, ax::ecx);  // bit 7 = SF ^ OF
      a.shl(ax::ecx, 1);          // ZF -> bit 7
      a.or_(ax::ecx, ax::r10d);
      a.test(ax::ecx, fl::SF);
      break;
    default:
      a.test(ef, need);
      break;
  }
  f_.host = 0;
  return (cc & 1) ? ax::CondCode::kZ : ax::CondCode::kNZ;
}

void BlockEmitter::produced(uint32_t written, uint32_t zero, bool of_xor) {
  if ((f_.saved || f_.lost) && written) {
    // emit_insn flushed unless this instruction overwrites every saved flag.
    if (f_.from_host() & ~written) throw std::logic_error("translator: saved flags partly overwritten");
    f_.saved = false;
    f_.lost = false;
  }
  if (!written) return;
  const uint32_t live = live_[k_];
  const uint32_t from_host = written & ~zero & ~(of_xor ? fl::OF : 0u);
  f_.host = (f_.host & ~written) | from_host;
  f_.dirty = (f_.dirty & ~written) | (written & live);
  f_.zero = (f_.zero & ~written) | (zero & written & live);
  if (written & fl::OF) f_.of_sf_cf = of_xor && (live & fl::OF);
  uint8_t regs = 0;
  const int prev = f_.recipe;
  if ((f_.from_host() & ~from_host) == 0 && recipe_of(k_, regs)) {
    f_.recipe = int(k_);
    f_.recipe_regs = regs;
    f_.cf_base = -1;
  } else if ((f_.from_host() & ~from_host) == fl::CF && prev >= 0 && prev != int(k_) && incdec_on_recipe(k_) &&
             recipe_of(k_, regs)) {
    // INC/DEC keep CF: it still comes from the previous recipe (emit_insn regenerated it).
    const unsigned pop = b_.insns[size_t(prev)].op;
    f_.cf_base = ((pop == OP_INC || pop == OP_DEC) && f_.cf_base >= 0) ? f_.cf_base : prev;
    f_.recipe = int(k_);
    f_.recipe_regs = uint8_t(f_.recipe_regs | regs);
  } else {
    f_.recipe = -1;
    f_.cf_base = -1;
  }
}

bool BlockEmitter::incdec_on_recipe(size_t k) const {
  const DecodedInsn& i = b_.insns[k];
  if (support_[k] != Support::Inline || (i.op != OP_INC && i.op != OP_DEC) || i.o[0].kind != OpKind::Reg ||
      f_.recipe < 0 || (regs_written(k) & f_.recipe_regs))
    return false;
  const unsigned rop = b_.insns[size_t(f_.recipe)].op;
  if (is_shift(rop)) return false;  // its CF is not given back to the host
  if ((rop == OP_INC || rop == OP_DEC) && f_.cf_base < 0) return false;  // its CF was never from the host
  return true;
}

// --- flag recipes (FlagState::recipe) ---------------------------------------


bool BlockEmitter::recipe_of(size_t k, uint8_t& regs) const {
  if (support_[k] != Support::Inline) return false;
  const DecodedInsn& i = b_.insns[k];
  const Operand &d = i.o[0], &s = i.o[1];
  if (i.nops < 1 || d.kind != OpKind::Reg) return false;
  regs = uint8_t(1u << d.reg);
  switch (i.op) {
    case OP_ADD:
      if (s.kind == OpKind::Reg && s.reg == d.reg) return false;  // x + x: x is not recoverable
      [[fallthrough]];
    case OP_SUB: case OP_CMP: case OP_TEST:
      if (i.nops != 2) return false;
      if (s.kind == OpKind::Reg) regs |= uint8_t(1u << s.reg);
      else if (s.kind != OpKind::Imm) return false;
      return true;
    case OP_AND: case OP_OR: case OP_XOR: case OP_INC: case OP_DEC: case OP_NEG:
      return true;
    case OP_SHL: case OP_SHR: case OP_SAR: {
      // By an immediate: SF ZF PF come back from the result (TEST), CF from
      // recipe_cf, AF and OF are constants or SF ^ CF (not after SHL/SHR by 1).
      if (i.nops != 2 || s.kind != OpKind::Imm) return false;
      const unsigned n = (s.reg ? i.imm2 : i.imm) & 31;
      return n != 0 && (n > 1 || i.op == OP_SAR);
    }
    default:
      return false;
  }
}

uint8_t BlockEmitter::regs_written(size_t k) const {
  if (support_[k] == Support::Helper) return 0xFF;
  const DecodedInsn& i = b_.insns[k];
  auto bit = [](unsigned r) { return uint8_t(1u << r); };
  switch (i.op) {
    case OP_CMP: case OP_TEST: case OP_NOP: case OP_PAUSE: case OP_CLC: case OP_STC: case OP_CMC:
      return 0;
    case OP_PUSH: case OP_CALL: case OP_RET: return bit(ESP);
    case OP_POP: return uint8_t(bit(ESP) | bit(i.o[0].reg));
    case OP_XCHG: return uint8_t(bit(i.o[0].reg) | bit(i.o[1].reg));
    case OP_CDQ: case OP_CWD: return bit(EDX);
    case OP_CWDE: case OP_CBW: return bit(EAX);
    default:
      if (i.op >= OP_JO && i.op <= OP_JNLE) return 0;
      if (i.op == OP_JMP) return 0;
      if (i.nops > 0 && i.o[0].kind == OpKind::Reg && i.o[0].reg < 8) return bit(i.o[0].reg);
      if (i.nops > 0 && i.o[0].kind == OpKind::Reg) return 0xFF;
      return i.nops > 0 && i.o[0].kind == OpKind::Mem ? 0 : 0xFF;
  }
}

void BlockEmitter::emit_recipe(const FlagState& f) {
  const DecodedInsn& p = b_.insns[size_t(f.recipe)];
  const Operand &d = p.o[0], &s = p.o[1];
  const unsigned sz = d.size;
  const ax::Gp dst = greg(d.reg, sz), c = rcx_sized(sz);
  auto src = [&](ax::Inst::Id id, const ax::Gp& to) {
    if (s.kind == OpKind::Reg) a.emit(id, to, greg(s.reg, sz));
    else a.emit(id, to, imm_sized(imm_of(p, 1), sz));
  };
  switch (p.op) {
    case OP_CMP: src(ax::Inst::kIdCmp, dst); break;
    case OP_TEST: src(ax::Inst::kIdTest, dst); break;
    case OP_AND: case OP_OR: case OP_XOR: a.test(dst, dst); break;
    case OP_SHL: case OP_SHR: case OP_SAR: a.test(dst, dst); break;  // CF: see emit_merge
    case OP_ADD:  // the register minus the addend, plus the addend again
      a.mov(ax::ecx, greg(d.reg, 4));
      src(ax::Inst::kIdSub, c);
      src(ax::Inst::kIdAdd, c);
      break;
    case OP_SUB:
      if (s.kind == OpKind::Reg && s.reg == d.reg) {
        a.cmp(dst, dst);
      } else {
        a.mov(ax::ecx, greg(d.reg, 4));
        src(ax::Inst::kIdAdd, c);
        src(ax::Inst::kIdSub, c);
      }
      break;
    case OP_INC: case OP_DEC:
      if (f.cf_base >= 0) {
        // CF from the base recipe; INC/DEC of the value before keeps it.
        FlagState base = f;
        base.recipe = f.cf_base;
        base.cf_base = -1;
        emit_recipe(base);
        a.lea(ax::ecx, ax::ptr(greg64(d.reg), p.op == OP_INC ? -1 : 1));
      } else {
        a.mov(ax::ecx, greg(d.reg, 4));
        if (p.op == OP_INC) a.sub(c, 1);
        else a.add(c, 1);
      }
      if (p.op == OP_INC) a.inc(c);
      else a.dec(c);
      break;
    case OP_NEG:
      a.mov(ax::ecx, greg(d.reg, 4));
      a.neg(c);
      a.neg(c);
      break;
    default:
      throw std::logic_error("translator: no flag recipe for this instruction");
  }
}

void BlockEmitter::regenerate() {
  if (is_shift(b_.insns[size_t(f_.recipe)].op)) {
    flush();  // the host CF cannot be given back: the flags go to CpuState::eflags
    return;
  }
  emit_recipe(f_);
  f_.lost = false;
  f_.host = f_.from_host() & ~(f_.of_sf_cf ? fl::OF : 0u);
}

}  // namespace xlat::translator::x64
