#include "core/mode/descriptors.hpp"

namespace xlat::core {

uint32_t descriptor_address(const Cpu& c, uint16_t sel) {
  const uint64_t base = (sel & 4) ? c.s.ldtr.base : c.s.gdtr.base;
  return uint32_t(base + (sel & 0xFFF8));
}

bool read_descriptor(Cpu& c, uint16_t sel, Descriptor& d) {
  uint32_t limit;
  if (sel & 4) {
    if (!(c.s.ldtr.attr & seg_attr::P) || (c.s.ldtr.sel & 0xFFFC) == 0) return false;
    limit = c.s.ldtr.limit;
  } else {
    limit = c.s.gdtr.limit;
  }
  if ((sel | 7u) > limit) return false;
  const uint32_t a = descriptor_address(c, sel);
  d.lo = c.read_lin<uint32_t>(a, false);
  d.hi = c.read_lin<uint32_t>(a + 4, false);
  return true;
}

void set_accessed(Cpu& c, uint16_t sel, Descriptor& d) {
  if (!d.s() || (d.hi & (1u << 8))) return;
  d.hi |= 1u << 8;
  c.write_lin<uint32_t>(descriptor_address(c, sel) + 4, d.hi, false);
}

void load_cache(Segment& g, uint16_t sel, const Descriptor& d) {
  g.sel = sel;
  g.base = d.base();
  g.limit = d.limit();
  g.attr = d.attr();
}

}  // namespace xlat::core
