// 8042 port decode: 0x60 data, 0x64 status (read) / command (write). Each is
// a lone byte port; bytes of a wider access beyond the first read 0xFF.
#include "devices/i8042/i8042.hpp"

namespace xlat::dev {

uint32_t I8042::io_read(uint16_t port, unsigned size) {
  uint32_t v = port == DATA_PORT ? read_data() : port == STATUS_PORT ? read_status() : 0xFF;
  for (unsigned i = 1; i < size; ++i) v |= 0xFFu << (8 * i);
  return v;
}

void I8042::io_write(uint16_t port, uint32_t value, unsigned size) {
  if (port == DATA_PORT)
    write_data(uint8_t(value));
  else if (port == STATUS_PORT)
    write_command(uint8_t(value));
}

}  // namespace xlat::dev
