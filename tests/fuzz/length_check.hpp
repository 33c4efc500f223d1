// The instruction-length cross-check: our decoder against Capstone.
#pragma once

#include <cstdint>

#include "tests/fuzz/disasm.hpp"
#include "tests/fuzz/generator.hpp"

namespace xlat::fuzz {

// Checks every instruction of `count` fuzz sequences of `len` units, and a
// corpus of every one- and two-byte opcode with random tails in 16- and
// 32-bit code. Returns the process exit status (1 on an unexplained
// disagreement).
int run_length_check(const Catalog& cat, const Capstone& cs, const Generator& gen, uint64_t count, unsigned len,
                     bool verbose);

}  // namespace xlat::fuzz
