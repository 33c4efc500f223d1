// MMX and SSE/SSE2 integer instructions against the host CPU, on MMX and XMM
// registers and with memory operands: arithmetic with wrap-around and
// saturation, multiplies, logic, compares, packs/unpacks, shifts by
// immediate/register/memory counts (including counts past the lane width),
// the SSE additions (PAVG, PMIN/PMAX, PSADBW, PEXTRW/PINSRW, PSHUF*,
// PMOVMSKB, MASKMOVQ/MASKMOVDQU), and the MMX/x87 register aliasing.
#include <catch2/catch.hpp>

#include "tests/isa/sse_cases.hpp"

using namespace xlat::test;
using namespace xlat::test::sse;

namespace {

const std::vector<uint32_t> kDefault = {0x1F80};

void both_widths(const char* op) {
  check_simd(std::string(op) + " mm0, mm1", kDefault, int_vectors());
  check_simd(std::string(op) + " xmm0, xmm1", kDefault, int_vectors());
}

}  // namespace

TEST_CASE("MMX/SSE2 packed integer arithmetic, logic and compares match the host", "[isa][mmx][sse]") {
  for (const char* op : {"paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq", "paddsb", "paddsw",
                         "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw", "pmullw", "pmulhw",
                         "pmulhuw", "pmuludq", "pmaddwd", "pand", "pandn", "por", "pxor", "pcmpeqb", "pcmpeqw",
                         "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd", "pavgb", "pavgw", "pminub", "pmaxub",
                         "pminsw", "pmaxsw", "psadbw"}) {
    both_widths(op);
  }
  check_simd("paddsw mm0, MEM8", kDefault, int_vectors());
  check_simd("pmaddwd xmm0, MEM", kDefault, int_vectors());
}

TEST_CASE("MMX/SSE2 packs and unpacks match the host", "[isa][mmx][sse]") {
  for (const char* op : {"packsswb", "packssdw", "packuswb", "punpcklbw", "punpcklwd", "punpckldq", "punpckhbw",
                         "punpckhwd", "punpckhdq"}) {
    both_widths(op);
  }
  check_simd("punpcklqdq xmm0, xmm1", kDefault, int_vectors());
  check_simd("punpckhqdq xmm0, MEM", kDefault, int_vectors());
  check_simd("punpcklbw mm0, MEM8", kDefault, int_vectors());  // MMX low unpacks read 32 bits
}

TEST_CASE("MMX/SSE2 shifts match the host for every count form", "[isa][mmx][sse]") {
  for (const char* op : {"psllw", "pslld", "psllq", "psrlw", "psrld", "psrlq", "psraw", "psrad"}) {
    both_widths(op);
    for (int n : {0, 1, 7, 15, 16, 31, 32, 63, 64, 255}) {
      check_simd(std::string(op) + " mm0, " + std::to_string(n), kDefault, int_vectors());
      check_simd(std::string(op) + " xmm0, " + std::to_string(n), kDefault, int_vectors());
    }
    check_simd(std::string(op) + " mm0, MEM8", kDefault, int_vectors());
    check_simd(std::string(op) + " xmm0, MEM", kDefault, int_vectors());
  }
  for (int n : {0, 1, 5, 15, 16, 200}) {
    check_simd("pslldq xmm0, " + std::to_string(n), kDefault, int_vectors());
    check_simd("psrldq xmm0, " + std::to_string(n), kDefault, int_vectors());
  }
}

TEST_CASE("SSE integer shuffles, inserts, extracts and masks match the host", "[isa][mmx][sse]") {
  for (int imm : {0x00, 0x1B, 0xE4, 0x93, 0xFF}) {
    const std::string i = ", " + std::to_string(imm);
    check_simd("pshufw mm0, mm1" + i, kDefault, int_vectors());
    check_simd("pshufw mm0, MEM8" + i, kDefault, int_vectors());
    check_simd("pshufd xmm0, xmm1" + i, kDefault, int_vectors());
    check_simd("pshuflw xmm0, MEM" + i, kDefault, int_vectors());
    check_simd("pshufhw xmm0, xmm1" + i, kDefault, int_vectors());
  }
  for (int k : {0, 1, 3, 5, 7, 9}) {
    const std::string i = ", " + std::to_string(k);
    check_simd("pextrw eax, mm1" + i, kDefault, int_vectors());
    check_simd("pextrw eax, xmm1" + i, kDefault, int_vectors());
    check_simd("pinsrw mm0, ecx" + i, kDefault, int_vectors());
    check_simd("pinsrw xmm0, word MEM8" + i, kDefault, int_vectors());
  }
  check_simd("pmovmskb eax, mm1", kDefault, int_vectors());
  check_simd("pmovmskb eax, xmm1", kDefault, int_vectors());
  check_simd("maskmovq mm0, mm1", kDefault, int_vectors());
  check_simd("maskmovdqu xmm0, xmm1", kDefault, int_vectors());
}

TEST_CASE("MOVD/MOVQ forms match the host", "[isa][mmx][sse]") {
  for (const char* op : {"movd mm0, ecx", "movd eax, mm1", "movd xmm0, ecx", "movd eax, xmm1", "movd mm0, MEM8",
                         "movd xmm0, MEM8", "movd MEM8, mm1\nmovq mm0, MEM8", "movd MEM8, xmm1\nmovdqu xmm0, MEM8",
                         "movq mm0, mm1", "movq xmm0, xmm1", "movq mm0, MEM8", "movq xmm0, MEM8",
                         "movq MEM8, xmm1\nmovdqu xmm0, MEM8", "movq MEM8, mm1\nmovdqu xmm0, MEM8",
                         "movq2dq xmm0, mm1", "movdq2q mm0, xmm1", "movntq MEM8, mm1\nmovdqu xmm0, MEM8"}) {
    check_simd(op, kDefault, int_vectors());
  }
}

TEST_CASE("MMX registers alias the x87 significands, set TOP to 0 and tag everything valid", "[isa][mmx][x87]") {
  // x87 values seen as MMX registers and back, FNSTENV's tags after MMX
  // code, EMMS, and an x87 push after MMX without EMMS (stack overflow).
  FpuCase t = simd_case(
      "fninit\nfld1\nfldpi\nfldz\n"
      "movq mm2, mm5\nmovq mm0, mm7\npaddd mm0, mm6\n"
      "fnstenv [ebx+0x3f00]\n"
      "fnsave [ebx+0x3f40]\n"
      "fld1\nfldl2t\nmovq mm3, mm1\n"
      "fnstenv [ebx+0x3fc0]\nfld1\nfnstsw [ebx+0x3fe0]\n"
      "emms\nfnstenv [ebx+0x3f80]",
      kDefault, {int_vectors()[0], int_vectors()[3]});
  t.env32 = {0x3f00, 0x3f40, 0x3f80, 0x3fc0};
  check_native(t);
}
