// The x87/MMX/SSE part of a fuzz case (the fp family): the random initial
// state, as an FXSAVE image every runner loads, and the final state every
// runner reports, taken from an FXSAVE image.
//
// Initial values are chosen to hit the interesting cases of the SDM's
// tables: signed zeros, denormals and pseudo-denormals, unnormals, infinities,
// quiet and signalling NaNs (and the indefinite), pseudo-NaNs/infinities,
// numbers near the overflow and underflow thresholds, and numbers at the
// integer-conversion edges (2^15, 2^31, 2^63 and their halves, where FIST and
// CVT* produce the integer indefinite), beside ordinary values of moderate
// exponent so that arithmetic between registers means something. The control
// words get every rounding mode, the x87 every precision, and usually all
// exceptions masked (sometimes some unmasked, so that #MF and #XM are taken).
//
// The comparison covers FCW, FSW (with TOP), the abridged tag byte, ST0-7
// (80 bits each), XMM0-7 and MXCSR; FOP, FIP, FDP and the selectors are not
// compared (the runners' code addresses differ in the host's signal frame).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xlat::fuzz {

struct FpState {
  uint16_t fcw = 0, fsw = 0;
  uint8_t ftw = 0;      // abridged tag byte
  uint32_t mxcsr = 0;
  uint8_t st[8][10]{};  // ST(0)..ST(7), as FXSAVE orders them
  uint8_t xmm[8][16]{};
  bool operator==(const FpState&) const = default;
};

FpState fp_from_fxsave(const uint8_t* fx);

// A random 512-byte FXSAVE image for (seed, index) (its own random stream:
// the integer part of the initial state is the same with or without it).
std::vector<uint8_t> make_fp_image(uint64_t seed, uint64_t index);

// The default image (FNINIT + MXCSR 1F80H): what the host returns to.
std::vector<uint8_t> clean_fp_image();

// Differences between two states ("ST3: ... vs ..."), `mask_c` leaving out
// the FSW bits given.
std::vector<std::string> compare_fp(const FpState& a, const FpState& b, uint16_t fsw_ignore = 0);
std::string describe_fp(const FpState& s);

}  // namespace xlat::fuzz
