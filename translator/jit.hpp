// The translator engine ("jit"): runs guest code as translated x86-64 host
// code, falling back to the interpreter where exactness needs it.
//
// Run loop (the dispatcher). Like the interpreter's loop it checks events and
// interrupts between blocks, then finds the translated block for the current
// state (translating it on a miss) and enters it. Translated code runs from
// block to block through chained jumps and the indirect-branch table without
// returning to C++; it comes back when a block entry sees the run's
// instruction limit or a pending event, when an exit is not linked yet, on a
// guest fault in a helper, or after an instruction that needs the dispatcher
// (mode changes, halts, self-modifying writes).
//
// Single-step (EFLAGS.TF), interrupt shadows and debug registers run through
// the interpreter's exact single-instruction path (Interpreter::step), as do
// blocks the translator does not handle (a block running past the CS limit).
//
// Self-modifying code: the pages a block was decoded from are code pages on
// the bus (writes leave the soft TLB's fast path); a write to one calls
// code_page_written(), which invalidates the blocks of that page: their
// incoming chained jumps are re-pointed to their exit stubs and their
// indirect-table entries dropped. A block invalidated while it runs finishes
// the writing instruction (in a helper) and leaves through the dispatcher.
//
// Code cache: a fixed-size region (code_cache.hpp). When it is full, or when
// the CPU asks to flush (A20, reset), everything is dropped at the next point
// where no translated code is running, and translation starts over.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/engine.hpp"
#include "core/interp/interpreter.hpp"
#include "core/isa/isa.hpp"
#include "translator/backend/jit_abi.hpp"
#include "translator/backend/runtime.hpp"
#include "translator/block.hpp"
#include "translator/code_cache.hpp"

namespace xlat::translator {

struct JitOptions {
  size_t cache_bytes = 64u << 20;
  bool stats = false;      // count transitions and TLB hits in translated code too
  bool perf_map = false;   // write /tmp/perf-<pid>.map
};

struct JitStats {
  uint64_t blocks_translated = 0;
  uint64_t translate_ns = 0;
  uint64_t run_ns = 0;             // time inside run()
  uint64_t cache_flushes = 0;
  uint64_t invalidations = 0;
  uint64_t dispatches = 0;         // entries from the C++ loop
  uint64_t links = 0;              // chained jumps patched
  uint64_t single_steps = 0;       // instructions run by the interpreter's single-step path
  uint64_t interp_blocks = 0;      // blocks run by the interpreter (untranslatable)
  uint64_t exits[EXIT_COUNT] = {};
  uint64_t helper_calls[core::OP_COUNT] = {};
};

class Jit final : public core::Engine {
 public:
  explicit Jit(core::Bus& bus, JitOptions opt = {});
  ~Jit() override;
  const char* name() const override { return "jit"; }
  void run(core::Cpu& cpu, uint64_t until) override;
  // The bus reports the page *number* of a written code page.
  void code_page_written(uint64_t page_number) override;
  void flush_all_code() override;
  void list_blocks(std::vector<core::BlockInfo>& out) const override;

  const JitStats& stats() const { return stats_; }
  const JitShared& shared() const { return sh_; }
  size_t cache_used() const { return cache_.used(); }
  size_t live_blocks() const { return blocks_.size(); }
  void print_stats(std::FILE* out, uint64_t icount) const;

 private:
  friend uint32_t helper_exec(JitShared*, const core::DecodedInsn*, uint32_t, uint32_t);
  friend void helper_materialize(JitShared*);

  void bind(core::Cpu& c);
  Block* find(core::Cpu& c);
  Block* translate(core::Cpu& c, const BlockKey& k);
  BlockKey make_key(const core::Cpu& c, uint64_t phys) const;
  bool reads_flags_first(core::Cpu& c, const Block& b, uint32_t eip);
  void try_link(Link* l, Block* to);
  void patch(uint8_t* jmp, const uint8_t* target);
  void ib_insert(Block* b);
  void invalidate(Block* b);
  void flush_cache();  // only where no translated code runs
  void reclaim();
  void mark_pages(Block* b);
  void perf_map_add(const Block* b);

  core::Bus& bus_;
  core::Interpreter interp_;
  JitOptions opt_;
  CodeCache cache_;
  x64::Runtime rt_;
  EmitEnv env_{};
  JitShared sh_{};
  core::Cpu* cpu_ = nullptr;
  std::vector<IbEntry> ib_;
  std::unordered_map<BlockKey, std::unique_ptr<Block>, BlockKeyHash> blocks_;
  std::unordered_map<uint64_t, std::vector<Block*>> page_blocks_;  // physical page address -> blocks
  static constexpr unsigned FAST_BITS = 12;
  std::vector<Block*> fast_;
  std::vector<std::unique_ptr<Block>> graveyard_;
  Link* pending_link_ = nullptr;
  bool pending_ib_ = false;
  bool in_jit_ = false;
  bool flush_pending_ = false;
  core::GuestFault fault_{};
  std::exception_ptr exc_;
  JitStats stats_;
  std::FILE* perf_map_ = nullptr;
};

uint32_t helper_exec(JitShared* sh, const core::DecodedInsn* in, uint32_t eip, uint32_t pending);
void helper_materialize(JitShared* sh);

}  // namespace xlat::translator
