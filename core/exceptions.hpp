// Guest exceptions as the interpreter raises them.
//
// An instruction that faults throws GuestFault before it has changed any
// architectural state (handlers write their results last), and the run loop
// delivers it with EIP still at the faulting instruction: faults are precise.
// Translated code never sees a C++ exception: helpers it calls catch
// GuestFault and return an exit code (ARCHITECTURE.md principle 7).
#pragma once

#include <cstdint>

namespace xlat::core {

enum Vector : uint8_t {
  VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6,
  VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14,
  VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
};

struct GuestFault {
  uint8_t vector;
  bool has_error;
  uint32_t error;
};

[[noreturn, gnu::cold]] void raise_fault(uint8_t vector);
[[noreturn, gnu::cold]] void raise_fault(uint8_t vector, uint32_t error);

// Selector error code: index | TI, with EXT set when the event is external.
inline uint32_t sel_error(uint16_t sel) { return sel & 0xFFFC; }

// Whether a vector pushes an error code when delivered as an exception.
inline bool vector_has_error(uint8_t v) {
  return v == VEC_DF || (v >= VEC_TS && v <= VEC_PF) || v == VEC_AC;
}

const char* vector_name(uint8_t v);

}  // namespace xlat::core
