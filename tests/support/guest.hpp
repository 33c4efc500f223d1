// Test support: run a small guest program under a named engine and inspect
// the result.
//
//   for (auto& e : test::engines()) {
//     test::Guest g(e);                       // 32-bit flat protected mode
//     g.load(test::nasm("bits 32\n mov eax, 1\n hlt"));
//     g.run();
//     CHECK(g.reg(core::EAX) == 1);
//   }
//
// A program ends at HLT (with interrupts off), at an exception (when
// trap_faults is set, the default: the first exception is recorded in
// `fault` with EIP at the faulting instruction, and not delivered), or after
// max_insns instructions (a guard against runaway tests; run() reports it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/machine.hpp"

namespace xlat::test {

// Assembles nasm source (flat binary; put `bits 16/32` and `org` in it).
// Throws std::runtime_error with nasm's messages on an assembly error.
std::vector<uint8_t> nasm(const std::string& source);

// The engines every CPU test runs under.
std::vector<std::string> engines();

enum class Mode { Real16, Flat32 };

struct Guest {
  static constexpr uint32_t CODE = 0x10000;   // where load() puts code by default
  static constexpr uint32_t STACK = 0x80000;  // initial ESP

  explicit Guest(const std::string& engine, Mode mode = Mode::Flat32, uint64_t ram = 16 << 20);

  core::Machine m;
  core::Cpu& cpu;
  bool trap_faults = true;
  std::optional<core::GuestFault> fault;
  uint32_t fault_eip = 0;
  bool hit_limit = false;

  void load(const std::vector<uint8_t>& code, uint32_t addr = CODE);
  // Runs until HLT, a trapped fault, a stop request or max_insns.
  void run(uint64_t max_insns = 50'000'000);

  uint32_t reg(unsigned r) const { return uint32_t(cpu.s.gpr[r]); }
  uint32_t eflags() const { return cpu.eflags(); }
  uint32_t eip() const { return uint32_t(cpu.s.eip); }
  uint32_t read32(uint32_t phys) const;
  uint8_t read8(uint32_t phys) const;
  void write32(uint32_t phys, uint32_t v);
};

}  // namespace xlat::test
