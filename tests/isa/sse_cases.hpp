// Builders of native-comparison cases for the MMX/SSE/SSE2 tests: vectors of
// edge values and a snippet that runs one instruction over every pair of
// them under several MXCSR settings, storing the registers, MXCSR and the
// arithmetic flags after each.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/isa/fpu_native.hpp"

namespace xlat::test::sse {

using Vec = std::array<uint32_t, 4>;  // 16 bytes, lane 0 first

// Floats with zeros, infinities, NaNs (quiet/signalling, both signs),
// denormals, extremes, values that round in integer conversions.
const std::vector<Vec>& float_vectors();
// The same for doubles (two per vector).
const std::vector<Vec>& double_vectors();
// Integers with boundary bytes/words/dwords and small shift counts.
const std::vector<Vec>& int_vectors();

// MXCSR settings: to nearest; toward +inf; toward zero; FTZ+DAZ.
const std::vector<uint32_t>& fp_mxcsrs();

// For each MXCSR m in `mxcsrs`, each a and b in `values`: MXCSR = m; XMM0 =
// a, XMM1 = b, MM0 = low half of a, MM1 = low half of b, EAX = a[0],
// ECX = b[0]; then `op` ("MEM" = b's 16-byte aligned location, "MEM8" = an
// 8-byte-aligned but not 16-byte-aligned copy of b); then XMM0, MM0, MXCSR,
// EAX and the flags (LAHF, SETO) are stored, and EMMS.
FpuCase simd_case(const std::string& op, const std::vector<uint32_t>& mxcsrs, const std::vector<Vec>& values);

// Runs simd_case for the op natively and under every engine.
void check_simd(const std::string& op, const std::vector<uint32_t>& mxcsrs, const std::vector<Vec>& values);

}  // namespace xlat::test::sse
