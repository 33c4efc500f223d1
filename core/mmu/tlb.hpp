// The soft TLB: linear page -> host pointer, one direct-mapped table per
// privilege (supervisor, user).
//
// A hit costs a compare and an add (also in translated code, which reads these
// fields by offset). tag_r/tag_w hold the linear page address when reads/
// writes may go straight to host memory, or INVALID_TAG. Writes are allowed
// through the TLB only to RAM pages that are dirty in the page tables and hold
// no cached guest code, so every first write, ROM write, MMIO access and
// write to a code page takes the slow path.
#pragma once

#include <cstdint>

namespace xlat::core {

struct TlbEntry {
  uint64_t tag_r;
  uint64_t tag_w;
  uintptr_t addend;  // host address = linear address + addend
  uint64_t ppage;    // physical page address (for invalidation by physical page)
  uint64_t global;   // PTE.G with CR4.PGE: kept across CR3 writes
};

struct SoftTlb {
  static constexpr unsigned BITS = 8;
  static constexpr unsigned SIZE = 1u << BITS;
  static constexpr uint64_t INVALID_TAG = ~0ull;

  TlbEntry e[2][SIZE];  // [user][index]

  static unsigned index(uint64_t lin) { return unsigned(lin >> 12) & (SIZE - 1); }

  void flush_all() {
    for (auto& t : e)
      for (auto& x : t) x.tag_r = x.tag_w = INVALID_TAG;
  }
  void flush_nonglobal() {
    for (auto& t : e)
      for (auto& x : t)
        if (!x.global) x.tag_r = x.tag_w = INVALID_TAG;
  }
  void flush_page(uint64_t lin) {
    uint64_t page = lin & ~0xFFFull;
    for (auto& t : e) {
      TlbEntry& x = t[index(lin)];
      if (x.tag_r == page || x.tag_w == page) x.tag_r = x.tag_w = INVALID_TAG;
    }
  }
  // Stops fast-path writes to a physical page (it now holds cached code).
  void protect_ppage(uint64_t ppage) {
    for (auto& t : e)
      for (auto& x : t)
        if (x.ppage == ppage) x.tag_w = INVALID_TAG;
  }
};

}  // namespace xlat::core
