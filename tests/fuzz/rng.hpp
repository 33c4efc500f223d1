// Deterministic random numbers for the fuzzer: a case is a pure function of
// (seed, index, stream), so any case can be regenerated alone.
#pragma once

#include <cstdint>

namespace xlat::fuzz {

class Rng {
 public:
  Rng(uint64_t seed, uint64_t index, uint64_t stream) {
    s_ = mix(seed ^ mix(index + 0x9E3779B97F4A7C15ull * (stream + 1)));
  }
  uint64_t u64() { return mix(s_ += 0x9E3779B97F4A7C15ull); }
  uint32_t u32() { return uint32_t(u64() >> 32); }
  uint32_t below(uint32_t n) { return n ? uint32_t((u64() >> 32) % n) : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
  int32_t range(int32_t lo, int32_t hi) { return lo + int32_t(below(uint32_t(hi - lo + 1))); }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t s_;
};

}  // namespace xlat::fuzz
