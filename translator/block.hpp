// A translated block: its key, the guest instructions it was made from, its
// host code, and the patchable exits that chain it to other blocks.
//
// Key. A block is valid for one physical address of its first byte and the
// state bits that change what its code means: the EIP it starts at and the
// CS base (the translation computes every EIP statically), the CS limit
// (branch and fetch checks are folded), and the mode word (code/stack size,
// CPL 3 or not (which soft-TLB half), PE, VM, and for each segment register
// whether it is flat — base 0, limit 4 GiB, readable and writable — so its
// base and limit checks are folded away). Only instructions that end the
// block can change any of these, so a chained jump from one block to the
// next keeps the key's assumptions true; a look-up from the dispatcher or the
// indirect-branch table compares the whole key.
//
// Chaining. Each exit to a statically known EIP is a `jmp rel32` that first
// points to a stub returning to the dispatcher with the exit's Link; the
// dispatcher then patches it to the target block's entry (same guest page)
// or checked entry (another page: the target verifies that its page still
// maps to its physical page through the soft TLB). Invalidating a block
// re-points every incoming link to its stub.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/decode/decoded_insn.hpp"

namespace xlat::translator {

namespace mode_bits {
constexpr uint32_t CODE32 = 1u << 0;
constexpr uint32_t STACK32 = 1u << 1;
constexpr uint32_t USER = 1u << 2;   // CPL 3: the user half of the soft TLB
constexpr uint32_t PE = 1u << 3;
constexpr uint32_t VM = 1u << 4;
constexpr uint32_t FLAT0 = 1u << 5;  // FLAT0 << sreg: that segment is flat (bits 5-10)
inline constexpr uint32_t flat(unsigned sreg) { return FLAT0 << sreg; }
constexpr uint32_t CSLIM_4G = 1u << 11;   // CS limit 0xFFFFFFFF
constexpr uint32_t CSLIM_64K = 1u << 12;  // CS limit 0xFFFF
}  // namespace mode_bits

struct BlockKey {
  uint64_t phys;
  uint32_t eip;
  uint32_t cs_base;
  uint32_t cs_hi;
  uint32_t mode;
  bool operator==(const BlockKey&) const = default;
};

struct BlockKeyHash {
  size_t operator()(const BlockKey& k) const {
    uint64_t h = k.phys * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t(k.eip) << 32 | k.mode) * 0xC2B2AE3D27D4EB4Full;
    h ^= (uint64_t(k.cs_base) << 32 | k.cs_hi) * 0x165667B19E3779F9ull;
    return size_t(h ^ (h >> 29));
  }
};

struct Block;

struct Link {
  Block* from = nullptr;
  uint8_t* jmp = nullptr;   // the jmp rel32 instruction (executable address)
  uint8_t* stub = nullptr;  // where it jumps while unlinked
  uint32_t target_eip = 0;
  bool same_page = false;   // the target's first byte is on the source block's first page
  Block* to = nullptr;      // linked target, if any
};

struct Block {
  BlockKey key;
  uint64_t pages[2];   // physical pages of its bytes (pages[1] == pages[0] if one)
  uint32_t bytes = 0;  // guest bytes
  std::vector<core::DecodedInsn> insns;
  uint8_t* code = nullptr;           // start of its host code
  uint32_t code_size = 0;
  uint8_t* entry = nullptr;          // after the page check
  uint8_t* checked_entry = nullptr;  // verifies the page mapping first
  // Direct exit targets (EIPs) whose code reads the arithmetic flags before
  // it writes all of them: those exits store the flags in eflags rather than
  // lazily (jit_abi.hpp), which the target would only materialize again.
  std::vector<uint32_t> flag_reading_targets;
  std::vector<std::unique_ptr<Link>> exits;
  std::vector<Link*> incoming;
  bool dead = false;
};

}  // namespace xlat::translator
