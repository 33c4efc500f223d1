// VGA text mode through its ports and video memory, mapped as the PC board
// maps it: CRTC index/data and its write protection, the attribute
// controller's flip-flop (reset by reading input status 1), the retrace bits
// following virtual time, DAC auto-increment, the mono/colour port choice,
// and the text screen read from memory at the CRTC start address.
#include "devices/vga/vga.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "core/bus.hpp"
#include "core/scheduler.hpp"

using namespace xlat;

namespace {

struct VgaRig {
  core::Scheduler sched;
  core::Bus bus{1 << 20};
  dev::VgaText vga{bus, sched};
  VgaRig() {
    bus.map_io(0x3B4, 2, &vga);
    bus.map_io(0x3BA, 1, &vga);
    bus.map_io(0x3C0, 16, &vga);
    bus.map_io(0x3D4, 2, &vga);
    bus.map_io(0x3DA, 1, &vga);
  }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
  void crtc(uint8_t i, uint8_t v) { out(0x3D4, i), out(0x3D5, v); }
  void text(uint32_t cell, const std::string& s, uint8_t attr = 0x07) {
    for (size_t k = 0; k < s.size(); ++k) {
      const uint8_t pair[2] = {uint8_t(s[k]), attr};
      bus.copy_to(0xB8000 + 2 * (cell + k), pair, 2);
    }
  }
};

}  // namespace

TEST_CASE("vga: CRTC registers read back; CR11 bit 7 protects CR00-CR07", "[vga]") {
  VgaRig r;
  r.crtc(0x0E, 0x01);
  r.crtc(0x0F, 0x23);
  r.out(0x3D4, 0x0E);
  CHECK(r.in(0x3D5) == 0x01);
  r.out(0x3D4, 0x0F);
  CHECK(r.in(0x3D5) == 0x23);
  CHECK(r.in(0x3D4) == 0x0F);  // the index reads back
  r.out(0x3D4, 0x11);
  const uint8_t cr11 = r.in(0x3D5);
  r.crtc(0x11, cr11 | 0x80);
  r.crtc(0x01, 0x12);  // protected: ignored
  r.out(0x3D4, 0x01);
  CHECK(r.in(0x3D5) == 0x4F);  // mode 3's horizontal display end
  r.crtc(0x11, cr11 & 0x7F);
  r.crtc(0x01, 0x12);
  r.out(0x3D4, 0x01);
  CHECK(r.in(0x3D5) == 0x12);
}

TEST_CASE("vga: the CRTC answers at 0x3Dx in colour and 0x3Bx in mono (misc output bit 0)", "[vga]") {
  VgaRig r;
  CHECK(r.in(0x3CC) == 0x67);
  r.crtc(0x0A, 0x0D);
  r.out(0x3B4, 0x0A);  // mono ports float in colour mode
  CHECK(r.in(0x3B5) == 0xFF);
  r.out(0x3C2, 0x66);  // mono
  r.out(0x3B4, 0x0A);
  CHECK(r.in(0x3B5) == 0x0D);
  CHECK(r.in(0x3D5) == 0xFF);
}

TEST_CASE("vga: attribute controller flip-flop, reset by reading input status 1", "[vga]") {
  VgaRig r;
  r.in(0x3DA);
  r.out(0x3C0, 0x01);  // index 1
  r.out(0x3C0, 0x3A);  // data
  r.out(0x3C0, 0x21);  // index 1 again, PAS set
  CHECK(r.in(0x3C0) == 0x21);
  CHECK(r.in(0x3C1) == 0x3A);
  r.out(0x3C0, 0x15);  // now data: palette register 1 = 0x15
  r.in(0x3DA);         // flip-flop back to index
  r.out(0x3C0, 0x01);
  CHECK(r.in(0x3C1) == 0x15);
}

TEST_CASE("vga: input status 1 shows vertical retrace once per 70 Hz frame", "[vga]") {
  VgaRig r;
  int retrace_starts = 0;
  bool was = r.in(0x3DA) & 0x08;
  for (uint64_t t = 0; t < 100'000'000; t += 10'000) {  // 100 ms of virtual time in 10 us steps
    r.sched.advance_to(t);
    const uint8_t st = r.in(0x3DA);
    const bool vr = st & 0x08;
    if (vr) CHECK((st & 0x01));  // display disabled during retrace
    if (vr && !was) ++retrace_starts;
    was = vr;
  }
  CHECK(retrace_starts == 7);
}

TEST_CASE("vga: DAC write and read indexes advance every three components", "[vga]") {
  VgaRig r;
  r.out(0x3C8, 5);
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) r.out(0x3C9, v);
  CHECK(r.in(0x3C8) == 7);
  r.out(0x3C7, 5);
  CHECK(r.in(0x3C7) == 3);  // DAC state: read mode
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) CHECK(r.in(0x3C9) == v);
  r.out(0x3C7, 1);  // the default palette: entry 1 is blue (0, 0, 42)
  CHECK(r.in(0x3C9) == 0);
  CHECK(r.in(0x3C9) == 0);
  CHECK(r.in(0x3C9) == 42);
}

TEST_CASE("vga: the text screen comes from video memory at the CRTC start address", "[vga]") {
  VgaRig r;
  r.text(0, "HELLO");
  r.text(80 * 24 + 75, "END", 0x1F);
  r.crtc(0x0E, 0), r.crtc(0x0F, 80 * 2 + 3);  // cursor at row 2, column 3
  std::string t = r.vga.text();
  CHECK(t.substr(0, 6) == "HELLO\n");
  CHECK(t.size() == 25 + 5 + 78);
  CHECK(t.substr(t.size() - 79) == std::string(75, ' ') + "END\n");
  const auto cells = r.vga.cells();
  CHECK(cells[80 * 24 + 75].attr == 0x1F);
  unsigned row = 0, col = 0;
  REQUIRE(r.vga.cursor(row, col));
  CHECK(row == 2);
  CHECK(col == 3);
  r.crtc(0x0A, 0x20);  // cursor off
  CHECK(!r.vga.cursor(row, col));
  r.crtc(0x0C, 0), r.crtc(0x0D, 80);  // scrolled by one line
  t = r.vga.text();
  CHECK(t.substr(0, 1) == "\n");  // row 0 is now the old row 1 (empty)
  CHECK(t.find("END") != std::string::npos);
  CHECK(t.find("HELLO") == std::string::npos);
}
