// SSE/SSE2 data movement, logic and shuffles against the host CPU: aligned
// and unaligned moves, scalar moves (register forms keep the upper lanes,
// loads clear them), half moves, MOVHLPS/MOVLHPS, MOVMSKPS/PD, non-temporal
// stores, AND/ANDN/OR/XOR, SHUFPS/SHUFPD, UNPCK*, LDMXCSR/STMXCSR.
#include <catch2/catch.hpp>

#include "tests/isa/sse_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::sse;

namespace {
const std::vector<uint32_t> kDefault = {0x1F80};
}

TEST_CASE("SSE/SSE2 moves match the host", "[isa][sse]") {
  for (const char* op : {"movaps xmm0, xmm1", "movaps xmm0, MEM", "movups xmm0, MEM8", "movapd xmm0, MEM",
                         "movupd xmm0, MEM8", "movdqa xmm0, MEM", "movdqu xmm0, MEM8",
                         "movaps MEM, xmm0\nmovdqu xmm1, MEM", "movups MEM8, xmm0\nmovdqu xmm1, MEM8",
                         "movdqa MEM, xmm0\nmovdqu xmm1, MEM", "movntps MEM, xmm0\nmovdqu xmm1, MEM",
                         "movntpd MEM, xmm0\nmovdqu xmm1, MEM", "movntdq MEM, xmm0\nmovdqu xmm1, MEM",
                         "movnti MEM8, eax\nmovdqu xmm1, MEM8", "movss xmm0, xmm1", "movss xmm0, MEM8",
                         "movss MEM8, xmm0\nmovdqu xmm1, MEM8", "movsd xmm0, xmm1", "movsd xmm0, MEM8",
                         "movsd MEM8, xmm0\nmovdqu xmm1, MEM8", "movlps xmm0, MEM8", "movhps xmm0, MEM8",
                         "movlpd xmm0, MEM8", "movhpd xmm0, MEM8", "movlps MEM8, xmm0\nmovdqu xmm1, MEM8",
                         "movhps MEM8, xmm0\nmovdqu xmm1, MEM8", "movhpd MEM8, xmm0\nmovdqu xmm1, MEM8",
                         "movhlps xmm0, xmm1", "movlhps xmm0, xmm1", "movmskps eax, xmm1", "movmskpd eax, xmm1"}) {
    check_simd(op, kDefault, float_vectors());
  }
}

TEST_CASE("SSE/SSE2 logic, shuffles and unpacks match the host", "[isa][sse]") {
  for (const char* op : {"andps", "andpd", "andnps", "andnpd", "orps", "orpd", "xorps", "xorpd", "unpcklps",
                         "unpckhps", "unpcklpd", "unpckhpd"}) {
    check_simd(std::string(op) + " xmm0, xmm1", kDefault, float_vectors());
    check_simd(std::string(op) + " xmm0, MEM", kDefault, float_vectors());
  }
  for (int imm : {0x00, 0x1B, 0x4E, 0xB1, 0xFF}) {
    check_simd("shufps xmm0, xmm1, " + std::to_string(imm), kDefault, float_vectors());
    check_simd("shufps xmm0, MEM, " + std::to_string(imm), kDefault, float_vectors());
  }
  for (int imm : {0, 1, 2, 3})
    check_simd("shufpd xmm0, xmm1, " + std::to_string(imm), kDefault, double_vectors());
}

TEST_CASE("LDMXCSR/STMXCSR and the cache/ordering hints match the host", "[isa][sse]") {
  check_simd("stmxcsr MEM8\nmovdqu xmm0, MEM8", fp_mxcsrs(), float_vectors());
  check_simd("ldmxcsr [ebx]\nstmxcsr [ebx+0x3ff0]\naddps xmm0, xmm1\nstmxcsr [ebx+0x3ff4]", fp_mxcsrs(),
             float_vectors());
  check_simd("sfence\nlfence\nmfence\npause\nprefetchnta MEM\nprefetcht0 MEM\nprefetcht1 MEM\nprefetcht2 MEM\n"
             "clflush MEM",
             kDefault, float_vectors());
}
