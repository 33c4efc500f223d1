// Helpers for the translator's own tests: a Guest whose engine is a Jit with
// chosen options, and a snapshot of the CPU state for comparisons.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "tests/support/guest.hpp"
#include "translator/jit.hpp"

namespace xlat::test {

inline translator::Jit& use_jit(Guest& g, translator::JitOptions o = {}) {
  auto j = std::make_unique<translator::Jit>(g.m.bus, o);
  translator::Jit* p = j.get();
  g.m.set_engine(std::move(j));
  return *p;
}

struct CpuSnapshot {
  std::array<uint32_t, 8> gpr;
  uint32_t eip, eflags;
  uint64_t icount;
  bool operator==(const CpuSnapshot&) const = default;
};

inline CpuSnapshot snapshot(const core::Cpu& c) {
  CpuSnapshot s{};
  for (unsigned r = 0; r < 8; ++r) s.gpr[r] = uint32_t(c.s.gpr[r]);
  s.eip = uint32_t(c.s.eip);
  s.eflags = c.eflags();
  s.icount = c.icount;
  return s;
}

}  // namespace xlat::test
