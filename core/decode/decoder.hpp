// The only interface to Zydis. Decodes one instruction as a Pentium Pro-class
// CPU would (no TZCNT/LZCNT, no MPX/CET meanings of prefixes), in 16- or
// 32-bit code (64-bit later), into a DecodedInsn whose handler comes from the
// instruction table. Instructions the table does not list decode to the #UD
// handler, so the CPU raises #UD for anything it does not implement.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/decode/decoded_insn.hpp"

namespace xlat::core {

enum class CodeMode : uint8_t { Bits16, Bits32, Bits64 };

enum class DecodeStatus : uint8_t {
  Ok,
  NeedMore,  // the bytes end before the instruction does (fetch more, then retry)
  Invalid,   // not a valid instruction (raise #UD)
};

DecodeStatus decode(const uint8_t* bytes, size_t avail, CodeMode mode, DecodedInsn& out);

// Length of the instruction at bytes (0 if invalid/incomplete). For tools/tests.
unsigned decode_length(const uint8_t* bytes, size_t avail, CodeMode mode);

}  // namespace xlat::core
