// Comparing two outcomes of one sequence, and printing a reproducer.
#pragma once

#include <string>
#include <vector>

#include "tests/fuzz/disasm.hpp"
#include "tests/fuzz/runners.hpp"

namespace xlat::fuzz {

// What may legitimately differ between two opinions.
struct Mask {
  uint32_t flags = 0;  // arithmetic flags not compared
  uint8_t regs = 0;    // GPRs not compared (bit n = register n)
  uint16_t fsw = 0;    // x87 status word bits not compared
};

// Differences between a and b, one line each (empty if they agree).
std::vector<std::string> compare(const Outcome& a, const Outcome& b, const Mask& m);

// The mask for a pair of outcomes of s: flags the SDM leaves undefined where
// the run ended (at the faulting instruction, or at the end), plus `extra`.
Mask undefined_mask(const Sequence& s, const Outcome& a, const Outcome& b, uint32_t extra_flags = 0);

std::string describe_outcome(const Outcome& o);
std::string describe_init(const InitState& s);
std::string hex(const std::vector<uint8_t>& bytes);

}  // namespace xlat::fuzz
