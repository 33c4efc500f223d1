// The soft TLB: linear page -> host pointer, one direct-mapped table per
// privilege (supervisor, user), and the set of watched pages that must never
// be entered in it.
//
// A hit costs a compare and an add (also in translated code, which reads these
// fields by offset). tag_r/tag_w hold the linear page address when reads/
// writes may go straight to host memory, or INVALID_TAG. Writes are allowed
// through the TLB only to RAM pages that are dirty in the page tables and hold
// no cached guest code, so every first write, ROM write, MMIO access and
// write to a code page takes the slow path.
//
// Entries are 4 KiB pieces of a mapping; an entry made from a 4 MiB page is
// marked LARGE so that INVLPG of any address in the 4 MiB page drops all its
// pieces. GLOBAL entries (PTE.G with CR4.PGE) survive CR3 writes.
//
// 4096 entries per privilege cover 16 MiB, so a guest's working set of
// random accesses over that much stays in it. The whole-table operations
// (CR3 writes, a page becoming code, INVLPG of a 4 MiB page) visit only the
// entries made since the last full flush, listed in `used` as they are made
// (an entry is listed once: TlbEntry::LISTED), so their cost follows what the
// guest touched rather than the table's size.
//
// Watched pages (PageWatch): a range of linear or physical addresses whose
// every access must be seen by someone. The TLB fill never makes an entry for
// a page that overlaps a watched range, so neither the interpreter's nor the
// translator's inline fast path can touch it; the slow paths (Cpu::
// read_lin_slow/write_lin_slow) call Cpu::watch_access for those accesses,
// which dispatches to the owner. Owners: the debug registers' data
// breakpoints (core/mode/debug.cpp) and a debugger's watchpoints (the GDB
// stub, through Cpu::watch_hook). Normal accesses pay nothing: the check is
// in the slow path only, behind PageWatch::active().
#pragma once

#include <cstdint>
#include <vector>

namespace xlat::core {

// 32 bytes, so translated code indexes the table with one shift and mask
// (translator/backend/emit_mem.cpp).
struct TlbEntry {
  uint64_t tag_r;
  uint64_t tag_w;
  uintptr_t addend;  // host address = linear address + addend
  uint64_t pf;       // physical page address (for invalidation by physical page) | flags below

  static constexpr uint64_t GLOBAL = 1;  // PTE.G with CR4.PGE: kept across CR3 writes
  static constexpr uint64_t LARGE = 2;   // a piece of a 4 MiB page
  static constexpr uint64_t LISTED = 4;  // in SoftTlb::used
  static constexpr uint64_t FLAGS = 0xFFF;
  uint64_t ppage() const { return pf & ~FLAGS; }
};
static_assert(sizeof(TlbEntry) == 32);

// Who watches a range (PageWatch); each owner replaces its own ranges.
enum class WatchOwner : uint8_t { DebugRegs = 0, Debugger = 1 };

struct WatchRange {
  uint64_t first, last;  // inclusive byte addresses
  bool physical;         // physical rather than linear addresses
  WatchOwner owner;
};

class PageWatch {
 public:
  bool active() const { return !ranges_.empty(); }
  const std::vector<WatchRange>& ranges() const { return ranges_; }

  // Replaces `owner`'s ranges; returns whether anything changed.
  bool set(WatchOwner owner, const std::vector<WatchRange>& r) {
    std::vector<WatchRange> next;
    for (const WatchRange& x : ranges_)
      if (x.owner != owner) next.push_back(x);
    for (WatchRange x : r) {
      x.owner = owner;
      next.push_back(x);
    }
    const bool changed = !same(next, ranges_);
    ranges_ = std::move(next);
    return changed;
  }
  // Whether linear page `vpage` or physical page `ppage` overlaps a range.
  bool page_watched(uint64_t vpage, uint64_t ppage) const {
    for (const WatchRange& x : ranges_) {
      const uint64_t p = x.physical ? ppage : vpage;
      if (x.first <= p + 0xFFF && x.last >= p) return true;
    }
    return false;
  }
  // Bit (1 << owner) for every owner with a range overlapping the access.
  unsigned hits(uint64_t lin, uint64_t phys, unsigned size) const {
    unsigned m = 0;
    for (const WatchRange& x : ranges_) {
      const uint64_t a = x.physical ? phys : lin;
      if (x.first <= a + size - 1 && x.last >= a) m |= 1u << unsigned(x.owner);
    }
    return m;
  }

 private:
  static bool same(const std::vector<WatchRange>& a, const std::vector<WatchRange>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].first != b[i].first || a[i].last != b[i].last || a[i].physical != b[i].physical ||
          a[i].owner != b[i].owner)
        return false;
    return true;
  }
  std::vector<WatchRange> ranges_;
};

struct SoftTlb {
  static constexpr unsigned BITS = 12;
  static constexpr unsigned SIZE = 1u << BITS;
  static constexpr uint64_t INVALID_TAG = ~0ull;

  SoftTlb() {
    for (auto& t : e)
      for (auto& x : t) x = TlbEntry{INVALID_TAG, INVALID_TAG, 0, ~TlbEntry::FLAGS};
  }

  TlbEntry e[2][SIZE];  // [user][index]
  unsigned large_entries = 0;  // LARGE entries made since the last flush_all (INVLPG scans if > 0)
  PageWatch watch;

  static unsigned index(uint64_t lin) { return unsigned(lin >> 12) & (SIZE - 1); }

  // Records that entry `x` (at [user][idx]) has just been made.
  void made(unsigned user, unsigned idx, TlbEntry& x) {
    if (x.pf & TlbEntry::LISTED) return;
    x.pf |= TlbEntry::LISTED;
    used_[user][nused_[user]++] = uint16_t(idx);
  }

  void flush_all() {
    for (unsigned u = 0; u < 2; ++u) {
      for (unsigned k = 0; k < nused_[u]; ++k) {
        TlbEntry& x = e[u][used_[u][k]];
        x.tag_r = x.tag_w = INVALID_TAG;
        x.pf &= ~TlbEntry::FLAGS;
      }
      nused_[u] = 0;
    }
    large_entries = 0;
  }
  void flush_nonglobal() {
    for (unsigned u = 0; u < 2; ++u) {
      unsigned keep = 0;
      for (unsigned k = 0; k < nused_[u]; ++k) {
        TlbEntry& x = e[u][used_[u][k]];
        if (x.pf & TlbEntry::GLOBAL) {
          used_[u][keep++] = used_[u][k];
        } else {
          x.tag_r = x.tag_w = INVALID_TAG;
          x.pf &= ~TlbEntry::FLAGS;
        }
      }
      nused_[u] = keep;
    }
  }
  // INVLPG: drops the page containing `lin`, global or not; for a 4 MiB page,
  // every piece of it.
  void flush_page(uint64_t lin) {
    const uint64_t page = lin & ~0xFFFull;
    for (auto& t : e) {
      TlbEntry& x = t[index(lin)];
      if (x.tag_r == page || x.tag_w == page) x.tag_r = x.tag_w = INVALID_TAG;
    }
    if (large_entries == 0) return;
    const uint64_t big = lin >> 22;
    for (unsigned u = 0; u < 2; ++u)
      for (unsigned k = 0; k < nused_[u]; ++k) {
        TlbEntry& x = e[u][used_[u][k]];
        if ((x.pf & TlbEntry::LARGE) && x.tag_r != INVALID_TAG && (x.tag_r >> 22) == big)
          x.tag_r = x.tag_w = INVALID_TAG;
      }
  }
  // Stops fast-path writes to a physical page (it now holds cached code).
  void protect_ppage(uint64_t ppage) {
    for (unsigned u = 0; u < 2; ++u)
      for (unsigned k = 0; k < nused_[u]; ++k) {
        TlbEntry& x = e[u][used_[u][k]];
        if (x.ppage() == ppage) x.tag_w = INVALID_TAG;
      }
  }

 private:
  uint16_t used_[2][SIZE];
  unsigned nused_[2] = {0, 0};
};

}  // namespace xlat::core
