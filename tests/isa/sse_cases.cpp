// Builders of MMX/SSE native-comparison cases (see sse_cases.hpp).
#include "tests/isa/sse_cases.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <stdexcept>

namespace xlat::test::sse {

namespace {

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

constexpr uint32_t MX_OFF = 0x0, VAL_OFF = 0x100, MEM8_OFF = 0x1008, OUT_OFF = 0x4000, OUT_STRIDE = 64;

Vec d2(uint64_t lo, uint64_t hi) { return {uint32_t(lo), uint32_t(lo >> 32), uint32_t(hi), uint32_t(hi >> 32)}; }

}  // namespace

const std::vector<Vec>& float_vectors() {
  static const std::vector<Vec> v = {
      {0x3F800000, 0xC0200000, 0x3EAAAAAB, 0x7F7FFFFF},  // 1, -2.5, 1/3, max
      {0x00000000, 0x80000000, 0x7F800000, 0xFF800000},  // +0, -0, +inf, -inf
      {0x7FC00001, 0x7FA00000, 0xFFC00002, 0x00000001},  // QNaN, SNaN, -QNaN, denormal
      {0x00800000, 0x807FFFFF, 0x0C000000, 0x4B800001},  // min normal, -denormal, tiny, 2^24+2
      {0x3F000000, 0x3FC00000, 0x40200000, 0xBFC00000},  // 0.5, 1.5, 2.5, -1.5
      {0x4F000000, 0xCF000000, 0x4EFFFFFF, 0xD0800000},  // 2^31, -2^31, just below, -2^34
      {0x40490FDB, 0x3DCCCCCD, 0x7F000000, 0x00FFFFFF},  // pi, 0.1, 2^127, ~2^-126 * 2
  };
  return v;
}

const std::vector<Vec>& double_vectors() {
  static const std::vector<Vec> v = {
      d2(0x3FF0000000000000ull, 0xC004000000000000ull),  // 1, -2.5
      d2(0x3FD5555555555555ull, 0x7FEFFFFFFFFFFFFFull),  // 1/3, max
      d2(0x0000000000000000ull, 0x8000000000000000ull),  // +0, -0
      d2(0x7FF0000000000000ull, 0xFFF0000000000000ull),  // +inf, -inf
      d2(0x7FF8000000000001ull, 0x7FF4000000000000ull),  // QNaN, SNaN
      d2(0x0000000000000001ull, 0x800FFFFFFFFFFFFFull),  // denormals
      d2(0x0010000000000000ull, 0x3810000000000000ull),  // min normal, 2^-126 (float min)
      d2(0x41E0000000000000ull, 0xC1E0000000200000ull),  // 2^31, -2^31 - 1
      d2(0x3FF8000000000000ull, 0x4004000000000000ull),  // 1.5, 2.5
      d2(0x47EFFFFFE0000000ull, 0x36A0000000000001ull),  // float max, below float denormal
  };
  return v;
}

const std::vector<Vec>& int_vectors() {
  static const std::vector<Vec> v = {
      {0x00000000, 0x00000001, 0xFFFFFFFF, 0x7FFFFFFF},
      {0x80000000, 0x01000001, 0xFEFFFFFF, 0x075BCD15},
      {0x807F01FF, 0x7F80FE00, 0x00FF7F80, 0x8001FFFE},
      {0x7FFF8000, 0xFFFF0001, 0x12345678, 0x9ABCDEF0},
      {0x00000003, 0x00000000, 0x00000005, 0x00000000},  // shift counts 3 / 5
      {0x0000000F, 0x00000000, 0x00000021, 0x00000000},  // 15 / 33
      {0x00000040, 0x00000000, 0x00000010, 0x00000000},  // 64 / 16
      {0xFFFFFFFF, 0x00000000, 0x00000000, 0x00000001},  // huge counts
  };
  return v;
}

const std::vector<uint32_t>& fp_mxcsrs() {
  static const std::vector<uint32_t> v = {0x1F80, 0x5F80, 0x7F80, 0x9FC0};
  return v;
}

FpuCase simd_case(const std::string& op, const std::vector<uint32_t>& mxcsrs, const std::vector<Vec>& values) {
  FpuCase t;
  for (size_t k = 0; k < mxcsrs.size(); ++k) put_u32(t.init, MX_OFF + 4 * uint32_t(k), mxcsrs[k]);
  for (size_t k = 0; k < values.size(); ++k) {
    put_bytes(t.init, VAL_OFF + 16 * uint32_t(k), values[k].data(), 16);
    put_bytes(t.init, MEM8_OFF + 32 * uint32_t(k), values[k].data(), 16);
  }
  std::string code;
  uint32_t out = OUT_OFF;
  for (size_t m = 0; m < mxcsrs.size(); ++m) {
    for (size_t a = 0; a < values.size(); ++a) {
      for (size_t b = 0; b < values.size(); ++b) {
        const std::string va = "[ebx+" + hex(VAL_OFF + 16 * uint32_t(a)) + "]";
        const std::string vb = "[ebx+" + hex(VAL_OFF + 16 * uint32_t(b)) + "]";
        std::string o = op;
        for (size_t p; (p = o.find("MEM8")) != std::string::npos;)
          o.replace(p, 4, "[ebx+" + hex(MEM8_OFF + 32 * uint32_t(b)) + "]");
        for (size_t p; (p = o.find("MEM")) != std::string::npos;) o.replace(p, 3, vb);
        auto at = [&](uint32_t d) { return "[ebx+" + hex(out + d) + "]"; };
        code += "ldmxcsr [ebx+" + hex(MX_OFF + 4 * uint32_t(m)) + "]\n";
        code += "movdqu xmm0, " + va + "\nmovdqu xmm1, " + vb + "\n";
        code += "movq mm0, " + va + "\nmovq mm1, " + vb + "\n";
        code += "mov eax, " + va + "\nmov ecx, " + vb + "\n";
        code += o + "\n";
        code += "movdqu " + at(0) + ", xmm0\nmovq " + at(16) + ", mm0\nstmxcsr " + at(24) + "\n";
        code += "mov " + at(28) + ", eax\nlahf\nmov " + at(32) + ", ah\nseto " + at(33) + "\n";
        code += "movdqu xmm2, [edi]\nmovdqu " + at(48) + ", xmm2\npxor xmm2, xmm2\nmovdqu [edi], xmm2\n";
        code += "emms\n";
        out += OUT_STRIDE;
        if (out + OUT_STRIDE > FPU_BUF_SIZE) throw std::runtime_error("too many SIMD cases for the buffer");
      }
    }
  }
  t.code = code;
  return t;
}

void check_simd(const std::string& op, const std::vector<uint32_t>& mxcsrs, const std::vector<Vec>& values) {
  INFO("op " << op);
  check_native(simd_case(op, mxcsrs, values));
}

}  // namespace xlat::test::sse
