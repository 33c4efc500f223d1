// MC146818 port decode: 0x70 (write-only index and NMI mask; reads 0xFF) and
// 0x71 (the selected register). Wider accesses are split into byte cycles.
#include "devices/cmos/cmos.hpp"

namespace xlat::dev {

uint32_t CmosRtc::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = p == DATA_PORT ? read_register(st_.index) : 0xFF;
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void CmosRtc::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = uint8_t(value >> (8 * i));
    if (p == INDEX_PORT) {
      st_.index = b & 0x7F;
      st_.nmi_masked = b & 0x80;
      nmi_mask.set(st_.nmi_masked);
    } else if (p == DATA_PORT) {
      write_register(st_.index, b);
    }
  }
}

}  // namespace xlat::dev
