// Shared helpers for the instruction handlers (core/interp/ops_*.cpp).
#pragma once

#include "core/cpu.hpp"
#include "core/isa/isa.hpp"

namespace xlat::core {

// #GP(0) unless CPL is 0 (privileged instructions).
inline void require_cpl0(Cpu& c) {
  if (c.s.cpl != 0) raise_fault(VEC_GP, 0);
}

// Whether an I/O access to `port` of `size` bytes is allowed (IOPL, and the
// TSS I/O permission bitmap when CPL > IOPL or in v86 mode); #GP(0) if not.
void check_io(Cpu& c, uint16_t port, unsigned size);

}  // namespace xlat::core
