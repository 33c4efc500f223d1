// VGA, text mode: the register file behind the standard ports and the text
// screen as the guest laid it out in video memory.
//
// Ports: 0x3C0/0x3C1 attribute controller (an index/data flip-flop, reset by
// reading input status 1), 0x3C2 misc output (write) / input status 0,
// 0x3C4/0x3C5 sequencer, 0x3C6-0x3C9 DAC (mask, read/write index, data in
// R,G,B triplets), 0x3CC misc output (read), 0x3CE/0x3CF graphics controller,
// 0x3B4/0x3B5 or 0x3D4/0x3D5 CRT controller (mono or colour, by misc output
// bit 0; the other pair floats), 0x3BA/0x3DA input status 1, whose vertical
// retrace (bit 3) and display-disabled (bit 0) bits follow virtual time at
// 70 Hz as on a real card in mode 3, so polling loops end.
//
// Video memory stays plain RAM on the bus (0xA0000-0xBFFFF): guest writes to
// the text buffer cost what any RAM write costs, and the display and
// `screendump` read the buffer when they need it. The screen is 80x25
// character/attribute pairs at 0xB8000 (colour) or 0xB0000 (mono) plus the
// CRTC start address; the cursor is CRTC registers 0Eh/0Fh, hidden by
// register 0Ah bit 5. Planar graphics modes are not emulated.
//
// State lives in one plain struct so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "core/scheduler.hpp"

namespace xlat::dev {

class VgaText final : public core::IoHandler {
 public:
  static constexpr unsigned COLS = 80, ROWS = 25;
  static constexpr uint64_t FRAME_NS = 14'268'000;  // 70.09 Hz (mode 3)
  static constexpr uint64_t VRETRACE_NS = 63'556;   // 2 lines of 31.78 us

  struct State {
    uint8_t misc = 0x67;  // colour, 28 MHz clock, RAM enabled (mode 3)
    uint8_t seq_index = 0, seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
    uint8_t crtc_index = 0;
    uint8_t crtc[25] = {0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
                        0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF};
    uint8_t gc_index = 0, gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF};
    bool attr_flip = false;  // false: the next 0x3C0 write is an index
    uint8_t attr_index = 0;  // bit 5: palette address source (screen on)
    uint8_t attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
                        0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00};
    uint8_t dac_mask = 0xFF, dac_read = 0, dac_write = 0, dac_component = 0, dac_state = 0;  // state: 0 write, 3 read
    uint8_t dac[256][3] = {};
  };

  struct Cell {
    uint8_t ch, attr;
  };

  VgaText(core::Bus& bus, core::Scheduler& sched);
  void reset();

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;

  // The text screen now: ROWS x COLS cells from video memory at the CRTC
  // start address.
  std::vector<Cell> cells() const;
  // Cursor position (row, column), or false when hidden or off screen.
  bool cursor(unsigned& row, unsigned& col) const;
  // The screen as plain text: ROWS lines, trailing blanks removed, control
  // and non-ASCII characters shown as CP437 would be approximated ('.' for
  // what has no ASCII look-alike, space for 0).
  std::string text() const;

  const State& state() const { return st_; }

 private:
  uint8_t read_port(uint16_t port);
  void write_port(uint16_t port, uint8_t v);
  bool mono() const { return !(st_.misc & 1); }

  core::Bus& bus_;
  core::Scheduler& sched_;
  State st_;
};

}  // namespace xlat::dev
