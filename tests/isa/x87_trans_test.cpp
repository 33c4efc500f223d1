// x87 transcendental and other ST(0)/ST(1) operations against the host CPU:
// FSQRT, FRNDINT, F2XM1, FSIN, FCOS, FSINCOS, FPTAN (including the C2
// "out of range" answer), FXTRACT, FPATAN, FYL2X, FYL2XP1, FSCALE,
// FPREM/FPREM1 (quotient bits and partial remainders).
#include <catch2/catch.hpp>

#include "tests/isa/x87_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::x87;

namespace {

// Operands for the trigonometric functions: small, around pi/2, at the edge
// of the 2^63 range, and beyond it.
const std::vector<Ext>& trig_values() {
  static const std::vector<Ext> v = {
      {0xC90FDAA22168C235ull, 0x3FFF},  // pi/2
      {0xC90FDAA22168C234ull, 0x4001},  // ~2pi
      {0x8000000000000000ull, 0x3FBF},  // 2^-64
      {0xFFFFFFFFFFFFFFFFull, 0x403D},  // just under 2^63
      {0x8000000000000000ull, 0x403E},  // 2^63: out of range
      {0x8000000000000000ull, 0xC050},  // -2^81: out of range
      {0x9C40000000000000ull, 0x400C},  // 10000
  };
  return v;
}

std::vector<Ext> concat(const std::vector<Ext>& a, const std::vector<Ext>& b) {
  std::vector<Ext> r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

}  // namespace

TEST_CASE("x87 one-operand functions match the host", "[isa][x87]") {
  const std::vector<Ext> values = concat(edge_values(), trig_values());
  for (const char* op : {"fsqrt", "frndint", "f2xm1", "fsin", "fcos", "fsincos", "fptan", "fxtract"}) {
    for (uint16_t cw : control_words()) {
      INFO(op << " cw " << std::hex << cw);
      check_native(stack_case(op, cw, values, {{0x8000000000000000ull, 0x3FFF}}));
    }
  }
}

TEST_CASE("x87 two-operand functions match the host", "[isa][x87]") {
  for (const char* op : {"fpatan", "fyl2x", "fyl2xp1", "fscale", "fprem", "fprem1"}) {
    for (uint16_t cw : control_words()) {
      INFO(op << " cw " << std::hex << cw);
      check_native(stack_case(op, cw, pair_values(), pair_values()));
    }
  }
}

TEST_CASE("FPREM/FPREM1 report quotient bits and partial remainders as the host", "[isa][x87]") {
  // Large exponent differences need several iterations (C2 = 1 until done).
  const std::vector<Ext> dividends = {{0xC90FDAA22168C235ull, 0x4000},  // pi
                                      {0x8000000000000000ull, 0x4050},  // 2^81
                                      {0xDEADBEEFCAFEBABEull, 0x40C0},  // ~2^193
                                      {0xA000000000000000ull, 0xC002}}; // -10
  const std::vector<Ext> divisors = {{0xC000000000000000ull, 0x3FFF},   // 1.5
                                     {0xB504F333F9DE6484ull, 0x3FFF},   // sqrt 2
                                     {0x8000000000000000ull, 0xC001}};  // -4
  for (const char* op : {"fprem", "fprem1", "fprem\nfprem\nfprem", "fprem1\nfprem1\nfprem1"})
    check_native(stack_case(op, 0x037F, dividends, divisors));
}
