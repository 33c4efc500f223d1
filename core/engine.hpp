// The interface through which the machine runs a CPU engine (the
// interpreter in core/interp, or the translator in translator/). Core never
// depends on the translator; the translator implements this interface.
#pragma once

#include <cstdint>
#include <vector>

#include "core/cpu.hpp"

namespace xlat::core {

// One cached block, as the monitor's `info blocks` lists it.
struct BlockInfo {
  uint64_t phys = 0;         // physical address of its first byte
  uint32_t bytes = 0;        // guest bytes
  uint32_t insns = 0;        // guest instructions
  bool code32 = false;       // decoded as 32-bit code
  bool has_linear = false;   // the engine keys blocks by CS:EIP too
  uint32_t cs_base = 0, eip = 0;
  uint32_t host_bytes = 0;   // generated host code (0: decoded only)
  uint32_t exits = 0, linked = 0;  // direct exits, and how many are chained
};

class Engine : public CodeObserver {
 public:
  virtual const char* name() const = 0;
  // Runs guest code until cpu.icount >= until, the CPU halts, or an event in
  // cpu.events asks to stop. Exceptions are delivered inside; it returns
  // only at instruction boundaries.
  virtual void run(Cpu& cpu, uint64_t until) = 0;
  // Appends every block the engine has cached (for `info blocks`).
  virtual void list_blocks(std::vector<BlockInfo>& out) const = 0;
};

}  // namespace xlat::core
