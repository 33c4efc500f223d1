// 16550A port decode: eight byte registers at base+0..7. Wider accesses are
// split into byte cycles; bytes past the chip read 0xFF.
#include "devices/uart16550/uart16550.hpp"

namespace xlat::dev {

uint32_t Uart16550::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = ((p ^ port) & ~7u) ? 0xFF : read(p & 7);
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void Uart16550::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    if (!((p ^ port) & ~7u)) write(p & 7, uint8_t(value >> (8 * i)));
  }
}

}  // namespace xlat::dev
