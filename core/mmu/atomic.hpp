// Read-modify-write of guest memory, plain or atomic (LOCK prefix).
//
// An instruction like ADD [mem], reg or a LOCKed BTS reads its memory
// destination and writes it back. guest_rmw() resolves the destination once,
// with the checks of a write (segment rights and limit, paging with a write
// error code, dirty bit), so a fault happens before anything changes, and then
// updates the bytes through one host pointer:
//
//   - The soft TLB gives a host pointer for the whole access (RAM page, dirty,
//     holding no translated code, access inside one page): the update is done
//     there. With LOCK it is a host compare-and-swap loop on that address, so
//     another host thread touching guest RAM (a future SMP guest, a device
//     model doing DMA with atomics) sees one indivisible update:
//       aligned accesses          -> __atomic builtins on the natural type;
//       misaligned inside an aligned 8-byte word -> a CAS of that word;
//       misaligned across 8 bytes -> LOCK CMPXCHG on the misaligned address
//                                    (x86 hosts only: a hardware split lock).
//   - Otherwise (MMIO, ROM, a code page whose writes must invalidate blocks,
//     an access crossing a page, or a split access on a non-x86 host) the
//     update is a read then a write through the bus: correct for a single
//     CPU, but not atomic against other host threads.
//
// The update function f(old) -> new must be pure: the CAS loop may call it
// more than once. Callers compute flags from the returned old value after
// guest_rmw returns, so nothing is changed if it faults.
// Guest memory is little-endian and so is every host this code supports.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/cpu.hpp"

namespace xlat::core {

namespace rmw_detail {

// The host pointer for a write of `size` bytes at linear `lin` after a TLB
// miss: walks the page tables for a write (raising #PF with W=1), then asks
// the TLB again. nullptr when the bytes must go through the bus.
inline uint8_t* host_after_miss(Cpu& c, uint32_t lin, unsigned size, bool user) {
  c.translate(lin, Access::Write, user);
  const bool in_page = (lin & 0xFFF) <= 0x1000 - size;
  if (!in_page) {
    c.translate(lin + size - 1, Access::Write, user);  // both pages must be writable
    return nullptr;
  }
  const TlbEntry& e = c.tlb.e[user][SoftTlb::index(lin)];
  if (e.tag_w == (lin & ~0xFFFu)) return reinterpret_cast<uint8_t*>(e.addend + lin);
  return nullptr;
}

#if defined(__x86_64__) || defined(__i386__)
constexpr bool kHostX86 = true;
#else
constexpr bool kHostX86 = false;
#endif

// One LOCK CMPXCHG on a possibly misaligned address (x86 hosts).
template <typename T>
inline bool split_cas(uint8_t* p, T& expected, T desired) {
#if defined(__x86_64__) || defined(__i386__)
  bool ok;
  if constexpr (sizeof(T) == 8) {
    uint32_t lo = uint32_t(expected), hi = uint32_t(expected >> 32);
    asm volatile("lock cmpxchg8b %[m]"
                 : [m] "+m"(*reinterpret_cast<uint64_t*>(p)), "+a"(lo), "+d"(hi), "=@ccz"(ok)
                 : "b"(uint32_t(desired)), "c"(uint32_t(desired >> 32))
                 : "memory");
    expected = (uint64_t(hi) << 32) | lo;
  } else {
    asm volatile("lock cmpxchg %[d], %[m]"
                 : [m] "+m"(*reinterpret_cast<T*>(p)), "+a"(expected), "=@ccz"(ok)
                 : [d] "r"(desired)
                 : "memory");
  }
  return ok;
#else
  (void)p, (void)expected, (void)desired;
  return false;
#endif
}

// Atomically replaces the T at p by f(old); returns old.
template <typename T, typename F>
inline T atomic_update(uint8_t* p, F& f) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  if (!(addr & (sizeof(T) - 1))) {
    T* q = reinterpret_cast<T*>(p);
    T old = __atomic_load_n(q, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(q, &old, T(f(old)), false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    }
    return old;
  }
  const unsigned in_word = unsigned(addr & 7);
  if (in_word + sizeof(T) <= 8) {
    // Misaligned but inside one aligned 8-byte word: CAS the whole word.
    uint64_t* w = reinterpret_cast<uint64_t*>(addr & ~uintptr_t(7));
    const unsigned shift = in_word * 8;
    const uint64_t mask = uint64_t(T(~T(0))) << shift;
    uint64_t cur = __atomic_load_n(w, __ATOMIC_RELAXED);
    for (;;) {
      const T old = T(cur >> shift);
      const uint64_t next = (cur & ~mask) | ((uint64_t(T(f(old))) << shift) & mask);
      if (__atomic_compare_exchange_n(w, &cur, next, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) return old;
    }
  }
  if constexpr (kHostX86) {
    T old;
    std::memcpy(&old, p, sizeof(T));
    while (!split_cas<T>(p, old, T(f(old)))) {
    }
    return old;
  }
  T old;  // non-x86 host, access across 8 bytes: not atomic (see above)
  std::memcpy(&old, p, sizeof(T));
  const T nv = T(f(old));
  std::memcpy(p, &nv, sizeof(T));
  return old;
}

}  // namespace rmw_detail

// Checks sreg:off for a write of `size` bytes (#GP/#SS, #PF with W=1) and
// returns its host pointer, or nullptr when it must go through the bus.
// `lin` receives the linear address.
inline uint8_t* rmw_host(Cpu& c, unsigned sreg, uint32_t off, unsigned size, uint32_t& lin) {
  const Segment& g = c.s.seg[sreg];
  if (!(g.access & seg_access::WRITE) || off < g.lo || uint64_t(off) + size - 1 > g.hi) [[unlikely]]
    raise_fault(sreg == SS ? VEC_SS : VEC_GP, 0);
  lin = uint32_t(g.base + off);
  const bool user = c.user();
  const TlbEntry& e = c.tlb.e[user][SoftTlb::index(lin)];
  if (e.tag_w == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000 - size) [[likely]]
    return reinterpret_cast<uint8_t*>(e.addend + lin);
  return rmw_detail::host_after_miss(c, lin, size, user);
}

// Replaces the T at sreg:off by f(old), atomically if `locked`; returns old.
// T is uint8_t, uint16_t, uint32_t or uint64_t.
template <typename T, typename F>
inline T guest_rmw(Cpu& c, unsigned sreg, uint32_t off, bool locked, F&& f) {
  static_assert(std::is_unsigned_v<T>);
  uint32_t lin;
  uint8_t* p = rmw_host(c, sreg, off, sizeof(T), lin);
  if (p) [[likely]] {
    if (locked) return rmw_detail::atomic_update<T>(p, f);
    T old;
    std::memcpy(&old, p, sizeof(T));
    const T nv = T(f(old));
    std::memcpy(p, &nv, sizeof(T));
    return old;
  }
  // Through the bus (the pages were checked for writing above).
  const bool user = c.user();
  T old;
  T nv;
  if constexpr (sizeof(T) == 8) {
    old = c.read_lin_slow(lin, 8, user);
    nv = T(f(old));
    c.write_lin_slow(lin, nv, 8, user);
  } else {
    old = c.read_lin<T>(lin, user);
    nv = T(f(old));
    c.write_lin<T>(lin, nv, user);
  }
  return old;
}

// guest_rmw for an operand size of 1, 2 or 4 bytes, on 32-bit values.
template <typename F>
inline uint32_t guest_rmw_sized(Cpu& c, unsigned sreg, uint32_t off, unsigned size, bool locked, F&& f) {
  if (size == 4) return guest_rmw<uint32_t>(c, sreg, off, locked, f);
  if (size == 2) return guest_rmw<uint16_t>(c, sreg, off, locked, f);
  return guest_rmw<uint8_t>(c, sreg, off, locked, f);
}

}  // namespace xlat::core
