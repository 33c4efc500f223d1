// The PC/AT's ISA DMA: two cascaded Intel 8237A controllers and the 74LS612
// page registers.
//
//   controller 1, channels 0-3 (bytes):  ports 0x00-0x0F
//   controller 2, channels 4-7 (words):  ports 0xC0-0xDE (every other port)
//   page registers: 0x87 ch0, 0x83 ch1, 0x81 ch2, 0x82 ch3, 0x8F ch4,
//                   0x8B ch5, 0x89 ch6, 0x8A ch7; the rest of 0x81-0x8F is
//                   plain storage (0x80 is the POST port, not ours)
//
// Registers per the 8237A data sheet: current/base address and word count
// (16 bits through the byte-pointer flip-flop), mode (transfer type,
// autoinitialise, address decrement), the mask bits (single, all, and the
// clear-mask command), status (terminal count, cleared on read), command,
// request, master clear. Channel 4 is the cascade to controller 1.
//
// A device does its transfer in one call (the FDC moves a sector at a time):
// `to_memory` for a device->memory ("write") transfer, `from_memory` for
// memory->device ("read"). Each moves at most what the channel's count
// allows, in the direction its mode says, wrapping inside the 64 KiB (or
// 128 KiB for words) page as the hardware does since the page register does
// not count, sets terminal count (TC) when the count runs out and then
// re-arms an autoinitialise channel. A masked channel moves nothing; a
// transfer type that does not match moves nothing either ("verify" moves no
// memory but counts). Memory goes through the bus (RAM only; ROM and holes
// are skipped), so a DMA write into translated code invalidates it.
//
// State lives in plain structs (snapshot-ready).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bus.hpp"

namespace xlat::dev {

class Dma8237 final : public core::ByteIoHandler {
 public:
  struct Channel {
    uint16_t base_addr = 0, base_count = 0;
    uint16_t addr = 0, count = 0;  // current
    uint8_t mode = 0;              // bits 2-3 type, 4 autoinit, 5 decrement, 6-7 mode
    uint8_t page = 0;
  };
  struct Controller {
    Channel ch[4];
    bool flip_flop = false;  // false: next 16-bit register access is the low byte
    uint8_t mask = 0x0F;     // bit n: channel n masked
    uint8_t status = 0;      // bits 0-3 TC reached, 4-7 request
    uint8_t command = 0;
    uint8_t request = 0;
    uint8_t temp = 0;
  };
  struct State {
    Controller c[2];
    uint8_t page_extra[16] = {};  // the unused page register bytes 0x80-0x8F
  };

  // Transfer types (mode bits 2-3).
  static constexpr uint8_t VERIFY = 0, WRITE = 1, READ = 2;

  explicit Dma8237(core::Bus& bus) : bus_(bus) { reset(); }
  void reset();

  // Device side. `n` is in bytes (an even number for channels 5-7); returns
  // the bytes moved.
  size_t to_memory(unsigned channel, const uint8_t* src, size_t n);
  size_t from_memory(unsigned channel, uint8_t* dst, size_t n);
  // Whether the channel is unmasked and programmed for `type`.
  bool ready(unsigned channel, uint8_t type) const;
  // Bytes left before terminal count.
  size_t remaining(unsigned channel) const;

  uint8_t read(uint16_t port) override;
  void write(uint16_t port, uint8_t v) override;

  const State& state() const { return st_; }

 private:
  size_t transfer(unsigned channel, uint8_t type, uint8_t* host, size_t n);
  Channel& chan(unsigned channel) { return st_.c[channel >> 2].ch[channel & 3]; }
  const Channel& chan(unsigned channel) const { return st_.c[channel >> 2].ch[channel & 3]; }

  core::Bus& bus_;
  State st_;
};

}  // namespace xlat::dev
