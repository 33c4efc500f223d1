// 8259A port decode: A0 selects the register pair (even: ICW1/OCW2/OCW3 and
// IRR/ISR/poll reads; odd: ICW2-4/OCW1 and IMR). Wider accesses are split
// into byte cycles as the ISA bus does; bytes beyond the chip read 0xFF.
#include "devices/pic8259/pic8259.hpp"

namespace xlat::dev {

uint32_t Pic8259::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = ((p ^ port) & ~1u) ? 0xFF : read(p & 1);
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void Pic8259::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    if (!((p ^ port) & ~1u)) write(p & 1, uint8_t(value >> (8 * i)));
  }
}

// ELCR: 0x4D0 (master, IRQ 0-7) and 0x4D1 (slave, IRQ 8-15).
uint32_t PicPair::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    uint8_t b = 0xFF;
    if (p == ELCR_PORT)
      b = master_.elcr();
    else if (p == ELCR_PORT + 1u)
      b = slave_.elcr();
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void PicPair::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) {
    const unsigned p = port + i;
    const uint8_t b = uint8_t(value >> (8 * i));
    if (p == ELCR_PORT)
      master_.set_elcr(b);
    else if (p == ELCR_PORT + 1u)
      slave_.set_elcr(b);
  }
}

}  // namespace xlat::dev
