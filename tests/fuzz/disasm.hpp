// Capstone, for people (disassembly in reproducers) and as a second opinion
// on instruction length and identity (ARCHITECTURE.md principle 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xlat::fuzz {

class Capstone {
 public:
  Capstone();
  ~Capstone();
  Capstone(const Capstone&) = delete;
  Capstone& operator=(const Capstone&) = delete;

  // Length of the instruction at `p` (0 if Capstone finds it invalid).
  unsigned length(const uint8_t* p, size_t n, bool bits16 = false) const;
  // "mnemonic operands" of one instruction, or "(bad)".
  std::string text(const uint8_t* p, size_t n, uint32_t addr, bool bits16 = false) const;
  // Capstone's mnemonic for the instruction, in the Zydis spelling the
  // instruction table uses (e.g. "je" -> "JZ", "pushal" -> "PUSHAD"); empty
  // if invalid.
  std::string zydis_name(const uint8_t* p, size_t n) const;

 private:
  size_t h32_ = 0, h16_ = 0;
};

// Multi-line listing of a byte sequence: address, bytes, disassembly.
std::string listing(const Capstone& cs, const uint8_t* p, size_t n, uint32_t addr);

}  // namespace xlat::fuzz
