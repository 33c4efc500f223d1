// SSE/SSE2 floating-point instructions against the host CPU: packed and
// scalar arithmetic, reciprocal estimates, all eight compare predicates,
// COMIS/UCOMIS flags, and every conversion including the MMX forms, over
// zeros, infinities, NaNs, denormals and rounding-sensitive values, under
// each rounding mode and with FTZ/DAZ.
#include <catch2/catch.hpp>

#include "tests/isa/sse_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::sse;

namespace {

std::vector<Vec> all_vectors() {
  std::vector<Vec> v = float_vectors();
  for (const Vec& d : double_vectors()) v.push_back(d);
  return v;
}

}  // namespace

TEST_CASE("SSE single-precision arithmetic matches the host", "[isa][sse]") {
  for (const char* op : {"addps", "subps", "mulps", "divps", "minps", "maxps", "sqrtps", "rcpps", "rsqrtps",
                         "addss", "subss", "mulss", "divss", "minss", "maxss", "sqrtss", "rcpss", "rsqrtss"}) {
    check_simd(std::string(op) + " xmm0, xmm1", fp_mxcsrs(), float_vectors());
  }
  check_simd("addps xmm0, MEM", fp_mxcsrs(), float_vectors());
  check_simd("divss xmm0, dword MEM8", fp_mxcsrs(), float_vectors());
  check_simd("sqrtss xmm0, dword MEM", fp_mxcsrs(), float_vectors());
}

TEST_CASE("SSE2 double-precision arithmetic matches the host", "[isa][sse]") {
  for (const char* op : {"addpd", "subpd", "mulpd", "divpd", "minpd", "maxpd", "sqrtpd", "addsd", "subsd",
                         "mulsd", "divsd", "minsd", "maxsd", "sqrtsd"}) {
    check_simd(std::string(op) + " xmm0, xmm1", fp_mxcsrs(), double_vectors());
  }
  check_simd("mulpd xmm0, MEM", fp_mxcsrs(), double_vectors());
  check_simd("subsd xmm0, qword MEM8", fp_mxcsrs(), double_vectors());
}

TEST_CASE("SSE/SSE2 compares match the host for every predicate", "[isa][sse]") {
  for (int p = 0; p < 8; ++p) {
    const std::string imm = ", " + std::to_string(p);
    check_simd("cmpps xmm0, xmm1" + imm, {0x1F80}, float_vectors());
    check_simd("cmpss xmm0, xmm1" + imm, {0x1F80, 0x9FC0}, float_vectors());
    check_simd("cmppd xmm0, MEM" + imm, {0x1F80}, double_vectors());
    check_simd("cmpsd xmm0, xmm1" + imm, {0x1F80, 0x9FC0}, double_vectors());
  }
  for (const char* op : {"comiss xmm0, xmm1", "ucomiss xmm0, xmm1", "comiss xmm0, dword MEM8"})
    check_simd(op, {0x1F80, 0x9FC0}, float_vectors());
  for (const char* op : {"comisd xmm0, xmm1", "ucomisd xmm0, xmm1", "ucomisd xmm0, qword MEM"})
    check_simd(op, {0x1F80, 0x9FC0}, double_vectors());
}

TEST_CASE("SSE/SSE2 conversions match the host", "[isa][sse]") {
  const std::vector<Vec> all = all_vectors();
  for (const char* op : {"cvtps2pd xmm0, xmm1", "cvtpd2ps xmm0, xmm1", "cvtdq2ps xmm0, xmm1", "cvtps2dq xmm0, xmm1",
                         "cvttps2dq xmm0, xmm1", "cvtdq2pd xmm0, xmm1", "cvtpd2dq xmm0, xmm1",
                         "cvttpd2dq xmm0, xmm1", "cvtss2sd xmm0, xmm1", "cvtsd2ss xmm0, xmm1",
                         "cvtss2si eax, xmm1", "cvttss2si eax, xmm1", "cvtsd2si eax, xmm1", "cvttsd2si eax, xmm1",
                         "cvtsi2ss xmm0, ecx", "cvtsi2sd xmm0, ecx", "cvtps2pd xmm0, qword MEM8",
                         "cvtss2si eax, dword MEM", "cvtsi2sd xmm0, dword MEM8", "cvttpd2dq xmm0, MEM"}) {
    check_simd(op, fp_mxcsrs(), all);
  }
  check_simd("cvtdq2ps xmm0, xmm1", fp_mxcsrs(), int_vectors());
  check_simd("cvtsi2ss xmm0, ecx", fp_mxcsrs(), int_vectors());
}

TEST_CASE("MMX-register conversions match the host and enter MMX state", "[isa][sse][mmx]") {
  const std::vector<Vec> all = all_vectors();
  for (const char* op : {"cvtpi2ps xmm0, mm1", "cvtps2pi mm0, xmm1", "cvttps2pi mm0, xmm1", "cvtpi2pd xmm0, mm1",
                         "cvtpd2pi mm0, xmm1", "cvttpd2pi mm0, xmm1", "cvtpi2ps xmm0, qword MEM8",
                         "cvtps2pi mm0, qword MEM8", "cvtpd2pi mm0, MEM"}) {
    check_simd(op, fp_mxcsrs(), all);
  }
  // Without an MMX register operand CVTPI2PS leaves the x87 tags alone:
  // the harness compares the final tag word (FLD then sees an empty stack).
  check_simd("fninit\nfld1\ncvtpi2ps xmm0, qword MEM\nfnstsw [ebx+0x3ff0]\nfstp st0", {0x1F80}, int_vectors());
}
