// x87 control: environment and state images (FNSTENV/FLDENV, FNSAVE/FRSTOR,
// FXSAVE/FXRSTOR) against the host, including which instructions update the
// instruction/data pointers and opcode; FLDCW/FNSTCW/FNSTSW/FNCLEX/FNINIT.
#include <catch2/catch.hpp>

#include "tests/isa/x87_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::x87;

namespace {

FpuCase with_values(const std::string& code) {
  FpuCase t;
  t.code = code;
  put_f80(t.init, 0x00, 0xC90FDAA22168C235ull, 0x4000);  // pi
  put_f80(t.init, 0x10, 0x8000000000000000ull, 0x7FFF);  // +inf
  put_f80(t.init, 0x20, 0x0000000000000001ull, 0x0000);  // denormal
  put_f80(t.init, 0x30, 0x4000000000000000ull, 0x4000);  // unnormal
  put_f32(t.init, 0x40, 2.5f);
  put_u32(t.init, 0x44, 0x037E);  // FLDCW value: IE unmasked
  put_u32(t.init, 0x48, 0x0F7F);  // FLDCW value: round toward zero, 64-bit
  return t;
}

}  // namespace

TEST_CASE("FNSTENV records the last non-control instruction's pointers and opcode as the host", "[isa][x87]") {
  // Each line: instructions, then FNSTENV at 0x100. The pointers are compared
  // relative to the code and buffer bases.
  const char* seqs[] = {
      "fld tword [ebx]\nfadd dword [ebx+0x40]",           // memory operand: FDP, FOP with mod/rm
      "fld tword [ebx]\nfld st0\nfmul st0, st1",          // register form: FDP stays at the FLD
      "fld tword [ebx]\nfldcw [ebx+0x48]",                // control instruction: pointers unchanged
      "fld tword [ebx]\nfnop",                            // FNOP updates them
      "fld tword [ebx]\nfincstp\nffree st1\nfdecstp",     // so do FINCSTP/FFREE/FDECSTP
      "fld tword [ebx+0x10]\nfld tword [ebx+0x20]\nfsin\nfxch st1\nfclex",
      "fld tword [ebx+0x30]\nfld tword [ebx]\nfcompp\nfnstsw ax",
  };
  for (const char* s : seqs) {
    FpuCase t = with_values(std::string(s) + "\nfnstenv [ebx+0x100]\nfnstcw [ebx+0x120]");
    t.env32 = {0x100};
    INFO(s);
    check_native(t);
  }
}

TEST_CASE("16-bit FNSTENV/FLDENV and FNSAVE/FRSTOR round trips match the host", "[isa][x87]") {
  // The 16-bit images hold 16-bit pointers, which differ between host and
  // guest: only the control, status and tag words are compared there.
  FpuCase t = with_values(
      "fld tword [ebx]\nfld tword [ebx+0x10]\nfld tword [ebx+0x20]\nfld tword [ebx+0x30]\n"
      "fldz\nfdiv st0, st0\n"                                       // IE flagged (masked)
      "o16 fnstenv [ebx+0x200]\n"
      "o16 fnsave [ebx+0x300]\n"                                    // also FNINITs
      "fld1\n"
      "o16 frstor [ebx+0x300]\n"
      "o16 fnsave [ebx+0x400]\n"
      "o16 frstor [ebx+0x400]\n"
      "fnsave [ebx+0x500]\n"
      "frstor [ebx+0x500]\n"
      "fnstenv [ebx+0x600]\n"
      "fldenv [ebx+0x600]\n"
      "fnstenv [ebx+0x640]");
  for (uint32_t base : {0x200u, 0x300u, 0x400u}) t.ignore.push_back({base + 6, base + 14});
  t.env32 = {0x500, 0x600, 0x640};
  // After a 16-bit image is loaded, the upper halves of FIP/FDP are not
  // architecturally defined (AMD keeps the old ones).
  for (uint32_t base : {0x500u, 0x600u, 0x640u}) {
    t.ignore.push_back({base + 12, base + 16});
    t.ignore.push_back({base + 20, base + 24});
  }
  check_native(t);
}

TEST_CASE("FLDENV takes the tag word and TOP from the image as the host does", "[isa][x87]") {
  // An environment built by hand: TOP = 5, tags mark R5 valid, R6 zero,
  // R7 special, everything else empty; unmasked flags with masks set.
  FpuCase t = with_values(
      "fld tword [ebx]\nfld tword [ebx+0x10]\nfld tword [ebx+0x20]\n"
      "fldenv [ebx+0x200]\n"
      "fnstenv [ebx+0x300]\n"
      "fnsave [ebx+0x400]");
  const uint32_t env[7] = {0xFFFF037F, 0xFFFF2823, 0xFFFF93FF, 0, 0, 0, 0xFFFF0000};
  for (unsigned k = 0; k < 7; ++k) put_u32(t.init, 0x200 + 4 * k, env[k]);
  t.env32 = {0x300, 0x400};
  check_native(t);
}

TEST_CASE("FXSAVE/FXRSTOR images match the host", "[isa][x87][sse]") {
  FpuCase t = with_values(
      "fld tword [ebx]\nfld tword [ebx+0x10]\nfld tword [ebx+0x20]\nfld tword [ebx+0x30]\n"
      "fadd st0, st2\n"
      "movups xmm3, [ebx]\nmovups xmm7, [ebx+0x30]\n"
      "fxsave [ebx+0x1000]\n"
      "fninit\nxorps xmm3, xmm3\n"
      "fxrstor [ebx+0x1000]\n"
      "fxsave [ebx+0x1200]\n"
      "fstp st0\nfstp st0\n"
      "fxsave [ebx+0x1400]");
  // FOP/FIP/FDP (AMD hosts store them only with an exception pending),
  // MXCSR_MASK (AMD adds its misaligned-SSE bit) and the reserved area.
  for (uint32_t base : {0x1000u, 0x1200u, 0x1400u}) {
    t.ignore.push_back({base + 6, base + 24});
    t.ignore.push_back({base + 28, base + 32});
    t.ignore.push_back({base + 288, base + 512});
  }
  check_native(t);
}

TEST_CASE("FLDCW, FNSTCW, FNSTSW, FNCLEX and FNINIT match the host", "[isa][x87]") {
  FpuCase t = with_values(
      "fld tword [ebx]\nfldz\nfdiv st0, st0\n"  // IE flagged, masked
      "fnstsw [ebx+0x200]\n"
      "fldcw [ebx+0x44]\n"                     // unmasking IE makes it pending: ES, B
      "fnstsw [ebx+0x202]\n"
      "fnstsw ax\n"
      "fnstcw [ebx+0x204]\n"
      "fnclex\n"
      "fnstsw [ebx+0x206]\n"
      "fldcw [ebx+0x44]\n"
      "fnstenv [ebx+0x300]\n"                  // then masks everything
      "fnstcw [ebx+0x208]\n"
      "fldcw [ebx+0x4c]\n"                     // every reserved bit set: FNSTCW shows which survive
      "fnstcw [ebx+0x20e]\n"
      "fninit\n"
      "fnstcw [ebx+0x20a]\n"
      "fnstsw [ebx+0x20c]\n"
      "fnstenv [ebx+0x340]");
  put_u32(t.init, 0x4C, 0xFFFF);
  t.eax = 0x12345678;
  t.env32 = {0x300, 0x340};
  check_native(t);
}
