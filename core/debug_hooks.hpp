// The engine-side interface of a debugger (GDB stub, monitor): code
// breakpoints and exact single-step, checked by the engines at instruction
// starts. Engine-neutral, never writes INT3 into guest memory (so a
// breakpoint survives code being loaded or copied to its address later and
// never shows up in guest reads).
//
// Contract for an engine (the interpreter implements it; the translator must):
//  1. Cost when nothing is armed: none beyond one load. Cpu::debug_active()
//     includes armed(), so the engines' existing "run one instruction at a
//     time" path (taken for TF, interrupt shadows and debug registers) is
//     also the path taken while a debugger has breakpoints or a step armed.
//  2. While armed(), before each instruction (after interrupts pending at
//     that boundary were delivered, before step_prologue), the engine calls
//     stop_here(cpu). If it returns true the engine must not execute the
//     instruction: ev::STOP is set and the machine's stop was requested, so
//     the engine returns to its caller at this boundary.
//     A translator that runs translated blocks while armed() instead must
//     end every block before any address for which breaks_in() is true
//     and call stop_here() there; generation() changes whenever the set
//     changes (blocks translated under an older generation must be
//     re-checked or dropped), and a step (stepping()) still needs
//     instruction-at-a-time execution.
//  3. Data watchpoints use the PageWatch mechanism (core/mmu/tlb.hpp,
//     WatchOwner::Debugger): accesses to watched pages take the slow path,
//     which calls Cpu::watch_hook; the debugger sets Cpu::end_block there,
//     so an engine must honour end_block after a memory helper returns (as
//     it already must for self-modifying code).
//
// Breakpoints are linear addresses (CS.base + EIP) or physical addresses.
// A breakpoint does not fire when EFLAGS.RF is set (the CPU's own rule for
// instruction breakpoints: a REP instruction resumed after an interrupt
// window, or an IRET that loaded RF) nor on the first instruction after a
// resume from that same address (resume()).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace xlat::core {

class Cpu;

class DebugHooks {
 public:
  enum class Why : uint8_t { Breakpoint, Step };

  // --- engine side ---------------------------------------------------------
  bool armed() const { return armed_; }
  // Called at an instruction start while armed(); see the contract above.
  bool stop_here(Cpu& cpu);
  // Whether a linear breakpoint lies in [first, last] (for translators that
  // end blocks at breakpoint addresses), or any physical breakpoint exists.
  bool breaks_in(uint64_t first, uint64_t last) const {
    auto it = std::lower_bound(lin_.begin(), lin_.end(), first);
    return (it != lin_.end() && *it <= last) || !phys_.empty();
  }
  bool stepping() const { return step_; }
  uint64_t generation() const { return generation_; }

  // --- debugger side -------------------------------------------------------
  // Called when stop_here() stops the CPU (must request the machine's stop).
  std::function<void(Cpu&, Why)> on_stop;
  void add(uint64_t addr, bool physical);
  bool remove(uint64_t addr, bool physical);  // false if there was none
  void clear();
  size_t count() const { return lin_.size() + phys_.size(); }
  bool has(uint64_t addr, bool physical) const {
    const auto& v = physical ? phys_ : lin_;
    return std::binary_search(v.begin(), v.end(), addr);
  }
  // Before running: the instruction at the current CS:EIP is not stopped by
  // a breakpoint at its address (the debugger stopped there already).
  void resume(const Cpu& cpu);
  // Single-step: the next stop_here() after one instruction retired (or at
  // the first instruction of a handler an interrupt or exception entered)
  // stops. end_step() disarms it (also done by the stop itself).
  void begin_step(const Cpu& cpu);
  void end_step() {
    step_ = false;
    rearm();
  }

 private:
  void rearm() { armed_ = step_ || !lin_.empty() || !phys_.empty(); }

  bool armed_ = false;
  bool step_ = false;
  std::vector<uint64_t> lin_, phys_;  // sorted
  uint64_t generation_ = 0;
  // Resume/step origin: the instruction the debugger stopped at.
  uint64_t origin_lin_ = ~0ull, origin_icount_ = ~0ull;
};

}  // namespace xlat::core
