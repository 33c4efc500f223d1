// Random x87/SSE initial state and the comparison of final states; see
// fp_state.hpp.
#include "tests/fuzz/fp_state.hpp"

#include <fmt/format.h>

#include <cstring>

#include "tests/fuzz/rng.hpp"

namespace xlat::fuzz {

namespace {

constexpr uint64_t kStream = 0xF9;  // the fp state's random stream

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }

// An 80-bit value: significand and sign/exponent.
struct F80 {
  uint64_t mant;
  uint16_t se;
};

F80 random_f80(Rng& rng) {
  const uint16_t sign = rng.chance(50) ? 0x8000 : 0;
  const uint64_t r = (uint64_t(rng.u32()) << 32) | rng.u32();
  const uint64_t J = 1ull << 63;
  switch (rng.below(24)) {
    case 0: return {0, sign};                                              // zero
    case 1: return {r & ~J, sign};                                         // denormal
    case 2: return {r | J, sign};                                          // pseudo-denormal
    case 3: return {J, uint16_t(sign | 0x7FFF)};                           // infinity
    case 4: return {J | (1ull << 62) | (rng.chance(50) ? 0 : r >> 2), uint16_t(sign | 0x7FFF)};  // QNaN
    case 5: return {J | ((r >> 2) | 1), uint16_t(sign | 0x7FFF)};          // SNaN
    case 6: return {J | (1ull << 62), 0xFFFF};                             // indefinite
    case 7: return {r & ~J, uint16_t(sign | (rng.below(0x7FFE) + 1))};     // unnormal / pseudo-NaN
    case 8: return {r | J, uint16_t(sign | (0x7FFE - rng.below(4)))};      // near the largest
    case 9: return {r | J, uint16_t(sign | (1 + rng.below(4)))};           // near the smallest normal
    case 10: {  // near the single/double overflow and underflow thresholds
      static constexpr uint16_t e[] = {0x3FFF + 127, 0x3FFF + 128, 0x3FFF - 126, 0x3FFF - 149, 0x3FFF + 1023,
                                       0x3FFF + 1024, 0x3FFF - 1022, 0x3FFF - 1074, 0x3FFF - 1075};
      return {r | J, uint16_t(sign | (e[rng.below(9)] + rng.range(-1, 1)))};
    }
    case 11: {  // integer-conversion edges: 2^15, 2^31, 2^63 and neighbours (+/- 0.5, +/- 1)
      static constexpr uint16_t e[] = {15, 16, 31, 32, 63, 64, 14, 30, 62};
      const unsigned k = rng.below(9);
      uint64_t m = J;
      if (rng.chance(50)) m |= rng.chance(50) ? (J >> (e[k] + 1 < 64 ? e[k] + 1 : 63)) : ~0ull;
      if (rng.chance(30)) m = rng.chance(50) ? ~0ull : J | 1;
      return {m, uint16_t(sign | (0x3FFF + e[k] - (rng.chance(30) ? 1 : 0)))};
    }
    case 12: return {J | (rng.chance(50) ? 0 : (1ull << 62)), uint16_t(sign | 0x3FFF | (rng.chance(50) ? 0 : 0))};  // 1, 1.5
    case 13: return {J | (uint64_t(rng.below(1u << 16)) << 47), uint16_t(sign | (0x3FFF + rng.below(20)))};  // small integers
    default: return {r | J, uint16_t(sign | (0x3FFF + rng.range(-64, 64)))};  // ordinary
  }
}

uint32_t random_f32(Rng& rng) {
  const uint32_t sign = rng.chance(50) ? 0x80000000u : 0, r = rng.u32();
  switch (rng.below(20)) {
    case 0: return sign;
    case 1: return sign | (r & 0x7FFFFF) | 1;                  // denormal
    case 2: return sign | 0x7F800000u;                         // infinity
    case 3: return sign | 0x7FC00000u | (rng.chance(50) ? 0 : r & 0x3FFFFF);  // QNaN
    case 4: return sign | 0x7F800000u | ((r & 0x3FFFFF) | 1);  // SNaN
    case 5: return 0xFFC00000u;                                // indefinite
    case 6: return sign | 0x7F7FFFFFu ^ (r & 3);               // near the largest
    case 7: return sign | 0x00800000u | (r & 3);               // near the smallest normal
    case 8: {  // integer edges 2^31, 2^63, 2^15 and neighbours
      static constexpr uint32_t e[] = {31, 63, 15, 30, 62, 32, 64};
      return sign | ((127 + e[rng.below(7)]) << 23) | (rng.chance(50) ? 0 : r & 0x7FFFFF);
    }
    case 9: return sign | 0x3F800000u | (rng.chance(50) ? 0 : 0x400000u);  // 1, 1.5
    case 10: return r;                                                     // any bits
    default: return sign | uint32_t(127 + rng.range(-40, 40)) << 23 | (r & 0x7FFFFF);
  }
}

uint64_t random_f64(Rng& rng) {
  const uint64_t sign = rng.chance(50) ? 1ull << 63 : 0, r = (uint64_t(rng.u32()) << 32) | rng.u32();
  constexpr uint64_t M = (1ull << 52) - 1, INF = 0x7FFull << 52;
  switch (rng.below(20)) {
    case 0: return sign;
    case 1: return sign | (r & M) | 1;
    case 2: return sign | INF;
    case 3: return sign | INF | (1ull << 51) | (rng.chance(50) ? 0 : r & (M >> 1));
    case 4: return sign | INF | ((r & (M >> 1)) | 1);
    case 5: return 0xFFF8000000000000ull;
    case 6: return sign | (0x7FEFFFFFFFFFFFFFull ^ (r & 3));
    case 7: return sign | (1ull << 52) | (r & 3);
    case 8: {
      static constexpr uint64_t e[] = {31, 63, 15, 30, 62, 32, 64};
      return sign | ((1023 + e[rng.below(7)]) << 52) | (rng.chance(50) ? 0 : r & M);
    }
    case 9: {  // just below/above the single-precision range (CVTSD2SS)
      static constexpr int e[] = {127, 128, -126, -149, -150};
      return sign | (uint64_t(1023 + e[rng.below(5)]) << 52) | (r & M);
    }
    case 10: return r;
    default: return sign | (uint64_t(1023 + rng.range(-60, 60)) << 52) | (r & M);
  }
}

}  // namespace

FpState fp_from_fxsave(const uint8_t* fx) {
  FpState s;
  std::memcpy(&s.fcw, fx + 0, 2);
  std::memcpy(&s.fsw, fx + 2, 2);
  s.ftw = fx[4];
  std::memcpy(&s.mxcsr, fx + 24, 4);
  for (unsigned i = 0; i < 8; ++i) std::memcpy(s.st[i], fx + 32 + 16 * i, 10);
  for (unsigned i = 0; i < 8; ++i) std::memcpy(s.xmm[i], fx + 160 + 16 * i, 16);
  return s;
}

std::vector<uint8_t> clean_fp_image() {
  std::vector<uint8_t> fx(512, 0);
  put16(&fx[0], 0x037F);
  put32(&fx[24], 0x1F80);
  return fx;
}

std::vector<uint8_t> make_fp_image(uint64_t seed, uint64_t index) {
  Rng rng(seed, index, kStream);
  std::vector<uint8_t> fx(512, 0);
  // FCW: rounding, precision (single, double, extended; 01 is reserved),
  // masks: all masked mostly, sometimes a random set unmasked.
  static constexpr uint16_t kPc[] = {0x300, 0x300, 0x200, 0x000};
  uint16_t masks = 0x3F;
  if (rng.chance(12)) masks = uint16_t(rng.u32() & 0x3F);
  const uint16_t fcw = uint16_t(0x40 | masks | kPc[rng.below(4)] | (rng.below(4) << 10) |
                                (rng.chance(20) ? 0x1000 : 0));
  // FSW: random TOP and condition codes; sticky flags sometimes set, and
  // ES/B consistent with them (an unmasked one pending makes the next
  // waiting x87 instruction take #MF).
  uint16_t flags = rng.chance(30) ? uint16_t(rng.u32() & 0x3F) : 0;
  if (flags & ~masks & 0x3F && !rng.chance(10)) flags &= masks;  // pending #MF now and then only
  uint16_t fsw = uint16_t(flags | (rng.u32() & 0x4700) | (rng.below(8) << 11));
  if ((flags & 1) && rng.chance(50)) fsw |= 0x40;  // SF with IE
  if (flags & ~masks & 0x3F) fsw |= 0x8080;         // ES and B
  const uint8_t ftw = uint8_t(rng.chance(20) ? 0xFF : rng.chance(20) ? 0 : rng.u32());
  // MXCSR: flags sometimes, DAZ/FZ sometimes, all masked mostly.
  uint32_t mx = (rng.chance(30) ? rng.u32() & 0x3F : 0) | (rng.below(4) << 13);
  mx |= rng.chance(12) ? (rng.u32() & 0x1F80) : 0x1F80;
  if (rng.chance(20)) mx |= 0x40;
  if (rng.chance(20)) mx |= 0x8000;
  put16(&fx[0], fcw);
  put16(&fx[2], fsw);
  fx[4] = ftw;
  put32(&fx[24], mx);
  put32(&fx[28], 0xFFFF);
  for (unsigned i = 0; i < 8; ++i) {
    const F80 v = random_f80(rng);
    put64(&fx[32 + 16 * i], v.mant);
    put16(&fx[40 + 16 * i], v.se);
  }
  for (unsigned i = 0; i < 8; ++i) {
    uint8_t* x = &fx[160 + 16 * i];
    switch (rng.below(3)) {
      case 0:
        for (unsigned k = 0; k < 4; ++k) put32(x + 4 * k, random_f32(rng));
        break;
      case 1:
        for (unsigned k = 0; k < 2; ++k) put64(x + 8 * k, random_f64(rng));
        break;
      default:
        for (unsigned k = 0; k < 4; ++k) {
          static constexpr uint32_t kInt[] = {0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
                                              0x80000000, 0xFFFFFFFF, 0x00FF00FF, 0x80008000};
          put32(x + 4 * k, rng.chance(40) ? kInt[rng.below(13)] : rng.u32());
        }
    }
  }
  return fx;
}

std::vector<std::string> compare_fp(const FpState& a, const FpState& b, uint16_t fsw_ignore) {
  std::vector<std::string> d;
  if (a.fcw != b.fcw) d.push_back(fmt::format("fcw: {:04x} vs {:04x}", a.fcw, b.fcw));
  if ((a.fsw ^ b.fsw) & ~fsw_ignore) d.push_back(fmt::format("fsw: {:04x} vs {:04x}", a.fsw, b.fsw));
  if (a.ftw != b.ftw) d.push_back(fmt::format("ftw: {:02x} vs {:02x}", a.ftw, b.ftw));
  if (a.mxcsr != b.mxcsr) d.push_back(fmt::format("mxcsr: {:08x} vs {:08x}", a.mxcsr, b.mxcsr));
  auto f80 = [](const uint8_t* p) {
    uint64_t m;
    uint16_t se;
    std::memcpy(&m, p, 8);
    std::memcpy(&se, p + 8, 2);
    return fmt::format("{:04x}:{:016x}", se, m);
  };
  auto x128 = [](const uint8_t* p) {
    uint64_t lo, hi;
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + 8, 8);
    return fmt::format("{:016x}{:016x}", hi, lo);
  };
  for (unsigned i = 0; i < 8; ++i)
    if (std::memcmp(a.st[i], b.st[i], 10)) d.push_back(fmt::format("st{}: {} vs {}", i, f80(a.st[i]), f80(b.st[i])));
  for (unsigned i = 0; i < 8; ++i)
    if (std::memcmp(a.xmm[i], b.xmm[i], 16))
      d.push_back(fmt::format("xmm{}: {} vs {}", i, x128(a.xmm[i]), x128(b.xmm[i])));
  return d;
}

std::string describe_fp(const FpState& s) {
  std::string out = fmt::format("  fcw={:04x} fsw={:04x} (top {}) ftw={:02x} mxcsr={:08x}\n", s.fcw, s.fsw,
                                (s.fsw >> 11) & 7, s.ftw, s.mxcsr);
  for (unsigned i = 0; i < 8; ++i) {
    uint64_t m, lo, hi;
    uint16_t se;
    std::memcpy(&m, s.st[i], 8);
    std::memcpy(&se, s.st[i] + 8, 2);
    std::memcpy(&lo, s.xmm[i], 8);
    std::memcpy(&hi, s.xmm[i] + 8, 8);
    out += fmt::format("  st{}={:04x}:{:016x}  xmm{}={:016x}{:016x}\n", i, se, m, i, hi, lo);
  }
  return out;
}

}  // namespace xlat::fuzz
