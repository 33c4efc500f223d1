// System control port decode: three independent byte ports. A wider access
// reaches only the first; the other bytes read 0xFF.
#include "devices/sysctl/sysctl.hpp"

namespace xlat::dev {

uint32_t SystemControl::io_read(uint16_t port, unsigned size) {
  uint32_t v = read(port);
  for (unsigned i = 1; i < size; ++i) v |= 0xFFu << (8 * i);
  return v;
}

void SystemControl::io_write(uint16_t port, uint32_t value, unsigned size) { write(port, uint8_t(value)); }

}  // namespace xlat::dev
