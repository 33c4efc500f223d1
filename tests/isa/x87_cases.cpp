// Builders of x87 native-comparison cases (see x87_cases.hpp).
#include "tests/isa/x87_cases.hpp"

#include <cstring>
#include <stdexcept>

namespace xlat::test::x87 {

namespace {

template <typename T>
Raw raw(T v) {
  Raw r(sizeof(T));
  std::memcpy(r.data(), &v, sizeof(T));
  return r;
}

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", v);
  return b;
}

constexpr uint32_t CW_OFF = 0x0, ST0_OFF = 0x10, ST1_OFF = 0x1000, MEM_OFF = 0x2000, OUT_OFF = 0x4000,
                   STORE_OFF = 0x30000;
constexpr uint32_t OUT_STRIDE = 112;

}  // namespace

const std::vector<Ext>& edge_values() {
  static const std::vector<Ext> v = {
      {0x8000000000000000ull, 0x3FFF},  // 1.0
      {0xA000000000000000ull, 0xC000},  // -2.5
      {0xC90FDAA22168C235ull, 0x4000},  // pi
      {0xAAAAAAAAAAAAAAABull, 0x3FFD},  // ~1/3
      {0xFFFFFFFFFFFFFFFFull, 0x3FFF},  // 2 - ulp (rounds at every precision)
      {0x8000000000000401ull, 0x403E},  // 2^63 + 0x401 (integer conversions round)
      {0xC000000000000000ull, 0x401D},  // 1.5 * 2^30
      {0x0000000000000000ull, 0x0000},  // +0
      {0x0000000000000000ull, 0x8000},  // -0
      {0x8000000000000000ull, 0x7FFF},  // +inf
      {0x8000000000000000ull, 0xFFFF},  // -inf
      {0xC000000000000001ull, 0x7FFF},  // QNaN
      {0xE000000000000000ull, 0xFFFF},  // -QNaN, larger significand
      {0xA000000000000000ull, 0x7FFF},  // SNaN
      {0xC000000000000000ull, 0xFFFF},  // indefinite
      {0x0000000000000001ull, 0x0000},  // smallest denormal
      {0x4000000000000000ull, 0x8000},  // -denormal
      {0x8000000000000000ull, 0x0000},  // pseudo-denormal
      {0x4000000000000000ull, 0x4000},  // unnormal (unsupported)
      {0x0000000000000001ull, 0x7FFF},  // pseudo-NaN (unsupported)
      {0x8000000000000000ull, 0x0001},  // smallest normal
      {0xFFFFFFFFFFFFFFFFull, 0x7FFE},  // largest normal
      {0x8000000000000000ull, 0x43FE},  // 2^1023 (double overflow on squaring)
      {0x8000000000000000ull, 0x3C01},  // 2^-1022 (smallest double normal)
  };
  return v;
}

const std::vector<Ext>& pair_values() {
  static const std::vector<Ext> v = {
      {0x8000000000000000ull, 0x3FFF},  // 1.0
      {0xA000000000000000ull, 0xC000},  // -2.5
      {0xAAAAAAAAAAAAAAABull, 0x3FFD},  // ~1/3
      {0xFFFFFFFFFFFFFFFFull, 0x3FFF},  // 2 - ulp
      {0x0000000000000000ull, 0x0000},  // +0
      {0x0000000000000000ull, 0x8000},  // -0
      {0x8000000000000000ull, 0x7FFF},  // +inf
      {0x8000000000000000ull, 0xFFFF},  // -inf
      {0xC000000000000001ull, 0x7FFF},  // QNaN
      {0xE000000000000000ull, 0xFFFF},  // -QNaN
      {0xA000000000000000ull, 0x7FFF},  // SNaN
      {0x0000000000000001ull, 0x0000},  // denormal
      {0x4000000000000000ull, 0x4000},  // unnormal
      {0xFFFFFFFFFFFFFFFFull, 0x7FFE},  // largest
      {0x8000000000000000ull, 0x0001},  // smallest normal
  };
  return v;
}

std::vector<Raw> f32_values() {
  return {raw<uint32_t>(0x3F800000), raw<uint32_t>(0xC0200000), raw<uint32_t>(0x3EAAAAAB),
          raw<uint32_t>(0x00000000), raw<uint32_t>(0x80000000), raw<uint32_t>(0x7F800000),
          raw<uint32_t>(0xFF800000), raw<uint32_t>(0x7FC00001), raw<uint32_t>(0x7FA00000),
          raw<uint32_t>(0x00000001), raw<uint32_t>(0x807FFFFF), raw<uint32_t>(0x7F7FFFFF),
          raw<uint32_t>(0x00800000)};
}

std::vector<Raw> f64_values() {
  return {raw<uint64_t>(0x3FF0000000000000ull), raw<uint64_t>(0xC004000000000000ull),
          raw<uint64_t>(0x3FD5555555555555ull), raw<uint64_t>(0), raw<uint64_t>(0x8000000000000000ull),
          raw<uint64_t>(0x7FF0000000000000ull), raw<uint64_t>(0xFFF0000000000000ull),
          raw<uint64_t>(0x7FF8000000000001ull), raw<uint64_t>(0x7FF4000000000000ull),
          raw<uint64_t>(0x0000000000000001ull), raw<uint64_t>(0x800FFFFFFFFFFFFFull),
          raw<uint64_t>(0x7FEFFFFFFFFFFFFFull), raw<uint64_t>(0x0010000000000000ull)};
}

std::vector<Raw> i16_values() {
  return {raw<int16_t>(0), raw<int16_t>(1), raw<int16_t>(-1), raw<int16_t>(3), raw<int16_t>(32767),
          raw<int16_t>(-32768), raw<int16_t>(-7)};
}

std::vector<Raw> i32_values() {
  return {raw<int32_t>(0), raw<int32_t>(1), raw<int32_t>(-1), raw<int32_t>(3), raw<int32_t>(0x7FFFFFFF),
          raw<int32_t>(INT32_MIN), raw<int32_t>(16777217)};
}

std::vector<Raw> i64_values() {
  return {raw<int64_t>(0), raw<int64_t>(1), raw<int64_t>(-1), raw<int64_t>(INT64_MAX), raw<int64_t>(INT64_MIN),
          raw<int64_t>(0x20000000000001ll), raw<int64_t>(-123456789012345ll)};
}

std::vector<Raw> bcd_values() {
  auto bcd = [](std::initializer_list<uint8_t> bytes) { return Raw(bytes); };
  return {bcd({0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
          bcd({0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0}),
          bcd({0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x80}),  // -999..9 (18 digits)
          bcd({0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x80}),                         // -1
          bcd({0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})};                        // -0
}

const std::vector<uint16_t>& control_words() {
  static const std::vector<uint16_t> v = {
      0x037F,  // masked, 64-bit precision, to nearest
      0x007F,  // masked, 24-bit precision, to nearest
      0x0A7F,  // masked, 53-bit precision, toward +inf
      0x067F,  // masked, 64-bit, toward -inf
      0x0E7F,  // masked, 64-bit, toward zero
      0x0340,  // all unmasked
  };
  return v;
}

FpuCase stack_case(const std::string& op, uint16_t cw, const std::vector<Ext>& st0, const std::vector<Ext>& st1,
                   const std::vector<Raw>& mem, const std::string& pre) {
  FpuCase t;
  put_bytes(t.init, CW_OFF, &cw, 2);
  for (size_t k = 0; k < st0.size(); ++k) put_f80(t.init, ST0_OFF + 16 * uint32_t(k), st0[k].mant, st0[k].se);
  for (size_t k = 0; k < st1.size(); ++k) put_f80(t.init, ST1_OFF + 16 * uint32_t(k), st1[k].mant, st1[k].se);
  for (size_t k = 0; k < mem.size(); ++k) put_bytes(t.init, MEM_OFF + 16 * uint32_t(k), mem[k].data(), unsigned(mem[k].size()));
  const size_t nb = mem.empty() ? st1.size() : mem.size();
  std::string code;
  uint32_t out = OUT_OFF;
  for (size_t a = 0; a < st0.size(); ++a) {
    for (size_t b = 0; b < nb; ++b) {
      std::string o = op;
      if (const size_t p = o.find("MEM"); p != std::string::npos)
        o.replace(p, 3, "[ebx+" + hex(MEM_OFF + 16 * uint32_t(b)) + "]");
      const uint32_t ncase = (out - OUT_OFF) / OUT_STRIDE;
      for (size_t p; (p = o.find("OUT")) != std::string::npos;)
        o.replace(p, 3, "[ebx+" + hex(STORE_OFF + 16 * ncase) + "]");
      code += "fldcw [ebx+" + hex(CW_OFF) + "]\n" + pre + "\n";
      code += "fld tword [ebx+" + hex(ST1_OFF + 16 * uint32_t(mem.empty() ? b : 0)) + "]\n";
      code += "fld tword [ebx+" + hex(ST0_OFF + 16 * uint32_t(a)) + "]\n";
      code += o + "\n";
      code += "fnsave [ebx+" + hex(out) + "]\n";
      t.env32.push_back(out);
      out += OUT_STRIDE;
      if (out + OUT_STRIDE > STORE_OFF || STORE_OFF + 16 * (ncase + 1) > FPU_BUF_SIZE)
        throw std::runtime_error("too many x87 cases for the buffer");
    }
  }
  // Stores that do not happen (unmasked exceptions) leave this pattern.
  const uint32_t ncases = (out - OUT_OFF) / OUT_STRIDE;
  std::vector<uint8_t> fill(16 * ncases, 0xA5);
  if (op.find("OUT") != std::string::npos) put_bytes(t.init, STORE_OFF, fill.data(), unsigned(fill.size()));
  t.code = code;
  return t;
}

}  // namespace xlat::test::x87
