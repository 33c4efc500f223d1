// The interpreter engine: runs guest code one decoded block at a time.
//
// A block is a run of instructions decoded once and cached by the physical
// address of its first byte plus the code size (16/32-bit). It ends at the
// first instruction the table marks A_END (control transfer), A_MODE (may
// change what later bytes mean) or A_IO, at a page boundary, or after
// MAX_BLOCK instructions. The pages a block was decoded from are marked as
// code pages on the bus; a write to one drops every block of that page, and
// the running block stops after the writing instruction (Cpu::end_block).
//
// Single-instruction mode (EFLAGS.TF, an interrupt shadow, active debug
// registers) runs one instruction per iteration so that traps and
// breakpoints are taken exactly.
#pragma once

#include <initializer_list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/engine.hpp"

namespace xlat::core {

struct DecodedBlock {
  uint64_t key;
  uint64_t pages[2];  // physical pages the bytes came from (pages[1] == pages[0] if one)
  uint32_t bytes;     // total length of the instructions
  std::vector<DecodedInsn> insns;
};

class Interpreter final : public Engine {
 public:
  static constexpr unsigned MAX_BLOCK = 64;

  explicit Interpreter(Bus& bus) : bus_(bus) {}
  const char* name() const override { return "interp"; }
  void run(Cpu& cpu, uint64_t until) override;
  void code_page_written(uint64_t page_number) override;
  void flush_all_code() override;
  void list_blocks(std::vector<BlockInfo>& out) const override;

  // Statistics.
  uint64_t blocks_decoded = 0;
  uint64_t block_invalidations = 0;
  uint64_t single_steps = 0;  // instructions run one at a time (TF, debuggers, -singlestep excluded)

  // Runs exactly one instruction (used by single-step and debuggers); none
  // when a debugger breakpoint or step stops before it (Cpu::dbg).
  void step(Cpu& cpu);
  // Whether a debugger breakpoint lies after the first instruction of the
  // block at CS:EIP (decoding it if needed; fetch faults propagate).
  bool block_has_break(Cpu& cpu);

 private:
  DecodedBlock* lookup(Cpu& cpu, uint64_t phys);
  DecodedBlock* build(Cpu& cpu, uint64_t phys, uint64_t key);
  void exec_block(Cpu& cpu, bool single);
  void single_step_trap(Cpu& cpu, bool tf_before);

  void flush_graveyard();
  void cpu_bus_clear_(uint64_t ppage) { bus_.set_code_page(ppage, false); }

  Bus& bus_;
  std::unordered_map<uint64_t, std::unique_ptr<DecodedBlock>> blocks_;
  std::vector<std::unique_ptr<DecodedBlock>> graveyard_;  // invalidated, freed between blocks
  std::unordered_map<uint64_t, std::vector<uint64_t>> page_blocks_;  // ppage -> block keys
  // Direct-mapped front cache over blocks_ (key hash -> block), cleared with it.
  static constexpr unsigned FAST_BITS = 12;
  DecodedBlock* fast_[1u << FAST_BITS] = {};
  static unsigned fast_index(uint64_t key) { return unsigned((key ^ (key >> 13)) & ((1u << FAST_BITS) - 1)); }
};

}  // namespace xlat::core
