// Block structure: entry checks, the instruction loop, helper calls, exits
// and the flag bookkeeping (see emitter.hpp).
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
constexpr uint32_t kGuestIds[8] = {ax::Gp::kIdAx, ax::Gp::kIdR12, ax::Gp::kIdDx, ax::Gp::kIdBx,
                                   ax::Gp::kIdR13, ax::Gp::kIdBp, ax::Gp::kIdSi, ax::Gp::kIdDi};
constexpr int32_t OFF_EIP = offsetof(CpuState, eip);
constexpr int32_t OFF_EFLAGS = offsetof(CpuState, eflags);

// Flags a condition code reads.
uint32_t cc_flags(unsigned cc) {
  static constexpr uint32_t m[8] = {fl::OF, fl::CF, fl::ZF, fl::CF | fl::ZF, fl::SF, fl::PF,
                                    fl::SF | fl::OF, fl::ZF | fl::SF | fl::OF};
  return m[(cc >> 1) & 7];
}
}  // namespace

ax::Gp greg(unsigned r, unsigned size) {
  switch (size) {
    case 1: return ax::gpb(kGuestIds[r]);
    case 2: return ax::gpw(kGuestIds[r]);
    default: return ax::gpd(kGuestIds[r]);
  }
}
ax::Gp greg64(unsigned r) { return ax::gpq(kGuestIds[r]); }

BlockEmitter::BlockEmitter(const EmitEnv& env, Block& b, ax::Assembler& as) : env_(env), b_(b), a(as) {
  const bool c32 = b.key.mode & mode_bits::CODE32;
  uint32_t e = b.key.eip;
  std::vector<bool> may_fault;
  for (const DecodedInsn& i : b.insns) {
    eips_.push_back(e);
    e += i.len;
    if (!c32) e &= 0xFFFF;
    const Support s = classify(i, b.key.mode, b.key.cs_hi);
    support_.push_back(s);
    may_fault.push_back(s != Support::Inline);
  }
  eips_.push_back(e);
  live_ = flag_liveness(b.insns, may_fault);
}

uint32_t BlockEmitter::src_imm(unsigned n) const {
  const DecodedInsn& i = in();
  const uint32_t v = i.o[n].reg ? i.imm2 : i.imm;
  return (i.o[n].size == 1 && i.o[0].size > 1) ? uint32_t(int32_t(int8_t(v))) : v;
}

void BlockEmitter::stat_inc(int32_t off) {
  if (env_.stats) a.inc(ax::qword_ptr(ax::r14, off));
}

void BlockEmitter::emit() {
  checked_label = a.newLabel();
  entry_label = a.newLabel();
  prologue();
  for (size_t k = 0; k < b_.insns.size() && !ended_; ++k) emit_insn(k);
  if (!ended_) exit_direct(eips_.back());
  for (size_t i = 0; i < cold_.size(); ++i) {
    auto f = std::move(cold_[i]);
    f();
  }
}

void BlockEmitter::prologue() {
  const bool user = b_.key.mode & mode_bits::USER;
  const int32_t tlb = env_.off_tlb + (user ? int32_t(SoftTlb::SIZE * sizeof(TlbEntry)) : 0);
  Label page_fail = a.newLabel(), deadline = a.newLabel(), event = a.newLabel();
  auto check_page = [&](uint32_t lin, uint64_t ppage) {
    const int32_t e = tlb + int32_t(SoftTlb::index(lin) * sizeof(TlbEntry));
    a.mov(ax::r10d, lin & ~0xFFFu);
    a.cmp(ax::qword_ptr(ax::r15, e + int32_t(offsetof(TlbEntry, tag_r))), ax::r10);
    a.jne(page_fail);
    a.mov(ax::r10, ppage);
    a.cmp(ax::qword_ptr(ax::r15, e + int32_t(offsetof(TlbEntry, ppage))), ax::r10);
    a.jne(page_fail);
  };
  const uint32_t lin = b_.key.cs_base + b_.key.eip;
  a.bind(checked_label);
  check_page(lin, b_.pages[0]);
  a.bind(entry_label);
  if (b_.pages[1] != b_.pages[0]) check_page(lin + b_.bytes - 1, b_.pages[1]);
  stat_inc(SH_N_BLOCK_ENTRIES);
  a.cmp(ax::r11, ax::qword_ptr(ax::r14, SH_UNTIL));
  a.jae(deadline);
  a.cmp(ax::dword_ptr(ax::r15, env_.off_events), 0);
  a.jne(event);
  Label body = a.newLabel();
  a.bind(body);
  const uint32_t eip0 = b_.key.eip;
  defer([=, this] {
    a.bind(page_fail);
    exit_dispatch(eip0, EXIT_PAGE);
    a.bind(deadline);
    exit_dispatch(eip0, EXIT_DEADLINE);
    // A pending IRQ with IF clear cannot be taken: keep running (the
    // dispatcher could not make progress on it). Anything else leaves.
    Label leave = a.newLabel();
    a.bind(event);
    a.test(ax::dword_ptr(ax::r15, env_.off_events), int32_t(~ev::IRQ));
    a.jnz(leave);
    a.test(ax::dword_ptr(ax::r15, OFF_EFLAGS), int32_t(fl::IF));
    a.jz(body);
    a.bind(leave);
    exit_dispatch(eip0, EXIT_EVENT);
  });
}

void BlockEmitter::emit_insn(size_t k) {
  k_ = k;
  const DecodedInsn& i = in();
  bool done = false;
  if (support_[k] != Support::Helper && (f_.saved || f_.lost)) {
    // Flags saved before a memory probe must not mix with new host flags.
    const uint32_t w = insn_flags_written(i);
    if (w && (f_.from_host() & ~w)) flush();
  }
  if (f_.recipe >= 0 && (regs_written(k) & f_.recipe_regs)) {
    // The recipe's inputs are about to change.
    if (f_.lost) flush();
    f_.recipe = -1;
  }
  if (support_[k] != Support::Helper) {
    switch (i.op) {
      case OP_MOV: done = emit_mov(); break;
      case OP_LEA: done = emit_lea(); break;
      case OP_MOVZX: case OP_MOVSX: done = emit_movx(); break;
      case OP_PUSH: done = emit_push(); break;
      case OP_POP: done = emit_pop(); break;
      case OP_XCHG: done = emit_xchg(); break;
      case OP_ADD: case OP_OR: case OP_ADC: case OP_SBB: case OP_AND: case OP_SUB: case OP_XOR:
      case OP_CMP: case OP_TEST:
        done = emit_binop();
        break;
      case OP_INC: case OP_DEC: case OP_NEG: case OP_NOT: done = emit_unop(); break;
      case OP_SHL: case OP_SHR: case OP_SAR: case OP_ROL: case OP_ROR: done = emit_shift(); break;
      case OP_IMUL: done = emit_imul(); break;
      case OP_JMP: done = emit_jmp(); break;
      case OP_CALL: done = emit_call(); break;
      case OP_RET: done = emit_ret(); break;
      case OP_LOOP: case OP_JCXZ: case OP_JECXZ: done = emit_loop(); break;
      default:
        if (i.op >= OP_JO && i.op <= OP_JNLE) done = emit_jcc();
        else if (i.op >= OP_SETO && i.op <= OP_SETNLE) done = emit_setcc();
        else if (i.op >= OP_CMOVO && i.op <= OP_CMOVNLE) done = emit_cmovcc();
        else done = emit_misc();
        break;
    }
  }
  if (!done && emit_rep_string(k)) return;
  if (!done) {
    call_helper(k);
    return;
  }
  if (!ended_) ++pending_;
}

void BlockEmitter::store_regs() {
  for (unsigned r = 0; r < 8; ++r) a.mov(ax::qword_ptr(ax::r15, int32_t(r * 8)), greg64(r));
  a.mov(ax::qword_ptr(ax::r15, env_.off_icount), ax::r11);
}

void BlockEmitter::load_regs() {
  for (unsigned r = 0; r < 8; ++r) a.mov(greg(r, 4), ax::dword_ptr(ax::r15, int32_t(r * 8)));
  a.mov(ax::r11, ax::qword_ptr(ax::r15, env_.off_icount));
}

void BlockEmitter::add_icount() {
  if (pending_) a.lea(ax::r11, ax::ptr(ax::r11, int32_t(pending_)));
  pending_ = 0;
}

void BlockEmitter::call_helper(size_t k) {
  const DecodedInsn& i = b_.insns[k];
  flush();
  store_regs();
  a.mov(ax::rdi, ax::r14);
  a.mov(ax::rsi, imm(reinterpret_cast<uint64_t>(&i)));
  a.mov(ax::edx, eips_[k]);
  a.mov(ax::ecx, pending_);
  a.call(ax::qword_ptr(ax::r14, SH_HELPER_EXEC));
  a.mov(ax::r8d, ax::eax);
  load_regs();
  a.test(ax::r8d, ax::r8d);
  a.jnz(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
  pending_ = 0;
  f_ = {};
  const uint32_t attrs = op_info[i.op].attrs;
  if (k + 1 == b_.insns.size() && (attrs & (isa_attr::A_END | isa_attr::A_MODE))) {
    exit_after_helper_branch(k);
    ended_ = true;
  }
}

void BlockEmitter::exit_after_helper_branch(size_t k) {
  const DecodedInsn& i = b_.insns[k];
  const uint32_t attrs = op_info[i.op].attrs;
  const bool near_branch = !(attrs & isa_attr::A_MODE) &&
                           (i.op == OP_JMP || i.op == OP_CALL || i.op == OP_RET || i.op == OP_LOOP ||
                            i.op == OP_LOOPE || i.op == OP_LOOPNE || i.op == OP_JCXZ || i.op == OP_JECXZ ||
                            (i.op >= OP_JO && i.op <= OP_JNLE));
  if (near_branch) {
    a.mov(ax::r8d, ax::dword_ptr(ax::r15, OFF_EIP));
    exit_indirect();
    return;
  }
  // s.eip was set by the helper.
  a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), EXIT_DISPATCH);
  a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
}

void BlockEmitter::exit_dispatch(uint32_t eip, ExitReason why) {
  a.mov(ax::dword_ptr(ax::r15, OFF_EIP), eip);
  a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), uint32_t(why));
  a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
}

void BlockEmitter::exit_direct(uint32_t target) {
  flush();
  add_icount();
  b_.exits.push_back(std::make_unique<Link>());
  Link* l = b_.exits.back().get();
  l->from = &b_;
  l->target_eip = target;
  l->same_page = ((b_.key.cs_base + target) & ~0xFFFu) == ((b_.key.cs_base + b_.key.eip) & ~0xFFFu);
  Label jl = a.newLabel(), stub = a.newLabel();
  a.bind(jl);
  a.long_().jmp(stub);
  link_sites.push_back({l, jl, stub});
  defer([=, this] {
    a.bind(stub);
    a.mov(ax::dword_ptr(ax::r15, OFF_EIP), target);
    a.mov(ax::rcx, imm(reinterpret_cast<uint64_t>(l)));
    a.mov(ax::qword_ptr(ax::r14, SH_EXIT_LINK), ax::rcx);
    a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), uint32_t(EXIT_CHAIN));
    a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
  });
}

// The look-up is inline at every indirect exit (not one shared routine), so
// each exit's final indirect jump has its own branch-predictor history.
void BlockEmitter::exit_indirect() {
  flush();
  add_icount();
  if (!(b_.key.mode & (mode_bits::CSLIM_4G | mode_bits::CSLIM_64K))) {
    a.mov(ax::dword_ptr(ax::r15, OFF_EIP), ax::r8d);
    a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), uint32_t(EXIT_DISPATCH));
    a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
    return;
  }
  Label miss = a.newLabel();
  a.imul(ax::ecx, ax::r8d, int32_t(IB_HASH));
  a.shr(ax::ecx, 32 - IB_BITS);
  a.shl(ax::ecx, 5);  // sizeof(IbEntry)
  a.add(ax::rcx, ax::qword_ptr(ax::r14, SH_IB_TABLE));
  a.cmp(ax::dword_ptr(ax::rcx, int32_t(offsetof(IbEntry, eip))), ax::r8d);
  a.jne(miss);
  a.mov(ax::r9, imm(ctx_word()));
  a.cmp(ax::qword_ptr(ax::rcx, int32_t(offsetof(IbEntry, ctx))), ax::r9);
  a.jne(miss);
  stat_inc(SH_N_IB_HITS);
  a.jmp(ax::qword_ptr(ax::rcx, int32_t(offsetof(IbEntry, code))));
  defer([=, this] {
    a.bind(miss);
    a.mov(ax::dword_ptr(ax::r15, OFF_EIP), ax::r8d);
    a.mov(ax::dword_ptr(ax::r14, SH_EXIT_REASON), uint32_t(EXIT_LOOKUP));
    a.jmp(imm(reinterpret_cast<uint64_t>(env_.exit_common)));
  });
}

// --- flags -------------------------------------------------------------------

void BlockEmitter::flush() {
  emit_merge(f_);
  f_ = {};
}

void BlockEmitter::save_flags() {
  // An instruction that overwrites only some of them afterwards: flush now.
  const uint32_t w = insn_flags_written(in());
  if (w && (f_.from_host() & ~w)) flush();
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
  if ((f_.from_host() & ~from_host) == 0 && recipe_of(k_, regs)) {
    f_.recipe = int(k_);
    f_.recipe_regs = regs;
  } else {
    f_.recipe = -1;
  }
}

// --- flag recipes (FlagState::recipe) ---------------------------------------

namespace {
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
}  // namespace

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
    case OP_INC:
      a.mov(ax::ecx, greg(d.reg, 4));
      a.sub(c, 1);
      a.inc(c);
      break;
    case OP_DEC:
      a.mov(ax::ecx, greg(d.reg, 4));
      a.add(c, 1);
      a.dec(c);
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
  emit_recipe(f_);
  f_.lost = false;
  f_.host = f_.from_host() & ~(f_.of_sf_cf ? fl::OF : 0u);
}

}  // namespace xlat::translator::x64
