// Block structure: entry checks, the instruction loop, helper calls and exits
// (see emitter.hpp; the flag bookkeeping is in emit_flags.cpp).
#include <algorithm>
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
constexpr int32_t OFF_LF_OP = offsetof(CpuState, lf) + int32_t(offsetof(LazyFlags, op));
}  // namespace

ax::Gp greg(unsigned r, unsigned size) {
  switch (size) {
    case 1: return ax::gpb(kGuestIds[r]);
    case 2: return ax::gpw(kGuestIds[r]);
    default: return ax::gpd(kGuestIds[r]);
  }
}
ax::Gp greg64(unsigned r) { return ax::gpq(kGuestIds[r]); }

BlockEmitter::BlockEmitter(const EmitEnv& env, Block& b, ax::Assembler& as, bool loop_copy)
    : env_(env), b_(b), a(as) {
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
  // Lazy flags at entry are materialized unless the block writes all six
  // flags (inline) before it reads or partly writes any; a helper first
  // (helper_exec) evaluates and materializes them itself.
  bool materialize = false;
  for (size_t k = 0; k < b.insns.size(); ++k) {
    if (support_[k] == Support::Helper) break;
    const uint32_t r = insn_flags_read(b.insns[k]), w = insn_flags_written(b.insns[k]);
    if (r || (w && w != fl::ARITH)) {
      materialize = true;
      break;
    }
    if (w == fl::ARITH) break;
  }
  lazy_entry_ = !materialize;
  eflags_valid_ = materialize;
  // Blocks over two pages re-check the second page's mapping at every entry,
  // which the copy would skip (a copy that would pass MAX_BLOCK_CODE is
  // dropped by translate_block).
  loop_.ok = loop_copy && b.pages[1] == b.pages[0];
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
  if (loop_.have) emit_loop_copy();
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
    a.mov(ax::rcx, ax::qword_ptr(ax::r15, e + int32_t(offsetof(TlbEntry, pf))));
    a.and_(ax::rcx, -4096);  // the flags
    a.mov(ax::r10, ppage);
    a.cmp(ax::rcx, ax::r10);
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
  if (!lazy_entry_) {
    Label mat = a.newLabel(), done = a.newLabel();
    a.cmp(ax::byte_ptr(ax::r15, OFF_LF_OP), LF_NONE);
    a.jne(mat);
    a.bind(done);
    defer([=, this] {
      a.bind(mat);
      store_regs();
      a.mov(ax::rdi, ax::r14);
      a.call(ax::qword_ptr(ax::r14, SH_MATERIALIZE));
      load_regs();
      a.jmp(done);
    });
  }
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
  const uint32_t w = insn_flags_written(i);
  if (support_[k] == Support::Inline) drop_dead(w);
  if (support_[k] != Support::Helper && (f_.saved || f_.lost)) {
    // Flags saved before a memory probe must not mix with new host flags.
    // INC/DEC of a register a lost recipe does not read keep its CF: the
    // recipe's flags go back to the host first (FlagState::cf_base).
    if (w && (f_.from_host() & ~w)) {
      if (f_.lost && incdec_on_recipe(k)) regenerate();
      else flush();
    }
  }
  bool recipe_dies_after = false;
  if (f_.recipe >= 0 && (regs_written(k) & f_.recipe_regs)) {
    // The recipe's inputs are about to change: lost flags could not be
    // regenerated afterwards. Unless this register-only instruction neither
    // reads flags nor leaves any of them: then nothing needs them again.
    // A load into one of its registers keeps it for its probe's slow path
    // (which runs before the register changes) when no flag it leaves is
    // observed after it.
    const bool load = support_[k] == Support::InlineMemory && !w && !insn_flags_read(i) &&
                      (i.op == OP_MOV || i.op == OP_MOVZX || i.op == OP_MOVSX) && i.o[0].kind == OpKind::Reg &&
                      !(f_.from_host() & live_[k]);
    if (load) {
      recipe_dies_after = true;
    } else {
      if (f_.lost) {
        if (support_[k] != Support::Inline || (f_.from_host() & ~w) || insn_flags_read(i)) flush();
        else f_.lost = false;
      }
      f_.recipe = -1;
      f_.cf_base = -1;
    }
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
  if (recipe_dies_after) {
    f_.recipe = -1;
    f_.cf_base = -1;
    drop_dead(0);  // every flag still from the recipe: none is observed from here on
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

bool BlockEmitter::loop_back_edge() {
  if (!loop_.ok) return false;
  keep_flags();  // the checks below clobber the host flags
  add_icount();
  if (loop_.have) {
    if (!(loop_.f == f_ && loop_.eflags_valid == eflags_valid_)) return false;  // leaves like any exit
  } else {
    loop_.have = true;
    loop_.head = a.newLabel();
    loop_.f = f_;
    loop_.eflags_valid = eflags_valid_;
  }
  stat_inc(SH_N_BLOCK_ENTRIES);
  Label deadline = a.newLabel(), event = a.newLabel();
  a.cmp(ax::r11, ax::qword_ptr(ax::r14, SH_UNTIL));
  a.jae(deadline);
  a.cmp(ax::dword_ptr(ax::r15, env_.off_events), 0);
  a.jne(event);
  a.jmp(loop_.head);
  const FlagState s = f_;
  const Label head = loop_.head;
  const uint32_t eip0 = b_.key.eip;
  defer([=, this] {
    // As at a chained entry (prologue): leave at the block's start with the
    // flags in CpuState; a pending IRQ with IF clear does not stop the loop.
    Label leave = a.newLabel();
    a.bind(event);
    a.test(ax::dword_ptr(ax::r15, env_.off_events), int32_t(~ev::IRQ));
    a.jnz(leave);
    a.test(ax::dword_ptr(ax::r15, offsetof(CpuState, eflags)), int32_t(fl::IF));
    a.jz(head);
    a.bind(leave);
    emit_merge(s);
    exit_dispatch(eip0, EXIT_EVENT);
    a.bind(deadline);
    emit_merge(s);
    exit_dispatch(eip0, EXIT_DEADLINE);
  });
  return true;
}

void BlockEmitter::emit_loop_copy() {
  loop_.in_copy = true;
  a.bind(loop_.head);
  f_ = loop_.f;
  eflags_valid_ = loop_.eflags_valid;
  probe_f_ = {};
  pending_ = 0;
  ended_ = false;
  for (size_t k = 0; k < b_.insns.size() && !ended_; ++k) emit_insn(k);
  if (!ended_) exit_direct(eips_.back());
}

void BlockEmitter::exit_direct(uint32_t target) {
  if (target == b_.key.eip && loop_back_edge()) return;
  const auto& readers = b_.flag_reading_targets;
  if (std::find(readers.begin(), readers.end(), target) != readers.end() || !lazy_exit()) flush();
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

}  // namespace xlat::translator::x64
