// The interface through which the machine runs a CPU engine (the
// interpreter in core/interp, or the translator in translator/). Core never
// depends on the translator; the translator implements this interface.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace xlat::core {

class Engine : public CodeObserver {
 public:
  virtual const char* name() const = 0;
  // Runs guest code until cpu.icount >= until, the CPU halts, or an event in
  // cpu.events asks to stop. Exceptions are delivered inside; it returns
  // only at instruction boundaries.
  virtual void run(Cpu& cpu, uint64_t until) = 0;
};

}  // namespace xlat::core
