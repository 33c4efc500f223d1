// Regression tests for x87/SSE bugs the differential fuzzer found (xlat_fuzz
// --family fp, tests/fuzz): condition codes after stack faults, out-of-range
// operands and exceptions that stop FPREM/FPREM1 and the trigonometric
// instructions; FLD ST(i) with both an empty source and a full destination;
// the MMX transition of the conversions with an MMX operand when they raise
// #XM; PE when an unmasked underflow stops an SSE instruction.
//
// Where the host can run the code (masked exceptions, or unmasked x87 ones
// followed only by the no-wait FNSAVE) the expected state comes from running
// it natively (check_native). The #XM cases cannot run natively here: their
// expectations are what the host CPU did in the fuzzer's runs (its signal
// frame after the fault), and IEEE 754's rule for trapped underflow (the
// inexact flag describes the result with an unbounded exponent).
#include <catch2/catch.hpp>

#include "core/fpu/x87.hpp"
#include "tests/isa/fpu_native.hpp"
#include "tests/support/guest.hpp"

using namespace xlat;
using namespace xlat::test;

namespace {

FpuCase values_case(const std::string& code) {
  FpuCase t;
  t.code = code + "\nfnsave [ebx+0x100]";
  t.env32 = {0x100};  // its instruction/data pointers: compared relative to the bases
  put_f80(t.init, 0x00, 0xC000000000000000ull, 0x7FFF);  // QNaN
  put_f80(t.init, 0x10, 0x8000000000000000ull, 0xC03E);  // -2^63: out of range for FSIN & co.
  put_f80(t.init, 0x20, 0x0000000000000123ull, 0x0000);  // denormal
  put_f80(t.init, 0x30, 0x8000000000000000ull, 0x7FFF);  // +infinity
  put_u32(t.init, 0x40, 0x037D);                         // FCW: denormal unmasked
  put_u32(t.init, 0x44, 0x036F);                         // FCW: underflow unmasked
  return t;
}

}  // namespace

TEST_CASE("FLD ST(i) with an empty source and a full destination reports the underflow (C1 = 0)",
          "[isa][x87][fuzz-regress]") {
  check_native(values_case("fld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nffree st3\nfld st3"));
}

TEST_CASE("a stack fault in FSIN/FCOS/FPTAN/FSINCOS/FPREM/FPREM1 clears C2", "[isa][x87][fuzz-regress]") {
  // FXAM of a normal number sets C2; FSTP empties the stack again.
  for (const char* op : {"fsin", "fcos", "fptan", "fsincos", "fprem", "fprem1"}) {
    INFO(op << " (underflow)");
    check_native(values_case(std::string("fld1\nfxam\nfstp st0\n") + op));
  }
  for (const char* op : {"fptan", "fsincos"}) {
    INFO(op << " (overflow)");
    check_native(values_case(std::string("fld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfld1\nfxam\n") + op));
  }
}

TEST_CASE("an out-of-range operand leaves C2 = 1 and C1 = 0", "[isa][x87][fuzz-regress]") {
  // FXAM of a negative number sets C1 first.
  for (const char* op : {"fsin", "fcos", "fptan", "fsincos"}) {
    INFO(op);
    check_native(values_case(std::string("fld tword [ebx+0x10]\nfxam\n") + op));
  }
}

TEST_CASE("FPREM/FPREM1 without a quotient clear C2 and keep C0 and C3", "[isa][x87][fuzz-regress]") {
  for (const char* op : {"fprem", "fprem1"}) {
    INFO(op);
    // FXAM of infinity: C0 = C2 = 1. Then 0 rem 0 (invalid), 1 rem NaN.
    check_native(values_case(std::string("fldz\nfldz\nfld tword [ebx+0x30]\nfxam\nfstp st0\n") + op));
    check_native(values_case(std::string("fld tword [ebx]\nfld1\nfld tword [ebx+0x30]\nfxam\nfstp st0\n") + op));
    // An unmasked denormal operand stops the instruction (FNSAVE, no-wait, follows).
    check_native(values_case(std::string("fldcw [ebx+0x40]\nfld1\nfld tword [ebx+0x20]\nfxam\n") + op));
    // An unmasked underflow does not: the quotient bits (0) are reported.
    check_native(values_case(std::string("fldcw [ebx+0x44]\nfld1\nfld tword [ebx+0x20]\nfxam\n") + op));
  }
}

TEST_CASE("an unmasked exception in FSIN/FCOS/FPTAN/FSINCOS still reports C2", "[isa][x87][fuzz-regress]") {
  for (const char* op : {"fsin", "fcos", "fptan", "fsincos"}) {
    INFO(op);
    check_native(values_case(std::string("fldcw [ebx+0x40]\nfld tword [ebx+0x20]\nfxam\n") + op));
  }
}

TEST_CASE("CVTPS2PI/CVTPD2PI/CVTPI2PS perform the MMX transition before raising #XM",
          "[isa][sse][mmx][fuzz-regress]") {
  const char* convs[] = {"cvtps2pi mm0, xmm0", "cvttps2pi mm0, xmm0", "cvtpd2pi mm0, xmm0",
                         "cvttpd2pi mm0, xmm0"};
  for (const auto& e : test::engines()) {
    for (const char* conv : convs) {
      test::Guest g(e);
      g.cpu.s.cr0 |= core::cr0::NE;
      g.cpu.s.cr4 |= core::cr4::OSFXSR | core::cr4::OSXMMEXCPT;
      core::fpu::x87_init(g.cpu);
      g.load(test::nasm(std::string("bits 32\n"
                                    "mov dword [0x2000], 0x1F00\n"  // IM unmasked
                                    "ldmxcsr [0x2000]\n"
                                    "pcmpeqd xmm0, xmm0\n"          // all ones: NaNs
                                    "fld1\n"                         // TOP = 7, R7 in use
                                    ) +
                        conv + "\nhlt"));
      g.run();
      INFO(e << ": " << conv);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_XM);
      CHECK(g.cpu.s.fpu.top == 0);
      CHECK(g.cpu.s.fpu.ftw == 0xFF);
      CHECK(g.cpu.s.fpu.mxcsr == 0x1F01u);
      CHECK(g.cpu.s.fpu.st[0].mant == 0);  // MM0 not written
    }
  }
}

TEST_CASE("an unmasked underflow in an SSE instruction reports PE only if the unbounded result is inexact",
          "[isa][sse][fuzz-regress]") {
  struct Case {
    uint32_t a, b;     // single-precision operands of MULSS (a * b)
    uint32_t mxcsr;    // after the #XM
  };
  // (1 + 2^-23) * 2^-100 times 2^-40: exact with 24 bits, inexact as a denormal.
  // (1 + 2^-23) * 2^-100 times (1 + 2^-23) * 2^-40: inexact either way.
  const Case cases[] = {{0x0D800001, 0x2B800000, 0x1790}, {0x0D800001, 0x2B800001, 0x17B0}};
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      for (const char* op : {"mulss", "mulps"}) {
        test::Guest g(e);
        g.cpu.s.cr0 |= core::cr0::NE;
        g.cpu.s.cr4 |= core::cr4::OSFXSR | core::cr4::OSXMMEXCPT;
        core::fpu::x87_init(g.cpu);
        g.load(test::nasm("bits 32\n"
                          "mov dword [0x2000], 0x1780\n"  // UM unmasked
                          "ldmxcsr [0x2000]\n"
                          "mov dword [0x2010], " + std::to_string(k.a) + "\n"
                          "mov dword [0x2020], " + std::to_string(k.b) + "\n"
                          "movaps xmm0, [0x2010]\n"        // other lanes 0 * 0: exact
                          "movaps xmm1, [0x2020]\n" +
                          std::string(op) + " xmm0, xmm1\nhlt"));
        g.run();
        INFO(e << " " << op << " " << std::hex << k.a << " * " << k.b);
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_XM);
        CHECK(g.cpu.s.fpu.mxcsr == k.mxcsr);
        CHECK(g.cpu.s.fpu.xmm[0].q[0] == k.a);  // destination unchanged
      }
    }
  }
}
