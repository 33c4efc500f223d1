// 80-bit extended-precision values as bits, and their classification.
//
// The x87 code never does arithmetic on these in C++: arithmetic goes
// through the backend (core/fpu/host_x87.hpp), which is what makes it
// exact. This header only names values and classifies them, which is all
// the stack and tag-word logic needs.
#pragma once

#include <cstdint>

namespace xlat::core::fpu {

struct F80 {
  uint64_t mant = 0;  // significand, bit 63 the explicit integer bit
  uint16_t se = 0;    // sign (bit 15) and biased exponent (bits 0-14)
  uint16_t pad[3] = {};

  unsigned exp() const { return se & 0x7FFF; }
  bool sign() const { return se & 0x8000; }
};
static_assert(sizeof(F80) == 16);

// The "real indefinite" QNaN: the masked response to an invalid operation.
inline constexpr F80 kIndefinite{0xC000000000000000ull, 0xFFFF, {}};
inline constexpr F80 kZero{0, 0, {}};

// Full tag values (FSTENV/FSAVE form).
enum Tag : uint8_t { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

// The two-bit tag the hardware reports for a non-empty register: zero,
// valid (a normal number), or special (NaN, infinity, denormal and the
// unsupported encodings).
inline Tag tag_of(const F80& v) {
  const unsigned e = v.exp();
  if (e == 0x7FFF) return TAG_SPECIAL;
  if (e == 0) return v.mant == 0 ? TAG_ZERO : TAG_SPECIAL;
  return (v.mant >> 63) ? TAG_VALID : TAG_SPECIAL;  // unnormal: special
}

inline bool is_nan(const F80& v) { return v.exp() == 0x7FFF && (v.mant << 1) != 0 && (v.mant >> 63); }
inline bool is_snan(const F80& v) { return is_nan(v) && !((v.mant >> 62) & 1); }

// 32/64-bit IEEE formats as bits, for the SSE side and for tests.
inline bool f32_is_nan(uint32_t b) { return (b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFF); }
inline bool f64_is_nan(uint64_t b) {
  return (b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0xFFFFFFFFFFFFFull);
}
inline bool f32_is_denormal(uint32_t b) { return !(b & 0x7F800000u) && (b & 0x7FFFFF); }
inline bool f64_is_denormal(uint64_t b) { return !(b & 0x7FF0000000000000ull) && (b & 0xFFFFFFFFFFFFFull); }

}  // namespace xlat::core::fpu
