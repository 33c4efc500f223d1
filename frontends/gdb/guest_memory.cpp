// Debugger access to guest memory (see guest_memory.hpp).
#include "frontends/gdb/guest_memory.hpp"

#include <algorithm>

namespace xlat::gdb {

namespace {

// Physical address of a byte, or false. Linear addresses wrap at 4 GiB.
bool to_phys(core::Cpu& cpu, uint64_t addr, bool physical, uint64_t& phys) {
  if (physical) {
    phys = addr;
    return true;
  }
  return cpu.probe(uint32_t(addr), phys);
}

template <typename F>
size_t per_page(core::Cpu& cpu, uint64_t addr, bool physical, size_t n, F&& op) {
  size_t done = 0;
  while (done < n) {
    const uint64_t a = physical ? addr + done : uint32_t(addr + done);
    const size_t chunk = std::min<size_t>(n - done, 0x1000 - (a & 0xFFF));
    uint64_t phys;
    if (!to_phys(cpu, a, physical, phys) || !op(phys, done, chunk)) {
      // Part of the chunk may still be accessible (e.g. RAM then MMIO): byte by byte.
      for (size_t i = 0; i < chunk; ++i) {
        if (!to_phys(cpu, a + i, physical, phys) || !op(phys, done, 1)) return done;
        ++done;
      }
      continue;
    }
    done += chunk;
  }
  return done;
}

}  // namespace

size_t read_guest(core::Cpu& cpu, uint64_t addr, bool physical, uint8_t* out, size_t n) {
  return per_page(cpu, addr, physical, n,
                  [&](uint64_t phys, size_t off, size_t len) { return cpu.bus.copy_from(phys, out + off, len); });
}

size_t write_guest(core::Cpu& cpu, uint64_t addr, bool physical, const uint8_t* in, size_t n) {
  return per_page(cpu, addr, physical, n, [&](uint64_t phys, size_t off, size_t len) {
    // Check first so that a failing chunk writes nothing (copy_to stops mid-way).
    for (size_t i = 0; i < len; ++i) {
      const auto k = cpu.bus.page_kind(phys + i);
      if (k != core::PageKind::Ram && k != core::PageKind::Rom) return false;
    }
    return cpu.bus.copy_to(phys, in + off, len, true);
  });
}

}  // namespace xlat::gdb
