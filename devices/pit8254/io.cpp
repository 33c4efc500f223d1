// 8254 port decode: A1:A0 select counter 0-2 or the control word register.
// Wider accesses are split into byte cycles; bytes past the chip read 0xFF.
#include "devices/pit8254/pit8254.hpp"

namespace xlat::dev {

uint32_t Pit8254::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = ((p ^ port) & ~3u) ? 0xFF : read(p & 3);
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void Pit8254::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    if (!((p ^ port) & ~3u)) write(p & 3, uint8_t(value >> (8 * i)));
  }
}

}  // namespace xlat::dev
