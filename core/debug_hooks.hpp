// The engine-side interface of a debugger (GDB stub, monitor): code
// breakpoints and exact single-step, checked by the engines at instruction
// starts. Engine-neutral, never writes INT3 into guest memory (so a
// breakpoint survives code being loaded or copied to its address later and
// never shows up in guest reads).
//
// Contract for an engine (both engines implement it):
//  1. Cost when nothing is armed: none beyond one load.
//  2. While armed(), at every point where the engine is about to start a
//     block (after interrupts pending at that boundary were delivered), it
//     calls stop_here(cpu). If that returns true the engine must not run
//     the instruction: ev::STOP is set and the machine's stop was requested,
//     so the engine returns to its caller at this boundary.
//  3. A block may run as a whole only if no breakpoint lies after its first
//     instruction (block_has_break() over its linear and physical byte
//     ranges is false) and no step is armed (stepping(): Cpu::debug_active()
//     is then true, so the engines' one-instruction path is taken, as for
//     TF, interrupt shadows and debug registers). Otherwise the engine runs
//     one instruction and comes back to 2. A translator must not chain past
//     the block's end while armed(): it returns to its dispatcher after
//     every block. So breakpoints cost nothing in blocks without one.
//  4. Data watchpoints use the PageWatch mechanism (core/mmu/tlb.hpp,
//     WatchOwner::Debugger): accesses to watched pages take the slow path,
//     which calls Cpu::watch_hook; the debugger sets Cpu::end_block there,
//     so an engine must honour end_block after a memory helper returns (as
//     it already must for self-modifying code). A REP string instruction
//     stops after the iteration that hit (EIP stays on it, as a data
//     breakpoint's #DB trap inside REP leaves it).
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
  // Whether a breakpoint lies in a block whose bytes are linear
  // [lin, lin + bytes) and physical [phys, ...) (a block crossing a page:
  // any physical breakpoint counts), other than at its first byte (which
  // stop_here() checked).
  bool block_has_break(uint64_t lin, uint64_t phys, uint32_t bytes, bool two_pages) const {
    if (bytes <= 1) return false;
    auto it = std::upper_bound(lin_.begin(), lin_.end(), lin);
    if (it != lin_.end() && *it < lin + bytes) return true;
    if (phys_.empty()) return false;
    if (two_pages) return true;
    auto pt = std::upper_bound(phys_.begin(), phys_.end(), phys);
    return pt != phys_.end() && *pt < phys + bytes;
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
