// The x86-64 backend: turns one decoded guest block into host code with
// asmjit (see jit_abi.hpp for the register and state conventions).
//
// Each instruction is either emitted inline (classify() says which: moves,
// ALU, shifts by an immediate, INC/DEC/NEG/NOT, LEA, MOVZX/MOVSX, IMUL,
// SETcc/CMOVcc, PUSH/POP, near JMP/Jcc/CALL/RET, ...) or run by a call to the
// interpreter's handler through helper_exec (any instruction at all), which
// catches guest faults and returns a status, so no C++ exception ever unwinds
// through translated code.
//
// Flags. An inline ALU instruction is the same host instruction, so it leaves
// the guest's arithmetic flags in the host EFLAGS. FlagState tracks, while
// the block is emitted, which guest flags the host EFLAGS hold and which are
// newer than CpuState::eflags ("dirty"); a dirty flag is written back
// (flush: LAHF/SETO capture + merge) only when something needs it in the state: a
// helper, an exit, a memory access (whose soft-TLB check clobbers the host
// flags and whose slow path may fault and must see exact flags), or a reader
// that cannot use the host flags. Flags no later reader can observe (liveness
// over the block, block_decoder.hpp) are never marked dirty. Where the
// interpreter defines an undefined flag differently from what the host may
// produce (AF after logic ops and shifts, OF after multi-bit shifts), the
// flag is tracked as a constant 0 or as SF xor CF and computed at the flush.
// Flags one register-only instruction produced are not even saved before a
// memory probe: they are regenerated from its registers where needed
// (FlagState::recipe). At a direct exit such flags leave lazily, as the
// operands of that instruction in CpuState::lf (lazy_exit; jit_abi.hpp),
// unless the target reads flags first (Block::flag_reading_targets); a block
// that reads flags before writing all six materializes lazy ones at entry.
//
// Memory. An inline access computes the linear address (segment checks are
// folded away for flat segments, from the block key), probes the soft TLB
// inline (tag compare, then host address = addend + linear) and otherwise
// takes an out-of-line slow path that runs the whole instruction through its
// handler (exact for MMIO, ROM, page faults, code pages, watched pages) and
// rejoins, or leaves the block if the handler asked to (self-modifying code).
//
// Self-loops. A direct branch back to the block's own start (a loop whose
// body is one block) does not leave: after the deadline and event checks a
// chained entry would make, it jumps to a second copy of the body, emitted
// from the flag state the branch has (flags still in host registers or
// regenerable, not stored to CpuState at every iteration). The copy's own
// back-edge jumps to its head when it arrives with the same state; otherwise
// it leaves like any exit. Blocks are cut where they were (a deadline or an
// event leaves at the block's start), so both engines still agree on block
// boundaries.
//
// Exits. A direct exit is a patchable jmp rel32 (block.hpp, Link); an
// indirect one (target EIP in r8d) looks the target up in the
// indirect-branch table inline and jumps to its checked entry, or leaves
// with EXIT_LOOKUP. Every exit first adds the instructions retired since the
// last update to the instruction count (r11, jit_abi.hpp).
#pragma once

#include <asmjit/x86.h>

#include <functional>
#include <vector>

#include "translator/backend/jit_abi.hpp"
#include "translator/block.hpp"

namespace xlat::translator::x64 {

namespace ax = asmjit::x86;

// How an instruction is translated.
enum class Support : uint8_t {
  Helper,        // call the interpreter's handler
  Inline,        // inline host code that cannot fault
  InlineMemory,  // inline host code with a memory access (may fault: slow path)
};
Support classify(const core::DecodedInsn& in, uint32_t mode, uint32_t cs_hi);

// Guest register r (0-7) as a host register of `size` bytes (size 1: r < 4).
ax::Gp greg(unsigned r, unsigned size);
ax::Gp greg64(unsigned r);

struct FlagState {
  uint32_t host = 0;   // guest flags whose current value is in the host EFLAGS
  uint32_t dirty = 0;  // guest flags whose current value is not in CpuState::eflags
  uint32_t zero = 0;   // dirty flags whose value is 0 (not taken from the host)
  bool of_sf_cf = false;  // dirty OF = host SF xor host CF
  // The dirty flags taken from the host (and SF/CF for of_sf_cf) are in
  // JitShared::saved_flags instead of the host EFLAGS: saved there by
  // save_flags() before a memory probe, which clobbers the host flags. They
  // are merged into CpuState::eflags by a flush, or dropped when a later
  // instruction overwrites all of them; an instruction that would overwrite
  // only some of them flushes first (the two sources never mix).
  bool saved = false;
  // Instead of saving them, a memory probe may let the host flags be lost
  // when one instruction `recipe` (an inline register-only ADD, SUB, CMP,
  // TEST, AND, OR, XOR, INC, DEC or NEG, or a SHL/SHR/SAR of a register by an
  // immediate other than SHL/SHR by 1, whose CF it stores in
  // JitShared::recipe_cf when CF is dirty) produced every one of them and the
  // guest registers it reads (recipe_regs) still hold what it left: the flags
  // are regenerated where they are needed (emit_recipe: the same host
  // operation on the same values, e.g. CMP again, or ADD on the register
  // minus its addend) — in a slow path, a flush, or a condition. An
  // instruction that writes one of recipe_regs first flushes them if lost.
  int recipe = -1;
  uint8_t recipe_regs = 0;
  // A recipe INC/DEC whose CF (which INC/DEC keep) came from the recipe
  // instruction cf_base before it: regenerated as cf_base's recipe, then
  // INC/DEC of the register's value before (recipe_regs holds both's).
  int cf_base = -1;
  bool lost = false;
  // Dirty flags whose value comes from the host (or the saved copy).
  uint32_t from_host() const { return (dirty & ~zero) | (of_sf_cf ? fl_of : 0u); }
  bool operator==(const FlagState&) const = default;
  static constexpr uint32_t fl_of = 1u << 11;
};

class BlockEmitter {
 public:
  BlockEmitter(const EmitEnv& env, Block& b, ax::Assembler& a, bool loop_copy = true);
  void emit();
  bool emitted_loop_copy() const { return loop_.have; }

  asmjit::Label checked_label, entry_label;
  struct LinkSite {
    Link* link;
    asmjit::Label jmp;   // bound at the jmp rel32
    asmjit::Label stub;  // its unlinked target
  };
  std::vector<LinkSite> link_sites;

 private:
  // --- emit_core.cpp: structure, exits, helpers ---
  void prologue();
  void emit_insn(size_t k);
  void call_helper(size_t k);          // runs insn k through its handler; continues or exits
  void exit_after_helper_branch(size_t k);
  void exit_direct(uint32_t target);   // flags (eflags or lazily) + icount + patchable jmp
  void exit_indirect();                // target EIP in r8d
  void exit_dispatch(uint32_t eip, ExitReason why);  // cold stub body: s.eip = eip, leave
  void add_icount();                   // pending -> the instruction count (r11)
  bool loop_back_edge();               // a direct exit to the block's start: emitted as a jump to the copy?
  void emit_loop_copy();               // the second copy of the body (Self-loops above)
  void store_regs();
  void load_regs();
  void defer(std::function<void()> f) { cold_.push_back(std::move(f)); }
  void stat_inc(int32_t shared_off);

  // --- emit_flags.cpp ---
  void flush();                        // dirty flags -> CpuState::eflags (clobbers host flags)
  void emit_merge(const FlagState& f); // the code of a flush of state f (f_ unchanged)
  void save_flags();                   // before a memory probe: host flags -> saved_flags if needed
  void keep_flags();                   // host flags about to be lost: the recipe will do, or saved_flags
  void capture_host_flags();           // ecx = host arithmetic flags (EFLAGS layout)
  void clobber();                      // host flags about to be destroyed: flush what is needed
  ax::CondCode cond(unsigned cc);      // a host condition equal to guest condition cc, now
  void need_host_cf();                 // the host CF holds the guest CF
  bool recipe_of(size_t k, uint8_t& regs) const;  // FlagState::recipe: can insn k be one?
  uint8_t regs_written(size_t k) const;           // guest registers insn k may write (bit r)
  void emit_recipe(const FlagState& f);           // regenerates f's host flags (clobbers rcx)
  void regenerate();                              // f_.lost: the host flags again
  bool lazy_exit();                  // at an exit: the recipe's operands -> CpuState::lf, if it can
  void eflags_stored();              // translated code wrote arithmetic bits of eflags
  // After an inline instruction that wrote `written` (host instruction result),
  // of which `zero` are architecturally 0 and, if of_xor, OF = SF ^ CF.
  void produced(uint32_t written, uint32_t zero = 0, bool of_xor = false);
  // Before inline instruction k_, which writes `written`: dirty flags it does
  // not write, does not read and no later reader observes stop being dirty
  // (CpuState::eflags may keep their stale values; nothing can tell).
  void drop_dead(uint32_t written);
  // Insn k is INC/DEC of a register, and the current recipe (lost) can give
  // the host its CF back: FlagState::cf_base.
  bool incdec_on_recipe(size_t k) const;

  // --- emit_mem.cpp ---
  // Probes the memory operand of the current instruction (size bytes, for
  // writing or reading); returns the host operand [r9 + r8]. Jumps to `slow`
  // when the inline path cannot do the access.
  ax::Mem mem_access(unsigned size, bool write, asmjit::Label slow);
  // Same for an explicit linear address already in r8d (stack accesses).
  ax::Mem probe_linear(unsigned size, bool write, asmjit::Label slow);
  void tlb_offset(const ax::Gp& dst, const ax::Gp& lin);  // dst = byte offset of lin's soft-TLB entry
  void compute_ea(const core::DecodedInsn& in, const ax::Gp& dst32);
  // Slow path of the current instruction: run it through the helper, then
  // rejoin at `done` (or leave the block: exit_after = true).
  void slow_path(asmjit::Label slow, asmjit::Label done, bool exit_after);
  bool emit_mov();
  bool emit_lea();
  bool emit_movx();
  bool emit_push();
  bool emit_pop();
  bool emit_xchg();
  // REP MOVS/STOS with 32-bit addresses over flat segments: inline host REP
  // MOVS/STOS when DF is 0 and each range lies in one page the soft TLB maps
  // (the instruction then completes at once, as the interpreter's fast path
  // does); otherwise, or for a zero count, the helper. Returns false when the
  // instruction does not qualify at all (then the caller runs the helper).
  bool emit_rep_string(size_t k);

  // --- emit_alu.cpp ---
  bool emit_binop();
  bool emit_unop();
  bool emit_shift();
  bool emit_shift_cl();
  bool emit_imul();
  bool emit_setcc();
  bool emit_cmovcc();
  bool emit_misc();

  // --- emit_flow.cpp ---
  bool emit_jmp();
  bool emit_jcc();
  bool emit_call();
  bool emit_ret();
  bool emit_loop();

  // Operand helpers.
  const core::DecodedInsn& in() const { return b_.insns[k_]; }
  uint32_t eip() const { return eips_[k_]; }
  uint32_t next_eip() const { return eips_[k_ + 1]; }
  bool flat(unsigned sreg) const { return b_.key.mode & mode_bits::flat(sreg); }
  uint32_t src_imm(unsigned n) const;  // immediate of operand n, sign-extended like alu::src
  uint64_t ctx_word() const { return uint64_t(b_.key.mode) | (uint64_t(b_.key.cs_base) << 32); }

  const EmitEnv& env_;
  Block& b_;
  ax::Assembler& a;
  std::vector<uint32_t> eips_;   // eips_[k] = EIP of insn k; eips_[n] = EIP after the block
  std::vector<uint32_t> live_;   // flags live after insn k
  std::vector<Support> support_;
  size_t k_ = 0;                 // current instruction
  FlagState f_;
  FlagState probe_f_;            // flag state at the current instruction's memory probe (its slow path merges it)
  unsigned pending_ = 0;         // instructions retired since the last icount update
  bool ended_ = false;           // the current path has left the block
  // Entered with lazy flags (jit_abi.hpp) and not materializing them: every
  // store of arithmetic bits to eflags also sets lf.op = LF_NONE (the block
  // writes all flags before it reads any, so eflags is then exact for every
  // flag still observable).
  bool lazy_entry_ = false;
  bool eflags_valid_ = false;    // lf.op is LF_NONE here, on every path
  struct Loop {
    bool ok = false;       // this block may loop into a copy of itself
    bool have = false;     // a back-edge asked for the copy (f, eflags_valid: its state at the head)
    bool in_copy = false;  // emitting the copy
    asmjit::Label head;
    FlagState f;
    bool eflags_valid = false;
  } loop_;
  std::vector<std::function<void()>> cold_;
};

}  // namespace xlat::translator::x64
