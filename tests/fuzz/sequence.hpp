// A fuzz case: initial state plus code, and what is statically known about it.
//
// analyze() walks the code once (forward branches only) and records, per
// instruction, which arithmetic flags may be undefined when it starts (the
// SDM's undefined flags of earlier instructions not since overwritten, merged
// over every path that reaches it), so the comparison masks exactly those.
// It learns shift and REP counts from the `mov ecx, imm32` the generator puts
// right before such instructions; the same analysis serves a --repro byte
// string.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/forms.hpp"

namespace xlat::fuzz {

struct InitState {
  uint32_t gpr[8];  // EAX..EDI
  uint32_t eflags;
  std::vector<uint8_t> data;   // layout::DATA_SIZE bytes
  std::vector<uint8_t> stack;  // layout::STACK_SIZE bytes
  std::vector<uint8_t> fx;     // x87/SSE state as a 512-byte FXSAVE image (fp family), else empty
};

struct InsnFacts {
  uint32_t addr;
  uint8_t len;
  uint32_t undef_before;  // flags possibly undefined when it starts
  uint32_t reads;         // flags it reads
  std::string mnem;
  bool undefined_result;  // its destination is undefined for these operands
  uint16_t cc_undef_before = 0;  // x87 condition codes (FSW C0-C3) possibly undefined when it starts
};

struct Analysis {
  std::vector<InsnFacts> insns;
  uint32_t undef_end = 0;     // at the end of the sequence
  uint16_t cc_undef_end = 0;  // x87 condition codes possibly undefined at the end
  bool native_ok = true;      // the host can run it as the emulators do
  bool reads_undefined = false;  // some instruction reads a possibly undefined flag
  bool backward_branch = false;
  bool undefined_result = false;
  bool ends_invalid = false;  // the last instruction is invalid (#UD expected)
  std::string problem;        // why the analysis is unsure, if it is
  // Flags possibly undefined when the instruction at `addr` starts (for a
  // fault there); undef_end if no instruction starts at addr.
  uint32_t undef_at(uint32_t addr) const;
  uint16_t cc_undef_at(uint32_t addr) const;
};

struct Sequence {
  uint64_t seed = 0, index = 0;
  InitState init;
  uint32_t base = 0x10000;    // where the code starts (layout::CODE, or across a page boundary)
  std::vector<uint8_t> code;  // ends where the run ends (the runners append their end marker)
  Analysis facts;
};

// `initial_undef`: flags undefined before the first instruction.
Analysis analyze(const Catalog& cat, const std::vector<uint8_t>& code, uint32_t base, uint32_t initial_undef = 0);

// Random initial state for (seed, index).
InitState make_init(uint64_t seed, uint64_t index);

// fp family: clears bit 17 of every dword of the data and stack areas. AMD
// CPUs (this host) implement MXCSR bit 17 (MM, the misaligned-exception
// mask) where Intel CPUs raise #GP(0) on LDMXCSR; with it clear, LDMXCSR of
// random data raises #GP on both exactly when another reserved bit is set.
void clear_mxcsr_mm(InitState& s);

}  // namespace xlat::fuzz
