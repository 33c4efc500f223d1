// Builders of native-comparison cases for the x87 tests: operand tables of
// edge values and snippets that run one instruction over every operand
// combination, saving the whole FPU state (FNSAVE) after each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/isa/fpu_native.hpp"

namespace xlat::test::x87 {

// 80-bit values: normals, rounding-sensitive significands, zeros, infinities,
// QNaN/SNaN of both signs, the indefinite, denormals, pseudo-denormals,
// unnormals, pseudo-NaN/-infinity, extremes.
struct Ext {
  uint64_t mant;
  uint16_t se;
};
const std::vector<Ext>& edge_values();
// A shorter list for the two-operand cross products.
const std::vector<Ext>& pair_values();

// Raw memory operands (up to 10 bytes) of one format.
using Raw = std::vector<uint8_t>;
std::vector<Raw> f32_values();
std::vector<Raw> f64_values();
std::vector<Raw> i16_values();
std::vector<Raw> i32_values();
std::vector<Raw> i64_values();
std::vector<Raw> bcd_values();

// Control words worth testing: masked at each precision/rounding pairing,
// and all-unmasked (the native run stays safe: every case ends with FNSAVE,
// a no-wait instruction that also clears the pending exception).
const std::vector<uint16_t>& control_words();

// For each a in `st0` x each b in `st1` (80-bit values, ST(0) = a, ST(1) =
// b) and, if `mem` is not empty, each m in `mem` (the text "MEM" in `op`
// becomes m's address): FLDCW cw; FLD b; FLD a; op; FNSAVE. `pre` runs
// right after FLDCW (e.g. to fill the stack). "OUT" in `op` becomes a
// 16-byte location of its own for each case (for stores).
FpuCase stack_case(const std::string& op, uint16_t cw, const std::vector<Ext>& st0,
                   const std::vector<Ext>& st1, const std::vector<Raw>& mem = {},
                   const std::string& pre = "");

}  // namespace xlat::test::x87
