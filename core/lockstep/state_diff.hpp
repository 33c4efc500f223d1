// Architectural CPU state compared field by field (the lockstep runner and
// tests): everything an instruction can change and a later one can observe,
// not engine bookkeeping (lazy-flag records, the TLB, caches). EFLAGS is
// compared materialised. Each difference is named the way a trace names it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/cpu.hpp"

namespace xlat::core {

struct StateDifference {
  std::string name;  // e.g. "EAX", "CS.base", "ST3.mant", "XMM1.q0", "icount"
  uint64_t a, b;
};

std::vector<StateDifference> diff_state(const Cpu& a, const Cpu& b);

// Differing byte ranges of two equally sized memories, merged when closer
// than 16 bytes; at most `max` ranges ([first, last] offsets).
std::vector<std::pair<uint64_t, uint64_t>> diff_memory(const uint8_t* a, const uint8_t* b, uint64_t size,
                                                       size_t max);

}  // namespace xlat::core
