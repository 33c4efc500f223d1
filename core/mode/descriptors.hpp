// Segment descriptors as they sit in the GDT/LDT/IDT, and reading them.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace xlat::core {

// System descriptor types (S = 0).
namespace sys_type {
constexpr unsigned TSS16_AVAIL = 1, LDT = 2, TSS16_BUSY = 3, CALL_GATE16 = 4, TASK_GATE = 5,
                   INT_GATE16 = 6, TRAP_GATE16 = 7, TSS32_AVAIL = 9, TSS32_BUSY = 11,
                   CALL_GATE32 = 12, INT_GATE32 = 14, TRAP_GATE32 = 15;
}

struct Descriptor {
  uint32_t lo = 0, hi = 0;

  uint32_t base() const { return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u); }
  uint32_t raw_limit() const { return (lo & 0xFFFF) | (hi & 0xF0000); }
  // Byte-granular limit (G scales by 4 KiB).
  uint32_t limit() const { return (hi & (1u << 23)) ? (raw_limit() << 12) | 0xFFF : raw_limit(); }
  // Access-rights word in the Segment::attr layout (descriptor bits 40..55).
  uint16_t attr() const { return uint16_t((hi >> 8) & 0xF0FF); }
  unsigned type() const { return (hi >> 8) & 0xF; }
  bool s() const { return hi & (1u << 12); }
  unsigned dpl() const { return (hi >> 13) & 3; }
  bool present() const { return hi & (1u << 15); }
  bool code() const { return s() && (hi & (1u << 11)); }
  bool data() const { return s() && !(hi & (1u << 11)); }
  bool conforming() const { return code() && (hi & (1u << 10)); }
  bool readable() const { return code() ? (hi & (1u << 9)) : true; }
  bool writable() const { return data() && (hi & (1u << 9)); }
  // Gates: selector, offset and parameter count.
  uint16_t gate_selector() const { return uint16_t(lo >> 16); }
  uint32_t gate_offset() const { return (lo & 0xFFFF) | (hi & 0xFFFF0000u); }
  unsigned gate_param_count() const { return hi & 0x1F; }
};

// Reads the descriptor a selector names from the GDT or LDT (TI bit) with
// supervisor access. Returns false if the selector's index is beyond the
// table limit (or TI=1 with no valid LDT); null selectors are the caller's
// business. Page faults propagate.
bool read_descriptor(Cpu& c, uint16_t sel, Descriptor& d);
// Linear address of a selector's descriptor (after read_descriptor succeeded).
uint32_t descriptor_address(const Cpu& c, uint16_t sel);
// Sets the accessed bit of a code/data descriptor in memory if it is clear.
void set_accessed(Cpu& c, uint16_t sel, Descriptor& d);
// Loads a segment cache from a descriptor (no checks).
void load_cache(Segment& g, uint16_t sel, const Descriptor& d);

}  // namespace xlat::core
