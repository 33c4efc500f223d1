// x87 data transfer against the host CPU: loads and stores in every format
// (32/64/80-bit real, 16/32/64-bit integer, packed BCD) with rounding and
// exceptions, constants under every rounding control, register moves,
// FXCH/FCMOVcc/FCHS/FABS/FFREE/FINCSTP/FDECSTP, and the stack overflow and
// underflow responses (masked and unmasked).
#include <catch2/catch.hpp>

#include <cstring>

#include "tests/isa/x87_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::x87;

namespace {

const std::vector<Ext> kOne = {{0x8000000000000000ull, 0x3FFF}};

void all_cws(const std::string& op, const std::vector<Ext>& a, const std::vector<Ext>& b,
             const std::vector<Raw>& mem = {}, const std::string& pre = "") {
  for (uint16_t cw : control_words()) {
    INFO("op " << op << " cw " << std::hex << cw);
    check_native(stack_case(op, cw, a, b, mem, pre));
  }
}

}  // namespace

TEST_CASE("FLD/FILD/FBLD from memory match the host", "[isa][x87]") {
  all_cws("fld dword MEM", kOne, kOne, f32_values());
  all_cws("fld qword MEM", kOne, kOne, f64_values());
  all_cws("fild word MEM", kOne, kOne, i16_values());
  all_cws("fild dword MEM", kOne, kOne, i32_values());
  all_cws("fild qword MEM", kOne, kOne, i64_values());
  all_cws("fbld MEM", kOne, kOne, bcd_values());
  // 80-bit loads take every encoding as it is, without exceptions.
  std::vector<Raw> ext;
  for (const Ext& v : edge_values()) {
    Raw r(10);
    std::memcpy(r.data(), &v.mant, 8);
    std::memcpy(r.data() + 8, &v.se, 2);
    ext.push_back(r);
  }
  all_cws("fld tword MEM", kOne, kOne, ext);
}

TEST_CASE("FST/FSTP/FIST/FISTP/FBSTP to memory match the host", "[isa][x87]") {
  for (const char* op : {"fst dword OUT", "fstp dword OUT", "fst qword OUT", "fstp qword OUT", "fstp tword OUT",
                         "fist word OUT", "fistp word OUT", "fist dword OUT", "fistp dword OUT",
                         "fistp qword OUT", "fbstp OUT"})
    all_cws(op, edge_values(), kOne);
}

TEST_CASE("x87 constants are rounded per the rounding control as on the host", "[isa][x87]") {
  for (const char* op : {"fld1", "fldz", "fldpi", "fldl2t", "fldl2e", "fldlg2", "fldln2"})
    all_cws(op, kOne, kOne);
}

TEST_CASE("x87 register moves and sign operations match the host", "[isa][x87]") {
  for (const char* op : {"fld st0", "fld st1", "fld st5", "fst st1", "fst st4", "fstp st1", "fstp st0", "fstp st6",
                         "fxch st1", "fxch st3", "fchs", "fabs", "ffree st0", "ffree st1", "ffreep st1",
                         "fincstp", "fdecstp", "fnop", "db 0xd9, 0xd9"})
    all_cws(op, edge_values(), kOne);
}

TEST_CASE("FCMOVcc moves on each condition as on the host", "[isa][x87]") {
  for (const char* op : {"fcmovb st0, st1", "fcmove st0, st1", "fcmovbe st0, st1", "fcmovu st0, st1",
                         "fcmovnb st0, st1", "fcmovne st0, st1", "fcmovnbe st0, st1", "fcmovnu st0, st1"}) {
    for (uint32_t flags : {0x0u, 0x1u, 0x4u, 0x40u, 0x45u}) {
      FpuCase t = stack_case(op, 0x037F, kOne, edge_values());
      t.flags = flags;
      INFO(op << " flags " << flags);
      check_native(t);
    }
  }
}

TEST_CASE("x87 stack overflow and underflow responses match the host", "[isa][x87]") {
  const std::string fill6 = "fld1\nfld1\nfld1\nfld1\nfld1\nfld1";  // + the two loads: all 8 in use
  // Overflow: every push onto a full stack.
  for (const char* op : {"fld st0", "fld1", "fldpi", "fld dword MEM", "fild word MEM", "fsincos", "fptan",
                         "fxtract"}) {
    all_cws(op, pair_values(), kOne, {{0, 0, 0x80, 0x3F}}, fill6);
  }
  // Underflow: ST(0) or ST(1) empty for each kind of instruction.
  for (const char* empty : {"ffree st0", "ffree st1"}) {
    for (const char* op : {"fadd st0, st1", "faddp st1, st0", "fadd dword MEM", "fcom st1", "fcompp", "fucomip st0, st1",
                           "ftst", "fxam", "fst dword OUT", "fistp word OUT", "fbstp OUT", "fstp tword OUT",
                           "fst st2", "fxch st1", "fchs", "fsqrt", "fsin", "fsincos", "fptan", "fxtract",
                           "fpatan", "fyl2x", "fscale", "fprem", "fld st1", "fcmovb st0, st1"}) {
      all_cws(std::string(empty) + "\n" + op, pair_values(), kOne, {{0, 0, 0x80, 0x3F}});
    }
  }
}
