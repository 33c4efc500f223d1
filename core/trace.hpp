// Trace points, as QEMU's -d classes. The engines and the CPU call a Tracer
// (if one is attached and the class is enabled); the frontend implements it
// (disassembly with Capstone, formatting, -D file). Core stays free of
// formatting and disassembly; a disabled trace costs one test per block.
#pragma once

#include <cstdint>
#include <string>

namespace xlat::core {

class Cpu;

namespace trace {
constexpr uint32_t IN_ASM = 1u << 0;        // guest code as it is decoded/translated (per block)
constexpr uint32_t EXEC = 1u << 1;          // each executed block
constexpr uint32_t CPU = 1u << 2;           // registers before each executed block
constexpr uint32_t INT = 1u << 3;           // interrupts and exceptions
constexpr uint32_t MMU = 1u << 4;           // page faults
constexpr uint32_t CPU_RESET = 1u << 5;     // CPU resets
constexpr uint32_t GUEST_ERRORS = 1u << 6;  // guest did something invalid (triple fault, bad I/O...)
constexpr uint32_t UNIMP = 1u << 7;         // guest used something xlat does not implement (#UD from the table)
constexpr uint32_t OUT_ASM = 1u << 8;       // host code the translator emitted (per block)
}  // namespace trace

class Tracer {
 public:
  virtual ~Tracer() = default;
  uint32_t mask = 0;
  bool on(uint32_t cls) const { return mask & cls; }

  // A block was decoded at CS:eip (physical address phys), `count`
  // instructions, `bytes` long.
  virtual void block_decoded(const Cpu& cpu, uint32_t eip, uint64_t phys, unsigned count, unsigned bytes) = 0;
  // The translator emitted `size` bytes of host code at `code` for the block
  // at CS:eip (OUT_ASM). The default ignores it (engines without host code).
  virtual void block_translated(const Cpu& cpu, uint32_t eip, const uint8_t* code, unsigned size) {
    (void)cpu, (void)eip, (void)code, (void)size;
  }
  // A block is about to execute (EXEC and/or CPU).
  virtual void block_exec(const Cpu& cpu, uint64_t phys) = 0;
  // An interrupt or exception is delivered (INT, MMU for #PF).
  virtual void interrupt(const Cpu& cpu, uint8_t vector, bool external, bool has_error, uint32_t error) = 0;
  // A free-form message of a class (CPU_RESET, GUEST_ERRORS, UNIMP).
  virtual void message(uint32_t cls, const std::string& text) = 0;
};

}  // namespace xlat::core
